"""`cmake --install --prefix P` lays out binaries, the service units
(mvgated's, mvgate-hub's), the sysusers file, example configs, profiles,
templates and docs; the units are written for P at install time
(ExecStart=P/sbin/mvgated, though the build was configured for /usr/local)
and read their configuration from /etc/mvgate, the ConfigurationDirectory;
they pass `systemd-analyze verify` and their hardening scores OK in
`systemd-analyze security`; and an installed example config finds the
installed profiles."""

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
        for rel in ("bin/mvgate", "bin/mvgate-sim", "sbin/mvgated", "sbin/mvgate-hub",
                    "lib/systemd/system/mvgated.service", "lib/systemd/system/mvgate-hub.service",
                    "lib/sysusers.d/mvgate.conf", "share/doc/mvgate/README.md", "share/doc/mvgate/LICENSE",
                    "share/doc/mvgate/docs/daemon.md"):
            assert os.path.exists(os.path.join(prefix, rel)), rel
        for mod in ("mvgate-mqtt.so", "mvgate-mqtt-tls.so", "mvgate-influx.so", "mvgate-influx-tls.so",
                    "mvgate-http.so"):
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

        # The unit is written at install time for the prefix given then, not
        # the one the build was configured with (/usr/local): its binaries are
        # the staged ones; the config is systemd's ConfigurationDirectory.
        conf = "/etc/mvgate/mvgate.conf"
        assert "ExecStart=%s/sbin/mvgated -c %s\n" % (prefix, conf) in unit, unit
        assert "ExecStartPre=%s/bin/mvgate check -c %s\n" % (prefix, conf) in unit, unit
        assert "Documentation=file:%s/share/doc/mvgate/README.md\n" % prefix in unit, unit
        assert "ConfigurationDirectory=mvgate\n" in unit
        assert "TimeoutStopSec=150s\n" in unit
        for dev in ("char-tty[A-Z]*", "char-ttymxc"):
            assert "DeviceAllow=%s rw\n" % dev in unit, dev
        for path in re.findall(r"^(?:Exec\w*=|Documentation=file:)(/\S*mvgate\S*)", unit, re.M):
            assert os.path.isfile(path), path
        # systemd-analyze verify wants the unit named as it is installed
        path = T.write(os.path.join(d, "mvgated.service"), unit)
        r = T.run(["systemd-analyze", "verify", path])
        assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
        r = T.run(["systemd-analyze", "security", "--offline=yes", path])
        m = re.search(r"Overall exposure level for mvgated.service: ([\d.]+) (\w+)", r.stdout)
        assert m, r.stdout[-500:] + r.stderr
        assert float(m.group(1)) < 2.0, "exposure %s" % m.group(0)

        # the hub's unit beside it, as hardened
        with open(os.path.join(prefix, "lib/systemd/system/mvgate-hub.service")) as f:
            unit = f.read()
        for want in ("Type=notify", "User=mvgate", "StateDirectory=mvgate-hub", "ExecReload=",
                     "ProtectSystem=strict", "NoNewPrivileges=yes"):
            assert want in unit, want
        assert "ExecStart=%s/sbin/mvgate-hub -c /etc/mvgate/hub.conf\n" % prefix in unit, unit
        staged = re.sub(r"(Exec\w*=)\S*/mvgate-hub\b",
                        lambda m: m.group(1) + os.path.join(prefix, "sbin", "mvgate-hub"), unit)
        path = T.write(os.path.join(d, "mvgate-hub.service"), staged)
        r = T.run(["systemd-analyze", "verify", path])
        assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
        r = T.run(["systemd-analyze", "security", "--offline=yes", path])
        m = re.search(r"Overall exposure level for mvgate-hub.service: ([\d.]+) (\w+)", r.stdout)
        assert m, r.stdout[-500:] + r.stderr
        assert float(m.group(1)) < 2.0, "exposure %s" % m.group(0)

        # An installed example finds the installed profiles (../profiles beside examples/).
        examples = sorted(glob.glob(os.path.join(prefix, "share/mvgate/examples/*.conf")))
        for ex in examples:
            r = T.run([os.path.join(prefix, "bin/mvgate"), "check", "-c", ex])
            assert r.returncode == 0, (ex, r.stdout, r.stderr)


if __name__ == "__main__":
    T.main([test_install_layout_and_unit])
