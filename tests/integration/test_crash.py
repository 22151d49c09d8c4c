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
        span = max(time.monotonic() - t0, 0.005)
        committed, killed = set(), 0
        for i in range(ROUNDS):
            # Two writers at once: one is killed, the other runs to its end.
            text, other = "crash-%d" % i, "steady-%d" % i
            victim, peer = self.note(text), self.note(other)
            time.sleep(rng.uniform(0, span * 0.7))
            if victim.poll() is None:
                victim.send_signal(signal.SIGKILL)
            victim.communicate(timeout=10)
            out, err = peer.communicate(timeout=30)
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
