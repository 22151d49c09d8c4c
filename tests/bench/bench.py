#!/usr/bin/python3
"""make bench — how fast, how light and how cheap over SSH the console is,
each figure beside a tool operators use today, measured in the same run on
the same lab. Prints one table; the figures also go to build/bench/latest.json.

  BENCH_SECONDS   steady-state window for bytes, memory and CPU (default 60)
  BENCH_LONG=1    a 5-minute window instead
  BENCH_RUNS      runs per timed figure, the median is quoted (default 3)
  BENCH_KEYS      key presses per latency figure (default 40)
  BENCH_ONLY      comma-separated row numbers to run (e.g. "1,4")"""

import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(REPO, "tests", "lab"))   # faultproxy

from labfixture import NS, SERVICE, Lab, missing, wait_for  # noqa: E402
from ptyrun import PtyProc, cpu_seconds, rollup, where_memory_goes  # noqa: E402
import bench_logs  # noqa: E402
import bench_watch  # noqa: E402
import bench_rollouts  # noqa: E402

BINARY = os.path.join(REPO, "warroom")
DASHBOARDS = os.path.join(REPO, "assets", "dashboards")
DASH_TITLES = ("Detection Pipeline", "Audit Trail", "Infrastructure", "TAK Integration")
LONG = os.environ.get("BENCH_LONG") == "1"
WINDOW = float(os.environ.get("BENCH_SECONDS") or (300 if LONG else 60))
RUNS = int(os.environ.get("BENCH_RUNS") or 3)
KEYS = int(os.environ.get("BENCH_KEYS") or 40)
ONLY = {int(x) for x in os.environ.get("BENCH_ONLY", "").split(",") if x.strip()}
NA = "n/a (not built yet)"
NOT_INSTALLED = "not installed (scripts/deps.sh bench)"

ROWS = []      # (row, measure, console, reference, ratio)
FIGS = {}      # everything measured, for latest.json and docs/performance.md


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = min(int(round(p / 100.0 * (len(xs) - 1))), len(xs) - 1)
    return xs[k]


def fmt_s(v):
    if v != v:
        return "-"
    if v < 0.01:
        return "%.1f ms" % (v * 1000)
    return "%.0f ms" % (v * 1000) if v < 1 else "%.2f s" % v


def fmt_kb(v):
    return "%.1f MiB" % (v / 1024.0)


def ratio(a, b):
    if a is None or b is None or not b or a != a or b != b:
        return "-"
    return "%.2fx" % (a / b)


def row(n, measure, console, reference, r="-"):
    ROWS.append((n, measure, console, reference, r))
    print("  [%s] %s: %s | %s | %s" % (n, measure, console, reference, r), flush=True)


def wanted(n):
    return not ONLY or n in ONLY


