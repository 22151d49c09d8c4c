"""--readonly holds for every row of the action table that changes the
cluster, through every front-end: its key in the console, `:NAME` on the
command line and `warroom NAME` headless. Each is refused with words, each
refusal is in the audit trail, and the fake API server logs no write."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

WRITE = re.compile(r"^\S+ (kapi|kube|argocd)\S* (PATCH|POST|PUT|DELETE) ")


def refusals(db):
    if not os.path.exists(db):
        return []
    with sqlite3.connect(db) as c:
        return c.execute("SELECT action, via, outcome, summary FROM audit ORDER BY id").fetchall()


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class ReadOnlyEverywhere(LabTestCase):
    lab_name = "readonly"

    def access_log(self):
        return os.path.join(self.lab.dir, "logs", "labd-access.log")

    def writes_since(self, offset):
        with open(self.access_log(), errors="replace") as f:
            f.seek(offset)
            return [line for line in f if WRITE.search(line)]

    def test_every_mutating_action_is_refused_by_key_command_line_and_cli(self):
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        p = subprocess.run([BINARY, "actions", "--json"], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = [r for r in json.loads(p.stdout) if r["mutates"]]
        self.assertIn("rollback", [r["name"] for r in rows])
        self.assertTrue(os.path.exists(self.access_log()))
        # a write the fake API logs is seen by this test: the check can fail
        start = os.path.getsize(self.access_log())
        self.lab.kube("PATCH", "/api/v1/namespaces/detection-system/services/detection-api-service",
                      {"metadata": {"annotations": {"probe": "1"}}},
                      content_type="application/merge-patch+json")
        wait_for(lambda: self.writes_since(start), 5, what="the probe write in the access log")
        start = os.path.getsize(self.access_log())

        t = Term(100, 30)
        try:
            db = os.path.join(t.tmp, "timeline.db")
            t.start([BINARY, "--config", self.lab.config_path, "--db", db, "--readonly"])
            t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
            for r in rows:
                name = r["name"]
                key = r["keys"].split(",")[0]
                n = len(refusals(db))
                t.keys(key)
                wait_for(lambda: len(refusals(db)) == n + 1, 5, what="%s key refused and audited" % name)
                self.assertIn("read-only", t.screen())
                self.assertNotIn("[y] yes", t.screen())
                t.keys(":")
                t.wait_for("Command", timeout=5)
                t.text(name)
                t.keys("Enter")
                wait_for(lambda: len(refusals(db)) == n + 2, 5, what=":%s refused and audited" % name)
                self.assertNotIn("[y] yes", t.screen())
                if r["cli"]:
                    p = subprocess.run([BINARY, "--config", self.lab.config_path, "--db", db, "--readonly",
                                        name, "--yes"], stdin=subprocess.DEVNULL, capture_output=True,
                                       text=True, timeout=30)
                    self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                    self.assertIn("read-only", p.stderr)
                    self.assertEqual(len(refusals(db)), n + 3)
                for action, via, outcome, summary in refusals(db)[n:]:
                    self.assertEqual((action, outcome), (name, "refused"), summary)
                    self.assertIn("read-only", summary)
                    self.assertIn(via, ("console", "cli"))
            t.keys("Q")
        finally:
            t.close()
        time.sleep(1.5)   # a write would be logged by now
        self.assertEqual(self.writes_since(start), [])
        self.assertEqual(self.lab.service_selector().get("slot"), "green")

    def config_with(self, old, new):
        with open(self.lab.config_path) as f:
            text = f.read()
        self.assertIn(old, text)
        path = os.path.join(self.lab.dir, "warroom-%d.yaml" % len(os.listdir(self.lab.dir)))
        with open(path, "w") as f:
            f.write(text.replace(old, new))
        return path

    def test_config_setting_refuses_like_the_flag(self):
        self.lab.scenario("bad-deploy")
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        cfg = self.config_with("operator: lab-operator\n", "operator: lab-operator\nreadonly: true\n")
        start = os.path.getsize(self.access_log())
        db = os.path.join(self.lab.dir, "ro-config.db")
        t = Term(100, 30)
        try:
            p = subprocess.run([BINARY, "--config", cfg, "--db", db, "rollback", "--yes"],
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn("read-only", p.stderr)
            t.start([BINARY, "--config", cfg, "--db", db])
            t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
            t.keys("R")
            wait_for(lambda: len(refusals(db)) == 2, 5, what="the R key refused and audited")
            self.assertIn("read-only", t.screen())
            self.assertNotIn("[y] yes", t.screen())
            t.keys("Q")
        finally:
            t.close()
        self.assertEqual([(a, o) for a, _, o, _ in refusals(db)], [("rollback", "refused")] * 2)
        time.sleep(1.5)
        self.assertEqual(self.writes_since(start), [])
        self.assertEqual(self.lab.service_selector().get("slot"), "green")

    def test_read_only_context_is_refused_by_the_server_in_words(self):
        self.lab.scenario("bad-deploy")
        self.lab.argocd_autosync(False)   # the rollback goes through the Service's selector
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        cfg = self.config_with("  context: lab\n", "  context: lab-readonly\n")
        with open(os.path.join(self.lab.dir, "kubeconfig")) as f:
            secrets = re.findall(r"token: (\S+)", f.read())
        self.assertTrue(secrets)
        db = os.path.join(self.lab.dir, "ro-context.db")
        p = subprocess.run([BINARY, "--config", cfg, "--db", db, "rollback", "--yes"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        out = p.stdout + p.stderr
        self.assertNotEqual(p.returncode, 0, out)
        print("\n    " + out.strip().replace("\n", "\n    "), file=sys.stderr)
        self.assertIn("forbidden", out.lower())
        self.assertIn("lab-readonly", out)
        for tok in secrets:
            self.assertNotIn(tok, out)
        self.assertEqual(self.lab.service_selector().get("slot"), "green")


if __name__ == "__main__":
    unittest.main()
