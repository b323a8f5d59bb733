"""What an installer gets from `mvgate check` and `mvgate read` for the mistakes of issue 15:
integer literals beyond their range (libconfig alone wraps them), an empty point list, a
missing @include, data_dir that exists or will be created, and a host that does not resolve
(said as such, never as "connection refused")."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvgtest  # noqa: E402

MVGATE = mvgtest.binary("mvgate")
# RFC 6761: .invalid never resolves
NOHOST = "meter-1.invalid"


def head(data_dir):
    return 'gateway = { id = "gw-1"; site = "plant"; data_dir = "%s"; };\n' % data_dir


def lan(host="127.0.0.1", port=502):
    return ('buses = ( { name = "lan"; type = "tcp"; host = "%s"; port = %d; timeout_ms = 300;'
            ' retries = 0; } );\n' % (host, port))


def device(address="0", unit="1"):
    return ('devices = ( { name = "m1"; bus = "lan"; unit_id = %s;\n'
            '  points = ( { name = "kw"; area = "holding"; address = %s; type = "int16"; } ); } );\n'
            % (unit, address))


def check(path):
    return mvgtest.run([MVGATE, "check", "-c", path])


def test_out_of_range_literals_refused_with_range():
    with mvgtest.TempDir() as d:
        path = mvgtest.write(os.path.join(d, "wrap.conf"),
                             head(d) + lan() + device("4294967348", "4294967297"))
        r = check(path)
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert "%s:3: device 'm1': 'unit_id' must be 0..255, not 4294967297" % path in r.stderr, \
            r.stderr
        assert ("%s:4: device 'm1': point 'kw': 'address' must be 0..65535, not 4294967348" % path
                in r.stderr), r.stderr
        # the same values in range pass: the check is on the literal, not on every number
        ok = mvgtest.write(os.path.join(d, "ok.conf"), head(d) + lan() + device("52", "1"))
        r = check(ok)
        assert r.returncode == 0, r.stderr


def test_empty_points_and_missing_include():
    with mvgtest.TempDir() as d:
        empty = mvgtest.write(os.path.join(d, "empty.conf"), head(d) + lan() +
                              'devices = ( { name = "m1"; bus = "lan"; points = ( ); } );\n')
        r = check(empty)
        assert r.returncode == 1
        assert "%s:3: device 'm1': 'points' is empty" % empty in r.stderr, r.stderr
        main = mvgtest.write(os.path.join(d, "main.conf"),
                             head(d) + lan() + '@include "conf.d/meters.conf"\n')
        r = check(main)
        assert r.returncode == 1
        want = ('%s:3: cannot open include file "conf.d/meters.conf": looked for '
                '%s/conf.d/meters.conf: No such file or directory' % (main, d))
        assert want in r.stderr, r.stderr
        # created, it is found where the message said
        os.mkdir(os.path.join(d, "conf.d"))
        mvgtest.write(os.path.join(d, "conf.d", "meters.conf"), device())
        r = check(main)
        assert r.returncode == 0, r.stderr


def test_data_dir_exists_or_will_be_created():
    with mvgtest.TempDir() as d:
        path = mvgtest.write(os.path.join(d, "a.conf"), head(d) + lan() + device())
        r = check(path)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[1] == "%s: data_dir %s exists and is writable" % (path, d), \
            r.stdout
        new = os.path.join(d, "store", "gw")
        path = mvgtest.write(os.path.join(d, "b.conf"), head(new) + lan() + device())
        r = check(path)
        assert r.returncode == 0, r.stderr
        assert (r.stdout.splitlines()[1] ==
                "%s: data_dir %s does not exist: mvgated will create it" % (path, new)), r.stdout
        # a file where the directory should be is an error with its line
        blocker = mvgtest.write(os.path.join(d, "store-file"), "")
        path = mvgtest.write(os.path.join(d, "c.conf"), head(blocker + "/gw") + lan() + device())
        r = check(path)
        assert r.returncode == 1
        assert re.search(re.escape(path) + r":1: gateway: data_dir .*is not a directory",
                         r.stderr), r.stderr


def test_unresolvable_host_said_as_such():
    with mvgtest.TempDir() as d:
        path = mvgtest.write(os.path.join(d, "h.conf"), head(d) + lan(NOHOST) + device())
        r = check(path)
        assert r.returncode == 0, r.stderr  # the gateway's DNS may know it: a warning
        assert re.search(re.escape(path) + r":2: warning: bus 'lan': cannot resolve host "
                         + re.escape(NOHOST) + ": ", r.stderr), r.stderr
        r = mvgtest.run([MVGATE, "read", "-c", path])
        assert r.returncode == 1, (r.stdout, r.stderr)
        assert "cannot resolve host %s: " % NOHOST in r.stderr, r.stderr
        assert "refused" not in r.stderr, r.stderr
        # a numeric host resolves: no warning
        path = mvgtest.write(os.path.join(d, "n.conf"), head(d) + lan() + device())
        r = check(path)
        assert r.returncode == 0 and r.stderr == "", r.stderr


if __name__ == "__main__":
    mvgtest.main([test_out_of_range_literals_refused_with_range,
                  test_empty_points_and_missing_include, test_data_dir_exists_or_will_be_created,
                  test_unresolvable_host_said_as_such])