class Bench:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="warroom-bench-")
        self.lab = Lab("bench")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8",
                        HOME=self.home, USER="bench",
                        XDG_CONFIG_HOME=os.path.join(self.home, "config"),
                        XDG_STATE_HOME=os.path.join(self.home, "state"))
        self.env.pop("NO_COLOR", None)
        self.n = 0
        self.binary = BINARY

    # ---- helpers -----------------------------------------------------------
    def config(self, refresh_ms=2000):
        """The lab's console config with the operator's usual 2 s refresh."""
        path = os.path.join(self.tmp, "warroom-%d.yaml" % refresh_ms)
        with open(self.lab.config_path) as f:
            text = f.read()
        text = re.sub(r"(?m)^refresh_ms: \d+", "refresh_ms: %d" % refresh_ms, text)
        with open(path, "w") as f:
            f.write(text)
        return path

    def db(self):
        self.n += 1
        return os.path.join(self.tmp, "tl-%d.db" % self.n)

    def console(self, cols=120, rows=40, db=None, refresh_ms=2000):
        argv = [BINARY, "--config", self.config(refresh_ms), "--db", db or self.db()]
        return PtyProc(argv, cols, rows, self.env)

    def run(self, argv, timeout=120, env=None):
        """Wall seconds, max RSS kB (/usr/bin/time), exit code, stdout."""
        tf = os.path.join(self.tmp, "time.out")
        t0 = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%M"] + argv, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=env or self.kenv())
        wall = time.monotonic() - t0
        try:
            with open(tf) as f:
                rss = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            rss = 0
        return wall, rss, p.returncode, p.stdout.decode("utf-8", "replace")

    def kenv(self):
        return dict(self.env, KUBECONFIG=self.lab.kubeconfig)

    def kubectl(self, *args):
        return ["kubectl", "--kubeconfig", self.lab.kubeconfig,
                "--cache-dir", os.path.join(self.tmp, "kube-cache")] + list(args)

    def warroom(self, *args, db=None):
        return [BINARY] + list(args[:1]) + ["--config", self.config(), "--db", db or self.db()] + \
            list(args[1:])

    def complete(self, s):
        """The first complete overview frame: every source answered, the slots
        and the alert list drawn, the golden signals carrying numbers."""
        bar = s.split("\n", 1)[0]
        sources = ("kube ✓" in bar and "prom ✓" in bar and "alerts ✓" in bar and "argocd ✓" in bar) or \
            re.search(r" ✓\s+\d\d:\d\d:\d\dZ$", bar) is not None   # narrow: one mark for all
        return (sources and "ACTIVE" in s and "firing)" in s and re.search(r"req/s\s+[0-9]", s) is not None)

    # ---- 1 and 7: start, and a crowded namespace ------------------------------
    def startup(self, label):
        cons, refs = [], []
        for _ in range(RUNS):
            p = self.console(120, 40)
            try:
                t = p.wait_for(self.complete, 20, "a complete overview")
                cons.append(t - p.t_start)
            finally:
                p.close()
            wall, _, rc, _ = self.run(self.kubectl("get", "pods", "-n", NS))
            refs.append(wall)
        c, r = med(cons), med(refs)
        FIGS["start_" + label] = {"console_s": cons, "kubectl_get_pods_s": refs}
        row(1, "start to first complete overview (%s)" % label, fmt_s(c),
            "kubectl get pods %s" % fmt_s(r), ratio(c, r))

    def slot_refresh(self, label):
        cons, crss, refs, rrss = [], [], [], []
        for _ in range(RUNS):
            w, m, rc, _ = self.run(self.warroom("status", "--json"))
            cons.append(w)
            crss.append(m)
            w, m, rc, _ = self.run(self.kubectl("get", "pods", "-n", NS, "-l", "app=detection-api",
                                                "-o", "json"))
            refs.append(w)
            rrss.append(m)
        FIGS["slot_refresh_" + label] = {"warroom_status_s": cons, "warroom_maxrss_kb": crss,
                                         "kubectl_s": refs, "kubectl_maxrss_kb": rrss}
        row(7, "slot refresh, %s: time (warroom status)" % label, fmt_s(med(cons)),
            "kubectl get pods -l -o json %s" % fmt_s(med(refs)), ratio(med(cons), med(refs)))
        row(7, "slot refresh, %s: peak memory" % label, fmt_kb(med(crss)),
            "kubectl %s" % fmt_kb(med(rrss)), ratio(med(crss), med(rrss)))

    def row1_7(self):
        self.lab.scenario("steady")
        if wanted(1):
            self.startup("lab")
        if wanted(7):
            self.slot_refresh("lab")
        t0 = time.monotonic()
        self.lab.run_lab("pods", "5000")
        FIGS["lab_pods_5000_s"] = time.monotonic() - t0
        try:
            if wanted(1):
                self.startup("5,000 other pods")
            if wanted(7):
                self.slot_refresh("5,000 other pods")
                # pods of the service's own app are what the console must read
                # pods of the service's own app, then of its live slot: what
                # the slot poller's selectors must keep out of every refresh
                for label, extra in (("5,000 pods app=detection-api", ()),
                                     ("5,000 pods app=detection-api,slot=blue", ("slot=blue",))):
                    self.lab.run_lab("pods", "clear")
                    self.lab.run_lab("pods", "5000", "app=detection-api", *extra)
                    self.slot_refresh(label)
                    p = self.console(120, 40)
                    try:
                        p.wait_for(self.complete, 30, "a complete overview")
                        time.sleep(6)
                        r = rollup(p.pid)
                        FIGS["console_rollup_" + label] = r
                        row(7, "console Rss with %s" % label, fmt_kb(r["Rss"]), "-", "-")
                    finally:
                        p.close()
        finally:
            self.lab.run_lab("pods", "clear")

    # ---- 2 and 3: bytes, memory and CPU in a steady window ---------------------
    def window(self, procs, seconds):
        """Bytes per minute and CPU share over `seconds` after a 5 s warm-up;
        memory at the end."""
        time.sleep(5)
        start = {k: (p.bytes_written(), cpu_seconds(p.pid), time.monotonic()) for k, p in procs.items()}
        time.sleep(seconds)
        out = {}
        for k, p in procs.items():
            if p.eof:
                print("    %s ended early; its screen:\n%s" % (k, p.text()[:400]))
                continue
            b0, c0, t0 = start[k]
            dt = time.monotonic() - t0
            out[k] = {"bytes_per_min": (p.bytes_written() - b0) * 60.0 / dt,
                      "cpu_share": (cpu_seconds(p.pid) - c0) / dt,
                      "mem": rollup(p.pid)}
            if k.startswith("warroom"):
                out[k]["where"] = where_memory_goes(p.pid)
        return out

    def refs(self, cols, rows):
        out = {}
        if shutil.which("htop"):
            out["htop %dx%d" % (cols, rows)] = PtyProc(["htop", "-d", "20"], cols, rows, self.env)
        if shutil.which("btop"):
            out["btop %dx%d" % (cols, rows)] = PtyProc(["btop"], cols, rows, self.env)  # 2 s: its default
        return out

    def row2_3_steady(self):
        self.lab.scenario("steady")
        procs = {"warroom 80x24": self.console(80, 24), "warroom 120x40": self.console(120, 40),
                 "warroom metrics 120x40": self.console(120, 40)}
        procs.update(self.refs(80, 24))
        procs.update(self.refs(120, 40))
        q = "%s/api/v1/query?query=sum(rate(http_requests_total[1m]))" % self.lab.env["PROMETHEUS_URL"]
        procs["watch kubectl"] = PtyProc(["watch", "-n2"] + self.kubectl("get", "pods", "-n", NS),
                                         80, 24, self.kenv())
        procs["watch curl"] = PtyProc(["watch", "-n2", "curl", "-s", q], 80, 24, self.env)
        try:
            for k in ("warroom 80x24", "warroom 120x40", "warroom metrics 120x40"):
                procs[k].wait_for(self.complete, 20, "a complete overview")
            # the metrics view on the lab's first dashboard, every panel drawn
            m = procs["warroom metrics 120x40"]
            m.send("7")
            m.wait_for(lambda s: any(t in s for t in DASH_TITLES), 20, "the metrics view")
            time.sleep(3)   # its first whole-range round drawn
            res = self.window(procs, WINDOW)
        finally:
            for p in procs.values():
                p.close()
        FIGS["steady_window_s"] = WINDOW
        FIGS["steady"] = res
        for size in ("80x24", "120x40"):
            c = res["warroom " + size]
            for tool in ("htop", "btop"):
                r = res.get("%s %s" % (tool, size))
                row(2, "bytes/min, steady overview %s" % size, "%.0f" % c["bytes_per_min"],
                    "%s %s" % (tool, "%.0f" % r["bytes_per_min"] if r else NOT_INSTALLED),
                    ratio(c["bytes_per_min"], r and r["bytes_per_min"]))
        c = res["warroom metrics 120x40"]
        for tool in ("htop", "btop"):
            r = res.get("%s 120x40" % tool)
            row(2, "bytes/min, steady dashboard (metrics view) 120x40", "%.0f" % c["bytes_per_min"],
                "%s %s" % (tool, "%.0f" % r["bytes_per_min"] if r else NOT_INSTALLED),
                ratio(c["bytes_per_min"], r and r["bytes_per_min"]))
        c = res["warroom 120x40"]
        for tool in ("htop 120x40", "btop 120x40", "watch kubectl", "watch curl"):
            r = res.get(tool)
            if not r:
                row(3, "Rss / private after %.0f s" % (WINDOW + 5), "-", "%s %s" % (tool, NOT_INSTALLED), "-")
                continue
            row(3, "Rss / private after %.0f s" % (WINDOW + 5),
                "%s / %s" % (fmt_kb(c["mem"]["Rss"]), fmt_kb(c["mem"]["Private"])),
                "%s %s / %s" % (tool, fmt_kb(r["mem"]["Rss"]), fmt_kb(r["mem"]["Private"])),
                ratio(c["mem"]["Private"], r["mem"]["Private"]))
        for tool in ("htop 120x40", "btop 120x40", "watch kubectl", "watch curl"):
            r = res.get(tool)
            if not r:
                continue
            row(3, "CPU share idle (120x40)", "%.2f %%" % (100 * c["cpu_share"]),
                "%s %.2f %%" % (tool, 100 * r["cpu_share"]), ratio(c["cpu_share"], r["cpu_share"]))
        self.memory_breakdown(c["where"])

    def memory_breakdown(self, where):
        sizes = {}
        exe = os.path.join(self.tmp, "sizes")
        cflags = subprocess.run(["pkg-config", "--cflags", "ncursesw", "libcurl", "libcjson", "sqlite3"],
                                capture_output=True, text=True).stdout.split()
        p = subprocess.run(["cc", "-std=c11", "-D_DEFAULT_SOURCE", "-I" + os.path.join(REPO, "include")]
                           + cflags + [os.path.join(HERE, "sizes.c"), "-o", exe], capture_output=True,
                           text=True)
        if p.returncode == 0:
            for line in subprocess.run([exe], capture_output=True, text=True).stdout.splitlines():
                name, _, v = line.rpartition(" ")
                sizes[name] = int(v)
        libs = where.get("libraries", {}).get("libs", {})
        FIGS["memory_where_kb"] = {k: {"Rss": v["Rss"], "Private": v["Private"]} for k, v in where.items()}
        FIGS["memory_top_libs_kb"] = dict(sorted(libs.items(), key=lambda kv: -kv[1])[:8])
        FIGS["struct_bytes"] = sizes
        print("  memory of the console at 120x40 (kB Rss / private):")
        for k, v in sorted(where.items(), key=lambda kv: -kv[1]["Rss"]):
            print("    %-26s %7d / %7d" % (k, v["Rss"], v["Private"]))
        print("    top libraries: " + ", ".join("%s %d" % kv for kv in FIGS["memory_top_libs_kb"].items()))
        print("    fixed structs (bytes): " + ", ".join("%s %d" % kv for kv in sizes.items()))

    def row2_incident(self):
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.alerts("HighErrorRate"), 60, what="HighErrorRate firing")
        procs = {"warroom 80x24": self.console(80, 24), "warroom 120x40": self.console(120, 40)}
        procs.update(self.refs(80, 24))
        procs.update(self.refs(120, 40))
        try:
            for k in ("warroom 80x24", "warroom 120x40"):
                procs[k].wait_for(lambda s: "HighErrorRate" in s, 30, "the alert")
            res = self.window(procs, min(WINDOW, 30))
        finally:
            for p in procs.values():
                p.close()
        FIGS["incident"] = res
        for size in ("80x24", "120x40"):
            c = res["warroom " + size]
            for tool in ("htop", "btop"):
                r = res.get("%s %s" % (tool, size))
                row(2, "bytes/min, live incident (bad-deploy) %s" % size, "%.0f" % c["bytes_per_min"],
                    "%s %s" % (tool, "%.0f" % r["bytes_per_min"] if r else NOT_INSTALLED),
                    ratio(c["bytes_per_min"], r and r["bytes_per_min"]))

    # ---- 4: key to screen ------------------------------------------------------
    def latencies(self, p, n):
        """Alternate the Slots view and the overview; the time from writing the
        key to the chunk that completes the new view's title."""
        out = []
        for i in range(n):
            key, want = ("2", "┌ Slots ·") if i % 2 == 0 else ("1", "┌ Golden signals")
            t0 = p.send(key)
            t1 = p.wait_for(lambda s, w=want: w in s, 10, "the view after key %s" % key)
            out.append(t1 - t0)
            time.sleep(0.05)
        return out

    def htop_latencies(self, n):
        p = PtyProc(["htop", "-d", "20"], 120, 40, self.env)
        out = []
        try:
            p.wait_for(lambda s: "PID" in s and "Command" in s, 10, "htop")
            time.sleep(0.5)
            for i in range(n):
                if i % 2 == 0:
                    t0 = p.send("h")
                    t1 = p.wait_for(lambda s: "Press any key to return" in s, 10, "htop's help")
                else:
                    t0 = p.send("x")
                    t1 = p.wait_for(lambda s: "Press any key to return" not in s and "PID" in s, 10,
                                    "htop's list")
                out.append(t1 - t0)
                time.sleep(0.05)
        finally:
            p.close()
        return out

    def row4(self):
        self.lab.scenario("steady")
        ref = self.htop_latencies(KEYS) if shutil.which("htop") else []
        FIGS["latency_htop_s"] = ref
        db = self.db()
        p = self.console(120, 40, db=db)
        try:
            p.wait_for(self.complete, 20, "a complete overview")
            cases = {}
            cases["normal"] = self.latencies(p, KEYS)
            prom = self.lab.pids().get("prometheus")
            os.kill(prom, signal.SIGSTOP)
            try:
                time.sleep(3)
                cases["Prometheus stopped (SIGSTOP)"] = self.latencies(p, KEYS)
            finally:
                os.kill(prom, signal.SIGCONT)
            writer = subprocess.Popen(["sh", "-c", 'while :; do "$0" note --config "$1" --db "$2" '
                                       '"bench note" >/dev/null 2>&1; done', BINARY, self.config(), db],
                                      stdin=subprocess.DEVNULL)
            try:
                time.sleep(1)
                cases["warroom note in a loop"] = self.latencies(p, KEYS)
            finally:
                writer.terminate()
                writer.wait()
        finally:
            p.close()
        FIGS["latency_s"] = cases
        for name, xs in cases.items():
            row(4, "key to screen p50 / p99, %s" % name, "%s / %s" % (fmt_s(pct(xs, 50)), fmt_s(pct(xs, 99))),
                "htop h/any key %s / %s" % (fmt_s(pct(ref, 50)), fmt_s(pct(ref, 99))),
                ratio(pct(xs, 50), pct(ref, 50)))

    # ---- 5: rollback -----------------------------------------------------------
    def verified(self, out):
        m = re.search(r"verified in ([0-9.]+) ?s", out)
        return float(m.group(1)) if m else None

    def endpoints_on(self, slot):
        pods = self.lab.endpoint_pods()
        return pods and all(("-%s-" % slot) in p for p in pods)

    def kubectl_by_hand(self, slot, scale=False):
        """What an operator scripts today: (scale the standby and wait for its
        rollout,) patch the selector, poll the EndpointSlices until every
        endpoint is on the slot."""
        t0 = time.monotonic()
        if scale:
            subprocess.run(self.kubectl("scale", "-n", NS, "deployment/detection-api-" + slot,
                                        "--replicas=3"), capture_output=True, env=self.kenv(), check=True)
            subprocess.run(self.kubectl("rollout", "status", "-n", NS, "deployment/detection-api-" + slot,
                                        "--timeout=60s"), capture_output=True, env=self.kenv(), check=True)
        subprocess.run(self.kubectl("patch", "service", SERVICE, "-n", NS, "-p",
                                    json.dumps({"spec": {"selector": {"slot": slot}}})),
                       capture_output=True, env=self.kenv(), check=True)
        while time.monotonic() - t0 < 60:
            p = subprocess.run(self.kubectl("get", "endpointslices", "-n", NS, "-l",
                                            "kubernetes.io/service-name=" + SERVICE, "-o",
                                            "jsonpath={.items[*].endpoints[*].targetRef.name}"),
                               capture_output=True, text=True, env=self.kenv())
            names = p.stdout.split()
            if names and all(("-%s-" % slot) in n for n in names):
                return time.monotonic() - t0
        return float("nan")

    def row5(self):
        self.lab.argocd_autosync(False)
        sel, sel_v, sel_ref, sc, sc_v, sc_ref = [], [], [], [], [], []
        for _ in range(RUNS):
            self.lab.scenario("bad-deploy")
            wall, _, rc, out = self.run(self.warroom("rollback", "--strategy", "selector", "--yes"))
            if rc == 0:
                sel.append(wall)
                sel_v.append(self.verified(out) or float("nan"))
            else:
                print("    rollback failed (%d): %s" % (rc, out[-300:]))
            self.lab.scenario("bad-deploy")
            sel_ref.append(self.kubectl_by_hand("blue"))
        for _ in range(RUNS):
            self.lab.scenario("steady")
            wall, _, rc, out = self.run(self.warroom("rollback", "--strategy", "scale-switch", "--yes"))
            if rc == 0:
                sc.append(wall)
                sc_v.append(self.verified(out) or float("nan"))
            else:
                print("    rollback failed (%d): %s" % (rc, out[-300:]))
            self.lab.scenario("steady")
            sc_ref.append(self.kubectl_by_hand("green", scale=True))
        self.lab.scenario("steady")
        self.lab.argocd_autosync(True)
        FIGS["rollback"] = {"selector_wall_s": sel, "selector_verified_s": sel_v, "selector_kubectl_s": sel_ref,
                            "scale_wall_s": sc, "scale_verified_s": sc_v, "scale_kubectl_s": sc_ref}
        row(5, "confirm to verified, selector switch", "%s (says %s)" % (fmt_s(med(sel)), fmt_s(med(sel_v))),
            "kubectl patch + poll %s" % fmt_s(med(sel_ref)), ratio(med(sel), med(sel_ref)))
        row(5, "confirm to verified, scale-switch", "%s (says %s)" % (fmt_s(med(sc)), fmt_s(med(sc_v))),
            "kubectl scale/rollout/patch %s" % fmt_s(med(sc_ref)), ratio(med(sc), med(sc_ref)))

    # ---- 6: the timeline with a million events ---------------------------------
    def make_db(self, n):
        path = os.path.join(self.tmp, "million.db")
        # the schema is the one the binary creates: it writes the first event
        subprocess.run([BINARY, "note", "--config", self.config(), "--db", path, "first"],
                       check=True, capture_output=True, env=self.env)
        t0 = time.monotonic()
        con = sqlite3.connect(path)
        kinds = ("note", "alert", "action", "verify", "deploy", "sev", "rollback", "error")
        now = int(time.time() * 1000)
        start = now - n * 1000

        def rows():
            for i in range(n):
                k = kinds[i % len(kinds)]
                yield (None, start + i * 1000, "op%d" % (i % 7), k,
                       "%s %d: detection-api event for the bench" % (k, i),
                       '{"i":%d}' % i if i % 10 == 0 else None)
        con.executemany("INSERT INTO events (incident_id, ts_ms, actor, kind, summary, detail)"
                        " VALUES (?, ?, ?, ?, ?, ?)", rows())
        con.commit()
        con.close()
        FIGS["timeline_generate_s"] = time.monotonic() - t0
        return path

    def row6(self):
        db = self.make_db(1000000)
        FIGS["timeline_db_bytes"] = os.path.getsize(db)
        opens, refs, pages = [], [], []
        for _ in range(RUNS):
            p = PtyProc([BINARY, "--config", self.config(), "--db", db], 120, 40, self.env)
            try:
                t = p.wait_for(lambda s: "bench" in s and "ACTIVE" in s, 20, "the newest events")
                opens.append(t - p.t_start)
                t0 = p.send("3")
                t1 = p.wait_for(lambda s: "┌ Timeline ·" in s and "event for the bench" in s, 10,
                                "the timeline view")
                pages.append(t1 - t0)
            finally:
                p.close()
            w, _, _, _ = self.run(["sqlite3", db, "SELECT id, ts_ms, actor, kind, summary FROM events"
                                   " ORDER BY ts_ms DESC, id DESC LIMIT 40"])
            refs.append(w)
        row(6, "1M events: start to newest events on the overview", fmt_s(med(opens)),
            "sqlite3 newest 40 %s" % fmt_s(med(refs)), ratio(med(opens), med(refs)))
        row(6, "1M events: key 3 to the newest page drawn", fmt_s(med(pages)), "-", "-")
        fr = [self.run(["sqlite3", db, "SELECT id, summary FROM events WHERE kind = 'rollback'"
                        " ORDER BY ts_ms DESC LIMIT 40"])[0] for _ in range(RUNS)]
        lk = [self.run(["sqlite3", db, "SELECT id, summary FROM events WHERE summary LIKE '%12345:%'"
                        " OR detail LIKE '%12345%' ORDER BY ts_ms DESC LIMIT 40"])[0] for _ in range(RUNS)]
        word, every, kind = self.filtering(db)
        row(6, "1M events: filtering, a word of one old event (/ Enter to drawn)", fmt_s(med(word)),
            "sqlite3 LIKE scan %s" % fmt_s(med(lk)), ratio(med(word), med(lk)))
        row(6, "1M events: filtering, a word in every event (the newest 500)", fmt_s(med(every)), "-", "-")
        row(6, "1M events: filtering, one kind (f to drawn)", fmt_s(med(kind)),
            "sqlite3 kind filter %s" % fmt_s(med(fr)), ratio(med(kind), med(fr)))
        FIGS["timeline_filter"] = {"word_s": word, "every_s": every, "kind_s": kind, "like_ref_s": lk}
        ex, exm, rx, rxm = [], [], [], []
        for _ in range(RUNS):
            w, m, rc, out = self.run(self.warroom("timeline", "--limit", "100000", "--json", db=db))
            ex.append(w)
            exm.append(m)
            if rc != 0:
                print("    export failed (%d)" % rc)
            w, m, _, _ = self.run(["sqlite3", "-json", db, "SELECT * FROM events ORDER BY ts_ms DESC,"
                                   " id DESC LIMIT 100000"])
            rx.append(w)
            rxm.append(m)
        FIGS["timeline"] = {"open_s": opens, "page_s": pages, "sqlite_newest_s": refs, "filter_ref_s": fr,
                            "export_s": ex, "export_maxrss_kb": exm, "sqlite_export_s": rx,
                            "sqlite_export_maxrss_kb": rxm}
        row(6, "1M events: export 100,000 (timeline --json)", fmt_s(med(ex)),
            "sqlite3 -json %s" % fmt_s(med(rx)), ratio(med(ex), med(rx)))
        row(6, "1M events: export 100,000, peak memory", fmt_kb(med(exm)),
            "sqlite3 -json %s" % fmt_kb(med(rxm)), ratio(med(exm), med(rxm)))

    def filtering(self, db):
        """The timeline view's filter on the database: from the key that ends
        the search (Enter, or f for a kind) to the read that completes the
        filtered page's title and first match."""
        word, every, kind = [], [], []
        for _ in range(RUNS):
            p = PtyProc([BINARY, "--config", self.config(), "--db", db], 120, 40, self.env)
            try:
                p.wait_for(lambda s: "bench" in s and "ACTIVE" in s, 20, "the newest events")
                p.send("3")
                p.wait_for(lambda s: "┌ Timeline ·" in s and "event for the bench" in s, 10, "the timeline view")
                for w, into, pred in (
                        ("12345", word, lambda s: "events match" in s and "12345: detection-api event" in s),
                        ("bench", every, lambda s: "the newest 500 events match" in s)):
                    p.send("/")
                    p.wait_for(lambda s: "Search the timeline" in s, 5, "the search dialog")
                    p.send("\x15" + w)   # C-u: the last search goes
                    p.wait_for(lambda s, w=w: "/" + w in s.replace(" ", "") or w in s, 5, "the typed word")
                    t0 = p.send("\r")
                    into.append(p.wait_for(pred, 10, "the matches of %s" % w) - t0)
                p.send(".")
                p.wait_for(lambda s: "events match" not in s, 5, "every event again")
                t0 = p.send("f")
                kind.append(p.wait_for(lambda s: re.search(r"events? match · kind \w+", s) is not None, 10,
                                       "one kind") - t0)
            finally:
                p.close()
        return word, every, kind

    # ---- 8: a 20-panel dashboard ------------------------------------------------
    def dash20(self):
        """A 20-panel dashboard on the lab's metrics: the query panels of the
        Detection Pipeline, Infrastructure and TAK dashboards on one grid, and
        each of its panels alone in a dashboard of its own (same width, so the
        same step)."""
        panels, templating = [], None
        for name in ("detection-pipeline.json", "infrastructure.json", "tak-integration.json"):
            with open(os.path.join(DASHBOARDS, name)) as f:
                d = json.load(f)
            templating = templating or d.get("templating")
            for p in d["panels"]:
                for q in [p] + p.get("panels", []):
                    if q.get("type") != "row" and q.get("targets"):
                        panels.append(q)
        panels = panels[:20]
        top = os.path.join(self.tmp, "dash20")
        os.makedirs(top, exist_ok=True)

        def write(name, ps):
            out = []
            for i, p in enumerate(ps):
                p = dict(p, id=i + 1, gridPos={"x": (i % 4) * 6, "y": (i // 4) * 6, "w": 6, "h": 6})
                out.append(p)
            path = os.path.join(top, name)
            with open(path, "w") as f:
                json.dump({"title": "Twenty panels", "uid": name[:-5], "schemaVersion": 39, "panels": out,
                           "templating": templating, "time": {"from": "now-1h", "to": "now"}}, f)
            return path
        return write("twenty.json", panels), [write("one-%02d.json" % i, [p]) for i, p in enumerate(panels)], \
            len(panels)

    def dash_values(self, path, config=None):
        _, _, rc, out = self.run([BINARY, "dashboard", "--config", config or self.config(), "--db", self.db(),
                                  "values", path, "--json"])
        try:
            j = json.loads(out)
        except ValueError:
            raise RuntimeError("dashboard values %s: exit %d, %s" % (os.path.basename(path), rc, out[-200:]))
        errs = [p["title"] + ": " + p["error"] for p in j["panels"] if p.get("error")]
        return j, errs

    def dash_rounds(self, twenty, singles, config=None):
        """RUNS times: the 20-panel dashboard's two rounds, then each panel alone."""
        f = {k: [] for k in ("full", "steady", "full_self", "steady_self", "ref_full", "ref_steady", "sum_full",
                             "sum_steady")}
        errors, sent, runs = set(), None, []
        for _ in range(RUNS):
            j, errs = self.dash_values(twenty, config)
            errors.update(errs)
            sent = (j.get("queries"), j.get("full_queries_sent"), j.get("queries_sent"))
            f["full"].append(j["full_refresh_ms"] / 1000.0)
            f["full_self"].append(j["full_slowest_query_ms"] / 1000.0)
            f["steady"].append(j["refresh_ms"] / 1000.0)
            f["steady_self"].append(j["slowest_query_ms"] / 1000.0)
            alone = [self.dash_values(p, config)[0] for p in singles]
            runs.append(alone)
            # Prometheus does every query's work either way: the panels one after another
            f["sum_full"].append(sum(a["full_refresh_ms"] for a in alone) / 1000.0)
            f["sum_steady"].append(sum(a["refresh_ms"] for a in alone) / 1000.0)
        # the slowest panel alone: each panel's median over the runs, the
        # highest of those (one run's outlier is not the panel's time)
        for key, src in (("ref_full", "full_refresh_ms"), ("ref_steady", "refresh_ms")):
            per = [med([r[i][src] / 1000.0 for r in runs]) for i in range(len(singles))]
            f[key] = [max(per)]
            f[key + "_per_panel"] = per
        f["errors"] = sorted(errors)
        f["queries_total_full_steady"] = sent
        return f

    def curl_parallel(self, twenty):
        """The dashboard's distinct queries (as `dashboard show` expands them)
        sent by curl, all at once over fresh connections: a client with no
        work of its own, against the same Prometheus. Seconds, the slowest
        transfer of each run (they start together)."""
        if not shutil.which("curl"):
            return None
        _, _, rc, out = self.run([BINARY, "dashboard", "--config", self.config(), "--db", self.db(), "show",
                                  twenty, "--json"])
        j = json.loads(out)
        url = re.search(r"(?m)^prometheus:\n  url: (\S+)", open(self.config()).read()).group(1)
        step = 60   # a 6-column panel at 120 columns: 60 points over the hour, as the console asks
        now = int(time.time())
        end = now - now % step
        seen, lines = set(), []
        for p in j["panels"]:
            for q in p["queries"]:
                key = (p["type"] == "table" or q["instant"], q["expr"])
                if q["hide"] or key in seen:
                    continue
                seen.add(key)
                if key[0]:
                    qs = urllib.parse.urlencode({"query": q["expr"], "time": end})
                    lines.append('url = "%s/api/v1/query?%s"' % (url, qs))
                else:
                    qs = urllib.parse.urlencode({"query": q["expr"], "start": end - 3600, "end": end, "step": step})
                    lines.append('url = "%s/api/v1/query_range?%s"' % (url, qs))
                lines.append('output = "/dev/null"')
        cfg = os.path.join(self.tmp, "curl-twenty.cfg")
        with open(cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        runs = []
        for _ in range(RUNS):
            p = subprocess.run(["curl", "-s", "--parallel", "--parallel-immediate", "--parallel-max", "20",
                                "-w", "%{time_total}\n", "-K", cfg], capture_output=True, text=True, timeout=60)
            times = [float(x) for x in p.stdout.split()]
            if len(times) == len(seen):
                runs.append(max(times))
        return {"queries": len(seen), "s": runs} if runs else None

    def row8(self):
        self.lab.scenario("steady")
        twenty, singles, n = self.dash20()
        d = self.dash_rounds(twenty, singles)
        FIGS["dashboard_20"] = d
        if d["errors"]:
            print("    panels with errors: %s" % "; ".join(d["errors"])[:400])
        q, qf, qs = d["queries_total_full_steady"]
        row(8, "%d-panel dashboard, first refresh (%s queries, %s sent)" % (n, q, qf),
            "%s (slowest in it %s)" % (fmt_s(med(d["full"])), fmt_s(med(d["full_self"]))),
            "slowest panel alone %s" % fmt_s(med(d["ref_full"])), ratio(med(d["full"]), med(d["ref_full"])))
        row(8, "%d-panel dashboard, steady refresh (%s sent: the rest had no new step)" % (n, qs),
            "%s (slowest in it %s)" % (fmt_s(med(d["steady"])), fmt_s(med(d["steady_self"]))),
            "slowest panel alone %s" % fmt_s(med(d["ref_steady"])), ratio(med(d["steady"]), med(d["ref_steady"])))
        row(8, "%d-panel dashboard, first refresh" % n, fmt_s(med(d["full"])),
            "the %d panels one after another %s" % (n, fmt_s(med(d["sum_full"]))),
            ratio(med(d["full"]), med(d["sum_full"])))
        c = self.curl_parallel(twenty)
        if c:
            FIGS["dashboard_20_curl_parallel"] = c
            row(8, "%d-panel dashboard, first refresh" % n, fmt_s(med(d["full"])),
                "curl --parallel, its %d distinct queries %s" % (c["queries"], fmt_s(med(c["s"]))),
                ratio(med(d["full"]), med(c["s"])))
        # the same through a link that holds each request (a Prometheus across
        # a network, or busy elsewhere): what the queries' time is when it is
        # not this machine's two cores that all of them share
        from faultproxy import SLOW_MS, FaultProxy
        port = int(re.search(r"(?m)^prometheus:\n  url: http://127\.0\.0\.1:(\d+)", open(self.config()).read()).group(1))
        proxy = FaultProxy(port)
        try:
            proxy.set_mode("slow")
            slow = os.path.join(self.tmp, "warroom-slow-link.yaml")
            with open(self.config()) as f:
                text = f.read()
            with open(slow, "w") as f:
                f.write(text.replace("url: http://127.0.0.1:%d" % port, "url: http://127.0.0.1:%d" % proxy.port))
            w = self.dash_rounds(twenty, singles, slow)
        finally:
            proxy.close()
        FIGS["dashboard_20_slow_link"] = dict(w, hold_ms=SLOW_MS)
        row(8, "%d-panel dashboard, first refresh, each request held %d ms" % (n, SLOW_MS),
            "%s (slowest in it %s)" % (fmt_s(med(w["full"])), fmt_s(med(w["full_self"]))),
            "slowest panel alone %s" % fmt_s(med(w["ref_full"])), ratio(med(w["full"]), med(w["ref_full"])))

    # ---- 9: fault to recommendation, fault to traffic back on blue ---------------
    def row9(self):
        """bad-deploy with the console on the Deployment view and `warroom watch
        --auto-rollback` beside it; Argo CD auto-sync off, as in the lab's
        deploy tests, so the rollback is the selector switch the watch picks."""
        self.lab.argocd_autosync(False)
        recs, blues, rcs = [], [], []
        try:
            for _ in range(RUNS):
                self.lab.scenario("steady")
                wait_for(lambda: self.lab.service_selector().get("slot") == "blue", 15, what="traffic on blue")
                wait_for(lambda: (self.lab.error_ratio("10s") or 0) < 0.01, 60, what="a clean baseline")
                p = PtyProc([BINARY, "--config", self.lab.config_path, "--db", self.db()], 120, 40, self.env)
                w = subprocess.Popen([BINARY, "--config", self.lab.config_path, "--db", self.db(), "watch",
                                      "--auto-rollback"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.kenv())
                try:
                    p.wait_for(lambda s: "ACTIVE" in s, 20, "the slots")
                    p.send("8")
                    p.wait_for(lambda s: "Deployment" in s, 10, "the Deployment view")
                    time.sleep(3)   # a baseline for both
                    self.lab.scenario("bad-deploy")
                    wait_for(lambda: self.lab.service_selector().get("slot") == "green", 15, interval=0.05,
                             what="traffic on green")
                    t0 = time.monotonic()
                    t_rec = p.wait_for(lambda s: "ollback recommended" in s or "was recommended" in s, 60,
                                       "the recommendation")
                    recs.append(t_rec - t0)
                    wait_for(lambda: self.lab.service_selector().get("slot") == "blue" and
                             self.endpoints_on("blue"), 60, interval=0.05, what="traffic verified on blue")
                    blues.append(time.monotonic() - t0)
                    out, _ = w.communicate(timeout=60)
                    rcs.append(w.returncode)
                    if w.returncode != 4:
                        print("    watch exited %d: %s" % (w.returncode, out[-300:]))
                finally:
                    if w.poll() is None:
                        w.terminate()
                        w.wait()
                    p.close()
        finally:
            self.lab.scenario("steady")
            self.lab.argocd_autosync(True)
        FIGS["fault_to_recommendation_s"] = recs
        FIGS["fault_to_blue_watch_s"] = {"s": blues, "watch_rc": rcs}
        row(9, "fault to recommendation on screen (Deployment view)", fmt_s(med(recs)), "-", "-")
        row(9, "fault to traffic verified on blue (watch --auto-rollback)", fmt_s(med(blues)),
            "watch exits %s (4: rolled back)" % ",".join(str(x) for x in rcs), "-")
        self.row9_late()

    def bad_deploy_20s_ago(self):
        """A bad deploy whose switch is 20 s old when this returns."""
        self.lab.scenario("steady")
        wait_for(lambda: self.lab.service_selector().get("slot") == "blue", 15, what="traffic on blue")
        self.lab.scenario("bad-deploy")
        t_switch = wait_for(lambda: self.lab.service_selector().get("slot") == "green" and time.monotonic(),
                            15, interval=0.05, what="traffic on green")
        time.sleep(max(0.0, t_switch + 20 - time.monotonic()))

    def row9_late(self):
        """Operators arrive after the switch: a console opened 20 s after it
        (the overview, where it opens), and `warroom watch --auto-rollback`
        started 20 s after it, each timed from its own start: the model
        rebuilt from history (Argo CD, managedFields, Prometheus) must judge at
        once what a console that saw the switch judges."""
        self.lab.argocd_autosync(False)
        recs, blues, rcs = [], [], []
        try:
            for _ in range(RUNS):
                self.bad_deploy_20s_ago()
                t0 = time.monotonic()
                p = PtyProc([BINARY, "--config", self.lab.config_path, "--db", self.db()], 120, 40, self.env)
                try:
                    recs.append(p.wait_for(lambda s: "Rollback recommended" in s, 60,
                                           "the recommendation") - t0)
                finally:
                    p.close()
                self.bad_deploy_20s_ago()
                t0 = time.monotonic()
                w = subprocess.Popen([BINARY, "--config", self.lab.config_path, "--db", self.db(), "watch",
                                      "--auto-rollback"], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=self.kenv())
                try:
                    wait_for(lambda: self.lab.service_selector().get("slot") == "blue" and
                             self.endpoints_on("blue"), 60, interval=0.05, what="traffic verified on blue")
                    blues.append(time.monotonic() - t0)
                    out, _ = w.communicate(timeout=60)
                    rcs.append(w.returncode)
                    if w.returncode != 4:
                        print("    watch exited %d: %s" % (w.returncode, out[-300:]))
                finally:
                    if w.poll() is None:
                        w.terminate()
                        w.wait()
        finally:
            self.lab.scenario("steady")
            self.lab.argocd_autosync(True)
        FIGS["late_console_start_to_recommendation_s"] = recs
        FIGS["late_watch_start_to_blue_s"] = {"s": blues, "watch_rc": rcs}
        row(9, "start to recommendation on screen, console opened 20 s after the switch (target < 10 s)",
            fmt_s(med(recs)), "-", "-")
        row(9, "start to traffic verified on blue, watch --auto-rollback started 20 s after the switch "
            "(target < 10 s)", fmt_s(med(blues)),
            "watch exits %s (4: rolled back)" % ",".join(str(x) for x in rcs), "-")

    # ---- 10: a flood of pod logs while the diagnose view follows (bench_logs.py) ----
    def row10(self):
        bench_logs.row10(self, row, fmt_s, fmt_kb, pct, FIGS, WINDOW)

    # ---- 12: watches against polling (bench_watch.py) ---------------------------
    def row12(self):
        bench_watch.row12(self, row, fmt_s, fmt_kb, pct, FIGS, WINDOW)

    # ---- 11: an Argo Rollout's status beside kubectl (bench_rollouts.py); last: it takes the Service ----
    def row11(self):
        bench_rollouts.row11(self, row, fmt_s, fmt_kb, med, ratio, FIGS, RUNS, NS)

    # ---- the run ---------------------------------------------------------------
    def main(self):
        t_all = time.monotonic()
        self.lab.up()
        try:
            # a fresh lab has no rate yet: the overview would wait for Prometheus, not for itself
            wait_for(lambda: self.lab.prom_query("sum(rate(http_requests_total[1m]))"), 60,
                     what="a request rate in Prometheus")
            steps = [((1, 7), self.row1_7), ((2, 3), self.row2_3_steady), ((4,), self.row4),
                     ((6,), self.row6), ((8,), self.row8), ((2,), self.row2_incident), ((5,), self.row5),
                     ((9,), self.row9), ((10,), self.row10), ((12,), self.row12), ((11,), self.row11)]
            for nums, fn in steps:
                if ONLY and not ONLY.intersection(nums):
                    continue
                try:
                    fn()
                except Exception as e:  # one broken row must not hide the others
                    import traceback
                    traceback.print_exc()
                    row(nums[0], fn.__name__, "failed: %s" % str(e).split("\n")[0][:60], "-", "-")
        finally:
            self.lab.down()
            self.lab.cleanup()
        FIGS["total_s"] = time.monotonic() - t_all
        self.print_table()
        out = os.path.join(REPO, "build", "bench")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "latest.json"), "w") as f:
            json.dump({"rows": ROWS, "figures": FIGS, "window_s": WINDOW, "runs": RUNS,
                       "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, f, indent=1, default=str)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def print_table(self):
        ROWS.sort(key=lambda r: r[0])
        w = [max(len(str(r[i])) for r in ROWS + [("#", "measure", "console", "reference", "ratio")])
             for i in range(5)]
        head = ("#", "measure", "console", "reference (same run)", "ratio")
        w = [max(a, len(b)) for a, b in zip(w, head)]
        line = lambda r: " | ".join(str(c).ljust(w[i]) for i, c in enumerate(r))  # noqa: E731
        print()
        print("warroom benchmarks: medians of %d runs, %.0f s window, %d keys per latency; %.0f s in all"
              % (RUNS, WINDOW, KEYS, FIGS["total_s"]))
        print(line(head))
        print("-+-".join("-" * x for x in w))
        for r in ROWS:
            print(line(r))


if __name__ == "__main__":
    need = missing("kubectl", "sqlite3")
    if need or not os.access(BINARY, os.X_OK):
        print("bench: needs %s" % ", ".join(need or ["./warroom (make)"]), file=sys.stderr)
        sys.exit(2)
    Bench().main()
