"""Screens of an Argo Rollout's canary: a stand-in API serving a canary paused
at its second step (setWeight 20 reported by traffic routing, a pause until
promoted), its stable and canary ReplicaSets and pods, the stable Service's
endpoints, and a background AnalysisRun whose error-ratio metric came out
inconclusive: the overview and the Deployment view at 80x24 and 132x43."""
import datetime
import http.server
import json
import os
import subprocess
import tempfile
import threading
import urllib.parse

NS = "detection-system"
STABLE, CANARY = "6c7d8e9f0b", "5d8f7b9c4a"
PODS = {"detection-api-%s-p0q7b" % STABLE: STABLE, "detection-api-%s-x2c4d" % STABLE: STABLE,
        "detection-api-%s-h5j6k" % STABLE: STABLE, "detection-api-%s-7xk2q" % CANARY: CANARY}


def stamp(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeRollout:
    def __init__(self, tmp):
        self.t0 = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) - 3600
        self.query = ""
        self.stop = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.query = urllib.parse.unquote(self.path.partition("?")[2])
                q = dict(urllib.parse.parse_qsl(self.path.partition("?")[2]))
                if q.get("watch") in ("1", "true"):
                    # a watch with nothing to tell: open until its timeoutSeconds or the end
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.flush()
                    outer.stop.wait(min(float(q.get("timeoutSeconds") or 300), 300))
                    self.close_connection = True
                    return
                body = outer.answer(self.path.partition("?")[0])
                missing = {"kind": "Status", "code": 404, "reason": "NotFound",
                           "message": "the server could not find the requested resource"}
                data = json.dumps(body or missing).encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(self.kubeconfig, "w") as f:
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n"
                    "  cluster:\n    server: http://127.0.0.1:%d\ncontexts:\n- name: fake\n"
                    "  context: {cluster: fake, user: u, namespace: %s}\nusers:\n- name: u\n"
                    "  user: {token: fake-token}\n"
                    % (self.server.server_address[1], NS))

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def config(self, path):
        with open(path, "w") as f:
            f.write("operator: alice\nrefresh_ms: 500\nkubernetes:\n  kubeconfig: %s\n  namespace: %s\n"
                    "  service: detection-api-service\n  rollout: detection-api\n" % (self.kubeconfig, NS))
        return path

    # ---- the objects ----

    def rollout(self):
        t = self.t0
        return {"kind": "Rollout", "apiVersion": "argoproj.io/v1alpha1",
                "metadata": {"name": "detection-api", "namespace": NS, "generation": 4,
                             "annotations": {"rollout.argoproj.io/revision": "2"}},
                "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "detection-api"}},
                         "strategy": {"canary": {
                             "stableService": "detection-api-service",
                             "canaryService": "detection-api-canary",
                             "steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50},
                                       {"pause": {"duration": "5m"}}, {"setWeight": 80}]}}},
                "status": {"phase": "Paused", "message": "CanaryPauseStep", "currentStepIndex": 1,
                           "stableRS": STABLE, "currentPodHash": CANARY, "observedGeneration": "4",
                           "replicas": 4, "updatedReplicas": 1, "readyReplicas": 4,
                           "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": stamp(t + 3000)}],
                           "canary": {"weights": {"canary": {"weight": 20, "podTemplateHash": CANARY},
                                                  "stable": {"weight": 80, "podTemplateHash": STABLE}}},
                           "conditions": [{"type": "Progressing", "status": "Unknown",
                                           "reason": "RolloutPaused", "message": "Rollout is paused"}]}}

    def rs(self, h, version, replicas, rev, made):
        return {"metadata": {"name": "detection-api-" + h, "namespace": NS, "creationTimestamp": stamp(made),
                             "labels": {"app": "detection-api", "rollouts-pod-template-hash": h},
                             "annotations": {"rollout.argoproj.io/revision": str(rev)}},
                "spec": {"replicas": replicas, "template": {"spec": {"containers": [
                    {"name": "detection-api", "image": "registry.example.com/detection-api:" + version}]}}},
                "status": {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}}

    def pod(self, name, h):
        return {"metadata": {"name": name, "namespace": NS, "creationTimestamp": stamp(self.t0 + 60),
                             "labels": {"app": "detection-api", "rollouts-pod-template-hash": h}},
                "spec": {"containers": [{"name": "detection-api"}]},
                "status": {"phase": "Running", "podIP": self.ip(name),
                           "conditions": [{"type": "Ready", "status": "True",
                                           "lastTransitionTime": stamp(self.t0 + 70)}],
                           "containerStatuses": [{"name": "detection-api", "ready": True,
                                                  "restartCount": 0}]}}

    def ip(self, name):
        return "10.244.7.%d" % (10 + list(PODS).index(name))

    def run(self):
        m = [{"value": "[%s]" % v, "phase": p, "startedAt": stamp(self.t0 + 3000 + 10 * i)}
             for i, (v, p) in enumerate([("0.012", "Successful"), ("0.081", "Inconclusive"),
                                         ("0.084", "Inconclusive")])]
        return {"metadata": {"name": "detection-api-%s-2-bg" % CANARY,
                             "creationTimestamp": stamp(self.t0 + 2990),
                             "labels": {"rollout-type": "Background", "rollouts-pod-template-hash": CANARY},
                             "ownerReferences": [{"kind": "Rollout", "name": "detection-api"}]},
                "spec": {"metrics": [{"name": "error-ratio", "failureLimit": 0, "inconclusiveLimit": 1,
                                      "successCondition": "result[0] < 0.05",
                                      "provider": {"prometheus": {"query": "sum(rate(errors[1m]))"}}}]},
                "status": {"phase": "Inconclusive", "metricResults": [
                    {"name": "error-ratio", "phase": "Inconclusive", "count": 3, "successful": 1,
                     "inconclusive": 2, "measurements": m}]}}

    def answer(self, path):
        api, core = "/apis/argoproj.io/v1alpha1/namespaces/%s/" % NS, "/api/v1/namespaces/%s/" % NS
        if path == api + "rollouts/detection-api":
            return self.rollout()
        # lists, as watches start: by name (fieldSelector=metadata.name=...) or by selector
        if path == api + "rollouts":
            return {"kind": "RolloutList", "metadata": {"resourceVersion": "9"}, "items": [self.rollout()]}
        if path == core + "services":
            svc = self.answer(core + "services/detection-api-service")
            named = "metadata.name=detection-api-service" in self.query
            return {"kind": "ServiceList", "metadata": {"resourceVersion": "9"}, "items": [svc] if named else []}
        if path == api + "analysisruns":
            return {"kind": "AnalysisRunList", "metadata": {"resourceVersion": "9"}, "items": [self.run()]}
        if path == core + "services/detection-api-service":
            return {"kind": "Service", "metadata": {"name": "detection-api-service", "resourceVersion": "7"},
                    "spec": {"selector": {"app": "detection-api", "rollouts-pod-template-hash": STABLE}}}
        if path == "/apis/apps/v1/namespaces/%s/replicasets" % NS:
            return {"kind": "ReplicaSetList", "metadata": {"resourceVersion": "9"},
                    "items": [self.rs(STABLE, "1.4.2", 3, 1, self.t0), self.rs(CANARY, "1.5.0", 1, 2, self.t0 + 2980)]}
        if path == core + "pods":
            return {"kind": "PodList", "metadata": {"resourceVersion": "9"},
                    "items": [self.pod(n, h) for n, h in PODS.items()]}
        if path.startswith("/apis/discovery.k8s.io/v1/"):
            svc, h = (("detection-api-canary", CANARY) if "detection-api-canary" in self.query else
                      ("detection-api-service", STABLE))
            return {"kind": "EndpointSliceList", "metadata": {"resourceVersion": "9"}, "items": [{
                "metadata": {"name": svc + "-x7k2p", "namespace": NS, "resourceVersion": "8",
                             "labels": {"kubernetes.io/service-name": svc}},
                "endpoints": [{"addresses": [self.ip(n)], "conditions": {"ready": True},
                               "targetRef": {"kind": "Pod", "name": n}}
                              for n, ph in PODS.items() if ph == h]}]}
        return None


