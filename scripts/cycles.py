#!/usr/bin/env python3
"""Lists the source files that need each other in a circle, from the symbols
of the built objects (`make cycles`; a stage of `make test`).

  python3 scripts/cycles.py [BUILD_DIR]     default: build; `make` first

A file needs another when it uses a function or variable the other defines.
Files that need each other, directly or around a longer loop, cannot be read,
tested or changed one without the other: a file cut where it grew long rather
than along a seam leaves such a circle. Each circle is printed with the
symbols that tie it, then one summary line, "cycles: N passed, N failed".
Exit status: 0 with no circle, 1 with one or more, 2 when there is nothing
to read (no objects, no nm)."""
import os
import subprocess
import sys

TOPS = ("core", "tui", "views")
UNDEFINED = "Uwv"    # nm -P types of a symbol used here and defined elsewhere


def objects(build):
    found = []
    for top in TOPS:
        for folder, _, files in os.walk(os.path.join(build, top)):
            found += [os.path.join(folder, f) for f in files if f.endswith(".o")]
    return sorted(found)


def symbols(objs):
    """{object: set of symbols it defines}, {object: set of symbols it uses
    from elsewhere}, from one `nm` over every object (external symbols only:
    a static one cannot tie two files)."""
    out = subprocess.run(["nm", "-A", "-P", "-g"] + objs, capture_output=True, text=True, check=True).stdout
    defines = {o: set() for o in objs}
    uses = {o: set() for o in objs}
    for line in out.splitlines():
        # "build/core/x.o: name T 0000000000000000 0000000000000010"
        obj, _, rest = line.partition(": ")
        fields = rest.split()
        if obj not in defines or len(fields) < 2:
            continue
        name, kind = fields[0], fields[1]
        (uses if kind in UNDEFINED else defines)[obj].add(name)
    return defines, uses


def needs(defines, uses):
    """{a: {b: [symbols a uses that b defines]}} for a != b."""
    definer = {}
    for obj, names in defines.items():
        for name in names:
            definer.setdefault(name, []).append(obj)
    edges = {o: {} for o in defines}
    for a, names in uses.items():
        for name in names:
            for b in definer.get(name, ()):
                if b != a:
                    edges[a].setdefault(b, []).append(name)
    return edges


def circles(edges):
    """Strongly connected components of more than one file (Tarjan's, with
    an explicit stack: no recursion limit to meet on a long chain)."""
    order, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in sorted(edges):
        if root in order:
            continue
        work = [(root, iter(sorted(edges[root])))]
        order[root] = low[root] = len(order)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, nexts = work[-1]
            step = next(nexts, None)
            if step is not None:
                if step not in order:
                    order[step] = low[step] = len(order)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(edges[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], order[step])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return sorted(found)


def main(argv):
    build = argv[0] if argv else "build"
    objs = objects(build)
    if not objs:
        print("cycles: no object files under %s/{%s}: run make first" % (build, ",".join(TOPS)))
        print("cycles: 0 passed, 1 failed")
        return 2
    try:
        defines, uses = symbols(objs)
    except (OSError, subprocess.CalledProcessError) as e:
        print("cycles: could not read the objects' symbols with nm: %s" % e)
        print("cycles: 0 passed, 1 failed")
        return 2
    edges = needs(defines, uses)

    def src(obj):
        return os.path.relpath(obj, build)[:-2] + ".c"
    found = circles(edges)
    for i, comp in enumerate(found, 1):
        print("circle %d: %s" % (i, ", ".join(src(o) for o in comp)))
        for a in comp:
            for b in sorted(edges[a]):
                if b in comp:
                    print("  %s uses %s: %s" % (src(a), src(b), ", ".join(sorted(edges[a][b]))))
    if found:
        print("cycles: 0 passed, 1 failed (%d circle(s) among %d files)" % (len(found), len(objs)))
        return 1
    print("cycles: 1 passed, 0 failed (no circle among %d files)" % len(objs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
