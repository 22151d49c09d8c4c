#!/usr/bin/env python3
"""Checks the rules of the tree that the compiler does not (`make layers`; a
stage of `make test`, beside the cycle check).

  python3 scripts/layers.py

includes     core/ never includes curses or a header of the screen; tui/
             and views/ never include libcurl, cJSON, SQLite, libssh2,
             libyaml or cmark-gfm; a private header ("x.h", not
             "warroom/x.h") is read only beside it, in its own folder.
oom          nothing in core/ calls abort() or exit(): out of memory fails
             the operation in words, never the console (docs/styleguide.md).
             _exit() in a forked child is not the console ending.
architecture every `path` and `function()` docs/architecture.md names exists
             in the tree, and every folder of core/ has its line there.

Each failure is printed; then one summary line, "layers: N passed, N failed".
Exit status: 0 when every check passed, 1 otherwise."""
import glob
import os
import re
import sys

UI_HEADERS = {"tui.h", "ui.h", "view.h", "views.h", "widgets.h", "keymap.h"}
SCREEN = re.compile(r'#\s*include\s*[<"](n?curses\w*\.h|term\.h|warroom/(%s))[>"]'
                    % "|".join(re.escape(h) for h in sorted(UI_HEADERS)))
WIRE = re.compile(r'#\s*include\s*<(curl/|cJSON|sqlite3|libssh2|yaml\.h|cmark)')
PRIVATE = re.compile(r'#\s*include\s*"([^"/]+\.h)"')
DOC = "docs/architecture.md"


def sources(*tops, ext=(".c", ".h")):
    out = []
    for top in tops:
        for folder, _, files in os.walk(top):
            out += [os.path.join(folder, f) for f in files if f.endswith(ext)]
    return sorted(out)


def code_only(text):
    """The C text without its comments and string literals (their contents
    are words, not calls)."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def check_includes():
    bad = []
    core_side = sources("core") + [h for h in sources("include/warroom") if os.path.basename(h) not in UI_HEADERS]
    ui_side = sources("tui", "views") + ["include/warroom/" + h for h in sorted(UI_HEADERS)]
    for path in core_side:
        for n, line in enumerate(open(path), 1):
            if SCREEN.search(line):
                bad.append("%s:%d: core knows no screen: %s" % (path, n, line.strip()))
    for path in ui_side:
        if not os.path.exists(path):
            continue
        for n, line in enumerate(open(path), 1):
            if WIRE.search(line):
                bad.append("%s:%d: the screen sees no wire format: %s" % (path, n, line.strip()))
    for path in sources("core", "tui", "views"):
        for n, line in enumerate(open(path), 1):
            m = PRIVATE.search(line)
            if m and not os.path.exists(os.path.join(os.path.dirname(path), m.group(1))):
                bad.append("%s:%d: %s is no private header of this folder" % (path, n, m.group(1)))
    return bad


def check_oom():
    bad = []
    call = re.compile(r"(?<![\w.>])(abort|exit)\s*\(")
    for path in sources("core", ext=(".c",)):
        for n, line in enumerate(code_only(open(path).read()).split("\n"), 1):
            m = call.search(line)
            if m:
                bad.append("%s:%d: %s() in core/: fail the operation in words instead" % (path, n, m.group(1)))
    return bad


def defined_or_called(name, texts):
    """Defined in the tree (a line at column 0 naming it, not a prototype),
    or, for a library's function, called from the code."""
    definition = re.compile(r"^[A-Za-z_][^;\n]*\b%s\s*\([^;]*$" % re.escape(name), re.M)
    use = re.compile(r"\b%s\s*\(" % re.escape(name))
    return any(definition.search(t) for t in texts.values()) or any(use.search(t) for t in texts.values())


def check_architecture():
    if not os.path.exists(DOC):
        return ["%s is missing" % DOC]
    doc = open(DOC).read()
    bad = []
    texts = {p: code_only(open(p).read()) for p in sources("core", "tui", "views", "include")}
    for tok in sorted(set(re.findall(r"`([^`\s]+)`", doc))):
        fn = re.fullmatch(r"([A-Za-z_]\w*)\(\)", tok)
        if fn:
            if not defined_or_called(fn.group(1), texts):
                bad.append("%s: %s is no function of the tree" % (DOC, tok))
        elif "/" in tok and re.fullmatch(r"[\w.*/-]+", tok) and not tok.startswith("/"):
            if not glob.glob(tok.rstrip("/")):
                bad.append("%s: %s is not in the tree" % (DOC, tok))
    for folder in sorted(glob.glob("core/*/")):
        if "`%s`" % folder not in doc:
            bad.append("%s: the folder map has no line for `%s`" % (DOC, folder))
    return bad


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    os.chdir(root)
    checks = [("includes", check_includes), ("oom", check_oom), ("architecture", check_architecture)]
    failed = 0
    for name, fn in checks:
        bad = fn()
        for b in bad:
            print(b)
        if bad:
            print("%s: FAILED" % name)
            failed += 1
    print("layers: %d passed, %d failed (%s)" % (len(checks) - failed, failed, ", ".join(n for n, _ in checks)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