class RolloutScreens:
    def rollout_console(self, cols, rows):
        d = tempfile.mkdtemp(prefix="warroom-fakerollout-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        kube = FakeRollout(d)
        self.addCleanup(kube.close)
        t = self.term(cols, rows)
        self.run_warroom(t, "--config", kube.config(os.path.join(t.tmp, "config.yaml")))
        # the recommendation stands: on its line, on the title bar and on the foot, with the timeline's record
        t.wait_for(lambda s: "CANARY" in s and "aborts" in s and "reading its history" not in s and
                   "deploy " in s and "ABORT: B" in s.split("\n")[0] and "abort to" in s.split("\n")[-1],
                   timeout=15, what="the canary, its abort and the timeline's record of it")
        return t

    def test_rollout_overview_80x24(self):
        t = self.rollout_console(80, 24)
        self.assert_screen("rollout-overview-80x24", t.screen())

    def test_rollout_overview_132x43(self):
        t = self.rollout_console(132, 43)
        s = t.screen()
        self.assert_screen("rollout-overview-132x43", s)
        self.assertIn("STABLE", s)
        self.assertIn("canary weight 20", s)

    def test_rollout_deploy_80x24(self):
        t = self.rollout_console(80, 24)
        t.keys("8")
        self.assert_screen("rollout-deploy-80x24", t.wait_for("analysis Background"))

    def test_rollout_deploy_132x43(self):
        t = self.rollout_console(132, 43)
        t.keys("8")
        s = t.wait_for("ROLLBACK RULE")
        self.assert_screen("rollout-deploy-132x43", s)
        self.assertIn("error-ratio (prometheus) Inconclusive", s)
        self.assertIn("[pause until promoted]", s)
