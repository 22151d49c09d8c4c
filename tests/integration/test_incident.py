"""Incidents against the lab: in `pods-down` the console suggests SEV-1 with
its reason and the declare dialog starts on it; in `tak-outage` SEV-1 within
a refresh, from the push counters; an alert that fired before the
declaration is in the timeline and the postmortem from the time it began,
once, whoever watches; the drafts go beside the database and name the
incident's environment; several operators write one database at once while
a console's keys keep answering within 100 ms, and nothing anyone wrote is
lost. Text written to hurt a terminal (OSC 52, CSI 2J, U+009B) in an
incident's title, a note, a Deployment's image and an alert's annotation
comes out clean everywhere."""
import calendar
import datetime
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class IncidentOnLab(LabTestCase):
    lab_name = "incident"

    def setUp(self):
        self.terms = []
        self.lab.scenario("steady")

    def tearDown(self):
        for t in self.terms:
            t.close()

    def console(self, cols=100, rows=30):
        t = Term(cols, rows)
        self.terms.append(t)
        t.db = os.path.join(t.tmp, "timeline.db")
        t.start([BINARY, "--config", self.lab.config_path, "--db", t.db])
        t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
        return t

    def test_pods_down_suggests_sev1_and_the_declare_dialog_starts_on_it(self):
        t = self.console()
        self.lab.scenario("pods-down")
        s = t.wait_for("signals suggest SEV-1: no ready pod", timeout=30)
        t.keys("I")
        t.wait_for("Title:")
        t.text("every pod crash-loops")
        t.keys("Enter")
        s = t.wait_for("SEV (1-4")
        self.assertRegex(s, r"suggested SEV-1: no ready pod behind the active slot \w+")
        self.assertRegex(s, r"SEV \(1-4, if unsure the higher\): 1\b")
        t.keys("Enter")                     # the suggestion, as offered
        s = t.wait_for("SEV-1 INC-1")
        self.assertIn("ack 5m:", s)
        # declared at the suggestion: the panel no longer repeats it
        self.assertNotIn("signals suggest", s)
        with sqlite3.connect(t.db) as db:
            self.assertEqual(db.execute("SELECT sev FROM incidents").fetchall(), [(1,)])

    def test_tak_outage_suggests_sev1_within_a_refresh(self):
        # an earlier test of this lab may have left its pods crash-looping: a SEV-1 of their own
        # would stand in the TAK outage's place until they are back
        self.lab.scenario("steady")
        t = self.console()
        t.wait_for(lambda s: "ACTIVE  3/3" in s, timeout=60, what="the active slot's pods ready")
        # what an earlier scenario left in the 1-minute rates has passed; pushes go through
        t.wait_for(lambda s: "signals suggest" not in s, timeout=90, what="no suggestion")
        time.sleep(3)
        self.lab.scenario("tak-outage")
        t0 = time.monotonic()
        try:
            s = t.wait_for(lambda s: "signals suggest SEV-1: no detections" in s, timeout=20,
                           what="SEV-1 for the TAK outage")
        finally:
            self.lab.fault("all")
        took = time.monotonic() - t0
        print("    tak-outage -> SEV-1 suggested in %.1f s (refresh 2 s, scrapes 1 s)" % took)
        self.assertIn("every push fails", " ".join(s.split()))
        # the two scrapes the push counters need and the console's next refresh (4 s; more on a
        # machine others load), never the minute the alert's 5-minute rate took to say 100 %
        self.assertLess(took, 10.0)

    def test_an_alert_is_recorded_from_when_it_began_once_and_the_draft_says_so(self):
        self.lab.scenario("bad-deploy")
        firing = wait_for(lambda: self.lab.alerts("HighErrorRate"), 60, what="HighErrorRate firing")
        began = firing[0]["startsAt"]
        m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", began)
        began_ms = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) * 1000 + \
            int(float(m.group(2) or 0) * 1000)
        time.sleep(4)                       # the operator arrives after the alert
        t = self.console()
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(t.tmp, "none"))
        p = subprocess.run([BINARY, "--config", self.lab.config_path, "--db", t.db, "incident", "--sev", "2",
                            "errors after the deploy"], capture_output=True, text=True, timeout=20, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)

        def alert_rows():
            with sqlite3.connect(t.db) as db:
                return db.execute("SELECT ts_ms, summary FROM events WHERE kind = 'alert' AND summary LIKE "
                                  "'HighErrorRate firing%'").fetchall()
        rows = wait_for(alert_rows, 15, what="the alert in the timeline")
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][0], began_ms, "recorded at the time it began, not at the declaration")
        with sqlite3.connect(t.db) as db:
            opened = db.execute("SELECT opened_ms FROM incidents").fetchone()[0]
        self.assertLess(rows[0][0], opened)
        # the console killed and started again, and a second console on the same database: still once
        for pid in subprocess.run(["pgrep", "-P", str(t.pane_pid())], capture_output=True,
                                  text=True).stdout.split():
            with open("/proc/%s/comm" % pid) as f:
                if f.read().strip() == "warroom":
                    os.kill(int(pid), signal.SIGKILL)
        t.wait_for(":END", timeout=10, what="the console killed")
        t2 = Term(100, 30)
        self.terms.append(t2)
        t2.db = t.db
        t2.start([BINARY, "--config", self.lab.config_path, "--db", t.db])
        t3 = Term(80, 24)
        self.terms.append(t3)
        t3.start([BINARY, "--config", self.lab.config_path, "--db", t.db])
        for c in (t2, t3):
            c.wait_for(lambda s: "SEV-2 INC-1" in s, timeout=15, what="the open incident")
        time.sleep(5)                       # rounds of both consoles
        self.assertEqual(len(alert_rows()), 1, alert_rows())
        # the draft, from another shell without the config: the incident's own environment and service,
        # and the impact window from the alert's start
        out = subprocess.run([BINARY, "--db", t.db, "timeline", "export", "--format", "json"], capture_output=True,
                             text=True, timeout=20, env=env, cwd=t.tmp)
        self.assertEqual(out.returncode, 0, out.stderr)
        doc = json.loads(out.stdout)
        self.assertEqual(doc["incident"]["environment"], "lab")
        self.assertEqual(doc["incident"]["service"], "detection-api-service")
        self.assertEqual(doc["impact_window"]["start"], time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                      time.gmtime(began_ms // 1000)))
        self.assertIn("HighErrorRate firing", doc["impact_window"]["start_by"])
        md = subprocess.run([BINARY, "--db", t.db, "timeline", "export"], capture_output=True, text=True,
                            timeout=20, env=env, cwd=t.tmp).stdout
        self.assertIn("environment lab · service detection-api-service", md)
        # the console's draft goes beside the database it uses, not to a folder every lab shares
        t2.keys("P")
        t2.wait_for("postmortem draft written", timeout=10)
        want = os.path.join(os.path.dirname(t.db), "logs", "postmortem", "INC-1.md")
        self.assertTrue(os.path.exists(want), want)
        with open(want) as f:
            self.assertIn("environment lab · service detection-api-service", f.read())
        self.assertFalse(os.path.exists(os.path.join(t2.tmp, "state", "warroom", "logs")))

    def key_ms(self, t, key, shows):
        """Sends key and returns the ms until the screen shows what it should."""
        t0 = time.monotonic()
        t.keys(key)
        t.wait_for(shows, timeout=5)
        return (time.monotonic() - t0) * 1000

    def test_three_writers_lose_nothing_and_keys_answer_within_100ms(self):
        t = self.console()
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(t.tmp, "none"))
        per_writer = 25
        stop = threading.Event()

        def hog():
            # another process holding the write lock for long stretches
            db = sqlite3.connect(t.db, timeout=30, isolation_level=None)
            while not stop.is_set():
                db.execute("BEGIN IMMEDIATE")
                time.sleep(0.6)   # long enough that a key waiting on it shows as a slow answer
                db.execute("COMMIT")
                time.sleep(0.2)
            db.close()

        writers = [subprocess.Popen(
            ["sh", "-c", 'i=0; while [ $i -lt %d ]; do "$0" --db "$1" note "from $USER #$i" || exit 1; '
             'i=$((i+1)); done' % per_writer, BINARY, t.db],
            env=dict(env, USER=name), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            for name in ("bob", "carol", "dave")]
        hogger = threading.Thread(target=hog)
        hogger.start()
        lat, mine = [], 0
        try:
            deadline = time.monotonic() + 60
            while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
                lat.append(self.key_ms(t, "3", "Timeline ·"))
                lat.append(self.key_ms(t, "1", "Golden signals"))
                # a write of the console's own while the others hold the lock
                lat.append(self.key_ms(t, "n", "Note:"))
                t.text("console note %d" % mine)
                lat.append(self.key_ms(t, "Enter", lambda s: "Note:" not in s))
                mine += 1
        finally:
            stop.set()
            hogger.join()
        for w in writers:
            self.assertEqual(w.wait(timeout=60), 0, w.stderr.read().decode())
        print("    key latency: max %.0f ms, p95 %.0f ms, median %.0f ms over %d keys; %d console notes" % (
            max(lat), sorted(lat)[int(len(lat) * 0.95)], sorted(lat)[len(lat) // 2], len(lat), mine))
        print("    worst by key: 3 %.0f, 1 %.0f, n %.0f, Enter %.0f" % tuple(max(lat[i::4]) for i in range(4)))
        self.assertGreater(mine, 2)
        # tmux's round trip is in every figure and one slow capture on a loaded machine is not a lock
        # wait: the 95th percentile holds the 100 ms promise, and no key ever waits out the hog's hold
        p95 = sorted(lat)[int(len(lat) * 0.95)]
        self.assertLess(p95, 100, "keys are slow while others write: p95 %.0f ms" % p95)
        self.assertLess(max(lat), 300, "a key waited on another writer")

        # each sees the others' events within 2 s, the actor named
        t.keys("3")
        t0 = time.monotonic()
        subprocess.run([BINARY, "--db", t.db, "note", "eve was here"], env=dict(env, USER="eve"), check=True,
                       timeout=15)
        s = t.wait_for("eve was here", timeout=2)
        self.assertRegex(s, r"eve\s+note\s+eve was here")
        print("    another operator's note on screen %.2f s after it was written" % (time.monotonic() - t0))

        # nothing lost: every writer's notes, and every note the console queued
        def notes():
            with sqlite3.connect(t.db) as db:
                return db.execute("SELECT actor, summary FROM events WHERE kind = 'note'").fetchall()
        wait_for(lambda: len(notes()) == 3 * per_writer + mine + 1, 5, what="every note in the database")
        got = notes()
        for name in ("bob", "carol", "dave"):
            self.assertEqual(sorted(s for a, s in got if a == name),
                             sorted("from %s #%d" % (name, i) for i in range(per_writer)))
        self.assertEqual(sorted(s for a, s in got if s.startswith("console note")),
                         sorted("console note %d" % i for i in range(mine)))
        t.keys("Q")
        t.wait_for(":END")


    # ---- text from outside ----

    HOSTILE = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\u009b31m"

    def dirty(self, text):
        """What in text a terminal would act on: C0 controls but line ends and tabs, DEL, C1."""
        return re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)

    def test_hostile_text_comes_out_clean_everywhere(self):
        h = self.HOSTILE
        dep = self.lab.deployment("green")
        image = dep["spec"]["template"]["spec"]["containers"][0]["image"]
        name = dep["spec"]["template"]["spec"]["containers"][0]["name"]

        def set_image(img):
            body = {"spec": {"template": {"spec": {"containers": [{"name": name, "image": img}]}}}}
            r = self.lab.kube("PATCH", "/apis/apps/v1/namespaces/detection-system/deployments/detection-api-green",
                              body, content_type="application/strategic-merge-patch+json")
            self.assertEqual(r.status, 200, r.text)
        set_image(image + h)
        self.addCleanup(set_image, image)
        now = datetime.datetime.now(datetime.timezone.utc)
        alert = [{"labels": {"alertname": "HostileText", "severity": "warning", "service": "detection-api"},
                  "annotations": {"summary": "annotation" + h + "end", "description": "described" + h},
                  "startsAt": now.isoformat(), "endsAt": (now + datetime.timedelta(hours=1)).isoformat()}]
        r = self.lab.http("POST", self.lab.env["ALERTMANAGER_URL"] + "/api/v2/alerts", alert)
        self.assertEqual(r.status, 200, r.text)
        t = self.console(120, 40)
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(t.tmp, "state"))
        out = {}

        def cli(*args, timeout=30):
            p = subprocess.run([BINARY, "--config", self.lab.config_path, "--db", t.db] + list(args), env=env,
                               capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
            out["warroom " + " ".join(args[:3])] = (p.stdout + p.stderr).decode("utf-8", "replace")
            return p
        self.assertEqual(cli("incident", "--sev", "2", "title" + h + "end").returncode, 0)
        self.assertEqual(cli("note", "note" + h + "end").returncode, 0)
        s = t.wait_for(lambda s: "HostileText" in s and "SEV-2 INC-1" in s, timeout=30, what="the alert and incident")

        def view(name):
            t.keys(":")
            t.text(name)
            t.keys("Enter")
        view("timeline")
        out["the timeline view"] = t.wait_for("note\u241b\u241b\u241bend", timeout=10)
        view("alerts")
        t.wait_for("HostileText", timeout=10)
        out["the alerts view"] = t.screen()
        t.keys("Enter")
        out["the alert's detail"] = t.wait_for("annotation\u241b\u241b\u241bend", timeout=10)
        t.keys("Escape")
        view("slots")
        out["the slots view"] = t.wait_for(lambda s: "\u241b" in s, timeout=15, what="the image with its marks")
        view("overview")
        out["the overview"] = t.wait_for("title\u241b\u241b\u241bend", timeout=10)
        for where, screen in out.items():
            self.assertEqual(self.dirty(screen), [], where)
        # the command line: status, timeline, both exports, and the deployment watch
        for args in (("status",), ("status", "--json"), ("timeline",), ("timeline", "--json"),
                     ("timeline", "export"), ("timeline", "export", "--format", "json")):
            cli(*args)
        w = subprocess.Popen([BINARY, "--config", self.lab.config_path, "--db", t.db, "watch", "--window", "5s"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        time.sleep(6)
        w.send_signal(signal.SIGINT)
        out["warroom watch"] = w.communicate(timeout=20)[0].decode("utf-8", "replace")
        self.assertIn("watching detection-system/detection-api-service", out["warroom watch"])
        for where, text in out.items():
            self.assertEqual(self.dirty(text), [], "%s: %r" % (where, text[:2000]))
            self.assertNotIn("ZWNobyBwd25lZA", text, where)   # OSC 52's payload went with it
        self.assertIn("title\u241b\u241b\u241bend", out["warroom timeline export"])
        self.assertIn("note\u241b\u241b\u241bend", out["warroom timeline"])
        self.assertIn("\u241b", out["warroom status"])    # the image, marked
        exported = json.loads(out["warroom timeline export --format"])
        self.assertEqual(exported["incident"]["title"], "title\u241b\u241b\u241bend")
        # and the database holds it clean
        with sqlite3.connect(t.db) as db:
            for table in ("incidents", "events", "audit"):
                for row in db.execute("SELECT * FROM %s" % table):
                    self.assertEqual(self.dirty(" ".join(str(c) for c in row)), [], table)
                    self.assertNotIn("\\u001b", " ".join(str(c) for c in row), table)   # nor escaped in JSON
        t.keys("Q")
        t.wait_for(":END")


if __name__ == "__main__":
    unittest.main()
