"""`mvgate --help` lists every command the dispatcher has, and each command's --help lists
every option its parser takes. The commands and options are read from the sources (the
dispatch table in tools/mvgate/main.c, the mvg_arg tables of tools/mvgate/), and each option
is also tried on the parser, so a row added without its help, or help for an option that is
gone, fails here; and each option is listed once (described by its row's help field, not
again by hand above the options block)."""

import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mvgtest as T  # noqa: E402

TOOLS = os.path.join(T.SRC, "tools", "mvgate")
# cli_data.c holds the one table fit and savings share
SHARED = {"cli_data.c": ["fit", "savings"]}
ROW = re.compile(r'\{\s*"([a-z0-9-]+)",\s*(0|\'(.)\'),\s*MVG_ARG_[A-Z]+')


def commands():
    text = open(os.path.join(TOOLS, "main.c")).read()
    table = text[text.index("commands[] = {"):text.index("};", text.index("commands[] = {"))]
    names = re.findall(r'\{"([a-z-]+)",\s*mvg_cmd_', table)
    assert len(names) >= 10, names
    return names


def options_by_command():
    """{command: [(long, short or None)]} from the mvg_arg tables."""
    out = {}
    for path in glob.glob(os.path.join(TOOLS, "*.c")):
        base = os.path.basename(path)
        m = re.match(r"cmd_(.+)\.c$", base)
        cmds = SHARED.get(base) or ([m.group(1).replace("_", "-")] if m else [])
        if not cmds:
            continue
        text = open(path).read()
        if "mvg_arg args[]" not in text:
            continue
        rows = [(r[0], r[2] or None) for r in ROW.findall(text)]
        if "MVG_ARG_CONFIG(" in text:
            rows.append(("config", "c"))
        if "MVG_ARG_WINDOW(" in text:
            rows += [("from", None), ("to", None)]
        # a row chosen per command: is_fit ? (mvg_arg){"A", ...} : (mvg_arg){"B", ...},
        # or fit's alone: is_fit ? (mvg_arg){"A", ...} : (mvg_arg)MVG_ARG_END
        picks = re.findall(r'is_fit \? \(mvg_arg\)\{"([a-z-]+)"[^?]*?: \(mvg_arg\)(?:\{"([a-z-]+)"|MVG_ARG_END)',
                           text, re.S)
        for c in cmds:
            not_here = {p[1] if c == "fit" else p[0] for p in picks} - {""}
            out[c] = [r for r in rows if r[0] not in not_here]
    return out


def test_top_level_help_lists_every_command():
    r = T.mvgate("--help")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    listed = re.findall(r"^  ([a-z-]+)\b", r.stdout, re.M)
    for name in commands():
        assert name in listed, (name, r.stdout)
        h = T.mvgate(name, "--help")
        assert h.returncode == 0, (name, h.returncode, h.stderr)
        assert ("mvgate " + name) in h.stdout, (name, h.stdout)


def test_every_option_is_in_its_commands_help():
    opts = options_by_command()
    known = set(commands())
    assert {"check", "read", "status", "export", "report", "fit", "savings"} <= set(opts), opts
    for cmd, rows in sorted(opts.items()):
        assert cmd in known, cmd
        # (config-doc has no options but --help)
        r = T.mvgate(cmd, "--help")
        assert r.returncode == 0, (cmd, r.stderr)
        block = r.stdout[r.stdout.index("\noptions:\n"):]
        for long, short in rows:
            line = re.search(r"^  (-(.), )?--%s\b" % re.escape(long), block, re.M)
            assert line, (cmd, long, block)
            if short:
                assert line.group(2) == short, (cmd, long, short, line.group(0))
            # and the parser takes it: never "unrecognized option"
            p = T.mvgate(cmd, "--" + long)
            assert "unrecognized option" not in p.stderr, (cmd, long, p.stderr)
        assert re.search(r"^  -h, --help$", block, re.M), block
        # described once: in the options block, from the table's help field,
        # not again in a hand-written list above it
        for long, _ in rows + [("help", "h")]:
            lines = re.findall(r"^\s+(?:-., )?--%s\b" % re.escape(long), r.stdout, re.M)
            assert len(lines) == 1, (cmd, long, "listed %d times" % len(lines), r.stdout)
        # an option that is not in the table is refused
        # (outbox, key and store take their action first: before it, any option is usage)
        p = T.mvgate(cmd, "--no-such-option")
        assert p.returncode == 2, (cmd, p.returncode)
        assert "unrecognized option" in p.stderr or "usage: mvgate " + cmd in p.stderr, \
            (cmd, p.stderr)


if __name__ == "__main__":
    T.main([test_top_level_help_lists_every_command, test_every_option_is_in_its_commands_help])
