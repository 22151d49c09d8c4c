"""Row 11 of make bench: watches against polling.

12a. A traffic switch PATCHed to the Service, to the new active slot on
the console's screen: 20 switches, median and p99, for three consoles at
once (watching; polling every 1 s; polling every 2 s, as k9s at best),
beside `kubectl get svc -w` seeing the same patches. Each console's frame
is timed by its own reader as the bytes arrive.

12b. The cost of a crowded namespace: 5,000 pods of another workload with
50 of them changing a second (`lab pods 5000 churn=50`). Two consoles with
only the cluster configured (no Prometheus, Alertmanager or Argo CD: what
is measured is the reading of the cluster), one watching and one polling
every 2 s, side by side for the window: CPU seconds and Rss at the end."""

import os
import re
import subprocess
import threading
import time

from labfixture import NS, SERVICE
from ptyrun import PtyProc, cpu_seconds, rollup

SWITCHES = 20
BINARY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "warroom")
SVC_PATH = "/api/v1/namespaces/%s/services/%s" % (NS, SERVICE)


def config(b, name, watch, refresh_ms, only_cluster=False):
    with open(b.lab.config_path) as f:
        text = f.read()
    text = re.sub(r"(?m)^refresh_ms: \d+", "refresh_ms: %d" % refresh_ms, text)
    text = text.replace("kubernetes:\n", "kubernetes:\n  watch: %s\n" % ("true" if watch else "false"), 1)
    if only_cluster:
        for sec in ("prometheus", "alertmanager", "argocd", "dashboards"):
            text = re.sub(r"(?m)^%s:\n(?:[ #].*\n|\n)*" % sec, "", text)
    path = os.path.join(b.tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    return path


def console(b, name, watch, refresh_ms, only_cluster=False):
    argv = [BINARY, "--config", config(b, name, watch, refresh_ms, only_cluster), "--db", b.db()]
    return PtyProc(argv, 120, 40, b.env)


class KubectlWatch:
    """`kubectl get svc -w`: the monotonic time each event line arrived."""

    def __init__(self, b):
        self.lines = []
        self.cond = threading.Condition()
        self.p = subprocess.Popen(b.kubectl("get", "svc", SERVICE, "-n", NS, "-w", "--output-watch-events",
                                            "-o", "jsonpath={.type} {.object.spec.selector.slot}{\"\\n\"}"),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=b.kenv(),
                                  start_new_session=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for raw in self.p.stdout:
            with self.cond:
                self.lines.append((time.monotonic(), raw.decode("utf-8", "replace").strip()))
                self.cond.notify_all()

    def wait(self, start, slot, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for t, line in self.lines[start:]:
                    if line == "MODIFIED " + slot:
                        return t
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("kubectl -w did not see the switch to %s" % slot)
                self.cond.wait(min(left, 0.5))

    def close(self):
        self.p.terminate()
        try:
            self.p.wait(5)
        except subprocess.TimeoutExpired:
            self.p.kill()


def active_on(slot):
    pat = re.compile(r"%s\s+ACTIVE" % slot.upper())
    return lambda s: pat.search(s) is not None


def row12a(b, row, fmt_s, pct, FIGS):
    lab = b.lab
    lab.scenario("good-deploy")
    lab.argocd_autosync(False)   # the switches are the bench's own: no self-heal back
    kinds = (("watch", True, 2000), ("poll 1 s", False, 1000), ("poll 2 s", False, 2000))
    procs = {name: console(b, "w11-%d" % i, watch, ms) for i, (name, watch, ms) in enumerate(kinds)}
    kc = KubectlWatch(b)
    got = {name: [] for name in list(procs) + ["kubectl get svc -w"]}
    try:
        for p in procs.values():
            p.wait_for(lambda s: "ACTIVE" in s, 30, "the slots")
        time.sleep(3)
        slot = lab.service_selector().get("slot", "blue")
        for i in range(SWITCHES):
            slot = "green" if slot == "blue" else "blue"
            start = len(kc.lines)
            stamps, threads = {}, []

            def waiter(name, p, slot=slot):
                try:
                    stamps[name] = p.wait_for(active_on(slot), 10, "%s on %s" % (name, slot))
                except TimeoutError:
                    stamps[name] = None
            for name, p in procs.items():
                threads.append(threading.Thread(target=waiter, args=(name, p)))
            r = lab.kube("PATCH", SVC_PATH, {"spec": {"selector": {"app": "detection-api", "slot": slot}}},
                         content_type="application/merge-patch+json")
            t0 = time.monotonic()
            if r.status != 200:
                raise RuntimeError("PATCH answered %d" % r.status)
            for t in threads:
                t.start()
            try:
                stamps["kubectl get svc -w"] = kc.wait(start, slot, 10)
            except TimeoutError:
                stamps["kubectl get svc -w"] = None
            for t in threads:
                t.join()
            for name, t in stamps.items():
                if t is not None:
                    got[name].append(max(t - t0, 0.0))
            time.sleep(0.3 + (i % 4) * 0.17)   # not in step with any refresh
    finally:
        kc.close()
        for p in procs.values():
            p.close()
        lab.argocd_autosync(True)   # as the lab starts: the rows after this one expect it
    FIGS["switch_to_screen"] = got
    ref = got["kubectl get svc -w"]
    for name in procs:
        xs = got[name]
        row(12, "PATCH answer to the switch on screen, %s: median / p99 (%d of %d)"
            % (name, len(xs), SWITCHES),
            "%s / %s" % (fmt_s(pct(xs, 50)), fmt_s(pct(xs, 99))),
            "kubectl get svc -w %s / %s" % (fmt_s(pct(ref, 50)), fmt_s(pct(ref, 99))), "-")


def row12b(b, row, fmt_kb, FIGS, WINDOW):
    lab = b.lab
    lab.run_lab("pods", "5000", "churn=50")
    lab.set(bookmark_s=60)   # a quiet watch hears a bookmark about once a minute, as from a real server
    procs = {"watch": console(b, "w11b-watch", True, 2000, only_cluster=True),
             "poll 1 s": console(b, "w11b-poll1", False, 1000, only_cluster=True),
             "poll 2 s": console(b, "w11b-poll2", False, 2000, only_cluster=True)}
    # the reading of the cluster alone, no screen: `status --follow`
    heads = {name: subprocess.Popen([BINARY, "--config", config(b, "w11b-h%d" % i, watch, 2000, True), "--db",
                                     b.db(), "status", "--follow"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=b.env)
             for i, (name, watch) in enumerate((("headless watch", True), ("headless poll 2 s", False)))}
    try:
        for p in procs.values():
            p.wait_for(lambda s: "ACTIVE" in s, 30, "the slots")
        time.sleep(5)
        c0 = {k: cpu_seconds(p.pid, children=False) for k, p in list(procs.items()) + list(heads.items())}
        n0 = lab.state()["pod_churn_count"]
        t0 = time.monotonic()
        time.sleep(WINDOW)
        secs = time.monotonic() - t0
        churned = lab.state()["pod_churn_count"] - n0
        out = {}
        for k, p in list(procs.items()) + list(heads.items()):
            out[k] = {"cpu_s": cpu_seconds(p.pid, children=False) - c0[k], "rss_kb": rollup(p.pid)["Rss"]}
    finally:
        for p in procs.values():
            p.close()
        for p in heads.values():
            p.terminate()
            p.wait(10)
        lab.run_lab("pods", "clear")
        lab.set(pod_churn=0, bookmark_s=5)
    FIGS["churn"] = {"window_s": secs, "pod_changes": churned, "consoles": out}
    w = out["watch"]
    for name in ("poll 1 s", "poll 2 s"):
        pl = out[name]
        row(12, "5,000 pods, %d changes in %.0f s: CPU, only the cluster configured, watch vs %s"
            % (churned, secs, name), "%.2f s (%.2f %%)" % (w["cpu_s"], 100 * w["cpu_s"] / secs),
            "%s %.2f s (%.2f %%)" % (name, pl["cpu_s"], 100 * pl["cpu_s"] / secs),
            "%.2fx" % (w["cpu_s"] / pl["cpu_s"]) if pl["cpu_s"] else "-")
        row(12, "5,000 pods churning: Rss at the end, watch vs %s" % name, fmt_kb(w["rss_kb"]),
            "%s %s" % (name, fmt_kb(pl["rss_kb"])),
            "%.2fx" % (w["rss_kb"] / pl["rss_kb"]) if pl["rss_kb"] else "-")
    hw, hp = out["headless watch"], out["headless poll 2 s"]
    row(12, "5,000 pods churning: CPU of reading the cluster alone (status --follow), watch vs poll 2 s",
        "%.2f s (%.2f %%)" % (hw["cpu_s"], 100 * hw["cpu_s"] / secs),
        "poll 2 s %.2f s (%.2f %%)" % (hp["cpu_s"], 100 * hp["cpu_s"] / secs),
        "%.2fx" % (hw["cpu_s"] / hp["cpu_s"]) if hp["cpu_s"] else "-")


def row12(b, row, fmt_s, fmt_kb, pct, FIGS, WINDOW):
    row12a(b, row, fmt_s, pct, FIGS)
    row12b(b, row, fmt_kb, FIGS, WINDOW)
