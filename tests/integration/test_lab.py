"""The lab itself: it comes up and goes down cleanly and fast, the real
kubectl runs the seeds' commands against the fake API server, Prometheus and
Alertmanager see the simulated service's trouble, Argo CD's fake refuses and
performs rollbacks as the real server does, and sshd lets us in."""

import json
import os
import re
import socket
import stat
import subprocess
import threading
import time
import unittest

from labfixture import LabTestCase, NS, REPO, SERVICE, Lab, missing, port_open, proc_alive, wait_for

NEED = missing()
NEED_KUBECTL = missing("kubectl")
ERR_SLOW = ('sum(rate(http_requests_total{job="detection-api",status=~"5.."}[10s])) / '
            'sum(rate(http_requests_total{job="detection-api"}[10s]))')
P95 = ('histogram_quantile(0.95, sum by (le) '
       '(rate(http_request_duration_seconds_bucket{job="detection-api"}[30s])))')


def report(what):
    """A measured timing, shown in the verbose test output."""
    print("[%s] " % what, end="", flush=True)


def skip_unless(names):
    return unittest.skipIf(names, "not installed: %s" % ", ".join(names))


def table(text):
    """kubectl's column output as a list of dicts keyed by header."""
    lines = [l for l in text.splitlines() if l.strip()]
    if not lines:
        return []
    head = lines[0]
    starts = [m.start() for m in re.finditer(r"\S+(?: \S+)*", head)]
    names = [head[s:e].strip() for s, e in zip(starts, starts[1:] + [None])]
    rows = []
    for l in lines[1:]:
        rows.append({n: l[s:e].strip() for n, s, e in zip(names, starts, starts[1:] + [None])})
    return rows


