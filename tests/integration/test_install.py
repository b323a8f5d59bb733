"""`cmake --install` lays out binaries, the service unit, the sysusers file,
example configs, profiles and templates; the installed unit passes
`systemd-analyze verify` (with its Exec paths pointed at the staged
binaries) and its hardening scores OK in `systemd-analyze security`; and an
installed example config finds the installed profiles."""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

BUILD = os.environ.get("MVG_BUILD") or os.path.join(T.SRC, "build")


def test_install_layout_and_unit():
    with T.TempDir() as d:
        prefix = os.path.join(d, "usr")
        r = T.run(["cmake", "--install", BUILD, "--prefix", prefix], timeout=120)
        assert r.returncode == 0, r.stderr
        for rel in ("bin/mvgate", "bin/mvgate-sim", "sbin/mvgated", "lib/systemd/system/mvgated.service",
                    "lib/sysusers.d/mvgate.conf", "share/doc/mvgate/README.md", "share/doc/mvgate/LICENSE"):
            assert os.path.exists(os.path.join(prefix, rel)), rel
        for mod in ("mvgate-mqtt.so", "mvgate-mqtt-tls.so", "mvgate-influx.so"):
            assert glob.glob(os.path.join(prefix, "lib*/**/mvgate/" + mod), recursive=True), \
                "publisher module %s not installed" % mod
        assert glob.glob(os.path.join(prefix, "share/mvgate/profiles/*.conf")), "no profiles installed"
        assert glob.glob(os.path.join(prefix, "share/mvgate/examples/*.conf")), "no examples installed"
        assert glob.glob(os.path.join(prefix, "share/mvgate/templates/*.conf")), "no templates installed"

        with open(os.path.join(prefix, "lib/systemd/system/mvgated.service")) as f:
            unit = f.read()
        for want in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "User=mvgate",
                     "SupplementaryGroups=dialout", "StateDirectory=mvgate", "ProtectSystem=strict",
                     "NoNewPrivileges=yes", "PrivateTmp=yes"):
            assert want in unit, want
        assert "@" not in re.sub(r"SystemCallFilter=.*", "", unit), "unsubstituted @VAR@ in the unit"

        # Point the Exec lines at the staged binaries, whatever prefix the build was configured with.
        staged = re.sub(r"(Exec\w*=)\S*/(mvgated?)\b", lambda m: m.group(1) + os.path.join(
            prefix, "sbin" if m.group(2) == "mvgated" else "bin", m.group(2)), unit)
        path = T.write(os.path.join(d, "mvgated.service"), staged)
        r = T.run(["systemd-analyze", "verify", path])
        assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
        r = T.run(["systemd-analyze", "security", "--offline=yes", path])
        m = re.search(r"Overall exposure level for mvgated.service: ([\d.]+) (\w+)", r.stdout)
        assert m, r.stdout[-500:] + r.stderr
        assert float(m.group(1)) < 2.0, "exposure %s" % m.group(0)

        # An installed example finds the installed profiles (../profiles beside examples/).
        examples = sorted(glob.glob(os.path.join(prefix, "share/mvgate/examples/*.conf")))
        for ex in examples:
            r = T.run([os.path.join(prefix, "bin/mvgate"), "check", "-c", ex])
            assert r.returncode == 0, (ex, r.stdout, r.stderr)


if __name__ == "__main__":
    T.main([test_install_layout_and_unit])
