"""Runs the real `mvgate check` on good and bad configurations: exit codes
(0 good, 1 errors, 2 usage), the summary line on stdout whose counts are
computed here from the files themselves, and on stderr every problem as
FILE:LINE: message followed by the error count."""

import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvgtest  # noqa: E402

SRC = mvgtest.SRC
MVGATE = mvgtest.binary("mvgate")
EXAMPLES = os.path.join(SRC, "config", "examples")
PROFILES = os.path.join(SRC, "config", "profiles")

HEAD = 'gateway = { id = "gw-1"; site = "plant"; data_dir = "/var/lib/mvgate"; };\n'
LAN = 'buses = ( { name = "lan"; type = "tcp"; host = "127.0.0.1"; port = 502; } );\n'


def check(*args, env=None):
    return mvgtest.run([MVGATE, "check"] + list(args), env=env)


class TempDir:
    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="mvg-check-")
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)

    def write(self, name, text):
        p = os.path.join(self.path, name)
        with open(p, "w") as f:
            f.write(text)
        return p


def strip_comments(text):
    return "\n".join(re.sub(r"#.*$", "", line) for line in text.splitlines())


def diag_lines(stderr, path):
    """The FILE:LINE: message lines of stderr, as (line, message)."""
    out = []
    for line in stderr.splitlines():
        m = re.match(re.escape(path) + r":(\d+): (.*)$", line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def assert_diag(diags, line, fragment):
    for ln, msg in diags:
        if ln == line and fragment in msg:
            return
    raise AssertionError("no diagnostic at line %d containing %r in %r" % (line, fragment, diags))


def test_every_example_passes_with_counts():
    names = sorted(n for n in os.listdir(EXAMPLES) if n.endswith(".conf"))
    assert names, "no examples in config/examples"
    for name in names:
        path = os.path.join(EXAMPLES, name)
        text = strip_comments(open(path).read())
        # every point has exactly one area, every device one bus reference
        npoints = len(re.findall(r"\barea\s*=", text))
        ndevices = len(re.findall(r"\bbus\s*=", text))
        gw = re.search(r'\bid\s*=\s*"([^"]+)"', text).group(1)
        r = check("-c", path)
        assert r.returncode == 0, (name, r.returncode, r.stderr)
        assert r.stderr == "", r.stderr
        lines = r.stdout.splitlines()
        assert len(lines) == 2, lines
        assert lines[0].startswith(path + ": OK: gateway " + gw + " "), lines[0]
        assert lines[1].startswith(path + ": data_dir "), lines[1]
        assert re.search(r"\b%d devices?\b" % ndevices, lines[0]), (lines[0], ndevices)
        assert re.search(r"\b%d points\b" % npoints, lines[0]), (lines[0], npoints)


def test_profile_subset_override_and_dir_option():
    prof = open(os.path.join(PROFILES, "eastron-sdm630.conf")).read()
    nprof = len(re.findall(r"\barea\s*=", strip_comments(prof)))
    assert nprof > 3
    with TempDir() as t:
        good = t.write("good.conf", HEAD + LAN +
                       'devices = (\n'
                       '  { name = "main"; bus = "lan"; unit_id = 1; profile = "eastron-sdm630"; },\n'
                       '  { name = "sub"; bus = "lan"; unit_id = 2; profile = "eastron-sdm630";\n'
                       '    profile_points = [ "voltage_l1_v", "current_l1_a" ];\n'
                       '    points = ( { name = "current_l1_a"; area = "holding"; address = 9;\n'
                       '                 type = "float32"; },\n'
                       '               { name = "extra"; area = "coil"; address = 0; type = "bool"; } ); }\n'
                       ');\n')
        # the profile dir is not next to the temp file: --profile-dir must be used
        r = check("-c", good, "--profile-dir", PROFILES)
        assert r.returncode == 0, r.stderr
        # main: all profile points; sub: 2 chosen (one replaced) + 1 of its own
        assert re.search(r"\b2 devices \(2 from profiles\)", r.stdout), r.stdout
        assert re.search(r"\b%d points\b" % (nprof + 3), r.stdout), (r.stdout, nprof)
        # same through the environment
        r = check("-c", good, env={"MVG_PROFILE_DIR": PROFILES})
        assert r.returncode == 0, r.stderr

        # a profile nowhere to be found names the directories searched
        empty = os.path.join(t.path, "none")
        os.mkdir(empty)
        r = check("-c", good, "--profile-dir", empty, env={"MVG_PROFILE_DIR": ""})
        assert r.returncode == 1
        d = diag_lines(r.stderr, good)
        assert_diag(d, 4, 'profile "eastron-sdm630" not found')
        assert empty in r.stderr


def test_bad_file_reports_every_error_with_lines():
    with TempDir() as t:
        bad = t.write("bad.conf", HEAD +
                      'buses = ( { name = "lan"; type = "tcp"; host = "127.0.0.1"; port = 70000; },\n'
                      '          { name = "rs"; type = "rtu"; device = "/dev/ttyUSB0"; baud = 9601; } );\n'
                      'devices = (\n'
                      '  { name = "m1"; bus = "nope"; unit_id = 1;\n'
                      '    points = ( { name = "kw"; area = "holding"; address = 0; type = "float32"; },\n'
                      '               { name = "kvar"; area = "holding"; address = 1; type = "float32"; } ); },\n'
                      '  { name = "m2"; bus = "rs"; unit_id = 3; colour = "red";\n'
                      '    points = ( { name = "on"; area = "coil"; address = 0; type = "int16"; } ); },\n'
                      '  { name = "m3"; bus = "rs"; unit_id = 3;\n'
                      '    points = ( { name = "x.y"; area = "input"; address = 65535; type = "uint32"; } ); }\n'
                      ');\n'
                      'mystery = 1;\n')
        r = check("-c", bad)
        assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
        assert r.stdout == "", r.stdout
        d = diag_lines(r.stderr, bad)
        assert_diag(d, 2, "'port' must be 1..65535")
        assert_diag(d, 3, "9601")
        assert_diag(d, 5, 'bus "nope" is not defined')
        assert_diag(d, 7, "overlaps point 'kw'")
        assert_diag(d, 8, "unknown key 'colour'")
        assert_diag(d, 9, "must be of type bool")
        assert_diag(d, 10, "unit_id 3 on bus 'rs'")
        assert_diag(d, 11, "x.y")
        assert_diag(d, 13, "unknown key 'mystery'")
        # the closing count agrees with the lines printed
        last = r.stderr.splitlines()[-1]
        m = re.match(re.escape(bad) + r": (\d+) errors?$", last)
        assert m, last
        assert int(m.group(1)) == len(d), (last, d)


def doc_blocks(title):
    """The ``` blocks of the section `title` of docs/config.md."""
    text = open(os.path.join(SRC, "docs", "config.md")).read()
    at = text.index("\n## " + title + "\n")
    end = text.find("\n## ", at + 1)
    return re.findall(r"```\n(.*?)```", text[at:end if end > 0 else len(text)], re.S)


def test_documented_examples_pass():
    """docs/config.md's minimal files and full example are what the loader accepts, and the
    summary line the page shows for the full example is the one mvgate check prints."""
    with TempDir() as t:
        blocks = doc_blocks("The minimal valid file")
        assert len(blocks) == 2, blocks
        for i, block in enumerate(blocks):
            path = t.write("minimal%d.conf" % i, block)
            r = check("-c", path)
            assert r.returncode == 0, r.stderr
            assert r.stdout.startswith(path + ": OK: gateway gw1 (site plant-a), 1 bus, 1 device "
                                       "(0 from profiles), 1 points"), r.stdout
        blocks = doc_blocks("A full example")
        text = blocks[0]
        shown = [b for b in blocks[1:] if ": OK: gateway" in b]
        assert len(shown) == 1, blocks
        summary = shown[0].strip().splitlines()[0].split(": ", 1)[1]
        token = t.write("influx.token", "secret\n")
        os.chmod(token, 0o600)  # a secret file is its owner's alone
        assert '"/etc/mvgate/influx.token"' in text
        text = text.replace('"/etc/mvgate/influx.token"', '"%s"' % token)
        full = t.write("full.conf", text)
        r = check("-c", full, "--profile-dir", PROFILES)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == full + ": " + summary, (r.stdout, summary)
        # an inline expression as x is an implicit channel, not a declared derived one
        assert 'x = [ "weather.t_out" ]' in text
        inline = t.write("full-inline.conf", text.replace('x = [ "weather.t_out" ]',
                                                          'x = [ "weather.t_out * 1.8 + 32" ]'))
        r = check("-c", inline, "--profile-dir", PROFILES)
        assert r.returncode == 0, r.stderr
        assert r.stdout.splitlines()[0] == inline + ": " + summary, (r.stdout, summary)
        # and it is the checks that pass it: break one documented rule
        assert 'parity = "E"' in text
        bad = t.write("full-bad.conf", text.replace('parity = "E"', 'parity = "X"'))
        r = check("-c", bad, "--profile-dir", PROFILES)
        assert r.returncode == 1 and "parity" in r.stderr, r.stderr


def test_syntax_error_and_unreadable_file():
    with TempDir() as t:
        syn = t.write("syn.conf", HEAD + 'buses = (\n  { name = "lan"; type = "tcp" \n')
        r = check("-c", syn)
        assert r.returncode == 1
        assert re.search(re.escape(syn) + r":\d+: syntax error", r.stderr), r.stderr
        missing = os.path.join(t.path, "absent.conf")
        r = check("-c", missing)
        assert r.returncode == 1
        assert missing + ": cannot read" in r.stderr, r.stderr


def test_mqtt_311_warned():
    """MQTT 5 is the default; a 3.1.1 section passes with a warning that its broker cannot
    report a refused publish."""
    dev = ('devices = ( { name = "m"; bus = "lan"; points = ( { name = "v"; area = "input";'
           ' address = 0; type = "int16"; } ); } );\n')
    with TempDir() as t:
        v5 = t.write("v5.conf", HEAD + LAN + dev + 'mqtt = { uri = "tcp://127.0.0.1:1883"; };\n')
        r = check("-c", v5)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        v3 = t.write("v3.conf", HEAD + LAN + dev
                     + 'mqtt = { uri = "tcp://127.0.0.1:1883"; version = "3.1.1"; };\n')
        r = check("-c", v3)
        assert r.returncode == 0 and ": OK: " in r.stdout, r.stdout + r.stderr
        assert r.stderr.startswith(v3 + ": warning: mqtt version 3.1.1 cannot tell"), r.stderr


def test_definition_keys_warned_when_absent():
    """ipmvp_option and measurement_boundary are optional, but a verifier needs
    them: a project without them passes with a warning naming its line."""
    dev = ('devices = ( { name = "m"; bus = "lan"; accuracy_class = "1"; calibration_date = "2025-03-01";'
           ' points = ( { name = "e"; area = "input"; address = 0; type = "float32"; kind = "counter";'
           ' unit = "kWh"; } ); } );\n')
    prj = ('projects = ( {{ name = "p"; {keys}\n'
           '  baseline = {{ start = "2026-01-01"; end = "2026-02-01"; }};\n'
           '  reporting = {{ start = "2026-02-01"; }};\n'
           '  streams = ( {{ name = "el"; type = "electricity"; unit = "kWh"; actual = "m.e";'
           ' model = {{ type = "mean"; }}; }} ); }} );\n')
    with TempDir() as t:
        full = t.write("full.conf", HEAD + LAN + dev + prj.format(
            keys='ipmvp_option = "A"; measurement_boundary = "the line";'))
        r = check("-c", full)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        bare = t.write("bare.conf", HEAD + LAN + dev + prj.format(keys=""))
        r = check("-c", bare)
        assert r.returncode == 0 and ": OK: " in r.stdout, r.stdout + r.stderr
        assert r.stderr.startswith(bare + ":4: warning: project p has no ipmvp_option and no "
                                   "measurement_boundary"), r.stderr
        half = t.write("half.conf", HEAD + LAN + dev + prj.format(keys='ipmvp_option = "C";'))
        r = check("-c", half)
        assert r.returncode == 0 and "has no measurement_boundary:" in r.stderr, r.stderr


def test_daily_boundary_off_midnight_warned():
    """A daily project's period boundary off local midnight cuts a day that is
    then not counted: check passes and says which boundary, at the project's line."""
    dev = ('devices = ( { name = "m"; bus = "lan"; accuracy_class = "1"; calibration_date = "2025-03-01";'
           ' points = ( { name = "e"; area = "input"; address = 0; type = "float32"; kind = "counter";'
           ' unit = "kWh"; } ); } );\n')
    prj = ('projects = ( {{ name = "p"; ipmvp_option = "C"; measurement_boundary = "the site";'
           ' granularity = "daily"; utc_offset = "+08:00";\n'
           '  baseline = {{ start = "{b}"; end = "2026-02-01T00:00+08:00"; }};\n'
           '  reporting = {{ start = "2026-02-01T00:00+08:00"; }};\n'
           '  streams = ( {{ name = "el"; type = "electricity"; unit = "kWh"; actual = "m.e";'
           ' model = {{ type = "mean"; }}; }} ); }} );\n')
    with TempDir() as t:
        good = t.write("good.conf", HEAD + LAN + dev + prj.format(b="2026-01-01T00:00+08:00"))
        r = check("-c", good)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        off = t.write("off.conf", HEAD + LAN + dev + prj.format(b="2026-01-01"))
        r = check("-c", off)
        assert r.returncode == 0 and ": OK: " in r.stdout, r.stdout + r.stderr
        assert r.stderr == (off + ":4: warning: project p: the baseline start 2026-01-01T00:00Z is"
                            " not a local midnight (utc_offset +08:00): the day it cuts is not"
                            " complete and is not counted\n"), r.stderr


def test_double_counted_point_warned():
    """Two projects that count one meter point as their use claim one saving twice:
    check passes with a warning at the device naming the point and both projects.
    An independent variable shared by two projects (one outdoor temperature) is not
    counted; a derived channel computed from the point is."""
    dev = ('devices = ( { name = "m"; bus = "lan"; points = (\n'
           '  { name = "e"; area = "input"; address = 0; type = "float32"; kind = "counter"; unit = "kWh"; },\n'
           '  { name = "f"; area = "input"; address = 2; type = "float32"; kind = "counter"; unit = "kWh"; },\n'
           '  { name = "t"; area = "input"; address = 4; type = "float32"; unit = "degC"; } ); } );\n')
    prj = ('  {{ name = "{name}"; ipmvp_option = "B"; measurement_boundary = "b";\n'
           '    baseline = {{ start = "2026-01-01"; end = "2026-02-01"; }};\n'
           '    reporting = {{ start = "2026-02-01"; }};\n'
           '    streams = ( {{ name = "el"; type = "electricity"; unit = "kWh"; actual = "{actual}";'
           ' model = {{ type = "linear"; x = [ "m.t" ]; }}; }} ); }}')

    def conf(a, b, derived=""):
        return (HEAD + LAN + dev + derived + "projects = (\n" + prj.format(name="p1", actual=a)
                + ",\n" + prj.format(name="p2", actual=b) + " );\n")
    with TempDir() as t:
        apart = t.write("apart.conf", conf("m.e", "m.f"))
        r = check("-c", apart)
        assert r.returncode == 0 and r.stderr == "", r.stderr
        same = t.write("same.conf", conf("m.e", "m.e"))
        r = check("-c", same)
        assert r.returncode == 0 and ": OK: " in r.stdout, r.stdout + r.stderr
        assert r.stderr == (same + ":3: warning: meter point m.e is counted by project p1 (" + same
                            + ":8) and by project p2 (" + same + ":12): the same use or emission "
                            "would be claimed twice\n"), r.stderr
        der = t.write("derived.conf", conf("m.e", "half", derived='derived = ( { name = "half"; '
                                           'expr = "m.e / 2"; unit = "kWh"; } );\n'))
        r = check("-c", der)
        assert r.returncode == 0, r.stderr
        assert "warning: meter point m.e is counted by project p1" in r.stderr, r.stderr
        assert "meter point m.t" not in r.stderr, r.stderr


def test_usage():
    r = check()
    assert r.returncode == 2 and "usage: mvgate check" in r.stderr
    r = check("-c")
    assert r.returncode == 2
    r = check("-c", "a.conf", "extra")
    assert r.returncode == 2
    r = check("--bogus")
    assert r.returncode == 2
    r = check("--help")
    assert r.returncode == 0 and "usage: mvgate check" in r.stdout and r.stderr == ""
    assert "--profile-dir DIR" in r.stdout and "MVG_PROFILE_DIR" in r.stdout, r.stdout
    assert re.search(r"/share/mvgate/profiles\b", r.stdout), r.stdout


if __name__ == "__main__":
    mvgtest.main([test_every_example_passes_with_counts, test_profile_subset_override_and_dir_option,
                  test_bad_file_reports_every_error_with_lines, test_documented_examples_pass,
                  test_syntax_error_and_unreadable_file, test_mqtt_311_warned,
                  test_definition_keys_warned_when_absent, test_daily_boundary_off_midnight_warned,
                  test_double_counted_point_warned,
                  test_usage])
