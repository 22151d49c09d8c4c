"""The console's layout on the lab: at 80x24, 100x30 and 120x40 no line the
operator needs is cut (slots, status bar, alerts), below 80x24 a compact
overview still does everything (R then y at 60x20), and after a rollback the
stage says so. During an incident the status bar keeps the incident's id and
clock at 80x24; at 60x20 and 50x16 the compact overview keeps the standby
slot (the rollback target) and the runbook's step; the Deployment view keeps
its STATE column and scrolls at 50x16; at 200x60 the left column grows."""
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
import subprocess  # noqa: E402
from term import BINARY, Term  # noqa: E402

SIZES = ((80, 24), (100, 30), (120, 40))
WHERE = "lab · detection-api-service · detection-system"


def panel(screen, title):
    """The text inside the box titled `title`, its rows joined by spaces:
    a line wrapped at a word boundary reads as one line again."""
    lines = screen.split("\n")
    for i, line in enumerate(lines):
        x = line.find("┌ " + title)
        if x < 0:
            continue
        right = line.find("┐", x)
        rows = []
        for below in lines[i + 1:]:
            if len(below) <= x or below[x] != "│":
                break
            rows.append(below[x + 1:right].strip())
        return " ".join(" ".join(rows).split())
    return ""


def joined(screen):
    """The whole screen (a compact one-column layout) as one line."""
    return " ".join(screen.split())


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class ConsoleLayoutOnLab(LabTestCase):
    lab_name = "layout"

    def setUp(self):
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()

    def consoles(self, sizes=SIZES):
        """One console per size, started together, each with the slots shown."""
        out = []
        for cols, rows in sizes:
            t = Term(cols, rows)
            self.terms.append(t)
            t.db = os.path.join(t.tmp, "timeline.db")
            t.start([BINARY, "--config", self.lab.config_path, "--db", t.db])
            out.append(t)
        for t in out:
            t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
        return out

    def wait_whole(self, t, pattern, what, title="Slots", timeout=20):
        """Waits until the panel shows pattern whole (regex on its joined text)."""
        try:
            return t.wait_for(lambda s: re.search(pattern, panel(s, title)), timeout=timeout, what=what)
        except AssertionError as e:
            raise AssertionError("%dx%d: %s" % (t.cols, t.rows, e)) from None

    def assert_status_bar_whole(self, t):
        self.assertIn(WHERE, t.screen().split("\n")[0], "%dx%d: the status bar cuts where we are" % (t.cols, t.rows))

    def test_normal_lines_are_whole(self):
        self.lab.scenario("steady")
        wait_for(lambda: self.lab.service_selector().get("slot") == "blue", 10, what="traffic on blue")
        for t in self.consoles():
            self.wait_whole(t, r"traffic → blue: 3 endpoints, 3 ready, all on it", "the traffic line whole")
            # steady, or still the rollback an earlier test made (its slot now at 0)
            self.wait_whole(t, r"STEADY blue 1\.4\.2 serves, green at 0|ROLLED BACK to blue 1\.4\.2 at "
                            r"\d\d:\d\d:\d\d by \S+; (recovered|watching recovery)", "the stage")
            self.assert_status_bar_whole(t)

    def test_bad_deploy_monitor_lines_are_whole(self):
        self.lab.argocd_autosync(False)
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        for t in self.consoles():
            self.wait_whole(t, r"traffic → green: 3 endpoints, 3 ready, all on it", "the traffic line whole")
            # the console starts after the switch: the window is known from history
            self.wait_whole(t, r"MONITORING green 1\.5\.0: \d:\d\d left of 5:00; "
                            r"switched \d\d:\d\d:\d\d from Argo CD history", "the monitoring stage whole")
            self.assert_status_bar_whole(t)
        for t in self.terms:
            self.wait_whole(t, r"crit HighErrorRate \S+ Error ratio [0-9.]+% is over the 0\.1% SLO",
                            "the alert's summary whole", title="Alerts (", timeout=45)

    def test_pods_down_outage_lines_are_whole(self):
        self.lab.scenario("pods-down")
        for t in self.consoles():
            self.wait_whole(t, r"! OUTAGE: the service selects blue, which has no ready pods \(0/3\)",
                            "the outage warning whole")
            self.wait_whole(t, r"traffic → blue: \d+ endpoints?, 0 ready", "the traffic line")
            self.assert_status_bar_whole(t)
        for t in self.terms:
            self.wait_whole(t, r"crit ServiceDown \S+ detection-api-service has no ready endpoint",
                            "ServiceDown's summary whole", title="Alerts (", timeout=45)

    def test_small_and_large_screens_keep_what_an_incident_needs(self):
        self.lab.argocd_autosync(False)
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        sizes = ((80, 24), (60, 20), (50, 16), (200, 60))
        ts = self.consoles(sizes)
        db = ts[0].db
        for t in ts[1:]:                    # one incident, one database, four screens
            t.close()
        self.terms = [ts[0]]
        p = subprocess.run([BINARY, "--config", self.lab.config_path, "--db", db, "incident", "--sev", "2",
                            "errors after the deploy of 1.5.0 to green"], capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        ts = [ts[0]]
        for cols, rows in sizes[1:]:
            t = Term(cols, rows)
            self.terms.append(t)
            t.db = db
            t.start([BINARY, "--config", self.lab.config_path, "--db", db])
            ts.append(t)
        for t in ts:
            t.wait_for(lambda s: "INC-1" in s and "ACTIVE" in s, timeout=15, what="the incident and the slots")
        t80, t60, t50, t200 = ts
        # 80x24: where we are whole, and the incident's id and its clock
        bar = t80.wait_for(lambda s: re.search(r"SEV-2 INC-1 \d\d:\d\d:\d\d", s.split("\n")[0]), timeout=5,
                           what="the incident in the status bar").split("\n")[0]
        self.assertIn(WHERE, bar)
        # the runbook offered, then walked: its step on the compact overview
        wait_for(lambda: self.lab.alerts("HighErrorRate"), 60, what="HighErrorRate firing")
        for t in (t80, t60, t50):
            t.wait_for("sev2-degraded.md", timeout=20)
        for t in (t60, t50):
            self.assertIn("runbook for HighErrorRate: sev2-degraded.md (b starts it)", joined(t.screen()))
        for t in ts:
            t.keys("b")
            t.wait_for("Runbook: SEV-2", timeout=10)
            t.keys("1")
        for t in (t60, t50):
            s = t.wait_for(lambda s: re.search(r"step \d+/\d+ ", s), timeout=15, what="the runbook's step")
            one = joined(s)
            self.assertRegex(one, r"GREEN ACTIVE 3/3 1\.5\.0 r\d+")
            self.assertRegex(one, r"BLUE standby 3/3 1\.4\.2 r\d+", "%dx%d: the rollback target" % (t.cols, t.rows))
            self.assertRegex(one, r"step \d+/\d+ \S.* \(e runs it\)|step \d+/\d+ \S.* \(x ticks\)")
            self.assertIn("SEV-2 INC-1", one)
        # 200x60: the left column grows; its lines stay on one row each
        s = t200.wait_for(lambda s: "Runbook: SEV-2" in s, timeout=10)
        top = s.split("\n")[1]
        self.assertGreater(top.index("┐"), 60, top)
        self.assertIn("traffic → green: 3 endpoints, 3 ready, all on it", s)
        self.assertRegex(s, r"▶ \$ kubectl get pods -n \"\$NAMESPACE\" -l slot=\"\$ACTIVE_SLOT\"  \(e runs it\)")
        # the Deployment view at 50x16: the STATE column, and the rest by scrolling
        t50.keys("8")
        s = t50.wait_for(lambda s: "ROLLBACK RULE" in s and "STATE" in s, timeout=10, what="the rules' header")
        self.assertIn("more below", s)
        head = [x for x in s.split("\n") if "ROLLBACK RULE" in x][0]
        self.assertTrue(head.rstrip("│ ").endswith("STATE"), head)
        for _ in range(40):
            t50.keys("j")
        s = t50.wait_for(lambda s: "end," in s, timeout=5, what="the end of the view")
        self.assertRegex(joined(s), r"checklist \d/9|CHECKLIST")
        t50.keys("g")
        t50.wait_for(lambda s: "Deployment ·" in s and "more below" in s, timeout=5, what="the top again")

    def test_compact_60x20_R_y_rolls_back_and_the_stage_says_so(self):
        self.lab.argocd_autosync(False)
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        t, = self.consoles(((60, 20),))
        s = t.wait_for(lambda s: "GREEN ACTIVE 3/3" in s, timeout=15, what="the active slot, one column")
        self.assertNotIn("too small", s)
        self.assertIn("no open incident", s)
        t.keys("R")
        s = t.wait_for("Run this rollback?", timeout=10)
        self.assertIn("Rollback: selector to blue", s)
        self.assertEqual(self.lab.service_selector().get("slot"), "green", "nothing changes before y")
        # at 60x20 the plan is taller than the screen: y waits until all of it was shown
        self.assertIn("more below", s)
        t.keys("y")
        t.wait_for("read to the end first", timeout=5)
        self.assertEqual(self.lab.service_selector().get("slot"), "green", "y before the end changes nothing")
        t.keys("G")
        t.wait_for("confirmed as lab-operator", timeout=5)
        t.keys("y")
        s = t.wait_for("verified in", timeout=35)
        m = re.search(r"traffic on blue, verified in ([0-9.]+) s", joined(s))
        self.assertTrue(m, s)
        print("    confirm -> verified: %s s (console at 60x20)" % m.group(1))
        self.assertEqual(self.lab.service_selector().get("slot"), "blue")
        t.keys("Escape")
        s = t.wait_for(lambda s: "BLUE ACTIVE 3/3" in s and "by lab-operator" in s, timeout=15,
                       what="the rolled-back stage")
        m = re.search(r"ROLLED BACK to blue (\S+) at (\d\d:\d\d:\d\d) by lab-operator", joined(s))
        self.assertTrue(m, s)
        dep = self.lab.kube("GET", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api-blue").json()
        self.assertTrue(dep["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":" + m.group(1)))
        self.assertNotIn("MONITOR", s, "a rollback is not a new deployment's monitoring window")
        # every view works at this size: the Slots view says it too
        t.keys("2")
        s = t.wait_for("Pods (", timeout=5)
        self.assertRegex(joined(s), r"ROLLED BACK to blue \S+ at \d\d:\d\d:\d\d by lab-operator")
        # the plan's event, oldest of the run (below it only the switch, told
        # at the time it happened), opens as fields
        t.keys("3")
        t.wait_for("rollback selector green", timeout=5)
        t.keys("G")
        t.keys("k")
        t.keys("Enter")
        s = t.wait_for("Enter or Esc to close", timeout=5)
        self.assertIn("strategy: selector", s)
        self.assertIn("to: blue", s)
        self.assertIn("from: green", s)
        self.assertNotIn('{"', s)
        t.keys("Escape")
        t.keys("1")
        t.wait_for("BLUE ACTIVE", timeout=5)
        t.keys("q")
        t.wait_for(":END", timeout=5)
