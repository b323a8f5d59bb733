"""docs/config.md's key tables are what the config loader's own tables
(daemon/config/config_table.h) produce, and docs/hub.md's those of hub.conf
(tools/hub/hub_config.c): `mvgate config-doc SECTION` prints
each, and every block between <!-- keys: SECTION --> and <!-- /keys --> in
the page must be exactly that. A key added, renamed, re-ranged or
re-defaulted in a table without regenerating the page fails here.

    python3 tests/integration/test_config_doc.py --update

rewrites the blocks (the prose around them is left alone)."""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
import mvgtest as T  # noqa: E402

BLOCK = re.compile(r"(<!-- keys: (\S+) -->\n)(.*?)(<!-- /keys -->)", re.S)
DOCS = {
    os.path.join(T.SRC, "docs", "config.md"):
        ["gateway", "buses", "devices", "points", "derived", "projects", "periods", "criteria",
         "streams", "factors", "inlet-outlet", "model", "adjustments", "store", "mqtt", "influx",
         "http"],
    os.path.join(T.SRC, "docs", "hub.md"): ["hub", "hub-mqtt", "hub-db"],
}


def generated(section):
    r = T.run([T.binary("mvgate"), "config-doc", section])
    assert r.returncode == 0, (section, r.returncode, r.stderr)
    assert r.stdout.startswith("| key |"), r.stdout[:80]
    return r.stdout


def test_every_section_has_one_block():
    for doc, sections in DOCS.items():
        names = [m.group(2) for m in BLOCK.finditer(open(doc).read())]
        assert sorted(names) == sorted(sections), (doc, names)


def test_blocks_are_what_the_tables_produce():
    for doc in DOCS:
        text = open(doc).read()
        stale = [m.group(2) for m in BLOCK.finditer(text) if m.group(3) != generated(m.group(2))]
        assert not stale, ("%s key tables differ from the loader's tables for %s; run python3 "
                           "tests/integration/test_config_doc.py --update"
                           % (os.path.basename(doc), ", ".join(stale)))


def test_unknown_section_is_a_usage_error():
    r = T.run([T.binary("mvgate"), "config-doc", "nope"])
    assert r.returncode == 2 and "no section 'nope'" in r.stderr, (r.returncode, r.stderr)


def update():
    for doc in DOCS:
        text = open(doc).read()
        text = BLOCK.sub(lambda m: m.group(1) + generated(m.group(2)) + m.group(4), text)
        open(doc, "w").write(text)


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        update()
    else:
        T.main([test_every_section_has_one_block, test_blocks_are_what_the_tables_produce,
                test_unknown_section_is_a_usage_error])
