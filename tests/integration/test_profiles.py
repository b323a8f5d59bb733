"""Checks every device profile in config/profiles/ without the daemon: a minimal
parser for the libconfig subset the profiles use (groups, lists, arrays, strings,
integers, floats, comments), then the rules a profile must keep: required keys
only, unique point names, registers that do not overlap, byte orders that fit the
type's width, counters that total an energy or volume, a cited source, and a row
in docs/profiles.md. The checker is also run on broken profiles so that each rule
is shown to fire."""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from mvgtest import SRC  # noqa: E402

PROFILE_DIR = os.path.join(SRC, "config", "profiles")
DOC = os.path.join(SRC, "docs", "profiles.md")


class ParseError(Exception):
    pass


_TOKEN = re.compile(r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*|//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<float>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)|[-+]?(?:\d+\.\d*|\.\d+))
  | (?P<hex>0[xX][0-9a-fA-F]+L{0,2})
  | (?P<int>[-+]?\d+L{0,2})
  | (?P<bool>(?i:true|false)\b)
  | (?P<name>[A-Za-z*][-A-Za-z0-9_*]*)
  | (?P<punct>[=:;,{}()\[\]])
""", re.S | re.X)


def tokenize(text):
    pos, line, out = 0, 1, []
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError("line %d: unexpected character %r" % (line, text[pos]))
        kind, val = m.lastgroup, m.group()
        if kind not in ("ws", "comment"):
            out.append((kind, val, line))
        line += val.count("\n")
        pos = m.end()
    out.append(("eof", "", line))
    return out


class Parser:
    def __init__(self, text):
        self.toks = tokenize(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i]

    def take(self, kind=None, val=None):
        t = self.toks[self.i]
        if (kind and t[0] != kind) or (val and t[1] != val):
            raise ParseError("line %d: expected %s, found %r" % (t[2], val or kind, t[1]))
        self.i += 1
        return t

    def settings(self, end):
        group = {}
        while self.peek()[0] != end and self.peek()[1] != end:
            name = self.take("name")
            if self.peek()[1] not in ("=", ":"):
                raise ParseError("line %d: expected = after %s" % (self.peek()[2], name[1]))
            self.i += 1
            if name[1] in group:
                raise ParseError("line %d: duplicate setting %s" % (name[2], name[1]))
            group[name[1]] = self.value()
            if self.peek()[1] in (";", ","):
                self.i += 1
        return group

    def value(self):
        kind, val, line = self.peek()
        if val == "{":
            self.i += 1
            g = self.settings("}")
            self.take("punct", "}")
            return g
        if val in ("(", "["):
            close = ")" if val == "(" else "]"
            self.i += 1
            items = []
            while self.peek()[1] != close:
                items.append(self.value())
                if self.peek()[1] == ",":
                    self.i += 1
                elif self.peek()[1] != close:
                    raise ParseError("line %d: expected , or %s" % (self.peek()[2], close))
            self.i += 1
            return items
        self.i += 1
        if kind == "string":
            s = val[1:-1]
            while self.peek()[0] == "string":  # libconfig joins adjacent strings
                s += self.take()[1][1:-1]
            return s
        if kind == "int":
            return int(val.rstrip("L"))
        if kind == "hex":
            return int(val.rstrip("L"), 16)
        if kind == "float":
            return float(val)
        if kind == "bool":
            return val.lower() == "true"
        raise ParseError("line %d: unexpected %r" % (line, val))


def parse(text):
    p = Parser(text)
    g = p.settings("eof")
    p.take("eof")
    return g


WIDTH = {"bool": 1, "int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2,
         "int64": 4, "uint64": 4, "float64": 4}
ORDERS = {1: {"AB", "BA"}, 2: {"ABCD", "CDAB", "BADC", "DCBA"},
          4: {"ABCDEFGH", "GHEFCDAB", "BADCFEHG", "HGFEDCBA"}}
COUNTER_UNITS = {"Wh", "kWh", "MWh", "varh", "kvarh", "Mvarh", "VAh", "kVAh", "J", "kJ", "MJ", "GJ",
                 "kBtu", "MBtu", "m3", "L", "gal", "Nm3"}
PROFILE_REQUIRED = {"maker", "model", "manual", "manual_version", "notes"}
PROFILE_OPTIONAL = {"url"}
POINT_REQUIRED = {"name", "area", "address", "type", "kind"}
POINT_OPTIONAL = {"order", "scale", "offset", "unit", "min", "max"}


def check_profile(text, fname):
    """Return the list of rule violations of one profile file (empty when it is good)."""
    errs = []
    try:
        cfg = parse(text)
    except ParseError as e:
        return ["%s: %s" % (fname, e)]
    first = text.splitlines()[0] if text else ""
    if not first.startswith("# %s:" % fname):
        errs.append("%s: first line must be '# %s: <what>'" % (fname, fname))
    if not re.search(r"^#.*Source:", text, re.M):
        errs.append("%s: no '# Source:' comment" % fname)
    if not {"profile", "points"} <= set(cfg) <= {"profile", "points", "identify"}:
        errs.append("%s: top level must be profile and points (and identify), has %s"
                    % (fname, sorted(cfg)))
    prof = cfg.get("profile", {})
    if not isinstance(prof, dict):
        errs.append("%s: profile is not a group" % fname)
        prof = {}
    for k in PROFILE_REQUIRED - set(prof):
        errs.append("%s: profile lacks %s" % (fname, k))
    for k in set(prof) - PROFILE_REQUIRED - PROFILE_OPTIONAL:
        errs.append("%s: profile has unknown key %s" % (fname, k))
    for k, v in prof.items():
        if not isinstance(v, str) or not v.strip():
            errs.append("%s: profile.%s must be a non-empty string" % (fname, k))
    points = cfg.get("points", [])
    if not isinstance(points, list) or not points:
        return errs + ["%s: points must be a non-empty list" % fname]
    names = set()
    used = {}
    for i, p in enumerate(points):
        where = "%s: points[%d]" % (fname, i)
        if not isinstance(p, dict):
            errs.append("%s: not a group" % where)
            continue
        for k in POINT_REQUIRED - set(p):
            errs.append("%s: lacks %s" % (where, k))
        for k in set(p) - POINT_REQUIRED - POINT_OPTIONAL:
            errs.append("%s: unknown key %s" % (where, k))
        if not POINT_REQUIRED <= set(p):
            continue
        name = p["name"]
        where = "%s: point %s" % (fname, name)
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]+", name):
            errs.append("%s: name must match [a-z0-9_]+" % where)
        if name in names:
            errs.append("%s: duplicate name" % where)
        names.add(name)
        area, typ, kind, addr = p["area"], p["type"], p["kind"], p["address"]
        if area not in ("coil", "discrete", "input", "holding"):
            errs.append("%s: bad area %r" % (where, area))
        if typ not in WIDTH:
            errs.append("%s: bad type %r" % (where, typ))
            continue
        if (typ == "bool") != (area in ("coil", "discrete")):
            errs.append("%s: type %s does not fit area %s" % (where, typ, area))
        if kind not in ("gauge", "counter"):
            errs.append("%s: bad kind %r" % (where, kind))
        width = WIDTH[typ]
        if typ != "bool":
            if "order" not in p:
                errs.append("%s: register point without order" % where)
            elif p["order"] not in ORDERS[width]:
                errs.append("%s: order %r does not fit %s" % (where, p["order"], typ))
        elif "order" in p:
            errs.append("%s: bool point with an order" % where)
        if not isinstance(addr, int) or addr < 0 or addr + width - 1 > 65535:
            errs.append("%s: address %r out of 0..65535" % (where, addr))
            continue
        for a in range(addr, addr + width):
            other = used.get((area, a))
            if other:
                errs.append("%s: register %s %d already used by %s" % (where, area, a, other))
            used[(area, a)] = name
        # libconfig's float lookups refuse an integer literal unless auto-convert is on.
        for k in ("scale", "offset", "min", "max"):
            if k in p and not isinstance(p[k], float):
                errs.append("%s: %s must be a float literal (e.g. 1.0)" % (where, k))
        if p.get("scale") == 0:
            errs.append("%s: scale 0" % where)
        if "unit" in p and (not isinstance(p["unit"], str) or not p["unit"]):
            errs.append("%s: unit must be a non-empty string" % where)
        if kind == "counter" and p.get("unit") not in COUNTER_UNITS:
            errs.append("%s: counter with unit %r, not an energy or volume" % (where, p.get("unit")))
    return errs


def profile_files():
    return sorted(f for f in os.listdir(PROFILE_DIR) if f.endswith(".conf"))


GOOD = """# x.conf: test.
# Source: none.
profile = { maker = "M"; model = "X"; manual = "m"; manual_version = "1"; notes = "n"; };
points = (
  { name = "v"; area = "input"; address = 0; type = "float32"; order = "ABCD"; unit = "V"; kind = "gauge"; },
  { name = "e_kwh"; area = "holding"; address = 0x10; type = "uint32"; order = "CDAB"; scale = 0.01;
    unit = "kWh"; kind = "counter"; }
);
"""


class CheckerSelfTest(unittest.TestCase):
    """Each rule must be able to fail, or the real check proves nothing."""

    def test_good_passes_and_parses_values(self):
        self.assertEqual(check_profile(GOOD, "x.conf"), [])
        cfg = parse(GOOD)
        self.assertEqual(cfg["points"][1]["address"], 16)
        self.assertAlmostEqual(cfg["points"][1]["scale"], 0.01)
        self.assertEqual(cfg["profile"]["maker"], "M")

    def assert_fails(self, text, needle):
        errs = check_profile(text, "x.conf")
        self.assertTrue(any(needle in e for e in errs), "%r not in %r" % (needle, errs))

    def test_each_rule_fires(self):
        self.assert_fails(GOOD.replace('area = "holding"; address = 0x10', 'area = "input"; address = 1'),
                          "already used by v")
        self.assert_fails(GOOD.replace('"CDAB"', '"AB"'), "does not fit uint32")
        self.assert_fails(GOOD.replace('name = "v"', 'name = "e_kwh"'), "duplicate name")
        self.assert_fails(GOOD.replace('name = "v"', 'name = "Volt"'), "[a-z0-9_]+")
        self.assert_fails(GOOD.replace('unit = "kWh"', 'unit = "kW"'), "not an energy or volume")
        self.assert_fails(GOOD.replace('manual_version = "1"; ', ''), "lacks manual_version")
        self.assert_fails(GOOD.replace('notes = "n";', 'notes = "n"; vendor = "v";'), "unknown key vendor")
        self.assert_fails(GOOD.replace('kind = "gauge"', 'kind = "gauges"'), "bad kind")
        self.assert_fails(GOOD.replace('area = "input"', 'area = "coil"'), "does not fit area")
        self.assert_fails(GOOD.replace("# Source: none.\n", ""), "Source")
        self.assert_fails(GOOD.replace("address = 0;", "address = 65535;"), "out of 0..65535")
        self.assert_fails(GOOD.replace('unit = "V";', 'unit "V";'), "line 5: expected = after unit")
        self.assert_fails(GOOD.replace("scale = 0.01;", "scale = 100;"), "float literal")


class ProfilesTest(unittest.TestCase):
    def test_every_profile_keeps_the_rules(self):
        files = profile_files()
        self.assertGreaterEqual(len(files), 6, files)
        for f in files:
            with open(os.path.join(PROFILE_DIR, f)) as fh:
                text = fh.read()
            with self.subTest(profile=f):
                self.assertEqual(check_profile(text, f), [])

    def test_docs_list_every_profile(self):
        with open(DOC) as fh:
            doc = fh.read()
        for f in profile_files():
            self.assertIn("config/profiles/" + f, doc)


if __name__ == "__main__":
    unittest.main(verbosity=2)
