"""The deployment window against the lab: the verification matrix passes a
good deploy and fails a bad one; a good deploy passes its (short) window and
finalizes with a deployment log; `warroom watch` without --auto-rollback says
a breach in its exit code. Every scenario with consoles and watches started
at every moment: test_deploy_matrix.py."""
import json
import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

EXIT_PASSED, EXIT_ROLLED_BACK, EXIT_BREACHED = 0, 4, 5


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class DeployWindowOnLab(LabTestCase):
    lab_name = "deploy"

    def setUp(self):
        self.terms = []
        self.lab.argocd_autosync(False)
        self.lab.scenario("steady")
        wait_for(lambda: self.lab.service_selector().get("slot") == "blue", 15, what="traffic on blue")
        wait_for(lambda: (self.lab.error_ratio("10s") or 0) < 0.01, 30, what="a clean baseline")

    def tearDown(self):
        for t in self.terms:
            t.close()

    def config(self, deploy):
        """The lab's config with more keys in its deploy: section."""
        with open(self.lab.config_path) as f:
            cfg = f.read()
        path = os.path.join(self.lab.root, "deploy-%d.yaml" % len(os.listdir(self.lab.root)))
        with open(path, "w") as f:
            f.write(cfg.replace("deploy:\n", "deploy:\n" + deploy, 1))
        return path

    def console(self, config, cols=100, rows=30):
        t = Term(cols, rows)
        self.terms.append(t)
        t.db = os.path.join(t.tmp, "timeline.db")
        t.start([BINARY, "--config", config, "--db", t.db])
        t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
        t.keys("8")
        t.wait_for("Deployment", timeout=5)
        time.sleep(3)   # a few samples of baseline
        return t

    def switch(self, scenario):
        self.lab.scenario(scenario)
        t0 = time.time()
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        return t0

    def check(self, *args):
        db = os.path.join(self.lab.root, "check.db")
        return subprocess.run([BINARY, "--config", self.lab.config_path, "--db", db, "check", *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)

    def test_the_matrix_passes_a_good_deploy_and_fails_a_bad_one_on_its_error_rate(self):
        self.switch("good-deploy")
        time.sleep(3)
        p = self.check("--slot", "green", "--json")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        rep = json.loads(p.stdout)
        self.assertEqual(rep["slot"], "green")
        self.assertEqual([c["check"] for c in rep["checks"]],
                         ["Pods running", "Health endpoint", "Ready endpoint", "Metrics endpoint", "Smoke request",
                          "Error rate", "Queue depth"])
        self.assertTrue(all(c["pass"] for c in rep["checks"]), rep)
        self.assertEqual(rep["checks"][0]["measured"], "3/3 Ready")
        self.assertIn("201 from detection-api-green-", rep["checks"][4]["measured"])
        self.lab.scenario("steady")
        wait_for(lambda: self.lab.service_selector().get("slot") == "blue", 15, what="traffic on blue")
        self.switch("bad-deploy")
        time.sleep(4)
        p = self.check("--slot", "green")
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertRegex(p.stdout, r"FAIL\s+Error rate\s+[0-9.]+ % since its pods started")
        self.assertRegex(p.stdout, r"PASS\s+Health endpoint\s+3/3 pods 200")
        # the standby keeps the old, healthy version: its own pods pass
        p = self.check("--slot", "blue")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_good_deploy_passes_the_window_and_finalizes_with_a_deployment_log(self):
        logs = os.path.join(self.lab.root, "deploy-logs-good")
        cfg = self.config("  window_s: 8\n  log_dir: %s\n" % logs)
        t = self.console(cfg)
        self.switch("good-deploy")
        s = t.wait_for("Monitoring window", timeout=10)
        self.assertRegex(s, r"\d:\d\d left of 0:08")
        # the matrix runs by itself once the window opens, no `c` pressed
        t.wait_for("matrix after the switch: verification of green: 7/7 passed", timeout=8)
        s = t.wait_for("Window passed", timeout=20)
        self.assertNotIn("Rollback recommended", s)
        self.lab.kubectl("scale", "deployment/detection-api-blue", "--replicas=0", "-n", "detection-system")
        t.wait_for("Finalized", timeout=20)
        wait_for(lambda: os.path.isdir(logs) and os.listdir(logs), 10, what="the deployment log")
        (name,) = os.listdir(logs)
        self.assertRegex(name, r"^deploy_\d{8}T\d{6}Z\.json$")
        path = os.path.join(logs, name)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(logs).st_mode & 0o777, 0o700)
        with open(path) as f:
            log = json.load(f)
        self.assertEqual(log["status"], "success")
        self.assertEqual(log["strategy"], "blue-green")
        self.assertEqual(log["version"], "1.5.0")
        self.assertEqual(log["to_slot"], "green")
        for key in ("timestamp", "environment", "commit", "operator"):
            self.assertIn(key, log)
        p = subprocess.run([BINARY, "--config", cfg, "--db", t.db, "timeline", "--limit", "0"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertRegex(p.stdout, r"verification of green: 7/7 passed")

    def run_watch(self, *args, db=None):
        self.watch_db = db or os.path.join(self.lab.root, "watch-%f.db" % time.time())
        return subprocess.Popen([BINARY, "--config", self.lab.config_path, "--db", self.watch_db, "watch", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def test_watch_without_auto_rollback_exits_breached(self):
        p = self.run_watch("--window", "60s")
        time.sleep(4)
        self.switch("bad-deploy")
        out, _ = p.communicate(timeout=30)
        self.assertEqual(p.returncode, EXIT_BREACHED, out)
        self.assertEqual(self.lab.service_selector().get("slot"), "green", "nothing rolled back")


if __name__ == "__main__":
    unittest.main()


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class ArgoFollowUpOnLab(LabTestCase):
    lab_name = "followup"

    def warroom(self, db, *args):
        return subprocess.run([BINARY, "--config", self.lab.config_path, "--db", db, *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)

    def test_autosync_waits_for_the_git_revert_then_restores_the_old_settings(self):
        db = os.path.join(self.lab.root, "followup.db")
        self.lab.scenario("bad-deploy")
        self.lab.argocd_autosync(True)
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        app = self.lab.app()
        before = app["spec"]["syncPolicy"]["automated"]
        bad = app["status"]["history"][-1]["revision"]   # the bad deploy, as Argo CD recorded it
        p = self.warroom(db, "rollback", "--yes")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("FOLLOW-UP: re-enable auto-sync", p.stdout)
        self.assertFalse(self.lab.app()["spec"].get("syncPolicy", {}).get("automated"))
        # Git still holds the bad commit: refused, naming it, nothing changes
        self.assertEqual(self.lab.app()["status"]["sync"]["revision"], bad)
        p = self.warroom(db, "autosync", "--yes")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertIn("Git still deploys the bad version", p.stdout + p.stderr)
        self.assertIn("tracks %s" % bad[:12], p.stdout + p.stderr)
        self.assertFalse(self.lab.app()["spec"].get("syncPolicy", {}).get("automated"))
        # the fix in Git: the tracked branch resolves to the revert commit
        self.lab.run_lab("git", "revert")
        wait_for(lambda: self.lab.app()["status"]["sync"]["revision"] != bad, 20, what="Git off the bad commit")
        p = self.warroom(db, "autosync", "--yes")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("auto-sync re-enabled", p.stdout)
        after = self.lab.app()["spec"]["syncPolicy"]["automated"]
        self.assertEqual(after, before, "the previous prune and self-heal settings")
        time.sleep(6)   # past self-heal: the rollback stays
        self.assertEqual(self.lab.service_selector().get("slot"), "blue")
        # done is done: a second run finds no open follow-up
        p = self.warroom(db, "autosync", "--yes")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        p = self.warroom(db, "timeline", "--limit", "0")
        self.assertIn("follow-up closed: auto-sync re-enabled", p.stdout)
        self.assertIn("off the bad %s" % bad[:12], p.stdout)

    def test_override_is_recorded(self):
        db = os.path.join(self.lab.root, "override.db")
        self.lab.scenario("bad-deploy")
        self.lab.argocd_autosync(True)
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        p = self.warroom(db, "rollback", "--yes")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        p = self.warroom(db, "autosync", "--override", "--yes")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("(override)", p.stdout)
        p = self.warroom(db, "timeline", "--limit", "0")
        self.assertIn("OVERRIDE", p.stdout)


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class FreezeAndCapacityOnLab(LabTestCase):
    """The calendar and the capacity lines: no baseline to wait for, so they
    share a small lab (the capacity test runs second, Prometheus warm)."""
    lab_name = "freeze"

    def test_a_freeze_shows_its_banner_and_auto_sync_takes_a_second_recorded_answer(self):
        today = time.strftime("%m-%d", time.gmtime())
        with open(self.lab.config_path) as f:
            cfg = f.read()
        path = os.path.join(self.lab.root, "freeze.yaml")
        with open(path, "w") as f:
            f.write(cfg + "\nfreeze: [\"%s..%s\"]\n" % (today, today))
        db = os.path.join(self.lab.root, "freeze.db")

        def warroom(*args):
            return subprocess.run([BINARY, "--config", path, "--db", db, *args], stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=60)

        self.lab.scenario("bad-deploy")
        self.lab.argocd_autosync(True)
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        # a rollback is never blocked by the freeze
        p = warroom("rollback", "--yes")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.lab.run_lab("git", "revert")
        wait_for(lambda: self.lab.app()["status"]["sync"]["status"] == "Synced", 20, what="Git fixed")
        # --yes answers the first question only: the freeze needs an operator
        p = warroom("autosync", "--yes")
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("freeze", (p.stdout + p.stderr).lower())
        self.assertFalse(self.lab.app()["spec"].get("syncPolicy", {}).get("automated"))
        t = Term(100, 30)
        try:
            t.start([BINARY, "--config", path, "--db", db])
            t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots")
            t.keys("8")
            # the whole frame: the terminal takes it as fast as it reads, so a capture can end mid-way
            s = t.wait_for(lambda s: "FREEZE %s..%s" % (today, today) in s and "OPEN re-enable" in s, timeout=5,
                           what="the freeze banner and the follow-up")
            self.assertIn("extra, recorded confirmation", s)
            self.assertIn("OPEN re-enable auto-sync on detection-api once Git is fixed", s)
            t.keys("A")
            t.wait_for("Re-enable auto-sync on", timeout=10)
            t.keys("y")
            t.wait_for("Deploy during the freeze anyway?", timeout=10)
            t.keys("y")
            t.wait_for("auto-sync re-enabled", timeout=10)
            t.keys("Escape")
            t.wait_for(lambda s: "OPEN re-enable" not in s, timeout=5, what="the follow-up closed")
        finally:
            t.close()
        self.assertTrue(self.lab.app()["spec"]["syncPolicy"].get("automated"))
        p = warroom("timeline", "--limit", "0")
        self.assertIn("deployment during the freeze %s..%s confirmed by lab-operator" % (today, today), p.stdout)

    def test_capacity_database_over_its_line_warns_once_and_clears(self):
        # no deployment under way: the watch below waits for the next switch
        self.lab.argocd_autosync(False)
        self.lab.scenario("steady")
        t = Term(100, 30)
        self.addCleanup(t.close)
        db = os.path.join(t.tmp, "timeline.db")
        t.start([BINARY, "--config", self.lab.config_path, "--db", db])
        t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
        t.keys("8")
        t.wait_for("Deployment", timeout=5)
        # headless too: `warroom watch` says it while it waits for a switch
        out_path = os.path.join(t.tmp, "watch.out")
        out_file = open(out_path, "w")
        self.addCleanup(out_file.close)
        watch = subprocess.Popen([BINARY, "--config", self.lab.config_path, "--db", db + "-watch", "watch"],
                                 stdin=subprocess.DEVNULL, stdout=out_file, stderr=subprocess.STDOUT)

        def watch_said(what):
            with open(out_path) as f:
                return what in f.read()
        self.addCleanup(lambda: watch.poll() is not None or watch.kill() or watch.wait())
        try:
            self.lab.run_lab("set", "db_gib=55")
            t0 = time.time()
            s = t.wait_for("CAPACITY database 55.0 GiB, over 50 GiB", timeout=10)
            print("    over the line -> warning on screen: %.1f s" % (time.time() - t0))
        finally:
            self.lab.run_lab("set", "db_gib=12")
        t.wait_for(lambda s: "CAPACITY database" not in s, timeout=10, what="the warning cleared")
        t.keys("3")
        s = t.wait_for("Capacity back under its line: database", timeout=5)
        p = subprocess.run([BINARY, "--config", self.lab.config_path, "--db", db, "timeline", "--limit", "0"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.stdout.count("Capacity warning: database 55.0 GiB"), 1, p.stdout)
        self.assertEqual(p.stdout.count("Capacity back under its line: database"), 1, p.stdout)
        wait_for(lambda: watch_said("capacity back under its line: database"), 5, what="watch's all clear")
        self.assertTrue(watch_said("capacity warning: database 55.0 GiB, over 50 GiB"))
        watch.terminate()
        watch.wait(timeout=10)
        # the defaults' CPU and memory queries have the lab's series to work on (by now
        # Prometheus has scraped it for a while: no wait)
        for q in ('max(sum by (pod) (rate(container_cpu_usage_seconds_total{namespace="detection-system",'
                  'container!=""}[1m])) / sum by (pod) (kube_pod_container_resource_requests{namespace='
                  '"detection-system",resource="cpu"}))',
                  'max(sum by (pod) (container_memory_working_set_bytes{namespace="detection-system",'
                  'container!=""}) / sum by (pod) (kube_pod_container_resource_requests{namespace='
                  '"detection-system",resource="memory"}))'):
            wait_for(lambda: self.lab.prom_query(q) is not None, 10, what=q)
