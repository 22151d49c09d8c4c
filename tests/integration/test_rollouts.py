"""An Argo Rollout as the slots, against the lab's Rollout controller: status
shows the Rollout's slots, step, weight and analysis; a bad canary is
recommended for abort with its failing metric named and the console's key
aborts it, verified on the EndpointSlices; `watch --auto-rollback` aborts
it unattended; a bad blue-green after its promotion is undone; a good
canary promotes; read-only refuses every Rollout action with no write
reaching the fake API; the real kubectl lists the argoproj.io objects."""

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

from labfixture import LabTestCase, NS, REPO, missing, wait_for  # noqa: E402
from term import Term  # noqa: E402
from test_watch import Follower  # noqa: E402

WARROOM = os.path.join(REPO, "warroom")
NEED = missing("kubectl")
if not os.access(WARROOM, os.X_OK):
    NEED.append("warroom binary (make)")
WRITE = re.compile(r"^\S+ (kapi|kube|argocd)\S* (PATCH|POST|PUT|DELETE) ")
ROLLOUT_ACTIONS = ("abort", "undo", "promote", "promote-full", "retry", "hold")


def actions_json():
    return subprocess.run([WARROOM, "actions", "--json"], capture_output=True, text=True, timeout=10).stdout


@unittest.skipIf(NEED, "needs %s" % ", ".join(NEED))
class Rollouts(LabTestCase):
    lab_name = "rollouts"

    @classmethod
    def prepare_lab(cls):
        cls.lab.control("POST", "/set", {"ready_delay": 1.5, "terminate_delay": 0.5})

    # ---- helpers -----------------------------------------------------------
    @property
    def config(self):
        return os.path.join(self.lab.dir, "warroom-rollout.yaml")

    def warroom(self, *args, db=None, timeout=90):
        db = db or os.path.join(self.lab.dir, "ro.db")
        argv = [WARROOM, "--config", self.config, "--db", db] + list(args)
        e = dict(os.environ, HOME=self.lab.root)
        e.pop("KUBECONFIG", None)
        return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, env=e)

    def status(self):
        p = self.warroom("status", "--json")
        return json.loads(p.stdout)

    def rollout(self):
        return self.lab.state()["rollout"]

    def access_log(self):
        return os.path.join(self.lab.dir, "logs", "labd-access.log")

    def writes_since(self, offset):
        with open(self.access_log(), errors="replace") as f:
            f.seek(offset)
            return [line for line in f if WRITE.search(line)]

    def endpoint_hashes(self):
        return {p.rsplit("-", 2)[-2] for p in self.lab.endpoint_pods(ready_only=True)}

    def bad_canary(self):
        self.lab.scenario("rollout-canary-bad")

        def failing():
            s = self.status()
            d = s.get("deployment") or {}
            rec = d.get("recommendation") or {}
            return s if rec.get("target_action") == "abort" else None
        return wait_for(failing, 60, interval=1, what="the abort recommendation on the bad canary")

    # ---- tests ---------------------------------------------------------------
    def test_bad_canary_status_then_abort_by_key_is_verified(self):
        s = self.bad_canary()
        ro = s["rollout"]
        self.assertEqual(ro["strategy"], "canary")
        self.assertEqual(ro["steps"], 6)
        self.assertEqual(ro["step_list"][0], "setWeight 20")
        self.assertGreater(ro["weight"], 0)
        self.assertIn("error-ratio", ro["analysis_failure"])
        self.assertEqual(ro["analysis"][0]["metrics"][0]["provider"], "prometheus")
        self.assertTrue(ro["analysis"][0]["metrics"][0]["measurements"])
        roles = {x["role"]: x for x in s["slots"] if x.get("role")}
        self.assertEqual(roles["canary"]["tag"], "1.5.0")
        self.assertEqual(roles["stable"]["tag"], "1.4.2")
        rec = s["deployment"]["recommendation"]
        self.assertEqual(rec["target_slot"], roles["stable"]["name"])
        self.assertIn("error-ratio", rec["reason"])
        text = self.warroom("status").stdout
        self.assertIn("canary detection-api:", text)
        self.assertIn("steps: ", text)
        self.assertIn("analysis Background", text)
        self.assertIn("Abort recommended", text)

        keys = {r["name"]: r["keys"].split(",")[0] for r in json.loads(
            actions_json())}
        t = Term(132, 43)
        try:
            t.start([WARROOM, "--config", self.config, "--db", os.path.join(self.lab.dir, "console.db")])
            t.wait_for(lambda sc: "aborts" in sc, timeout=30, what="the abort recommendation on the console")
            t.keys(keys["abort"])
            t.wait_for(lambda sc: "[y] yes" in sc or "Proceed" in sc, timeout=20, what="the abort's question")
            self.assertIn("status", t.screen())
            t.keys("y")
            t.wait_for(lambda sc: "verified" in sc, timeout=60, what="the verified abort")
            t.keys("Q")
        finally:
            t.close()
        r = self.rollout()
        self.assertTrue(r["abort"])
        stable = roles["stable"]["name"]
        self.assertEqual(self.endpoint_hashes(), {stable})
        self.assertEqual(r["sets"][roles["canary"]["name"]]["replicas"], 0)
        # a status started after the abort knows it from the Rollout alone
        s = self.status()
        self.assertTrue(s["rollout"]["abort"])
        self.assertEqual(s["rollout"]["weight"], 0)
        self.assertIsNone(s["deployment"].get("recommendation"))
        self.assertIn(s["deployment"]["stage"], ("rolled-back", "steady"))

    def test_watch_auto_rollback_aborts_a_bad_canary(self):
        self.lab.scenario("rollout-canary-bad")
        p = self.warroom("watch", "--auto-rollback", db=os.path.join(self.lab.dir, "watch.db"), timeout=150)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn("Abort recommended", p.stdout)
        self.assertIn("abort of rollout detection-api verified", p.stdout)
        r = self.rollout()
        self.assertTrue(r["abort"])
        self.assertEqual(self.endpoint_hashes(), {r["stable"]})

    def test_bad_bluegreen_after_promotion_is_undone(self):
        self.lab.scenario("rollout-bluegreen-bad")
        first = wait_for(lambda: self.rollout()["active"] != self.rollout()["current"] or
                         self.rollout()["active"], 10, what="the blue-green rollout")
        self.assertTrue(first)
        wait_for(lambda: self.rollout()["sets"][self.rollout()["active"]]["version"] == "1.5.0", 40,
                 what="the promotion of 1.5.0")
        bad = self.rollout()["active"]
        s = self.status()
        self.assertEqual(s["rollout"]["strategy"], "blueGreen")
        self.assertEqual(s["rollout"]["active_hash"], bad)
        self.assertGreater(s["rollout"]["preview_endpoints"], 0)   # the preview Service is the active set now

        def undo_recommended():
            d = self.status().get("deployment") or {}
            return (d.get("recommendation") or {}).get("target_action") == "undo"
        wait_for(undo_recommended, 60, interval=1, what="the undo recommendation after the promotion")
        p = self.warroom("undo", "--yes", timeout=150)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("undo of rollout detection-api verified", p.stdout)
        r = self.rollout()
        self.assertNotEqual(r["active"], bad)
        self.assertEqual(r["sets"][r["active"]]["version"], "1.4.2")
        self.assertEqual(self.endpoint_hashes(), {r["active"]})
        self.assertEqual(self.lab.service_selector().get("rollouts-pod-template-hash"), r["active"])

    def test_watch_auto_rollback_undoes_a_bad_bluegreen_after_its_promotion(self):
        self.lab.scenario("rollout-bluegreen-bad")
        wait_for(lambda: self.rollout()["sets"][self.rollout()["active"]]["version"] == "1.5.0", 40,
                 what="the promotion of 1.5.0")
        p = self.warroom("watch", "--auto-rollback", db=os.path.join(self.lab.dir, "watch-bg.db"), timeout=150)
        self.assertEqual(p.returncode, 4, p.stdout + p.stderr)
        self.assertIn("Undo recommended", p.stdout)
        self.assertIn("undo of rollout detection-api verified", p.stdout)
        r = self.rollout()
        self.assertEqual(r["sets"][r["active"]]["version"], "1.4.2")
        self.assertEqual(self.endpoint_hashes(), {r["active"]})

    def test_good_canary_promotes_step_by_step(self):
        self.lab.scenario("rollout-canary-good")
        wait_for(lambda: self.rollout()["pause"] == "CanaryPauseStep", 30, what="the first pause")
        step = self.rollout()["step"]
        p = self.warroom("promote", "--yes")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertGreater(self.rollout()["step"], step)
        p = self.warroom("promote", "--full", "--yes", timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        r = self.rollout()
        self.assertEqual(r["stable"], r["current"])
        self.assertEqual(r["sets"][r["stable"]]["version"], "1.5.0")
        s = self.status()
        self.assertTrue(s["rollout"]["promoted"])
        self.assertIsNone((s.get("deployment") or {}).get("recommendation"))

    def test_follow_keeps_the_rollout_by_watches_and_sees_a_promotion_within_a_second(self):
        self.lab.scenario("rollout-canary-good")
        wait_for(lambda: self.rollout()["pause"] == "CanaryPauseStep", 30, what="the first pause")
        e = dict(os.environ, HOME=self.lab.root)
        e.pop("KUBECONFIG", None)
        f = Follower(self.config, os.path.join(self.lab.dir, "follow.db"), env=e)
        try:
            paused = f.wait(lambda l: l["live"] and (l.get("rollout") or {}).get("paused"), 20,
                            "the Rollout paused, every watch open")
            w = paused["watch"]
            # the Rollout, its AnalysisRuns, ReplicaSets, pods, the Service and its slices at least
            self.assertGreaterEqual(w["watches"], 6, w)
            self.assertEqual((w["open"], w["polling"]), (w["watches"], 0), w)
            step = paused["rollout"]["step"]
            start = len(f.snapshot())
            path = "/apis/argoproj.io/v1alpha1/namespaces/%s/rollouts/detection-api/status" % NS
            r = self.lab.kube("PATCH", path, {"status": {"pauseConditions": None}},
                              content_type="application/merge-patch+json")
            t = time.time() * 1000
            self.assertEqual(r.status, 200, r.text)
            line = f.wait(lambda l: l["rollout"]["step"] > step, 5, "the promotion in the model", start)
            print("\n    Rollout PATCH answer to the model: %.0f ms" % (line["time_ms"] - t))
            self.assertLess(line["time_ms"] - t, 1000, line)
            self.assertTrue(line["live"], line)
            # the watches brought it: no list since the first of each, no poll
            w = line["watch"]
            self.assertEqual((w["polling"], w["relists"]), (0, 0), w)
            self.assertGreater(w["events"], 0, w)
        finally:
            f.stop()

    def test_an_abort_while_the_watches_were_cut_comes_after_their_410_once(self):
        self.lab.scenario("rollout-canary-good")
        wait_for(lambda: self.rollout()["pause"] == "CanaryPauseStep", 30, what="the first pause")
        e = dict(os.environ, HOME=self.lab.root)
        e.pop("KUBECONFIG", None)
        f = Follower(self.config, os.path.join(self.lab.dir, "follow-410.db"), env=e)
        try:
            f.wait(lambda l: l["live"] and (l.get("rollout") or {}).get("paused"), 20, "the watches open")
            # every stream breaks and the history keeps one event: each
            # resumes from a version gone (410), lists again, and the abort
            # made meanwhile is in the model, once
            self.lab.set(watch_history=1)
            start = len(f.snapshot())
            self.lab.run_lab("watch", "cut")
            path = "/apis/argoproj.io/v1alpha1/namespaces/%s/rollouts/detection-api/status" % NS
            r = self.lab.kube("PATCH", path, {"status": {"abort": True}}, content_type="application/merge-patch+json")
            self.assertEqual(r.status, 200, r.text)
            line = f.wait(lambda l: l["rollout"]["abort"] and l["watch"]["relists"] > 0, 15,
                          "the abort after the relist", start)
            self.assertEqual(line["watch"]["duplicates"], 0, line)
            self.lab.set(watch_history=5000)
            f.wait(lambda l: l["live"], 15, "the watches open again after the relist", start)
        finally:
            self.lab.set(watch_history=5000)
            f.stop()

    def test_a_credential_without_watch_lists_the_rollout_and_says_so(self):
        self.lab.scenario("rollout-canary-good")
        wait_for(lambda: self.rollout()["pause"] == "CanaryPauseStep", 30, what="the first pause")
        with open(self.config) as fh:
            s = fh.read()
        self.assertIn("\n  context: lab\n", s)
        cfg = os.path.join(self.lab.dir, "rollout-nowatch.yaml")
        with open(cfg, "w") as fh:
            fh.write(s.replace("\n  context: lab\n", "\n  context: lab-nowatch\n"))
        e = dict(os.environ, HOME=self.lab.root)
        e.pop("KUBECONFIG", None)
        f = Follower(cfg, os.path.join(self.lab.dir, "follow-nowatch.db"), env=e)
        try:
            line = f.wait(lambda l: l["watch"]["polling"] == l["watch"]["watches"] >= 6 and
                          (l.get("rollout") or {}).get("paused"), 20, "every watch of the Rollout polling")
            self.assertFalse(line["live"])
            self.assertIn("the credentials may not watch", line["watch_note"])
            step = line["rollout"]["step"]
            start = len(f.snapshot())
            path = "/apis/argoproj.io/v1alpha1/namespaces/%s/rollouts/detection-api/status" % NS
            r = self.lab.kube("PATCH", path, {"status": {"pauseConditions": None}},
                              content_type="application/merge-patch+json")
            self.assertEqual(r.status, 200, r.text)
            f.wait(lambda l: l["rollout"]["step"] > step, 10, "the promotion seen by the lists", start)
        finally:
            f.stop()

    def test_read_only_refuses_every_rollout_action_and_writes_nothing(self):
        self.lab.scenario("rollout-canary-bad")
        wait_for(lambda: self.rollout()["current"] != self.rollout()["stable"], 10, what="the canary")
        start = os.path.getsize(self.access_log())
        db = os.path.join(self.lab.dir, "ro-readonly.db")
        rows = {r["name"]: r for r in json.loads(
            actions_json())}
        t = Term(100, 30)
        try:
            t.start([WARROOM, "--config", self.config, "--db", db, "--readonly"])
            t.wait_for(lambda sc: "STABLE" in sc, timeout=20, what="the Rollout's slots")
            for name in ROLLOUT_ACTIONS:
                self.assertTrue(rows[name]["mutates"], name)
                t.keys(rows[name]["keys"].split(",")[0])
                t.wait_for(lambda sc: "read-only" in sc, timeout=5, what="%s refused" % name)
                self.assertNotIn("[y] yes", t.screen())
                p = self.warroom("--readonly", name, "--yes", db=db, timeout=30)
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertIn("read-only", p.stderr)
            t.keys("Q")
        finally:
            t.close()
        with sqlite3.connect(db) as c:
            audit = c.execute("SELECT action, outcome FROM audit ORDER BY id").fetchall()
        for name in ROLLOUT_ACTIONS:
            self.assertEqual(audit.count((name, "refused")), 2, audit)
        time.sleep(1.5)
        self.assertEqual(self.writes_since(start), [])

    def test_kubectl_lists_the_argo_objects(self):
        self.lab.scenario("rollout-canary-bad")
        wait_for(lambda: self.rollout()["runs"], 20, what="an AnalysisRun")
        out = self.lab.kubectl("get", "rollouts,analysisruns", "-n", NS).stdout
        self.assertIn("rollout.argoproj.io/detection-api", out)
        self.assertIn("analysisrun.argoproj.io/detection-api-", out)
        out = self.lab.kubectl("get", "rollout", "detection-api", "-n", NS, "-o", "json").stdout
        self.assertEqual(json.loads(out)["kind"], "Rollout")


if __name__ == "__main__":
    unittest.main()