@skip_unless(NEED)
class LifecycleTest(unittest.TestCase):
    """Each test here brings its own labs up and down."""

    def assert_gone(self, lab, pids, ports):
        for name, pid in pids.items():
            self.assertFalse(proc_alive(pid), "%s (pid %d) survived lab down" % (name, pid))
        for name, port in ports.items():
            self.assertFalse(port_open(port), "port %d (%s) still open after down" % (port, name))
        self.assertEqual(lab.pids(), {})

    def test_up_and_down_cleanly_within_ten_seconds(self):
        lab = Lab("lifecycle")
        try:
            lab.up()
            self.assertLess(lab.up_seconds, 10.0)
            pids, ports = lab.pids(), lab.ports
            # Debian's node exporter runs when it is installed (scripts/deps.sh installs it)
            node = ["node_exporter"] if os.access("/usr/bin/prometheus-node-exporter", os.X_OK) else []
            self.assertEqual(sorted(pids), sorted(["alertmanager", "labd", "prometheus", "sshd"] + node))
            for name in ("prometheus", "alertmanager", "kube", "argocd", "demo", "ssh", "control"):
                self.assertIn(name, ports)
                self.assertTrue(port_open(ports[name]), name)
            # Every server answers, on loopback.
            self.assertEqual(lab.http("GET", lab.env["PROMETHEUS_URL"] + "/-/ready").status, 200)
            self.assertEqual(lab.http("GET", lab.env["ALERTMANAGER_URL"] + "/-/ready").status, 200)
            self.assertEqual(lab.kube("GET", "/version").json()["major"], "1")
            self.assertEqual(lab.argocd("GET", "/api/v1/applications/detection-api").status, 200)
            health = lab.http("GET", lab.env["DEMO_URL"] + "/health")
            self.assertEqual((health.status, health.json()["slot"]), (200, "blue"))
            with socket.create_connection(("127.0.0.1", ports["ssh"]), 2) as s:
                self.assertTrue(s.recv(64).startswith(b"SSH-2.0-"))
            # The env verb names every endpoint.
            for k in ("LAB_DIR", "WARROOM_CONFIG", "KUBECONFIG", "PROMETHEUS_URL",
                      "ALERTMANAGER_URL", "ARGOCD_URL", "ARGOCD_TOKEN", "DEMO_URL", "SSH_PORT",
                      "SSH_KEY"):
                self.assertTrue(lab.env.get(k), k)
            self.assertEqual(lab.env["SSH_PORT"], str(ports["ssh"]))
            # The console's config, in the agreed schema, with absolute paths.
            with open(lab.config_path) as f:
                cfg = f.read()
            for line in ("operator: lab-operator", "environment: lab", "refresh_ms: 1000",
                         "  db: %s/timeline.db" % lab.dir,
                         "  url: http://127.0.0.1:%d" % ports["prometheus"],
                         "  url: http://127.0.0.1:%d" % ports["alertmanager"],
                         "  url: https://127.0.0.1:%d" % ports["argocd"],
                         "  ca_file: %s/ca.crt" % lab.dir,
                         "  token_file: %s/argocd.token" % lab.dir,
                         "  application: detection-api",
                         "  kubeconfig: %s/kubeconfig" % lab.dir, "  context: lab",
                         "  namespace: detection-system", "  service: detection-api-service",
                         "  slot_label: slot", "  slots: [blue, green]",
                         "    blue: detection-api-blue", "    green: detection-api-green",
                         "#   host: 127.0.0.1", "#   port: %d" % ports["ssh"],
                         "#   key_file: %s/ssh/id_ed25519" % lab.dir,
                         "#   known_hosts: %s/ssh/known_hosts" % lab.dir):
                self.assertIn(line + "\n", cfg)
            # The sshd is named, not configured: the other tests go direct.
            self.assertNotIn("\nssh:", cfg)
            with open(os.path.join(lab.dir, "ssh", "known_hosts")) as f:
                self.assertTrue(f.read().startswith("[127.0.0.1]:%d ssh-ed25519 " % ports["ssh"]))
            # Secrets are not world-readable.
            for f in ("argocd.token", "kubeconfig", "tokens.json"):
                mode = stat.S_IMODE(os.stat(os.path.join(lab.dir, f)).st_mode)
                self.assertEqual(mode & 0o077, 0, f)
            # Prometheus loaded the lab's rules: 19 in 7 groups, all healthy.
            rules = lab.http("GET", lab.env["PROMETHEUS_URL"] + "/api/v1/rules").json()
            groups = rules["data"]["groups"]
            self.assertEqual(len(groups), 7)
            self.assertEqual(sum(len(g["rules"]) for g in groups), 19)
            lab.down()
            self.assertLess(lab.down_seconds, 10.0)
            report("up %.1fs, down %.1fs" % (lab.up_seconds, lab.down_seconds))
            self.assert_gone(lab, pids, ports)
            # Down twice is harmless.
            lab.down()
        finally:
            lab.down()
            lab.cleanup()

    @unittest.skipIf(missing("promtool"), "not installed: promtool")
    def test_rules_pass_promtool_in_both_forms(self):
        lab = Lab("rules")
        try:
            lab.up()
            lab_copy = os.path.join(lab.dir, "rules", "detection-api.rules.yml")
            for path in (os.path.join(REPO, "assets", "rules", "detection-api.rules.yml"), lab_copy):
                p = subprocess.run(["promtool", "check", "rules", path], capture_output=True,
                                   text=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertIn("SUCCESS: 19 rules found", p.stdout)
            with open(lab_copy) as f:
                text = f.read()
            self.assertIn("[30s]", text)
            self.assertIn("for: 5s", text)
            self.assertNotIn("[5m]", text)
            self.assertNotIn("for: 5m", text)
        finally:
            lab.down()
            lab.cleanup()

    def test_two_labs_at_once(self):
        a, b = Lab("twin-a"), Lab("twin-b")
        errors = []

        def up(lab):
            try:
                lab.up()
            except Exception as e:  # reported below
                errors.append(e)

        try:
            threads = [threading.Thread(target=up, args=(x,)) for x in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(errors, [])
            self.assertFalse(set(a.ports.values()) & set(b.ports.values()), "ports overlap")
            # Independent state: a scenario in one does not touch the other.
            a.scenario("pods-down")
            wait_for(lambda: not a.endpoint_pods(), 10, what="lab a's endpoints to empty")
            self.assertEqual(len(b.endpoint_pods()), 3)
            pa, pb = a.pids(), b.pids()
            a.down()
            self.assert_gone(a, pa, a.ports)
            self.assertTrue(all(proc_alive(p) for p in pb.values()), "lab b died with lab a")
            self.assertEqual(len(b.endpoint_pods()), 3)
            b.down()
            self.assert_gone(b, pb, b.ports)
        finally:
            for x in (a, b):
                x.down()
                x.cleanup()

    def test_failed_up_leaves_nothing_behind(self):
        lab = Lab("failing", env={"LAB_PROMETHEUS": "/bin/false"})
        try:
            p = lab.run_lab("up", check=False, timeout=60)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("prometheus exited", p.stderr)
            self.assertEqual(lab.pids(), {})
            self.assertEqual(lab.run_lab("status", check=False).returncode, 3)
        finally:
            lab.down()
            lab.cleanup()

    def test_interrupted_up_leaves_nothing_behind(self):
        lab = Lab("interrupted")
        hang = os.path.join(lab.root, "never-ready")
        with open(hang, "w") as f:
            f.write("#!/bin/sh\nexec sleep 60\n")
        os.chmod(hang, 0o755)
        env = dict(os.environ, LAB_DIR=lab.dir, LAB_PROMETHEUS=hang)
        from labfixture import LAB
        proc = subprocess.Popen([LAB, "up"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            piddir = os.path.join(lab.dir, "pids")
            wait_for(lambda: os.path.isdir(piddir) and len(os.listdir(piddir)) >= 4, 15,
                     0.05, "every server to be started")
            pids = lab.pids()
            proc.send_signal(2)  # Ctrl-C
            out, err = proc.communicate(timeout=30)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn("interrupted", err)
            lab.reap(pids.values())
            for name, pid in pids.items():
                self.assertFalse(proc_alive(pid), "%s survived an interrupted up" % name)
            self.assertEqual(lab.pids(), {})
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            lab.down()
            lab.cleanup()


@skip_unless(NEED_KUBECTL)
class KubectlTest(LabTestCase):
    """The seeds' kubectl commands, verbatim, against the fake API server.
    Green is live with 1.5.0 and blue is standby; auto-sync is off so that
    hand-made changes stay."""

    lab_name = "kubectl"

    @classmethod
    def prepare_lab(cls):
        cls.lab.scenario("good-deploy")
        cls.lab.argocd_autosync(False)

    def test_1_get_pods_of_a_slot(self):
        out = self.lab.kubectl("get", "pods", "-n", "detection-system", "-l", "slot=green").stdout
        rows = table(out)
        self.assertEqual(out.split()[:5], ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
        names = sorted(p["metadata"]["name"] for p in self.lab.pods("slot=green"))
        self.assertEqual(sorted(r["NAME"] for r in rows), names)
        self.assertEqual(len(rows), 3)
        for r in rows:
            self.assertTrue(r["NAME"].startswith("detection-api-green-"), r)
            self.assertEqual((r["READY"], r["STATUS"], r["RESTARTS"]), ("1/1", "Running", "0"))

    def test_2_get_endpoints(self):
        out = self.lab.kubectl("get", "endpoints", "detection-api-service",
                               "-n", "detection-system").stdout
        rows = table(out)
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["NAME"], "detection-api-service")
        ips = sorted(p["status"]["podIP"] + ":8080" for p in self.lab.pods("slot=green"))
        self.assertEqual(sorted(rows[0]["ENDPOINTS"].split(",")), ips)

    def test_3_patch_selector_moves_endpoints(self):
        lab = self.lab
        out = lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                          "-p", '{"spec":{"selector":{"slot":"blue"}}}').stdout
        self.assertEqual(out.strip(), "service/detection-api-service patched")
        self.assertEqual(lab.service_selector(), {"app": "detection-api", "slot": "blue"})
        blue = sorted(p["metadata"]["name"] for p in lab.pods("slot=blue"))
        wait_for(lambda: lab.endpoint_pods() == blue, 5, what="endpoints to be blue's pods")
        out = lab.kubectl("get", "endpoints", "detection-api-service", "-n", "detection-system")
        ips = sorted(p["status"]["podIP"] + ":8080" for p in lab.pods("slot=blue"))
        self.assertEqual(sorted(table(out.stdout)[0]["ENDPOINTS"].split(",")), ips)
        # The same patch again changes nothing, and says so.
        out = lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                          "-p", '{"spec":{"selector":{"slot":"blue"}}}').stdout
        self.assertIn("patched (no change)", out)
        lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                    "-p", '{"spec":{"selector":{"slot":"green"}}}')
        self.assertEqual(lab.service_selector()["slot"], "green")

    def test_4_set_image_rollout_status_and_undo(self):
        lab = self.lab
        image = lambda: lab.deployment("green")["spec"]["template"]["spec"]["containers"][0]["image"]  # noqa: E731
        self.assertEqual(image(), "registry.example.com/detection-api:1.5.0")
        out = lab.kubectl("set", "image", "deployment/detection-api-green",
                          "detection-api=registry.example.com/detection-api:1.5.1",
                          "-n", "detection-system").stdout
        self.assertEqual(out.strip(), "deployment.apps/detection-api-green image updated")
        self.assertEqual(image(), "registry.example.com/detection-api:1.5.1")
        # The strategic merge kept the rest of the container.
        c = lab.deployment("green")["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(c["ports"][0]["containerPort"], 8080)
        p = lab.kubectl("rollout", "status", "deployment/detection-api-green",
                        "-n", "detection-system", "--timeout=30s")
        self.assertIn('deployment "detection-api-green" successfully rolled out', p.stdout)
        self.assertIn("Waiting for deployment", p.stdout)
        pods = lab.pods("slot=green")
        live = [x for x in pods if not x["metadata"].get("deletionTimestamp")]
        self.assertEqual({x["spec"]["containers"][0]["image"] for x in live},
                         {"registry.example.com/detection-api:1.5.1"})
        out = lab.kubectl("rollout", "undo", "deployment/detection-api-green",
                          "-n", "detection-system").stdout
        self.assertEqual(out.strip(), "deployment.apps/detection-api-green rolled back")
        self.assertEqual(image(), "registry.example.com/detection-api:1.5.0")
        lab.kubectl("rollout", "status", "deployment/detection-api-green",
                    "-n", "detection-system", "--timeout=30s")
        d = lab.deployment("green")
        self.assertEqual(d["status"]["updatedReplicas"], 3)
        self.assertEqual(d["status"]["availableReplicas"], 3)
        # Undo reused the first ReplicaSet under a new revision, as the controller does.
        self.assertEqual(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "4")
        hist = lab.kubectl("rollout", "history", "deployment/detection-api-green",
                           "-n", "detection-system").stdout
        self.assertEqual(re.findall(r"^(\d+)\s", hist, re.M), ["1", "3", "4"])

    def test_5_scale_to_zero_removes_pods(self):
        lab = self.lab
        out = lab.kubectl("scale", "deployment/detection-api-blue", "--replicas=0",
                          "-n", "detection-system").stdout
        self.assertEqual(out.strip(), "deployment.apps/detection-api-blue scaled")

        def gone():
            p = lab.kubectl("get", "pods", "-n", "detection-system", "-l", "slot=blue")
            return p.stdout == "" and "No resources found" in p.stderr

        wait_for(gone, 10, 0.5, "blue's pods to go")
        d = lab.deployment("blue")
        self.assertEqual(d["spec"]["replicas"], 0)
        for k in ("replicas", "readyReplicas", "availableReplicas", "updatedReplicas"):
            self.assertNotIn(k, d["status"], "zero counts are omitted")
        lab.kubectl("scale", "deployment/detection-api-blue", "--replicas=3", "-n", "detection-system")

    def test_6_logs_of_all_pods(self):
        p = self.lab.kubectl("logs", "-n", "detection-system", "-l", "app=detection-api",
                             "--tail=100")
        lines = p.stdout.splitlines()
        self.assertTrue(lines, "no log lines")
        pods = set()
        for l in lines:
            rec = json.loads(l)
            self.assertIn(rec["level"], ("info", "warn", "error", "fatal"))
            self.assertTrue(rec["pod"].startswith("detection-api-"))
            pods.add(rec["pod"])
        self.assertTrue(any(x.startswith("detection-api-green-") for x in pods))

    def test_7_readonly_context_cannot_write(self):
        lab = self.lab
        p = lab.kubectl("--context", "lab-readonly", "patch", "svc", "detection-api-service",
                        "-n", "detection-system", "-p", '{"spec":{"selector":{"slot":"blue"}}}',
                        check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn('services "detection-api-service" is forbidden: User "lab-readonly" '
                      'cannot patch resource "services"', p.stderr)
        self.assertEqual(lab.service_selector()["slot"], "green")
        p = lab.kubectl("--context", "lab-readonly", "get", "deploy", "-n", "detection-system")
        self.assertIn("detection-api-green", p.stdout)

    def test_8_api_errors_as_the_real_server_words_them(self):
        lab = self.lab
        path = "/api/v1/namespaces/%s/services/%s" % (NS, SERVICE)
        for tok in (None, "not-a-token"):
            r = lab.kube("GET", path, token=tok)
            self.assertEqual(r.status, 401)
            self.assertEqual(r.json()["reason"], "Unauthorized")
            self.assertEqual(r.json()["kind"], "Status")
        cur = lab.kube("GET", path).json()
        rv = cur["metadata"]["resourceVersion"]
        body = {"metadata": {"resourceVersion": rv,
                             "annotations": {"lab.example.com/touched": str(time.time())}}}
        r = lab.kube("PATCH", path, body, "application/merge-patch+json")
        self.assertEqual(r.status, 200)
        self.assertNotEqual(r.json()["metadata"]["resourceVersion"], rv, "rv changes on write")
        r = lab.kube("PATCH", path, body, "application/merge-patch+json")
        self.assertEqual(r.status, 409)
        st = r.json()
        self.assertEqual((st["reason"], st["code"]), ("Conflict", 409))
        self.assertEqual(st["message"], 'Operation cannot be fulfilled on services '
                         '"detection-api-service": the object has been modified; please apply '
                         'your changes to the latest version and try again')
        # JSON patch with a failing test op is refused; a passing one applies.
        r = lab.kube("PATCH", path, [{"op": "test", "path": "/spec/selector/slot", "value": "blue"},
                                     {"op": "replace", "path": "/spec/selector/slot",
                                      "value": "blue"}], "application/json-patch+json")
        self.assertEqual(r.status, 422)
        self.assertEqual(lab.service_selector()["slot"], "green")
        r = lab.kube("GET", "/api/v1/namespaces/%s/pods/nope" % NS)
        self.assertEqual((r.status, r.json()["message"]), (404, 'pods "nope" not found'))
        r = lab.kube("PATCH", "/apis/apps/v1/namespaces/%s/deployments/detection-api-blue" % NS,
                     {"spec": {"replicas": -1}}, "application/merge-patch+json")
        self.assertEqual((r.status, r.json()["reason"]), (422, "Invalid"))

    def test_9_watch_streams_selector_changes(self):
        lab = self.lab
        import http.client
        import ssl
        ctx = ssl.create_default_context(cafile=os.path.join(lab.dir, "ca.crt"))
        conn = http.client.HTTPSConnection("127.0.0.1", lab.ports["kube"], context=ctx, timeout=10)
        rv = lab.kube("GET", "/api/v1/namespaces/%s/services" % NS).json()["metadata"]["resourceVersion"]
        conn.request("GET", "/api/v1/namespaces/%s/services?watch=1&resourceVersion=%s" % (NS, rv),
                     headers={"Authorization": "Bearer " + lab.tokens()["kube_admin"]})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                    "-p", '{"spec":{"selector":{"slot":"blue"}}}')
        ev = json.loads(resp.readline())
        conn.close()
        self.assertEqual(ev["type"], "MODIFIED")
        self.assertEqual(ev["object"]["spec"]["selector"]["slot"], "blue")
        lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                    "-p", '{"spec":{"selector":{"slot":"green"}}}')


@skip_unless(NEED_KUBECTL)
class AlertsTest(LabTestCase):
    """A bad deploy seen by Prometheus and Alertmanager, and the way back."""

    lab_name = "alerts"

    @classmethod
    def prepare_lab(cls):
        cls.t_deployed = None
        cls.lab.scenario("bad-deploy")
        cls.t_deployed = time.time()

    def test_1_prometheus_answers_error_rate_and_p95(self):
        lab = self.lab
        err = wait_for(lambda: (lab.error_ratio("30s") or 0) > 0.02 and lab.error_ratio("30s"),
                       20, what="a live error ratio")
        self.assertLess(err, 0.2)
        p95 = wait_for(lambda: lab.prom_query(P95), 10, what="a live P95")
        self.assertGreater(p95, 0.02)
        self.assertLess(p95, 0.3)

    def test_2_high_error_rate_fires_within_30s(self):
        lab = self.lab
        alerts = wait_for(lambda: lab.alerts("HighErrorRate"),
                          max(30 - (time.time() - self.t_deployed), 1), 0.5,
                          "HighErrorRate in Alertmanager")
        took = time.time() - self.t_deployed
        report("HighErrorRate firing %.1fs after the traffic switch" % took)
        a = alerts[0]
        self.assertEqual(a["labels"]["severity"], "critical")
        self.assertEqual(a["labels"]["group"], "slo")
        self.assertIn("runbook_url", a["annotations"])
        self.assertIn("SLO", a["annotations"]["summary"])

    def test_3_switching_back_to_blue_clears_errors(self):
        lab = self.lab
        lab.argocd_autosync(False)
        lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                    "-p", '{"spec":{"selector":{"slot":"blue"}}}')
        t0 = time.time()
        wait_for(lambda: (lambda v: v is not None and v < 0.01)(lab.prom_query(ERR_SLOW)), 30, 0.5,
                 "the error ratio to fall under 1%")
        report("error ratio under 1%% %.1fs after the switch" % (time.time() - t0))
        self.assertEqual(lab.service_selector()["slot"], "blue")


