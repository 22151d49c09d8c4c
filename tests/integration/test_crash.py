"""Crash safety of the timeline: writers killed with SIGKILL at random points
of their run lose no event they reported as committed, and the database
passes PRAGMA integrity_check after every round of kills."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from term import BINARY  # noqa: E402

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "300"))


@unittest.skipIf(not os.path.exists(BINARY), "needs ./warroom")
class TimelineWritesSurviveSigkill(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="warroom-crash-")
        self.db = os.path.join(self.tmp, "state", "timeline.db")
        # No config: an empty home, so nothing but the timeline is touched.
        self.env = dict(os.environ, HOME=self.tmp, XDG_CONFIG_HOME=os.path.join(self.tmp, "cfg"),
                        XDG_STATE_HOME=os.path.join(self.tmp, "state"), USER="crash-tester")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def note(self, text):
        return subprocess.Popen([BINARY, "--db", self.db, "note", text], env=self.env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def notes(self):
        with sqlite3.connect(self.db) as c:
            return {r[0] for r in c.execute("SELECT summary FROM events WHERE kind = 'note'")}

    def integrity(self):
        with sqlite3.connect(self.db) as c:
            return c.execute("PRAGMA integrity_check").fetchall()

    def test_killed_writers_lose_nothing_committed(self):
        rng = random.Random(int(os.environ.get("CRASH_SEED", "12")))
        # How long one note takes here, to spread the kills over its whole run.
        t0 = time.monotonic()
        p = self.note("warm-up")
        p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0)
        # the writers' own run times, newest 20: the machine's load changes while the test runs
        spans = [max(time.monotonic() - t0, 0.005)]
        committed, killed = set(), 0
        for i in range(ROUNDS):
            # Two writers at once: one is killed, the other runs to its end.
            text, other = "crash-%d" % i, "steady-%d" % i
            span = sorted(spans[-20:])[len(spans[-20:]) // 2]
            started = time.monotonic()
            victim, peer = self.note(text), self.note(other)
            time.sleep(rng.uniform(0, span * 0.7))
            if victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=10)
            out, err = peer.communicate(timeout=30)
            spans.append(max(time.monotonic() - started, 0.005))
            if victim.returncode == -signal.SIGKILL:
                killed += 1
            elif victim.returncode == 0:
                committed.add(text)
            self.assertEqual(peer.returncode, 0, err.decode(errors="replace"))
            committed.add(other)
            if i % 50 == 49:
                self.assertEqual(self.integrity(), [("ok",)], "after %d rounds" % (i + 1))
        present = self.notes()
        self.assertEqual(committed - present, set(), "notes reported written but missing")
        self.assertEqual(self.integrity(), [("ok",)])
        # The kills must have hit running writers for the test to mean anything.
        self.assertGreater(killed, ROUNDS // 4, "only %d of %d writers were still running" % (killed, ROUNDS))
        print("\n  %d writers killed, %d notes committed, all present" % (killed, len(committed)),
              file=sys.stderr)
        # The database still takes writes after the crashes.
        p = self.note("after")
        p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertIn("after", self.notes())


if __name__ == "__main__":
    unittest.main()


sys.path.insert(0, HERE)
from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import Term  # noqa: E402

ROLLBACK_KILLS = int(os.environ.get("CRASH_ROLLBACK_KILLS", "12"))


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class RollbacksKilledMidway(LabTestCase):
    lab_name = "crash"

    def test_killed_rollbacks_are_reported_on_the_next_start(self):
        self.lab.scenario("bad-deploy")
        self.lab.argocd_autosync(False)   # the selector strategy: one PATCH the lab can hold
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        db = os.path.join(self.lab.dir, "crash.db")
        path = "/api/v1/namespaces/*/services/*"
        rng = random.Random(7)
        kills = 0
        for i in range(ROLLBACK_KILLS):
            # Hold the selector PATCH so the kill lands mid-rollback, at a random point of the wait.
            self.lab.run_lab("delay", "PATCH", path, "5", "times=1")
            p = subprocess.Popen([BINARY, "--config", self.lab.config_path, "--db", db, "rollback", "--yes",
                                  "--strategy", "selector"], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            wait_for(lambda: any(r["waiting"] for r in self.lab.state()["api_delays"]) or p.poll() is not None,
                     15, what="the rollback's PATCH held")
            time.sleep(rng.uniform(0, 0.5))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.communicate(timeout=10)
            self.lab.run_lab("delay", "clear")
            with sqlite3.connect(db) as c:
                self.assertEqual(c.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            # A held PATCH may still apply after the kill: put traffic back on green.
            time.sleep(0.5)
            if self.lab.service_selector().get("slot") != "green":
                self.lab.kubectl("-n", "detection-system", "patch", "service", "detection-api-service",
                                 "-p", '{"spec":{"selector":{"slot":"green"}}}')
            if i < ROLLBACK_KILLS - 1:
                # Each interruption is reported by the start that follows it.
                self.report(db)
        self.assertGreater(kills, ROLLBACK_KILLS // 2)
        t = Term(120, 32)
        try:
            t.start([BINARY, "--config", self.lab.config_path, "--db", db])
            t.wait_for("interrupted rollback", timeout=15)
            self.assertIn("never finished", t.screen())
            t.keys("Q")
        finally:
            t.close()
        with sqlite3.connect(db) as c:
            n = c.execute("SELECT count(*) FROM events WHERE summary LIKE 'interrupted rollback%'").fetchone()[0]
        self.assertEqual(n, kills)
        print("\n  %d rollbacks killed mid-run, each reported" % kills, file=sys.stderr)

    def report(self, db):
        """What the console does on start, without a terminal: start it and quit at once."""
        t = Term(120, 32)
        try:
            t.start([BINARY, "--config", self.lab.config_path, "--db", db])
            t.wait_for(lambda s: "interrupted rollback" in s or "ACTIVE" in s, timeout=15, what="the start")
            time.sleep(0.3)
            t.keys("Q")
        finally:
            t.close()
