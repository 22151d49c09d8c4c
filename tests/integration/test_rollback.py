"""warroom status and warroom rollback against the lab: every strategy in the
scenario it is for, with the result checked where it matters (the Service's
selector, the EndpointSlices, Prometheus' error ratio), plus the refusals and
the 409 that leads to a new plan."""

import json
import os
import re
import shutil
import subprocess
import time
import unittest

from labfixture import LabTestCase, NS, REPO, SERVICE, missing, wait_for

WARROOM = os.path.join(REPO, "warroom")
NEED = missing("kubectl")
if not os.access(WARROOM, os.X_OK):
    NEED.append("warroom binary (make)")
ERR_10S = ('sum(rate(http_requests_total{job="detection-api",status=~"5.."}[10s])) / '
           'sum(rate(http_requests_total{job="detection-api"}[10s]))')


def verified_seconds(out):
    m = re.search(r"verified in ([0-9.]+) s", out)
    return float(m.group(1)) if m else None


class LabCase(LabTestCase):
    """One lab per test class, and the helpers the tests share."""
    lab_name = "rollback"

    @classmethod
    def prepare_lab(cls):
        # Pods become ready quickly, as on a warm node.
        cls.lab.control("POST", "/set", {"ready_delay": 1.5, "terminate_delay": 0.5})

    # ---- helpers -----------------------------------------------------------
    def warroom(self, *args, config=None, env=None, stdin=subprocess.DEVNULL, timeout=90):
        argv = [WARROOM, "--config", config or self.lab.config_path] + list(args)
        e = dict(os.environ, HOME=self.lab.root)
        e.pop("KUBECONFIG", None)
        e.update(env or {})
        return subprocess.run(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, env=e)

    def scenario(self, name, autosync):
        self.lab.argocd_autosync(autosync)
        self.lab.scenario(name)

    def assert_traffic_only_on(self, slot):
        sel = self.lab.service_selector()
        self.assertEqual(sel.get("slot"), slot, "selector %s" % sel)
        pods = self.lab.endpoint_pods(ready_only=False)
        ready = self.lab.endpoint_pods(ready_only=True)
        self.assertTrue(pods, "no endpoints at all")
        self.assertEqual(pods, ready, "endpoints not all ready: %s vs %s" % (pods, ready))
        for p in pods:
            self.assertTrue(p.startswith("detection-api-%s-" % slot), "endpoint pod %s is not %s" % (p, slot))

    def error_ratio_below(self, limit, timeout):
        def low():
            v = self.lab.prom_query(ERR_10S)
            return v is not None and v < limit
        wait_for(low, timeout, interval=1.0, what="5xx ratio under %.1f %%" % (limit * 100))
        return self.lab.prom_query(ERR_10S)

    def write_config(self, name, text):
        path = os.path.join(self.lab.root, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def base_config(self, kubeconfig=None, deployments=("blue", "green"), argocd=True):
        env = self.lab.env
        lines = ["operator: it-operator", "refresh_ms: 1000",
                 "timeline:", "  db: %s" % os.path.join(self.lab.dir, "timeline.db"),
                 "prometheus:", "  url: %s" % env["PROMETHEUS_URL"],
                 "alertmanager:", "  url: %s" % env["ALERTMANAGER_URL"]]
        if argocd:
            lines += ["argocd:", "  url: %s" % env["ARGOCD_URL"], "  ca_file: %s" % env["ARGOCD_CA"],
                      "  token_file: %s" % os.path.join(self.lab.dir, "argocd.token"),
                      "  application: detection-api"]
        lines += ["kubernetes:", "  kubeconfig: %s" % (kubeconfig or self.lab.kubeconfig),
                  "  context: lab", "  namespace: %s" % NS, "  service: %s" % SERVICE,
                  "  slot_label: slot", "  slots: [blue, green]", "  deployments:"]
        lines += ["    %s: detection-api-%s" % (s, s) for s in deployments]
        return "\n".join(lines) + "\n"



@unittest.skipIf(NEED, "not available: %s" % ", ".join(NEED))
class RollbackTest(LabCase):
    # ---- status ------------------------------------------------------------
    def test_status_exit_codes_and_json(self):
        self.scenario("steady", autosync=False)
        # Alerts from an earlier test resolve on Prometheus' and Alertmanager's pace.
        p = wait_for(lambda: (lambda r: r if r.returncode == 0 else None)(self.warroom("status", "--json")),
                     90, interval=1.0, what="status exit 0 in steady")
        st = json.loads(p.stdout)
        self.assertEqual(st["active"], "blue")
        self.assertEqual(st["health"], "healthy")
        self.assertEqual(st["deployment"]["stage"], "steady")
        self.assertEqual({s["name"]: s["ready"] for s in st["slots"]}, {"blue": 3, "green": 0})
        self.assertEqual(len([e for e in st["endpoints"] if e["slot"] == "blue" and e["ready"]]), 3)

        # bad-deploy: pods fine, users not: degraded once the alert fires.
        self.scenario("bad-deploy", autosync=False)
        p = wait_for(lambda: (lambda r: r if r.returncode == 1 else None)(self.warroom("status", "--json")),
                     60, interval=1.0, what="status exit 1 in bad-deploy")
        st = json.loads(p.stdout)
        self.assertEqual(st["active"], "green")
        self.assertGreaterEqual(st["alerts"]["critical"], 1)
        self.assertIn("HighErrorRate", st["alerts"]["names"])

        # pods-down: the active slot's pods crash: outage.
        self.lab.scenario("pods-down")
        p = wait_for(lambda: (lambda r: r if r.returncode == 2 else None)(self.warroom("status")),
                     60, interval=1.0, what="status exit 2 in pods-down")
        self.assertIn("OUTAGE", p.stdout)
        self.assertIn("CrashLoopBackOff", p.stdout)
        self.lab.run_lab("fault", "clear")

    # ---- the selector, the seeds' instant rollback --------------------------
    def test_selector_rollback_in_bad_deploy(self):
        self.scenario("bad-deploy", autosync=False)
        self.assertEqual(self.lab.service_selector()["slot"], "green")
        # Let the failure show in Prometheus first, so its going away means something.
        wait_for(lambda: (self.lab.prom_query(ERR_10S) or 0) > 0.02, 40, 1.0, "5xx ratio over 2 %")
        p = self.warroom("rollback", "--yes")
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("rollback plan: selector", out)
        self.assertIn("traffic on blue, verified in", out)
        # The action itself wrote the runbook's rollback log, and said where.
        m = re.search(r"rollback log: (\S+\.json)", out)
        self.assertIsNotNone(m, out)
        with open(m.group(1)) as f:
            log = json.load(f)
        self.assertEqual((log["type"], log["status"], log["strategy"]), ("rollback", "success", "selector"))
        self.assertEqual((log["from"], log["to"]), ("green", "blue"))
        secs = verified_seconds(out)
        print("\n    selector rollback: confirm -> verified %.1f s (target < 1 s)" % secs)
        self.assertLess(secs, 5.0)
        self.assert_traffic_only_on("blue")
        t0 = time.time()
        ratio = self.error_ratio_below(0.01, 30)
        print("    5xx ratio %.2f %% after %.0f s" % (ratio * 100, time.time() - t0))
        # The timeline has the plan, the confirmation, the call and the proof.
        tl = self.warroom("timeline", "--json", "--limit", "20")
        events = json.loads(tl.stdout)
        if isinstance(events, dict):
            events = events.get("events", [])
        text = " | ".join(e.get("summary", "") for e in events)
        self.assertRegex(text, r"rollback selector green -> blue confirmed by \S+ \(--yes\)")
        self.assertIn("PATCH service detection-api-service selector slot=blue", text)
        self.assertIn("traffic on blue, verified in", text)

    def test_dry_run_and_refusals_change_nothing(self):
        self.scenario("bad-deploy", autosync=False)
        before = self.lab.service_selector()
        p = self.warroom("rollback", "--dry-run")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("dry run: nothing changed", p.stdout)
        self.assertNotIn("rollback log", p.stdout + p.stderr)
        self.assertIn("change: service detection-api-service selector slot=green -> slot=blue", p.stdout)
        # No terminal and no --yes: refused.
        p = self.warroom("rollback")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no terminal to confirm on", p.stderr)
        # Read-only: refused before anything is read.
        p = subprocess.run([WARROOM, "--config", self.lab.config_path, "--readonly", "rollback", "--yes"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("read-only", p.stderr)
        time.sleep(0.5)
        self.assertEqual(self.lab.service_selector(), before)

    def test_unreachable_api_server(self):
        self.scenario("bad-deploy", autosync=False)
        before = self.lab.service_selector()
        with open(self.lab.kubeconfig) as f:
            kc = f.read()
        dead = re.sub(r"server: https://127\.0\.0\.1:\d+", "server: https://127.0.0.1:9", kc)
        kpath = self.write_config("dead-kubeconfig", dead)
        cfg = self.write_config("dead.yaml", self.base_config(kubeconfig=kpath))
        t0 = time.time()
        p = self.warroom("rollback", "--yes", config=cfg, timeout=60)
        out = p.stdout + p.stderr
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(p.returncode, 3, out)
        self.assertIn("cannot reach the API server at https://127.0.0.1:9: connection refused", out)
        self.assertLess(time.time() - t0, 30)
        for tok in self.lab.tokens().values():
            self.assertNotIn(tok, out)
        p = self.warroom("status", config=cfg)
        self.assertEqual(p.returncode, 3)
        self.assertIn("cannot read the cluster", p.stderr)
        self.assertEqual(self.lab.service_selector(), before)

    # ---- scale-switch --------------------------------------------------------
    def test_scale_switch_after_standby_scaled_to_zero(self):
        self.scenario("bad-deploy", autosync=False)
        self.lab.kubectl("scale", "deployment/detection-api-blue", "--replicas=0", "-n", NS)
        wait_for(lambda: not self.lab.pods("slot=blue"), 30, 0.25, "blue pods gone")
        p = self.warroom("rollback", "--dry-run")
        self.assertIn("rollback plan: scale-switch", p.stdout)
        p = self.warroom("rollback", "--yes")
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("PATCH deployment detection-api-blue scale replicas=3: ok", out)
        self.assertRegex(out, r"detection-api-blue: [0-3]/3 ready")
        self.assertIn("traffic on blue, verified in", out)
        print("\n    scale-switch: confirm -> verified %.1f s (includes scaling up)" % verified_seconds(out))
        self.assert_traffic_only_on("blue")
        self.assertEqual(self.lab.deployment("blue")["spec"]["replicas"], 3)

    # ---- undo, for a service that is not blue-green ------------------------
    def test_undo_on_a_single_deployment(self):
        self.scenario("steady", autosync=False)
        good = self.lab.deployment("blue")["spec"]["template"]["spec"]["containers"][0]["image"]
        self.lab.kubectl("set", "image", "deployment/detection-api-blue",
                         "detection-api=registry.example.com/detection-api:1.4.3-bad", "-n", NS)
        self.lab.kubectl("rollout", "status", "deployment/detection-api-blue", "-n", NS, "--timeout=60s")
        cfg = self.write_config("single.yaml", self.base_config(deployments=("blue",), argocd=False))
        p = self.warroom("rollback", "--dry-run", config=cfg)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("rollback plan: undo", p.stdout)
        self.assertIn(good, p.stdout)
        p = self.warroom("rollback", "--yes", config=cfg)
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("rollout undo of deployment detection-api-blue to revision", out)
        self.assertIn("traffic on blue, verified in", out)
        d = self.lab.deployment("blue")
        self.assertEqual(d["spec"]["template"]["spec"]["containers"][0]["image"], good)
        self.assert_traffic_only_on("blue")
        # kubectl agrees on the history.
        h = self.lab.kubectl("rollout", "history", "deployment/detection-api-blue", "-n", NS).stdout
        self.assertIn("REVISION", h)

    # ---- Argo CD -------------------------------------------------------------
    def test_direct_patch_under_autosync_is_warned(self):
        self.scenario("bad-deploy", autosync=True)
        p = self.warroom("rollback", "--dry-run", "--strategy", "selector")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("rollback plan: selector (asked for)", p.stdout)
        self.assertIn("WARNING: Argo CD auto-sync with self-heal is ON: it will revert this selector patch",
                      p.stdout)
        self.lab.argocd_autosync(False)

    # ---- 409: read again, plan again ----------------------------------------
    def run_racing(self, during):
        """Starts a rollback whose selector patch the lab's API holds for 3 s
        before applying it, and calls during() while it is held: the service
        changes after warroom planned and sent its patch, as when someone else
        acts at the same moment. Returns (exit status, output)."""
        path = "/api/v1/namespaces/%s/services/%s" % (NS, SERVICE)
        self.lab.run_lab("delay", "PATCH", path, "3", "times=1")
        e = dict(os.environ, HOME=self.lab.root)
        e.pop("KUBECONFIG", None)
        proc = subprocess.Popen([WARROOM, "--config", self.lab.config_path, "rollback", "--yes"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=e)
        try:
            def held():
                return any(r["waiting"] for r in self.lab.state()["api_delays"])
            wait_for(held, 30, interval=0.05, what="warroom's selector patch, held by the lab")
            during()
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            delays = self.lab.state()["api_delays"]
            self.lab.run_lab("delay", "clear")
        # Exactly the one patch was held: the re-plan's patch went straight through.
        self.assertEqual([r["delayed"] for r in delays], [1])
        return proc.returncode, out + err

    def test_conflict_leads_to_a_new_plan(self):
        self.scenario("bad-deploy", autosync=False)
        path = "/api/v1/namespaces/%s/services/%s" % (NS, SERVICE)

        def touch():   # a change that keeps the selector: same plan on the new version
            r = self.lab.kube("PATCH", path, {"metadata": {"annotations": {"it/touched": str(time.time())}}},
                              content_type="application/merge-patch+json")
            self.assertEqual(r.status, 200, r.text)
        rc, out = self.run_racing(touch)
        self.assertEqual(rc, 0, out)
        self.assertIn("409 Conflict: the service changed since resourceVersion", out)
        self.assertIn("re-planned on resourceVersion", out)
        self.assertIn("traffic on blue, verified in", out)
        self.assert_traffic_only_on("blue")

        # Someone else switched meanwhile: the new plan finds nothing to do.
        self.scenario("bad-deploy", autosync=False)

        def switch():
            r = self.lab.kube("PATCH", path, {"spec": {"selector": {"slot": "blue"}}},
                              content_type="application/merge-patch+json")
            self.assertEqual(r.status, 200, r.text)
        rc, out = self.run_racing(switch)
        self.assertEqual(rc, 0, out)
        self.assertIn("409 Conflict", out)
        self.assertIn("already selects blue; nothing to change", out)
        self.assert_traffic_only_on("blue")


@unittest.skipIf(NEED, "not available: %s" % ", ".join(NEED))
class ArgoRollbackTest(LabCase):
    """Argo CD's history matters here: a lab of its own, fresh history."""

    def test_1_argocd_rollback_with_autosync(self):
        self.scenario("bad-deploy", autosync=True)
        p = self.warroom("rollback", "--dry-run")
        self.assertIn("rollback plan: argocd", p.stdout)
        self.assertIn("WARNING: Argo CD self-heal would revert a direct selector patch", p.stdout)
        p = self.warroom("rollback", "--yes")
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("PATCH Argo CD detection-api auto-sync off: ok", out)
        self.assertIn("POST Argo CD rollback of detection-api to history", out)
        self.assertIn("FOLLOW-UP: re-enable auto-sync on detection-api once Git is fixed", out)
        self.assertIn("traffic on blue, verified in", out)
        print("\n    argocd rollback: confirm -> verified %.1f s" % verified_seconds(out))
        self.assertNotIn("automated", self.lab.app()["spec"].get("syncPolicy", {}))
        self.assert_traffic_only_on("blue")
        # Auto-sync stays off: nothing reverts it behind our back.
        time.sleep(2)
        self.assert_traffic_only_on("blue")
        tl = self.warroom("timeline", "--json", "--limit", "20")
        self.assertIn("follow-up: re-enable auto-sync on detection-api", tl.stdout)

    def test_2_previous_entry_that_keeps_traffic_is_reported_fast(self):
        # A hand-made switch Git never saw, then the bad deploy again: the
        # entry before the newest one selects green as well.
        self.scenario("bad-deploy", autosync=False)
        p = self.warroom("rollback", "--yes", "--strategy", "selector")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.scenario("bad-deploy", autosync=True)
        t0 = time.time()
        p = self.warroom("rollback", "--yes")
        out = p.stdout + p.stderr
        self.assertEqual(p.returncode, 1, out)
        self.assertIn("rollback plan: argocd", out)
        self.assertIn("but traffic is not only on blue: that revision does not select it", out)
        self.assertIn("WRONG SLOT", out)
        self.assertNotIn("to switch back", out)
        self.assertLess(time.time() - t0, 20, "not waited out to the timeout")
        # What the message suggests works, now that auto-sync is off.
        p = self.warroom("rollback", "--yes", "--strategy", "selector")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assert_traffic_only_on("blue")


if __name__ == "__main__":
    unittest.main()
