"""Row 10 of make bench: a flood of pod logs while the diagnose view
follows. Six pods (both slots of `good-deploy`) log 10,000 lines a second
together (`lab set log_rate=1667`, besides their requests) for the window;
the console on the diagnose view (key 9) at 120x40 follows them, and keys
(`i`, the next pane) are pressed all along. Measured: the console's Rss
growth over the window, the lines it dropped from its ring (the bound) and
the lines it took in, key-to-screen p50/p99, bytes to the terminal per
minute, its CPU; beside `kubectl logs -f -l app=detection-api
--max-log-requests=6` in the same run (its CPU, its Rss, the lines it
printed)."""

import os
import re
import subprocess
import time

from labfixture import NS, wait_for
from ptyrun import PtyProc, cpu_seconds, rollup

RATE = 10000          # lines a second, the six pods together
PODS = 6
PANES = ("\u00b7 new in this version", "\u00b7 events", "\u00b7 streams", None)   # None: back to the lines


def lines_pane(s):
    return re.search(r"\d+ of \d+ lines", s) is not None and "\u00b7 streams" not in s.split("\n")[1]


def footer(s):
    """The lines pane's count of lines kept and dropped."""
    m = re.search(r"(\d+) of (\d+) lines .* (\d+) dropped", s)
    return (int(m.group(2)), int(m.group(3))) if m else (0, 0)


def row10(b, row, fmt_s, fmt_kb, pct, FIGS, WINDOW):
    lab = b.lab
    lab.scenario("good-deploy")
    wait_for(lambda: len([p for p in lab.pods("app=detection-api") if not p["metadata"].get("deletionTimestamp")
                          and all(c.get("ready") for c in p["status"].get("containerStatuses", []))]) == PODS,
             60, what="six ready pods")
    out = os.path.join(b.tmp, "kubectl-logs.out")
    p = b.console(120, 40, refresh_ms=2000)
    kubectl = None
    try:
        p.wait_for(b.complete, 20, "a complete overview")
        p.send("9")
        p.wait_for(lambda s: "Diagnose \u00b7" in s and lines_pane(s), 20, "the diagnose view")
        time.sleep(3)
        rss0 = rollup(p.pid)["Rss"]
        cpu0 = cpu_seconds(p.pid, children=False)
        with open(out, "w") as f:
            kubectl = subprocess.Popen(b.kubectl("logs", "-f", "-n", NS, "-l", "app=detection-api",
                                                 "--max-log-requests=%d" % PODS, "--timestamps", "--tail=0"),
                                       stdout=f, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=b.kenv())
        lab.set(log_rate=RATE // PODS)
        t_start = time.monotonic()
        t_end = t_start + WINDOW * 2 / 3
        keys, i = [], 0
        while time.monotonic() < t_end:
            want = PANES[i % len(PANES)]
            t0 = p.send("i")
            t1 = p.wait_for((lambda s, w=want: w in s.split("\n")[1]) if want else lines_pane, 10,
                            "pane %s" % (want or "lines"))
            keys.append(t1 - t0)
            i += 1
            time.sleep(0.25)
        while not lines_pane(p.text()):
            p.send("i")
            time.sleep(0.2)
        # the last third: no key, the lines pane following the flood; what goes to the terminal
        time.sleep(1)
        bytes0, t_bytes = p.bytes_written(), time.monotonic()
        time.sleep(max(t_start + WINDOW - time.monotonic(), 5))
        sent = p.bytes_written() - bytes0
        per_min = sent * 60.0 / (time.monotonic() - t_bytes)
        lab.set(log_rate=0)
        time.sleep(1)
        s = p.text()
        kept, dropped = footer(s)
        rss1 = rollup(p.pid)["Rss"]
        cpu = cpu_seconds(p.pid, children=False) - cpu0
        kcpu = cpu_seconds(kubectl.pid, children=False)
        krss = rollup(kubectl.pid)["Rss"]
    finally:
        lab.set(log_rate=0)
        if kubectl:
            kubectl.terminate()
            kubectl.wait()
        p.close()
    with open(out) as f:
        klines = sum(1 for _ in f)
    FIGS["logs_flood"] = {"rss_growth_kb": rss1 - rss0, "rss_kb": rss1, "kept": kept, "dropped": dropped,
                          "keys_s": keys, "bytes_per_min": per_min, "cpu_s": cpu, "kubectl_cpu_s": kcpu, "kubectl_rss_kb": krss,
                          "kubectl_lines": klines, "window_s": WINDOW}
    took = kept + dropped
    row(10, "log flood 10,000 lines/s, 6 pods, %.0f s: Rss growth (target < 16 MiB)" % WINDOW, fmt_kb(rss1 - rss0),
        "kubectl logs -f Rss %s" % fmt_kb(krss), "-")
    row(10, "log flood: lines taken in / dropped from the 8 MiB ring", "%d / %d" % (took, dropped),
        "kubectl printed %d" % klines, "-")
    row(10, "log flood: key to screen p50 / p99 (target p99 < 50 ms)", "%s / %s" % (fmt_s(pct(keys, 50)),
                                                                                   fmt_s(pct(keys, 99))), "-", "-")
    row(10, "log flood: bytes/min to the terminal (120x40, following, no key)", "%.0f" % per_min, "-", "-")
    row(10, "log flood: CPU share", "%.1f %%" % (100 * cpu / WINDOW), "kubectl logs -f %.1f %%" % (100 * kcpu / WINDOW),
        "%.2fx" % (cpu / kcpu) if kcpu else "-")