@skip_unless(NEED)
class ScenarioAlertsTest(LabTestCase):
    """Each scenario raises the alerts an on-call engineer would expect."""

    lab_name = "scenarios"

    def prom_alerts(self):
        r = self.lab.http("GET", self.lab.env["PROMETHEUS_URL"] + "/api/v1/alerts").json()
        return {a["labels"]["alertname"]: a["state"] for a in r["data"]["alerts"]}

    def firing(self, names, timeout=30):
        return wait_for(lambda: (lambda f: names <= f and f)(
            {n for n, st in self.prom_alerts().items() if st == "firing"}),
            timeout, 0.5, "%s to fire" % ", ".join(sorted(names)))

    def test_1_steady_is_quiet(self):
        lab = self.lab
        time.sleep(max(0, 12 - (time.time() - os.stat(os.path.join(lab.dir, "lab.json")).st_mtime)))
        self.assertEqual(self.prom_alerts(), {})
        self.assertEqual(lab.prom_query('sum(offline_queue_depth{job="detection-api"})'), 0)
        self.assertLess(lab.prom_query(P95), 0.3)
        # Young series make rate() low at first (it extrapolates to their start).
        wait_for(lambda: abs(lab.prom_query(
            'sum(rate(http_requests_total{job="detection-api"}[10s]))') - 20) < 2, 15, 0.5,
            "the request rate to read 20/s")
        self.assertEqual(lab.prom_query('sum(rate(http_requests_total{job="detection-api",'
                                        'slot="green"}[10s])) or vector(0)'), 0,
                         "idle green gets traffic")

    def test_2_slow_tak_outage_and_brute_force(self):
        lab = self.lab
        lab.scenario("slow")
        lab.scenario("tak-outage")
        lab.fault("all", bruteforce="on")
        t0 = time.time()
        self.firing({"P95LatencyHigh", "P99LatencyHigh", "TAKPushFailures", "TAKPushLatency",
                     "OfflineQueueGrowing", "AuthBruteForce", "HighAuthFailureRate"})
        report("seven alerts firing after %.1fs" % (time.time() - t0))
        self.assertNotIn("HighErrorRate", self.prom_alerts())
        depth = lab.prom_query('sum(offline_queue_depth{job="detection-api"})')
        self.assertGreater(depth, 100)
        lab.scenario("steady")
        wait_for(lambda: lab.prom_query('sum(offline_queue_depth{job="detection-api"})') == 0,
                 15, 0.5, "the offline queue to drain once TAK is back")

    def test_3_pods_down_is_a_sev1(self):
        lab = self.lab
        lab.scenario("pods-down")
        t0 = time.time()
        wait_for(lambda: lab.alerts("ServiceDown"), 30, 0.5, "ServiceDown in Alertmanager")
        report("ServiceDown firing after %.1fs" % (time.time() - t0))
        self.assertEqual(lab.endpoint_pods(), [])
        pods = lab.pods("slot=blue")
        self.assertEqual(len(pods), 3)
        for p in pods:
            cs = p["status"]["containerStatuses"][0]
            self.assertEqual(cs["state"]["waiting"]["reason"], "CrashLoopBackOff")
            self.assertFalse(cs["ready"])
            self.assertGreaterEqual(cs["restartCount"], 1)
        name = pods[0]["metadata"]["name"]
        before = pods[0]["status"]["containerStatuses"][0]["restartCount"]
        wait_for(lambda: [p for p in lab.pods("slot=blue") if p["metadata"]["name"] == name][0]
                 ["status"]["containerStatuses"][0]["restartCount"] > before, 12, 0.5,
                 "the restart count to grow")
        self.assertEqual(lab.http("GET", lab.env["DEMO_URL"] + "/health").status, 503)
        self.assertGreater(lab.prom_query('sum(rate(http_requests_total{pod="none",'
                                          'status="503"}[10s]))'), 10)
        lab.scenario("steady")
        self.assertEqual(len(lab.endpoint_pods()), 3)


