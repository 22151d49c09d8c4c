"""The alerts view against the lab's real Alertmanager and Prometheus: the
bad deploy's HighErrorRate shows once although two URLs reach the same
Alertmanager (an HA pair is one list), a silence made in the console is the
one amtool lists, it expires when asked, and during an incident the alert's
firing and silencing are in the timeline. A silenced alert that still fires
is counted on the overview, and resolving the incident says the silence is
still open, in the console and on the command line."""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

AMTOOL = shutil.which("amtool")


def events(db, kind):
    if not os.path.exists(db):
        return []
    with sqlite3.connect(db) as c:
        return [r[0] for r in c.execute("SELECT summary FROM events WHERE kind = ? ORDER BY id", (kind,))]


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class AlertsOnLab(LabTestCase):
    lab_name = "alerts"

    def setUp(self):
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()

    def ha_config(self, tmp):
        """The lab's config with the same Alertmanager twice, as a pair."""
        am = self.lab.env["ALERTMANAGER_URL"]
        with open(self.lab.config_path) as f:
            text = f.read()
        twin = am.replace("127.0.0.1", "localhost")
        text = text.replace("alertmanager:\n  url: %s\n" % am,
                            "alertmanager:\n  url: %s\n  urls: [\"%s\"]\n" % (am, twin))
        self.assertIn(twin, text)
        path = os.path.join(tmp, "ha.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def amtool_silences(self):
        p = subprocess.run([AMTOOL, "--alertmanager.url=" + self.lab.env["ALERTMANAGER_URL"], "silence", "query",
                            "-o", "json"], capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout or "[]")

    def silence_state(self, sid):
        return self.lab.http("GET", self.lab.env["ALERTMANAGER_URL"] + "/api/v2/silence/" + sid).json()["status"]["state"]

    def warroom(self, cfg, db, *args):
        return subprocess.run([BINARY, "--config", cfg, "--db", db] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)

    @unittest.skipIf(AMTOOL is None, "needs amtool (Debian prometheus-alertmanager)")
    def test_view_silence_in_the_console_seen_by_amtool_then_expired(self):
        t = Term(132, 43)
        self.terms.append(t)
        cfg = self.ha_config(t.tmp)
        db = os.path.join(t.tmp, "timeline.db")
        p = self.warroom(cfg, db, "incident", "--sev", "2", "errors after the deploy")
        self.assertEqual(p.returncode, 0, p.stderr)
        t.start([BINARY, "--config", cfg, "--db", db])
        t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
        t.keys("5")
        t.wait_for("Alerts \u00b7", timeout=10)
        t.wait_for("no alerts: all quiet", timeout=10)

        self.lab.scenario("bad-deploy")
        s = t.wait_for(lambda s: re.search(r"crit\s+firing\s+HighErrorRate", s), timeout=60,
                       what="HighErrorRate firing in the alerts view")
        # two URLs, one Alertmanager: the alert is listed once
        self.assertIn("1 firing", s)
        self.assertEqual(len(re.findall(r"firing\s+HighErrorRate", s)), 1)
        self.assertIn("runbook:", s)                     # the detail pane
        self.assertIn("group=slo", s)
        wait_for(lambda: any(e.startswith("HighErrorRate firing (critical)") for e in events(db, "alert")), 10,
                 what="the firing in the timeline")

        # s: matchers from the alert, 1 h, a comment; y
        t.keys("s")
        t.wait_for("Matchers:")
        t.keys("Enter")
        t.wait_for("Duration:")
        t.keys("Enter")
        t.wait_for("Comment (required)")
        t.text("rollback under way")
        t.keys("Enter")
        t.wait_for("Create this silence for 1h?", timeout=10)
        t.keys("y")
        t.wait_for("active for 1h", timeout=15)
        mine = [x for x in self.amtool_silences() if x.get("comment") == "rollback under way"]
        self.assertEqual(len(mine), 1, mine)
        sil = mine[0]
        self.assertEqual(sil["createdBy"], "lab-operator")
        self.assertIn({"name": "alertname", "value": "HighErrorRate", "isRegex": False, "isEqual": True},
                      sil["matchers"])
        self.assertEqual(sil["status"]["state"], "active")
        t.wait_for(lambda s: re.search(r"silenced\s+HighErrorRate", s), timeout=15, what="the alert silenced")
        wait_for(lambda: any(e.startswith("HighErrorRate silenced by %s" % sil["id"][:8])
                             for e in events(db, "alert")), 10, what="the silencing in the timeline")
        self.assertTrue(any(sil["id"][:8] in e for e in events(db, "silence")))

        # the silence listed, and expired with E, y
        t.keys("v")
        t.wait_for(sil["id"][:8])
        t.keys("E")
        t.wait_for("Expire this silence now?", timeout=10)
        t.keys("y")
        t.wait_for("expired:", timeout=15)
        self.assertEqual(self.silence_state(sil["id"]), "expired")
        self.assertEqual([x for x in self.amtool_silences() if x["id"] == sil["id"]], [])
        # rules from Prometheus: the firing rule is healthy
        t.keys("v")
        s = t.wait_for("rules", timeout=5)
        self.assertRegex(s, r"ok\s+firing\s+HighErrorRate")

    @unittest.skipIf(AMTOOL is None, "needs amtool (Debian prometheus-alertmanager)")
    def test_silence_and_expire_from_the_command_line(self):
        cfg = self.lab.config_path
        tmp = self.lab.dir
        db = os.path.join(tmp, "cli-timeline.db")
        p = self.warroom(cfg, db, "silence", "--yes", "alertname=NoSuchAlert")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("needs a comment", p.stderr)
        p = self.warroom(cfg, db, "silence", "--yes", "--duration", "2h", "--comment", "maintenance window",
                         'alertname=~"Cache.*"', "severity!=info")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sid = re.search(r"silence (\S+) active for 2h", p.stdout).group(1)
        got = [x for x in self.amtool_silences() if x["id"] == sid]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["comment"], "maintenance window")
        self.assertIn({"name": "alertname", "value": "Cache.*", "isRegex": True, "isEqual": True}, got[0]["matchers"])
        self.assertIn({"name": "severity", "value": "info", "isRegex": False, "isEqual": False}, got[0]["matchers"])
        p = self.warroom(cfg, db, "expire", "--yes", sid)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.silence_state(sid), "expired")
        p = self.warroom(cfg, db, "expire", "--yes", sid)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("already expired", p.stderr)
        with sqlite3.connect(db) as c:
            rows = c.execute("SELECT action, outcome FROM audit ORDER BY id").fetchall()
        self.assertEqual(rows, [("silence", "refused"), ("silence", "ok"), ("expire", "ok"), ("expire", "refused")])


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class SilenceRecurrenceOnLab(LabTestCase):
    """A lab of its own: the bad deploy stays on after the test."""
    lab_name = "silence"

    def setUp(self):
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()

    def warroom(self, cfg, db, *args):
        return subprocess.run([BINARY, "--config", cfg, "--db", db] + list(args), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=30)

    def test_a_silence_never_hides_a_recurrence(self):
        t = Term(100, 30)
        self.terms.append(t)
        cfg = self.lab.config_path
        db = os.path.join(t.tmp, "timeline.db")
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.alerts("HighErrorRate"), 60, what="HighErrorRate firing")
        p = self.warroom(cfg, db, "incident", "--sev", "2", "errors after the deploy")
        self.assertEqual(p.returncode, 0, p.stderr)
        t.start([BINARY, "--config", cfg, "--db", db])
        t.wait_for(lambda s: re.search(r"crit\s+HighErrorRate", s), timeout=20, what="the alert on the overview")
        p = self.warroom(cfg, db, "silence", "--yes", "--duration", "1h", "--comment", "rollback soon",
                         "alertname=HighErrorRate")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        sid = re.search(r"silence (\S+) active for 1h", p.stdout).group(1)
        try:
            # silenced, and still firing (the bad version still serves): counted, named
            s = t.wait_for(lambda s: "1 silenced, still firing: HighErrorRate" in " ".join(s.split()), timeout=20,
                           what="the silenced alert counted")
            self.assertNotIn("no alerts firing", s)
            # resolving leaves the silence on: the command line says so before it asks (no terminal: no)
            p = self.warroom(cfg, db, "resolve")
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertRegex(p.stdout, r"WARNING: still open: silence %s on alertname=\"?HighErrorRate\"? until "
                             r"\d\d:\d\dZ hides a recurrence \(warroom expire ends it\)" % re.escape(sid))
            # and the console's dialog
            t.keys("X")
            s = t.wait_for("Close the open incident?", timeout=10)
            self.assertIn("still open: silence %s" % sid[:8], s)
            t.keys("n")
            t.wait_for(lambda s: "Close the open incident?" not in s, timeout=5, what="the dialog closed")
        finally:
            self.warroom(cfg, db, "expire", "--yes", sid)
        # expired: the resolve question has nothing more to say
        p = self.warroom(cfg, db, "resolve")
        self.assertNotIn("still open", p.stdout)
        t.wait_for(lambda s: "silenced, still firing" not in s, timeout=20, what="the count gone with the silence")


if __name__ == "__main__":
    unittest.main()
