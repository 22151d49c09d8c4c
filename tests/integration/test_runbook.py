"""The SEV-1 runbook walked in the lab's pods-down scenario: the console
offers it for ServiceDown, runs its first command (a real kubectl against the
lab, its kubeconfig given through the environment) and the output lands in the
timeline. With HighErrorRate firing first, ServiceDown's SEV-1 runbook is the
one offered, and a rollback run with R settles the runbook's rollback line."""
import json
import os
import re
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class RunbookOnLab(LabTestCase):
    lab_name = "runbook"

    def setUp(self):
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()

    def test_sev1_runbook_runs_kubectl_against_the_lab_and_records_its_output(self):
        self.lab.scenario("pods-down")
        t = Term(100, 30)
        self.terms.append(t)
        db = os.path.join(t.tmp, "timeline.db")
        t.start([BINARY, "--config", self.lab.config_path, "--db", db])
        # the alert names the runbook: the overview offers it
        s = t.wait_for(lambda s: "sev1-pipeline-down.md" in s, timeout=45, what="the runbook offered for ServiceDown")
        self.assertIn("ServiceDown", s)
        t.keys("b")
        s = t.wait_for(lambda s: "Runbook: SEV-1" in s and "$ kubectl get pods" in s, timeout=10,
                       what="the runbook view")
        t.keys("e")
        s = t.wait_for("Run this command?", timeout=10)
        self.assertIn('$ kubectl get pods -n "$NAMESPACE" -o wide', s)
        self.assertIn("env NAMESPACE=detection-system", s)
        t.keys("y")
        s = t.wait_for("-- exit 0", timeout=30)
        self.assertIn("CrashLoopBackOff", s)
        self.assertRegex(s, r"detection-api-blue-\S+")
        # the timeline holds the command, its exit and its output
        out = subprocess.run([BINARY, "--config", self.lab.config_path, "--db", db, "timeline", "--json",
                              "--limit", "0"], capture_output=True, text=True, timeout=20, check=True).stdout
        evs = [e for e in json.loads(out) if e["kind"] == "runbook"]
        ran = [e for e in evs if "exit 0" in e["summary"]]
        self.assertTrue(ran, evs)
        d = ran[0]["detail"]
        self.assertEqual(d["exit_code"], 0)
        self.assertEqual(d["command"], 'kubectl get pods -n "$NAMESPACE" -o wide')
        self.assertIn("CrashLoopBackOff", d["stdout"])
        self.assertTrue(any("runbook started" in e["summary"] and "ServiceDown" in e["summary"] for e in evs), evs)
        # the next step waits for its own e: the cursor moved on, the first step is done
        t.keys("1")
        s = t.wait_for(lambda s: "Golden signals" in s and "Assess 1/3" in s, timeout=10, what="the panel's progress")
        self.assertTrue(re.search(r"endpointslices", s), s)

    def test_the_most_severe_alerts_runbook_is_offered_and_R_settles_its_rollback(self):
        self.lab.argocd_autosync(False)
        self.lab.scenario("bad-deploy")
        t = Term(132, 43)
        self.terms.append(t)
        db = os.path.join(t.tmp, "timeline.db")
        # what an earlier test crashed has healed: ServiceDown comes later, not from before
        wait_for(lambda: not self.lab.alerts("ServiceDown"), 90, what="ServiceDown resolved")
        t.start([BINARY, "--config", self.lab.config_path, "--db", db])
        # HighErrorRate first: its SEV-2 runbook
        t.wait_for(lambda s: "HighErrorRate: sev2-degraded.md" in s, timeout=60, what="the SEV-2 runbook offered")
        # then the bad version's pods crash: ServiceDown, younger, its SEV-1 runbook wins
        self.lab.scenario("pods-down")
        wait_for(lambda: self.lab.alerts("ServiceDown"), 90, what="ServiceDown firing")
        s = t.wait_for(lambda s: "ServiceDown: sev1-pipeline-down.md" in s, timeout=20,
                       what="the SEV-1 runbook offered")
        self.assertTrue(re.search(r"crit\s+HighErrorRate", s), s)   # the older alert still fires
        t.keys("6")
        s = t.wait_for("starts sev1-pipeline-down.md, the runbook for ServiceDown", timeout=10)
        t.keys("b")
        t.wait_for(lambda s: "Runbook: SEV-1" in s, timeout=10, what="the SEV-1 runbook started")
        # R from the overview, not the runbook's own key: its rollback line is settled all the same
        t.keys("1")
        t.wait_for("Golden signals", timeout=5)
        t.keys("R")
        t.wait_for("Run this rollback?", timeout=15)
        t.keys("G")
        t.keys("y")
        t.wait_for("verified in", timeout=40)
        self.assertEqual(self.lab.service_selector().get("slot"), "blue")

        def settled():
            out = subprocess.run([BINARY, "--db", db, "timeline", "--json", "--limit", "0"], capture_output=True,
                                 text=True, timeout=20).stdout
            return [e for e in json.loads(out) if e["kind"] == "runbook" and "warroom rollback: ok" in e["summary"]]
        evs = wait_for(settled, 10, what="the runbook's rollback line settled")
        self.assertEqual(len(evs), 1, evs)
        self.assertRegex(evs[0]["summary"], r"step \d+: warroom rollback: ok, run by lab-operator from the console")
        self.assertEqual(evs[0]["detail"]["outcome"], "ok")
        t.keys("Escape")
        t.keys("6")
        t.wait_for(lambda s: "✓ warroom rollback" in s, timeout=10, what="the line done in the runbook view")
        # one verification of blue, one plan, whatever watched it
        out = subprocess.run([BINARY, "--db", db, "timeline", "--json", "--limit", "0"], capture_output=True,
                             text=True, timeout=20).stdout
        summaries = [e["summary"] for e in json.loads(out)]
        for once in ("rollback selector green -> blue confirmed by lab-operator",):
            self.assertEqual(sum(1 for x in summaries if x.startswith(once)), 1, summaries)
        self.assertLessEqual(sum(1 for x in summaries if x.startswith("verification of blue")), 1, summaries)

    def test_every_label_of_the_alert_reaches_the_command_as_alert_variables(self):
        # a runbook of its own for ServiceDown, the only one there is: its step prints its environment
        self.lab.scenario("pods-down")
        t = Term(120, 40)
        self.terms.append(t)
        books = os.path.join(t.tmp, "books")
        os.makedirs(books)
        command = "env | grep ^ALERT_ | sort"
        with open(os.path.join(books, "alert-env.md"), "w") as f:
            f.write("---\nalerts: [ServiceDown]\n---\n# Alert env\n## Assess\n### Its labels\n"
                    "```sh\n%s\n```\n" % command)
        with open(self.lab.config_path) as f:
            cfg_text = f.read()
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write(cfg_text + "runbooks: { dir: %s, paths: [%s] }\n" % (books, books))
        db = os.path.join(t.tmp, "timeline.db")
        t.start([BINARY, "--config", cfg, "--db", db])
        t.wait_for(lambda s: "alert-env.md" in s, timeout=45, what="the runbook offered for ServiceDown")
        firing = [a for a in self.lab.alerts("ServiceDown")]
        self.assertTrue(firing, "ServiceDown is not firing in Alertmanager")
        labels = firing[0]["labels"]
        self.assertGreaterEqual(len(labels), 3, labels)
        t.keys("b")
        t.wait_for("Runbook: Alert env", timeout=10)
        t.keys("e")
        t.wait_for("Run this command?", timeout=10)
        t.keys("y")
        t.wait_for("-- exit 0", timeout=20)
        out = subprocess.run([BINARY, "--config", cfg, "--db", db, "timeline", "--json", "--limit", "0"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
        ran = [e for e in json.loads(out) if e["kind"] == "runbook" and "exit 0" in e["summary"]]
        self.assertTrue(ran, out)
        d = ran[0]["detail"]
        self.assertEqual(d["command"], command, "the command is recorded as written, no value in it")
        got = dict(line.split("=", 1) for line in d["stdout"].splitlines() if "=" in line)
        for name, value in labels.items():
            var = "ALERT_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()
            self.assertEqual(got.get(var), value, "%s=%r: %s" % (var, value, d["stdout"]))
        self.assertEqual(got.get("ALERT_NAME"), "ServiceDown")


if __name__ == "__main__":
    unittest.main()
