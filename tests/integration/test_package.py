"""The Debian package (packaging/deb.cmake): cpack builds it from the built
tree; `dpkg -i` installs it (its postinst creates the mvgate user from the
sysusers file); the files are where the installed unit says, the unit passes
`systemd-analyze verify`, the installed binaries run and find the installed
profiles and publisher module (the build tree was configured for another
prefix); its Depends come from dpkg-shlibdeps; `dpkg --purge` leaves none of
its files behind. Needs root (dpkg): skipped otherwise. The mvgate user the
package keeps on purge (Debian's rule for system users) is removed by the
test when it created it, so the machine is left as it was found."""

import glob
import os
import pwd
import grp
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

BUILD = os.environ.get("MVG_BUILD") or os.path.join(T.SRC, "build")
UNIT = "/usr/lib/systemd/system/mvgated.service"


def installed(pkg):
    r = T.run(["dpkg-query", "-W", "-f=${Status}", pkg])
    return r.returncode == 0 and "install ok installed" in r.stdout


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def check_installed(d, files):
    with open(UNIT) as f:
        unit = f.read()
    assert "ExecStart=/usr/sbin/mvgated -c /etc/mvgate/mvgate.conf\n" in unit, unit
    assert "ExecStartPre=/usr/bin/mvgate check -c /etc/mvgate/mvgate.conf\n" in unit, unit
    assert "ConfigurationDirectory=mvgate\n" in unit
    # every path of ours the unit names is a file of the package (/bin/kill is not ours)
    for path in re.findall(r"^(?:Exec\w*=|Documentation=file:)(/\S*mvgate\S*)", unit, re.M):
        assert path in files, (path, "not in the package")
        assert os.path.isfile(path), path
    for path in ("/usr/bin/mvgate", "/usr/sbin/mvgated", "/usr/bin/mvgate-sim",
                 "/usr/lib/mvgate/mvgate-mqtt.so", "/usr/lib/mvgate/mvgate-mqtt-tls.so",
                 "/usr/lib/mvgate/mvgate-influx.so", "/usr/lib/mvgate/mvgate-influx-tls.so",
                 "/usr/lib/mvgate/mvgate-http.so",
                 "/usr/lib/sysusers.d/mvgate.conf",
                 "/usr/share/doc/mvgate/README.md", "/usr/share/doc/mvgate/docs/daemon.md"):
        assert path in files, path
    for sub in ("profiles", "factors", "examples", "templates"):
        assert glob.glob("/usr/share/mvgate/%s/*.conf" % sub), sub

    r = T.run(["systemd-analyze", "verify", UNIT])
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr

    # postinst made the unit's user, in the serial ports' group
    assert user_exists("mvgate"), "postinst did not create the mvgate user"
    assert "mvgate" in grp.getgrnam("dialout").gr_mem

    r = T.run(["/usr/bin/mvgate", "--help"])
    assert r.returncode == 0 and "check" in r.stdout, (r.stdout, r.stderr)
    r = T.run(["/usr/sbin/mvgated", "--version"])
    assert r.returncode == 0 and re.search(r"\d+\.\d+\.\d+", r.stdout + r.stderr), (r.stdout, r.stderr)

    # A config in a folder of its own (as /etc/mvgate is) finds the profiles
    # of the package, and the daemon its publisher module, although the
    # build was configured for /usr/local: they are found beside the binaries.
    env = {k: "" for k in ("MVG_PROFILE_DIR", "MVG_PUBLISH_MODULE")}
    cfg_dir = os.path.join(d, "etc")
    os.mkdir(cfg_dir)
    port = T.free_port()
    text = T.example_config("compressor", port, os.path.join(d, "data"))
    text = text.replace("devices = (", 'devices = (\n  { name = "pm"; bus = "sim"; unit_id = 9; '
                        'profile = "eastron-sdm630"; },', 1)
    assert 'profile = "eastron-sdm630"' in text
    text += '\ninflux = { url = "http://127.0.0.1:%d"; db = "x"; };\n' % T.free_port()
    cfg = T.write(os.path.join(cfg_dir, "mvgate.conf"), text)
    r = T.run(["/usr/bin/mvgate", "check", "-c", cfg], env=env)
    assert r.returncode == 0, (r.stdout, r.stderr)
    gw = T.Proc(["/usr/sbin/mvgated", "-c", cfg], env=dict(os.environ, **env), name="mvgated")
    try:
        gw.wait_line(r"started:", stream="err", timeout=20)
    finally:
        rc = gw.stop()
    assert rc == 0, (rc, gw.err_lines[-5:])


def test_package_installs_verifies_and_purges():
    if os.geteuid() != 0:
        T.skip("dpkg -i and --purge need root (CI runs this as root on a throwaway machine)")
    if installed("mvgate"):
        T.skip("a mvgate package is installed on this machine already; it is not this test's to remove")
    had_user = user_exists("mvgate")
    with T.TempDir() as d:
        # -B: the package and cpack's staging in a folder of the test's own
        r = T.run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", d],
                  timeout=280)
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        debs = glob.glob(os.path.join(d, "mvgate_*.deb"))
        assert len(debs) == 1, os.listdir(d)
        depends = T.run(["dpkg-deb", "-f", debs[0], "Depends"]).stdout
        for lib in ("libmodbus5", "libconfig9", "libsqlite3-0", "libcurl4", "libevent-extra-2.1-7", "libpaho-mqtt",
                    "liblapacke", "libyajl2"):
            assert lib in depends, (lib, depends)
        files = []
        try:
            r = T.run(["dpkg", "-i", debs[0]], timeout=120)
            assert r.returncode == 0, r.stdout + r.stderr
            files = [f for f in T.run(["dpkg-query", "-L", "mvgate"]).stdout.splitlines()
                     if f.startswith("/usr/") and not os.path.isdir(f)]
            check_installed(d, files)
        finally:
            r = T.run(["dpkg", "--purge", "mvgate"], timeout=120)
            if not had_user and user_exists("mvgate"):
                T.run(["userdel", "mvgate"])
                if T.run(["getent", "group", "mvgate"]).returncode == 0:
                    T.run(["groupdel", "mvgate"])
        assert r.returncode == 0, r.stdout + r.stderr
        assert not installed("mvgate")
        assert files, "dpkg -L listed no files"
        left = [f for f in files if os.path.lexists(f)]
        assert not left, left
        for folder in ("/usr/lib/mvgate", "/usr/share/mvgate", "/usr/share/doc/mvgate"):
            assert not os.path.exists(folder), folder


if __name__ == "__main__":
    T.main([test_package_installs_verifies_and_purges])