@skip_unless(NEED_KUBECTL + missing("ssh"))
class ArgoCDTest(LabTestCase):
    """Argo CD's rules of the game, and the lab's other doors."""

    lab_name = "argocd"

    def test_1_token_required(self):
        r = self.lab.argocd("GET", "/api/v1/applications/detection-api", token=None)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["code"], 16)
        self.assertEqual(set(r.json()), {"error", "code", "message"})

    def test_2_history_and_policy(self):
        app = self.lab.app()
        self.assertGreaterEqual(len(app["status"]["history"]), 3)
        for h in app["status"]["history"]:
            self.assertTrue(re.fullmatch(r"[0-9a-f]{40}", h["revision"]))
            self.assertIn("deployedAt", h)
            params = {p["name"]: p["value"] for p in h["source"]["helm"]["parameters"]}
            self.assertIn(params["service.activeSlot"], ("blue", "green"))
        self.assertEqual(app["spec"]["syncPolicy"]["automated"], {"prune": True, "selfHeal": True})
        self.assertEqual(app["status"]["sync"]["status"], "Synced")
        self.assertEqual(app["status"]["health"]["status"], "Healthy")

    def test_3_self_heal_reverts_a_hand_patch(self):
        lab = self.lab
        lab.kubectl("patch", "svc", "detection-api-service", "-n", "detection-system",
                    "-p", '{"spec":{"selector":{"slot":"green"}}}')
        t0 = time.time()
        self.assertEqual(lab.service_selector()["slot"], "green")
        wait_for(lambda: lab.app()["status"]["sync"]["status"] == "OutOfSync", 3, 0.2,
                 "Argo CD to see the drift")
        wait_for(lambda: lab.service_selector()["slot"] == "blue", 12, 0.2,
                 "self-heal to put the selector back")
        took = time.time() - t0
        report("self-heal reverted the selector after %.1fs" % took)
        self.assertGreater(took, 3.0)
        self.assertEqual(lab.app()["status"]["sync"]["status"], "Synced")
        # A Deployment's replicas and image are managed the same way.
        lab.kubectl("scale", "deployment/detection-api-blue", "--replicas=1", "-n", "detection-system")
        lab.kubectl("set", "image", "deployment/detection-api-green",
                    "detection-api=registry.example.com/detection-api:0.0.1", "-n", "detection-system")
        wait_for(lambda: lab.deployment("blue")["spec"]["replicas"] == 3 and
                 lab.deployment("green")["spec"]["template"]["spec"]["containers"][0]["image"]
                 == "registry.example.com/detection-api:1.4.1", 12, 0.2,
                 "self-heal to restore replicas and image")
        lab.kubectl("rollout", "status", "deployment/detection-api-blue", "-n", "detection-system",
                    "--timeout=30s")

    def test_4_rollback_refused_under_autosync_then_done(self):
        lab = self.lab
        lab.scenario("bad-deploy")
        self.assertEqual(lab.service_selector()["slot"], "green")
        hist = lab.app()["status"]["history"]
        params = lambda h: {p["name"]: p["value"] for p in h["source"]["helm"]["parameters"]}  # noqa: E731
        good = [h for h in hist if params(h)["service.activeSlot"] == "blue"
                and params(h)["green.replicas"] == "0"][-1]
        r = lab.argocd("POST", "/api/v1/applications/detection-api/rollback",
                       {"id": good["id"], "prune": True, "dryRun": False})
        self.assertEqual(r.status, 400)
        msg = "rollback cannot be initiated when auto-sync is enabled"
        self.assertEqual(r.json(), {"error": msg, "code": 9, "message": msg})
        self.assertEqual(lab.service_selector()["slot"], "green")
        # Turn auto-sync off the way a client does: a merge patch as a string.
        r = lab.argocd("PATCH", "/api/v1/applications/detection-api",
                       {"name": "detection-api", "patchType": "merge",
                        "patch": json.dumps({"spec": {"syncPolicy": {"automated": None}}})})
        self.assertEqual(r.status, 200)
        self.assertNotIn("automated", r.json()["spec"]["syncPolicy"])
        r = lab.argocd("POST", "/api/v1/applications/detection-api/rollback",
                       {"id": good["id"], "prune": True, "dryRun": False})
        self.assertEqual(r.status, 200, r.text)
        app = r.json()
        self.assertEqual(app["status"]["history"][-1]["revision"], good["revision"])
        self.assertEqual(app["status"]["sync"]["status"], "OutOfSync")
        self.assertEqual(lab.service_selector()["slot"], "blue")
        self.assertEqual(lab.deployment("green")["spec"]["replicas"], 0)
        wait_for(lambda: (lab.error_ratio("10s") or 0) < 0.01, 30, 0.5, "errors to stop")
        # Turning auto-sync back on while Git still holds the bad commit syncs it again.
        r = lab.argocd("PATCH", "/api/v1/applications/detection-api",
                       {"patchType": "merge", "patch": json.dumps(
                           {"spec": {"syncPolicy": {"automated": {"prune": True,
                                                                 "selfHeal": True}}}})})
        self.assertEqual(r.status, 200)
        wait_for(lambda: lab.service_selector()["slot"] == "green", 5, 0.2,
                 "auto-sync to re-apply Git's head")

    def test_4b_put_and_sync(self):
        lab = self.lab
        app = lab.app()
        app["spec"]["syncPolicy"]["automated"] = None
        r = lab.argocd("PUT", "/api/v1/applications/detection-api", app)
        self.assertEqual(r.status, 200, r.text)
        self.assertNotIn("automated", r.json()["spec"]["syncPolicy"])
        lab.kubectl("scale", "deployment/detection-api-blue", "--replicas=1",
                    "-n", "detection-system")
        time.sleep(1)
        self.assertEqual(lab.app()["status"]["sync"]["status"], "OutOfSync")
        self.assertEqual(lab.deployment("blue")["spec"]["replicas"], 1, "no self-heal when off")
        n = len(lab.app()["status"]["history"])
        r = lab.argocd("POST", "/api/v1/applications/detection-api/sync", {"prune": True})
        self.assertEqual(r.status, 200, r.text)
        self.assertEqual(lab.deployment("blue")["spec"]["replicas"], 3)
        app = lab.app()
        self.assertEqual(app["status"]["sync"]["status"], "Synced")
        self.assertEqual(len(app["status"]["history"]), min(n + 1, 10))
        app["spec"]["syncPolicy"]["automated"] = {"prune": True, "selfHeal": True}
        r = lab.argocd("PUT", "/api/v1/applications/detection-api", app)
        self.assertEqual(r.json()["spec"]["syncPolicy"]["automated"],
                         {"prune": True, "selfHeal": True})
        r = lab.argocd("GET", "/api/v1/applications/other")
        self.assertEqual((r.status, r.json()["message"]), (403, "permission denied"))

    def test_5_ssh_into_the_lab(self):
        lab = self.lab
        p = subprocess.run(["ssh", "-i", lab.env["SSH_KEY"], "-p", lab.env["SSH_PORT"],
                            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "127.0.0.1", "echo",
                            "lab-ok"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=30)
        self.assertEqual((p.returncode, p.stdout.strip()), (0, "lab-ok"), p.stderr)
        # The known_hosts the lab wrote verifies the host key strictly.
        p = subprocess.run(["ssh", "-i", lab.env["SSH_KEY"], "-p", lab.env["SSH_PORT"],
                            "-o", "StrictHostKeyChecking=yes",
                            "-o", "UserKnownHostsFile=" + os.path.join(lab.dir, "ssh", "known_hosts"),
                            "-o", "BatchMode=yes", "127.0.0.1", "true"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_6_detection_endpoint_answers_cot(self):
        lab = self.lab
        wait_for(lambda: lab.http("GET", lab.env["DEMO_URL"] + "/health").status == 200, 10,
                 what="a ready endpoint")
        r = lab.http("POST", lab.env["DEMO_URL"] + "/api/v1/detections",
                     {"lat": 51.5, "lon": -0.12, "class": "vehicle"})
        self.assertIn(r.status, (201, 500))
        if r.status == 201:
            self.assertIn('<event version="2.0"', r.text)
            self.assertIn('<point lat="51.500000" lon="-0.120000"', r.text)
        r = lab.http("POST", lab.env["DEMO_URL"] + "/api/v1/detections", b"{not json")
        self.assertEqual(r.status, 400)


if __name__ == "__main__":
    unittest.main()
