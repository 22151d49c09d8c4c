"""The deployment model as operators arrive, not as the lab's script runs: for
each of the lab's scenarios, a console and `warroom watch --auto-rollback`
started (a) before the traffic switch, (b) 20 s after it, (c) after a
rollback, and (d) killed with SIGKILL and restarted mid-window, each say the
stage, the recommendation, the SEV suggested and the runbook offered that the
seeds call for. One lab per scenario; the
consoles share one run of it, each acting watch gets a switch of its own.

The consoles are read on their real screens (the Deployment view's title
names the stage, its recommendation line the breach); the watches by their
--json lines. Each cell is a subTest: a failure names its cell."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

EXIT_PASSED, EXIT_ROLLED_BACK = 0, 4

# What the seeds call for, scenario by scenario. The pipeline watches error
# rate, latency and queue depth for five minutes after the switch and reverts
# the selector on a breach (Deployment Strategy §1, steps 9-10b); "When to
# Rollback" (DOC-0020): error rate over baseline by >10 % or P95 over its SLO
# by >20 %, sustained for 5 minutes; the SEV table: >5 % errors is SEV-2, no
# detections at all SEV-1, and neither waits five minutes (the fast rules).
# The window is cut to 40 s and "5 minutes" to 15 s here (the lab cuts its
# alert rules' `for` from minutes to seconds; the seeds' criteria read the
# service's 1-minute rates, which a previous run's breach still colours for a
# minute: 15 s keeps the fast rules first, as five minutes would).
WINDOW_S, SUSTAIN_S = 40, 15
SEEDS = {
    # scenario: (the stage while the breach stands, the rule the seeds call for)
    "good-deploy": ("monitoring", None),         # healthy: the window passes
    "bad-deploy": ("monitoring", "errors-sev2"),  # 8 % of requests fail: over SEV-2's 5 %
    "slow": ("monitoring", "p95-over-slo"),       # +650 ms: P95 over 300 ms +20 %, P99 under 2 x 500 ms
    "pods-down": ("monitoring", "no-ready-pod"),  # every pod crash-loops: nothing serves (SEV-1)
    "tak-outage": ("monitoring", "queue-growing"),  # pushes fail: the offline queue grows
}
# The SEV the live signals suggest and the runbook offered while the breach
# stands (the SEV table: all pods crash-looping or no detections reaching TAK
# SEV-1, over 5 % errors SEV-2; latency alone is in no SEV's criteria, so the
# console suggests none and leaves it to the operator; the runbook is the one
# whose front matter names the most severe firing alert).
SEV_RUNBOOK = {
    "good-deploy": (None, None),
    "bad-deploy": (2, "sev2-degraded"),         # HighErrorRate
    "slow": (None, "sev2-degraded"),            # P95LatencyHigh
    "pods-down": (1, "sev1-pipeline-down"),     # ServiceDown over TooFewInstances
    "tak-outage": (1, "tak-push-failures"),     # TAKPushFailures, OfflineQueueGrowing
}
# After a rollback the deployment has ended: nothing to recommend.
AFTER_ROLLBACK = ("rolled-back", None)

# The recommendation's reason in words, to the rule it names.
RULES = ((r"^no ready pod", "no-ready-pod"), (r"^errors .*\(baseline", "errors-over-baseline"),
         (r"^errors [0-9.]+ % > [0-9.]+ % for", "errors-sev2"), (r"^P99 ", "p99-twice-slo"),
         (r"^P95 ", "p95-over-slo"), (r"^offline queue", "queue-growing"))


def rule_of(reason):
    for pattern, rule in RULES:
        if re.search(pattern, reason):
            return rule
    return "?" + reason


def flat(screen):
    return re.sub(r"\s+", " ", screen.replace("│", " ").replace("┌", " ").replace("└", " "))


class Console:
    """A console in tmux on the Deployment view, with a timeline of its own."""

    def __init__(self, case, name, db=None):
        self.case, self.name = case, name
        self.t = Term(110, 34)
        case.addCleanup(self.t.close)
        self.db = db or os.path.join(case.lab.root, "console-%s.db" % name)

    def start(self):
        self.t0 = time.time()
        self.t.start([BINARY, "--config", self.case.cfg, "--db", self.db])
        self.t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="%s: the slots" % self.name)
        self.t.keys("8")
        self.t.wait_for(lambda s: "Deployment" in s, timeout=5, what="%s: the Deployment view" % self.name)
        return self

    def state(self):
        """(stage, rule or None, the screen) as the Deployment view shows them."""
        s = self.t.screen()
        m = re.search(r"Deployment · (\S+)", s)
        r = re.search(r"Rollback recommended: (.*?) — ", flat(s))
        return (m.group(1) if m else None), (rule_of(r.group(1)) if r else None), s

    def incident(self):
        """(the SEV the signals suggest or None, the runbook offered or None,
        the screen) as the overview shows them."""
        s = self.t.screen()
        sev = re.search(r"signals suggest SEV-(\d)", flat(s))
        rb = re.search(r"\b[A-Z][A-Za-z0-9]+: ([a-z0-9-]+)\.md\b", flat(s))
        return (int(sev.group(1)) if sev else None), (rb.group(1) if rb else None), s

    def wait_incident(self, sev, runbook, timeout):
        """On the overview until it suggests `sev` and offers `runbook`; back
        on the Deployment view after."""
        self.t.keys("1")
        end = time.time() + timeout
        try:
            while True:
                last = self.incident()
                if last[:2] == (sev, runbook):
                    return
                if time.time() >= end:
                    raise AssertionError("%s: wanted SEV %s / runbook %s, the overview shows %s / %s:\n%s" % (
                        self.name, sev, runbook, last[0], last[1], last[2]))
                time.sleep(0.2)
        finally:
            self.t.keys("8")

    def wait_state(self, stage, rule, timeout):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            last = self.state()
            if last[0] == stage and last[1] == rule:
                return time.time()
            time.sleep(0.1)
        raise AssertionError("%s: wanted %s / %s, the screen shows %s / %s:\n%s" % (
            self.name, stage, rule, last[0], last[1], last[2]))

    def kill(self):
        pane = self.t.pane_pid()
        for pid in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    st = f.read()
            except (OSError, ValueError):
                continue
            if not pid.isdigit():
                continue
            comm = st[st.index("(") + 1:st.rindex(")")]
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            if ppid == pane and comm == "warroom":
                os.kill(int(pid), signal.SIGKILL)
                return
        raise AssertionError("%s: no console process under the pane" % self.name)

    def close(self):
        self.t.close()


class Watch:
    """`warroom watch --auto-rollback --json`, its lines in a file."""

    def __init__(self, case, name):
        self.case, self.name = case, name
        self.out = os.path.join(case.lab.root, "watch-%s.jsonl" % name)
        self.db = os.path.join(case.lab.root, "watch-%s.db" % name)
        self.p = None

    def start(self):
        self.t0 = time.time()
        f = open(self.out, "a")
        self.p = subprocess.Popen([BINARY, "--config", self.case.cfg, "--db", self.db, "watch",
                                   "--auto-rollback", "--json"],
                                  stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        f.close()
        self.case.addCleanup(lambda: self.p.poll() is not None or (self.p.kill(), self.p.wait()))
        return self

    def events(self):
        out = []
        with open(self.out) as f:
            for line in f:
                try:
                    out.append(json.loads(line))
                except ValueError:
                    out.append({"event": "text", "text": line.rstrip()})
        return out

    def first(self, event):
        return next((e for e in self.events() if e.get("event") == event), None)

    def wait_event(self, event, timeout):
        return wait_for(lambda: self.first(event), timeout, interval=0.1, what="%s: %s" % (self.name, event))

    def wait_exit(self, timeout):
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError("%s: still running after %ds:\n%s" % (
                self.name, timeout, "\n".join(e.get("text", "") for e in self.events())))

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=10)

    def said(self):
        return "\n".join(e.get("text", "") for e in self.events())


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class Matrix(LabTestCase):
    """A scenario's cells; each subclass names one scenario."""
    scenario = None

    @classmethod
    def prepare_lab(cls):
        with open(cls.lab.config_path) as f:
            text = f.read()
        text = text.replace("deploy:\n", "deploy:\n  window_s: %d\n  sustain_s: %d\n" % (WINDOW_S, SUSTAIN_S),
                            1)
        cls.cfg = os.path.join(cls.lab.root, "matrix.yaml")
        with open(cls.cfg, "w") as f:
            f.write(text)
        cls.lab.argocd_autosync(False)
        cls.lab.scenario("steady")

    # ---- the scenario, as the pipeline and the fault arrive -------------
    def selector(self):
        return self.lab.service_selector().get("slot")

    def steady(self):
        """Back to blue 1.4.2 with green at 0, as before any deployment: the
        next deployment rolls green out anew, then switches."""
        self.lab.scenario("steady")
        wait_for(lambda: self.selector() == "blue", 15, what="traffic on blue")

    def switch(self):
        """The deployment (and the scenario's fault on the new slot); the
        moment the selector changed."""
        deploy = "bad-deploy" if self.scenario == "bad-deploy" else "good-deploy"
        before = self.selector()
        proc = subprocess.Popen([os.path.join(HERE, "..", "lab", "lab"), "scenario", deploy],
                                env=dict(os.environ, LAB_DIR=self.lab.dir), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        t = wait_for(lambda: self.selector() == "green" and time.time(), 60, interval=0.05,
                     what="traffic on green")
        self.assertEqual(proc.wait(timeout=60), 0)
        if self.scenario not in ("good-deploy", "bad-deploy"):
            self.lab.scenario(self.scenario)
        self.assertNotEqual(before, "green")
        return t

    def expect(self):
        return SEEDS[self.scenario]

    def check_console(self, c, cell, want, timeout):
        with self.subTest(cell="console " + cell):
            took = c.wait_state(want[0], want[1], timeout) - c.t0
            print("    console %s: %s / %s, %.1f s after it started" % (cell, want[0], want[1] or "none",
                                                                          took))

    def check_incident(self, c, cell, timeout):
        """The SEV suggested and the runbook offered, as the table says."""
        want = SEV_RUNBOOK[self.scenario]
        with self.subTest(cell="console %s: SEV and runbook" % cell):
            c.wait_incident(want[0], want[1], timeout)
            print("    console %s: SEV %s suggested, runbook %s offered" % (cell, want[0] or "none",
                                                                           want[1] or "none"))

    def check_watch_acted(self, w, cell, t_switch):
        with self.subTest(cell="watch " + cell):
            rc = w.wait_exit(60)
            rec = w.first("recommendation")
            self.assertEqual(rc, EXIT_ROLLED_BACK, w.said())
            self.assertIsNotNone(rec, w.said())
            d = rec["deployment"]
            self.assertEqual((d["stage"], d["recommendation"]["rule"]), self.expect(), w.said())
            self.assertEqual(d["recommendation"]["target_slot"], "blue")
            self.assertEqual(self.selector(), "blue")
            print("    watch %s: %s / %s, rolled back %.1f s after the switch" % (
                cell, d["stage"], d["recommendation"]["rule"], time.time() - t_switch))

    def check_watch_after_rollback(self, w):
        with self.subTest(cell="watch (c) after a rollback"):
            rc = w.wait_exit(30)
            joined = w.first("joined")
            self.assertEqual(rc, EXIT_ROLLED_BACK, w.said())
            self.assertEqual(joined["deployment"]["stage"], AFTER_ROLLBACK[0], w.said())
            self.assertIsNone(joined["deployment"]["recommendation"], w.said())
            self.assertIsNone(w.first("recommendation"), w.said())
            self.assertIn("the deployment was rolled back", w.said())

    def back_on_blue(self):
        wait_for(lambda: self.selector() == "blue", 30, interval=0.1, what="traffic back on blue")

    # ---- a scenario that breaches ---------------------------------------
    def run_breach(self):
        want = self.expect()
        # run 1: the consoles, before, 20 s after, killed and restarted, after the rollback
        a = Console(self, "a").start()
        d = Console(self, "d").start()
        t_switch = self.switch()
        self.check_console(a, "(a) before the switch", want, 30)
        d.kill()
        d2 = Console(self, "d2", db=d.db).start()
        self.check_console(d2, "(d) killed and restarted mid-window", want, 10)
        time.sleep(max(0, t_switch + 20 - time.time()))
        b = Console(self, "b").start()
        self.check_console(b, "(b) 20 s after the switch", want, 10)
        # the alerts the breach fires take their `for` and a rule evaluation
        self.check_incident(a, "(a) before the switch", 40)
        self.check_incident(d2, "(d) killed and restarted mid-window", 10)
        self.check_incident(b, "(b) 20 s after the switch", 10)
        # the status command reads the same model
        st = json.loads(subprocess.run([BINARY, "--config", self.cfg, "--db", b.db, "status", "--json"],
                                       capture_output=True, text=True, timeout=30).stdout)["deployment"]
        self.assertEqual((st["stage"], st["recommendation"]["rule"]), want)
        if self.scenario == "bad-deploy":
            self.overview_sizes(b)
            self.declined(d2)
        # R on the first console: the plan to blue, a plain y
        a.t.keys("R")
        s = a.t.wait_for("Run this rollback?", timeout=10)
        self.assertIn("to blue", s)
        self.assertNotIn("Type ", s)
        a.t.keys("y")
        a.t.wait_for("verified in", timeout=35)
        self.back_on_blue()
        t_rollback = time.time()
        self.check_console(a, "(a) after its own rollback", AFTER_ROLLBACK, 15)
        c = Console(self, "c").start()
        self.check_console(c, "(c) after a rollback", AFTER_ROLLBACK, 10)
        wc = Watch(self, "c").start()
        self.check_watch_after_rollback(wc)
        if self.scenario == "bad-deploy":
            self.typed_confirmation(b)
        for con in (a, b, c, d2):
            con.close()
        print("    rolled back at +%.0f s" % (t_rollback - t_switch))

        # run 2: a watch started before the switch acts
        self.steady()
        wa = Watch(self, "a").start()
        wa.wait_event("joined", 20)
        t_switch = self.switch()
        self.check_watch_acted(wa, "(a) before the switch", t_switch)

        # run 3: a watch started 20 s after the switch acts as one that saw it
        self.steady()
        t_switch = self.switch()
        time.sleep(max(0, t_switch + 20 - time.time()))
        wb = Watch(self, "b").start()
        self.check_watch_acted(wb, "(b) 20 s after the switch", t_switch)
        print("    watch (b): start to traffic on blue %.1f s" % (time.time() - wb.t0))

        # run 4: a watch killed with SIGKILL at the switch, restarted: it acts
        self.steady()
        wd = Watch(self, "d").start()
        wd.wait_event("joined", 20)
        t_switch = self.switch()
        wd.kill()
        self.assertEqual(self.selector(), "green", "killed before it could act")
        wd2 = Watch(self, "d2").start()
        self.check_watch_acted(wd2, "(d) killed and restarted mid-window", t_switch)

    def overview_sizes(self, con):
        """The overview carries the recommendation on a line of its own, whole,
        with the key that acts on it, at every size; the status bar its short form."""
        con.t.keys("1")
        for cols, rows in ((120, 40), (80, 24), (50, 16)):
            with self.subTest(cell="the overview at %dx%d shows the recommendation" % (cols, rows)):
                con.t.resize(cols, rows)
                s = con.t.wait_for(lambda s: s.startswith(" ") and len(s.split("\n")[0]) <= cols and
                                   "ROLLBACK: R to blue" in s.split("\n")[0] and
                                   "Rollback recommended" in s, timeout=10,
                                   what="the recommendation at %dx%d" % (cols, rows))
                lines = s.split("\n")
                top = flat(" ".join(lines[1:4]))
                self.assertRegex(top, r"^ ?Rollback recommended: errors [0-9.]+ % > 5 % for \d+ s — "
                                 r"R rolls back to blue 1\.4\.2 ", s)
                print("    overview %dx%d:\n      %s" % (cols, rows, "\n      ".join(lines[:4])))
        con.t.resize(110, 34)
        con.t.keys("8")

    def declined(self, con):
        """R, then n: the recommendation ends, declined by the operator, in
        the timeline too; the breach still stands on the rules."""
        with self.subTest(cell="a declined recommendation ends, recorded with who"):
            con.t.keys("R")
            con.t.wait_for("Run this rollback?", timeout=10)
            con.t.keys("n")
            s = con.t.wait_for(lambda s: "declined by lab-operator" in flat(s), timeout=10,
                               what="the recommendation declined")
            self.assertNotIn("Rollback recommended:", flat(s))
            self.assertRegex(flat(s), r"errors over 5 % \(SEV-2\) for 2 s [0-9.]+ % 5\.00 % BREACH")
            p = subprocess.run([BINARY, "--config", self.cfg, "--db", con.db, "timeline", "--limit", "0"],
                               capture_output=True, text=True, timeout=30)
            self.assertIn("Rollback recommendation ended: declined by lab-operator", p.stdout)
            self.assertEqual(self.selector(), "green")

    def typed_confirmation(self, con):
        """R aimed at the slot that runs the version just rolled back from:
        named in red, and y is no answer; only the version typed is."""
        with self.subTest(cell="R after the rollback asks for the version typed"):
            con.wait_state(*AFTER_ROLLBACK, timeout=10)
            con.t.keys("R")
            s = con.t.wait_for("Type 1.5.0", timeout=10)
            self.assertRegex(flat(s), r"green runs 1\.5\.0, rolled back \S+ ago: errors [0-9.]+ % > 5 %")
            con.t.keys("y", "Enter")
            con.t.wait_for("not confirmed", timeout=10)
            self.assertEqual(self.selector(), "blue", "y alone rolls nothing back")

    # ---- a healthy deployment --------------------------------------------
    def run_good(self):
        want = self.expect()
        a = Console(self, "a").start()
        d = Console(self, "d").start()
        wa = Watch(self, "a").start()
        wd = Watch(self, "d").start()
        wa.wait_event("joined", 20)
        wd.wait_event("joined", 20)
        t_switch = self.switch()
        self.check_console(a, "(a) before the switch", want, 15)
        time.sleep(max(0, t_switch + 8 - time.time()))
        d.kill()
        wd.kill()
        d2 = Console(self, "d2", db=d.db).start()
        wd2 = Watch(self, "d2").start()
        self.check_console(d2, "(d) killed and restarted mid-window", want, 10)
        self.check_incident(a, "(a) before the switch", 10)
        self.check_incident(d2, "(d) killed and restarted mid-window", 10)
        time.sleep(max(0, t_switch + 20 - time.time()))
        b = Console(self, "b").start()
        wb = Watch(self, "b").start()
        self.check_console(b, "(b) 20 s after the switch", want, 10)
        self.check_incident(b, "(b) 20 s after the switch", 10)
        # every watch ends at its window's end, whenever it started
        for w, cell in ((wa, "(a) before the switch"), (wb, "(b) 20 s after the switch"),
                        (wd2, "(d) killed and restarted mid-window")):
            with self.subTest(cell="watch " + cell):
                rc = w.wait_exit(WINDOW_S + 20)
                ended = time.time() - t_switch
                self.assertEqual(rc, EXIT_PASSED, w.said())
                self.assertIn("monitoring window passed", w.said())
                self.assertIsNone(w.first("recommendation"), w.said())
                self.assertLess(abs(ended - WINDOW_S), 6, "%s ended %.1f s after the switch" % (cell, ended))
                print("    watch %s: passed, ended %.1f s after the switch" % (cell, ended))
        self.check_console(a, "(a) the window passed", ("passed", None), 10)
        # an operator rolls the healthy deployment back anyway
        p = subprocess.run([BINARY, "--config", self.cfg, "--db", os.path.join(self.lab.root, "cli.db"),
                            "rollback", "--yes"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.back_on_blue()
        c = Console(self, "c").start()
        self.check_console(c, "(c) after a rollback", AFTER_ROLLBACK, 10)
        self.check_console(b, "(b) after the rollback", AFTER_ROLLBACK, 10)
        wc = Watch(self, "c").start()
        self.check_watch_after_rollback(wc)


class GoodDeployMatrix(Matrix):
    lab_name = "matrix-good"
    scenario = "good-deploy"

    def test_cells(self):
        self.run_good()


class BadDeployMatrix(Matrix):
    lab_name = "matrix-bad"
    scenario = "bad-deploy"

    def test_cells(self):
        self.run_breach()


class SlowMatrix(Matrix):
    lab_name = "matrix-slow"
    scenario = "slow"

    def test_cells(self):
        self.run_breach()


class PodsDownMatrix(Matrix):
    lab_name = "matrix-pods"
    scenario = "pods-down"

    def test_cells(self):
        self.run_breach()


class TakOutageMatrix(Matrix):
    lab_name = "matrix-tak"
    scenario = "tak-outage"

    def test_cells(self):
        self.run_breach()


if __name__ == "__main__":
    unittest.main()
