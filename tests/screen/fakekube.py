"""A stand-in Kubernetes API for the screen tests of the logs: the Service on
green with its endpoints, both slots' Deployments and pods (one green container restarted
after an OOM kill), each pod's log with the API server's times (followed
as a chunked answer that stays open), the previous instance's log, and
Events. Times are relative to the start, so the screens stay put once the
clocks are masked."""
import datetime
import http.server
import json
import os
import threading
import urllib.parse

NS = "detection-system"
PODS = {
    "detection-api-green-5d8f7b9c4-7xk2q": ("green", 0),
    "detection-api-green-5d8f7b9c4-zz9k1": ("green", 3),
    "detection-api-blue-6c7d8e9f0-p0q7b": ("blue", 0),
}


def stamp(t, nano=False):
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + (".%09dZ" % (d.microsecond * 1000) if nano else "Z")


class FakeKube:
    def __init__(self, tmp):
        self.t0 = int(datetime.datetime.now(datetime.timezone.utc).timestamp()) - 600
        self.stop = threading.Event()
        self.requests = []
        self.logs = {name: self.lines(name, slot) for name, (slot, _) in PODS.items()}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def send(self, status, body, ctype="application/json"):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path, _, query = self.path.partition("?")
                q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
                outer.requests.append(self.path)
                try:
                    outer.route(self, path, q)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.kubeconfig = os.path.join(tmp, "kubeconfig")
        with open(self.kubeconfig, "w") as f:
            f.write("apiVersion: v1\nkind: Config\ncurrent-context: fake\nclusters:\n- name: fake\n  cluster:\n"
                    "    server: http://127.0.0.1:%d\ncontexts:\n- name: fake\n  context: {cluster: fake, user: u, "
                    "namespace: %s}\nusers:\n- name: u\n  user: {token: fake-token}\n" % (self.port, NS))

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()

    def config(self, path):
        with open(path, "w") as f:
            f.write("operator: alice\nrefresh_ms: 500\nlogs:\n  quiet_s: 3600\nkubernetes:\n  kubeconfig: %s\n"
                    "  namespace: %s\n  service: detection-api-service\n  slot_label: slot\n  slots: [blue, green]\n"
                    "  deployments:\n    blue: detection-api-blue\n    green: detection-api-green\n" % (self.kubeconfig, NS))
        return path

    # ---- what it holds ----

    def lines(self, pod, slot):
        """Two minutes of a pod's log: its requests, and on green the TAK push failures of the new version."""
        out = []
        for i in range(120):
            t = self.t0 + 480 + i
            rec = {"ts": stamp(t), "level": "info", "logger": "api", "msg": "request", "pod": pod, "slot": slot,
                   "method": "POST", "route": "/api/v1/detections", "status": 201, "duration_ms": 40 + i % 7}
            out.append((t, json.dumps(rec, separators=(",", ":"))))
            if slot == "green" and i % 4 == 1:
                rec = {"ts": stamp(t), "level": "warn", "logger": "tak", "pod": pod, "slot": slot,
                       "msg": "TAK push failed: connection refused (peer 10.20.0.%d:%d)" % (15 + i % 3, 8087 + i % 3)}
                out.append((t + 0.5, json.dumps(rec, separators=(",", ":"))))
        return out

    def previous(self, pod):
        t = self.t0 + 470
        return [(t, '{"level":"info","msg":"starting detection-api","version":"1.5.0"}'),
                (t + 1, '{"level":"warn","msg":"memory use above 90% of the limit","rss_mib":952,"limit_mib":1024}')]

    def pod(self, name):
        slot, restarts = PODS[name]
        status = {"name": "detection-api", "ready": True, "restartCount": restarts,
                  "state": {"running": {"startedAt": stamp(self.t0 + 475)}}, "lastState": {}}
        if restarts:
            status["lastState"] = {"terminated": {"reason": "OOMKilled", "exitCode": 137,
                                                  "finishedAt": stamp(self.t0 + 472)}}
        return {"metadata": {"name": name, "namespace": NS, "creationTimestamp": stamp(self.t0 + 60),
                             "labels": {"app": "detection-api", "slot": slot}},
                "spec": {"containers": [{"name": "detection-api"}]},
                "status": {"phase": "Running", "podIP": self.ip(name),
                           "conditions": [{"type": "Ready", "status": "True",
                                           "lastTransitionTime": stamp(self.t0 + 476)}],
                           "containerStatuses": [status]}}

    def ip(self, name):
        return "10.244.1.%d" % (10 + list(PODS).index(name))

    def endpoints(self):
        # the Service's endpoints: green's pods, ready, as the EndpointSlice controller lists them
        eps = [{"addresses": [self.ip(n)], "conditions": {"ready": True},
                "targetRef": {"kind": "Pod", "name": n, "namespace": NS}}
               for n, (slot, _) in PODS.items() if slot == "green"]
        return {"kind": "EndpointSliceList", "items": [
            {"metadata": {"name": "detection-api-service-x7k2p", "namespace": NS,
                          "labels": {"kubernetes.io/service-name": "detection-api-service"}},
             "addressType": "IPv4", "endpoints": eps}]}

    def deployment(self, slot):
        # steady after a deployment: blue scaled to 0, its last pod still there (no smoke test to run)
        return {"metadata": {"name": "detection-api-" + slot, "namespace": NS, "generation": 2,
                             "annotations": {"deployment.kubernetes.io/revision": "2"}},
                "spec": {"replicas": 2 if slot == "green" else 0,
                         "selector": {"matchLabels": {"app": "detection-api", "slot": slot}},
                         "template": {"spec": {"containers": [{"name": "detection-api", "image":
                                      "registry.example.com/detection-api:%s" % ("1.5.0" if slot == "green" else
                                                                                 "1.4.2")}]}}},
                "status": {"observedGeneration": 2, "replicas": 2 if slot == "green" else 0,
                           "readyReplicas": 2 if slot == "green" else 0, "availableReplicas": 2 if slot == "green"
                           else 0, "updatedReplicas": 2 if slot == "green" else 0}}

    def events(self):
        def ev(reason, kind, name, msg, count, age, warning=False):
            return {"metadata": {"name": "%s.%x" % (name, abs(hash(reason)) % 65536)}, "reason": reason,
                    "type": "Warning" if warning else "Normal", "message": msg, "count": count,
                    "involvedObject": {"kind": kind, "name": name}, "firstTimestamp": stamp(self.t0 + 60),
                    "lastTimestamp": stamp(self.t0 + 600 - age)}
        z = "detection-api-green-5d8f7b9c4-zz9k1"
        return {"kind": "EventList", "apiVersion": "v1", "items": [
            ev("BackOff", "Pod", z, "Back-off restarting failed container detection-api", 3, 140, True),
            ev("Killing", "Pod", z, "Container detection-api was OOMKilled", 3, 130),
            ev("ScalingReplicaSet", "Deployment", "detection-api-green", "Scaled up replica set to 2", 1, 540)]}

    # ---- the API ----

    def hold_watch(self, h, q):
        """A watch with nothing to tell: open until its timeoutSeconds or the end (the console lists first)."""
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.flush()
        self.stop.wait(min(float(q.get("timeoutSeconds") or 300), 300))
        h.close_connection = True

    def route(self, h, path, q):
        base = "/api/v1/namespaces/%s/" % NS
        svc = {"kind": "Service", "metadata": {"name": "detection-api-service", "namespace": NS, "resourceVersion": "7"},
               "spec": {"selector": {"app": "detection-api", "slot": "green"}}}
        if q.get("watch") in ("1", "true"):
            return self.hold_watch(h, q)
        if path == base + "services/detection-api-service":
            return h.send(200, json.dumps(svc))
        if path == base + "services":   # listed by name (fieldSelector=metadata.name=...), then watched
            return h.send(200, json.dumps({"kind": "ServiceList", "metadata": {"resourceVersion": "9"},
                                           "items": [svc]}))
        if path == "/apis/apps/v1/namespaces/%s/deployments" % NS:
            name = q.get("fieldSelector", "").partition("=")[2]
            items = [self.deployment(s) for s in ("blue", "green") if name in ("", "detection-api-" + s)]
            return h.send(200, json.dumps({"kind": "DeploymentList", "metadata": {"resourceVersion": "9"},
                                           "items": items}))
        if path.startswith("/apis/apps/v1/namespaces/%s/deployments/detection-api-" % NS):
            return h.send(200, json.dumps(self.deployment(path.rsplit("-", 1)[1])))
        if path.startswith("/apis/discovery.k8s.io/v1/"):
            return h.send(200, json.dumps(self.endpoints()))
        if path == base + "pods":
            sel = q.get("labelSelector", "")
            items = [self.pod(n) for n, (slot, _) in PODS.items()
                     if "slot=" not in sel or "slot=%s" % slot in sel]
            return h.send(200, json.dumps({"kind": "PodList", "metadata": {}, "items": items}))
        if path == base + "events":
            return h.send(200, json.dumps(self.events()))
        if path.startswith(base + "pods/") and path.endswith("/log"):
            return self.log(h, path.split("/")[-2], q)
        h.send(404, json.dumps({"kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404,
                                "message": "the server could not find the requested resource"}))

    def log(self, h, pod, q):
        if pod not in PODS:
            return h.send(404, json.dumps({"kind": "Status", "code": 404, "message": 'pods "%s" not found' % pod}))
        if q.get("previous") == "true":
            if not PODS[pod][1]:
                return h.send(400, json.dumps({"kind": "Status", "code": 400, "message": "previous terminated "
                                               "container \"detection-api\" in pod \"%s\" not found" % pod}))
            lines = self.previous(pod)
        else:
            lines = self.logs[pod]
        since = q.get("sinceTime")
        if since:
            t0 = datetime.datetime.strptime(since[:19], "%Y-%m-%dT%H:%M:%S").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            lines = [x for x in lines if x[0] >= t0]
        if q.get("tailLines"):
            lines = lines[-int(q["tailLines"]):]
        text = "".join("%s %s\n" % (stamp(t, True), s) for t, s in lines)
        if q.get("follow") != "true" or q.get("previous") == "true":
            return h.send(200, text, "text/plain")
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        data = text.encode()
        h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        h.wfile.flush()
        # a followed log stays open: nothing more comes while the screen is read
        self.stop.wait(60)
        h.wfile.write(b"0\r\n\r\n")
