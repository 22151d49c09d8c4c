"""Screen tests of an incident's life in the console: declared, escalated,
contained, handed over, killed with SIGKILL and resumed exactly, acknowledged,
exported and resolved; then one run wholly from the command line while the
console watches."""
import json
import os
import re
import signal
import stat
import subprocess
import time

from term import BINARY


class IncidentScreens:
    def cli(self, t, *args):
        env = dict(t.env, PATH=os.environ["PATH"])
        return subprocess.run([BINARY, "--db", t.db] + list(args), env=env, capture_output=True, text=True,
                              timeout=15, stdin=subprocess.DEVNULL)

    def test_incident_declared_escalated_killed_resumed_and_resolved(self):
        t = self.term(100, 30)
        self.run_warroom(t)
        t.wait_for("no open incident")
        t.keys("I")
        t.wait_for("Title:")
        t.text("checkout errors after deploy")
        t.keys("Enter")
        s = t.wait_for("SEV (1-4")
        self.assertIn("the signals suggest no SEV", s)      # no live signals here
        t.keys("C-u")
        t.text("2")
        t.keys("Enter")
        s = t.wait_for("SEV-2 INC-1")
        self.assertRegex(s, r"SEV-2 INC-1 00:00:\d\d \(ack 15m: 1[45]:\d\d left\)")   # the response clock
        self.assertIn("investigating", s)
        t.keys("S")
        t.wait_for("SEV (1-4), then the reason")
        t.keys("C-u")
        t.text("1 every pod crash-loops")
        t.keys("Enter")
        s = t.wait_for(lambda s: re.search(r"SEV-1 INC-1 00:00:\d\d \(ack 5m: [45]:\d\d left\)", s),
                       what="SEV-1 and its 5 minute target")
        t.keys("u")
        t.wait_for("Incident status")
        t.keys("Enter")                                      # starts on the next status: contained
        t.wait_for("INC-1 is contained")
        t.keys(":")
        t.wait_for("Command")
        t.text("role scribe carol")
        t.keys("Enter")
        s = t.wait_for("scribe carol")
        self.assertIn("IC tester", s)
        before = self.cli(t, "incident", "show", "--json")
        os.kill(self.warroom_pid(t), signal.SIGKILL)
        t.wait_for("EXIT=137")

        # what the database holds after the kill: exactly what was on screen
        inc = json.loads(self.cli(t, "incident", "show", "--json").stdout)
        self.assertEqual(before.stdout.strip(), json.dumps(inc, separators=(",", ":")))
        self.assertEqual((inc["sev"], inc["status"], inc["commander"], inc["scribe"], inc["acked_ms"]),
                         (1, "contained", "tester", "carol", 0))

        time.sleep(2.2)     # the clock must count from the declaration, not from the restart
        t2 = self.term(100, 30)
        t2.db = t.db
        t2.start([BINARY, "--db", t.db])
        # the whole frame: the status bar comes first, the incident panel after it
        s = t2.wait_for(lambda s: "SEV-1 INC-1" in s and "scribe carol" in s, what="the resumed incident")
        self.assertRegex(s, r"SEV-1 INC-1 00:00:(0[2-9]|1\d) \(ack 5m: 4:[45]\d left\)")   # the same clock goes on
        self.assertIn("contained", s)
        self.assertIn("scribe carol", s)
        t2.keys("a")
        s = t2.wait_for("acked in 0:")
        t2.keys("P")
        s = t2.wait_for("postmortem draft written")
        # beside the database in use (--db), not in the state folder every database shares
        md = os.path.join(os.path.dirname(t.db), "logs", "postmortem", "INC-1.md")
        self.assertTrue(os.path.exists(md), s)
        self.assertFalse(os.path.exists(os.path.join(t2.tmp, "state", "warroom", "logs")))
        self.assertEqual(stat.S_IMODE(os.stat(md).st_mode), 0o600)
        with open(md) as f:
            draft = f.read()
        self.assertIn("| SEV-2 → SEV-1 | tester | every pod crash-loops |", draft)
        t2.keys("X")
        t2.wait_for("Close the open incident?")
        t2.keys("y")
        t2.wait_for("INC-1 resolved")
        t2.wait_for("no open incident")
        out = json.loads(self.cli(t, "timeline", "export", "--format", "json").stdout)
        self.assertEqual([h["sev"] for h in out["sev_history"]], [2, 1])
        self.assertEqual(out["incident"]["status"], "resolved")
        self.assertEqual(out["durations_s"]["ongoing"], False)
        actions = [a["action"] for a in out["actions"] if a["outcome"] == "ok"]
        self.assertEqual(actions, ["incident", "sev", "status", "role", "ack", "export", "resolve"])

        # the command line: declared, escalated, resolved while the console shows it live
        p = self.cli(t2, "incident", "--sev", "3", "search", "is", "slow")
        self.assertEqual(p.returncode, 0, p.stderr)
        t2.wait_for("SEV-3 INC-2", timeout=3)
        p = self.cli(t2, "incident", "sev", "2", "p99", "over", "a", "second")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("SEV-3 -> SEV-2", p.stdout)
        t2.wait_for("SEV-2 INC-2", timeout=3)
        p = self.cli(t2, "incident", "ack")
        self.assertEqual(p.returncode, 0, p.stderr)
        t2.wait_for("acked in", timeout=3)
        self.assertEqual(self.cli(t2, "incident", "resolve").returncode, 2)   # no terminal, no --yes: refused
        p = self.cli(t2, "resolve", "--yes")
        self.assertEqual(p.returncode, 0, p.stderr)
        t2.wait_for("no open incident", timeout=3)
        out = json.loads(self.cli(t2, "timeline", "export", "--incident", "2", "--format", "json").stdout)
        self.assertEqual([h["sev"] for h in out["sev_history"]], [3, 2])
        self.assertEqual(out["incident"]["commander"], "tester")
        t2.keys("Q")
        self.assert_clean_exit(t2)
