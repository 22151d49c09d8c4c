"""Stand-ins the screen tests draw against: a Prometheus with fixed answers,
one answering badly, and an Alertmanager."""
import http.server
import json
import threading
import urllib.parse


class FakePrometheus:
    """Fixed answers shaped by the query: the same screen on every run."""

    def __init__(self):
        import json
        self.ranges = []
        self.queries = []
        self.fail = False
        outer = self

        def base(q):
            for key, v in (("tak_push_total", 0.0), ("0.95", 0.12), ("0.99", 0.22), ('5.."', 0.004),
                           ("offline_queue_depth", 42),
                           ("confidence", 0.86), ("errors_total", 0.001)):
                if key in q:
                    return v
            return 20.0

        def series(q):
            if "by (slot)" in q:
                return [({"slot": "blue"}, 1.0), ({"slot": "green"}, 0.25)]
            if "by (route, status)" in q:
                return [({"route": "/api/v1/detections", "status": "201"}, 0.8),
                        ({"route": "/api/v1/detections", "status": "401"}, 0.05)]
            return [({}, 1.0)]

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self):
                path, _, form = self.path.partition("?")
                if self.command == "POST":
                    form = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                args = urllib.parse.parse_qs(form)
                q = args.get("query", [""])[0]
                outer.queries.append(q)
                if outer.fail:
                    body, status = b"backend down", 500
                elif path.startswith("/api/v1/label/"):
                    # the slots everywhere; a resource label as the Kubernetes dashboards ask it
                    values = ["pods", "nodes"] if path.startswith("/api/v1/label/resource/") else ["blue", "green"]
                    body, status = json.dumps({"status": "success", "data": values}).encode(), 200
                elif path == "/api/v1/query_range":
                    outer.ranges.append(args)
                    start, end, step = (float(args[k][0]) for k in ("start", "end", "step"))
                    n = int((end - start) / step) + 1
                    # level series: the same chart whatever step and alignment the range has
                    res = [{"metric": m, "values": [[start + i * step, "%g" % (base(q) * f)] for i in range(n)]}
                           for m, f in series(q)]
                    body = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": res}})
                    body, status = body.encode(), 200
                else:
                    res = [{"metric": m, "value": [1, "%g" % (base(q) * f)]} for m, f in series(q)]
                    body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": res}})
                    body, status = body.encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = reply

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class HostilePrometheus:
    """A stand-in for a Prometheus behind a broken proxy: every query gets
    the answer set in `answer` (status, Content-Type, body)."""

    def __init__(self):
        self.answer = (500, "text/plain", b"upstream connect error")
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self):
                outer.paths.append(self.path.split("?")[0])
                form = self.path.partition("?")[2]
                if self.command == "POST":
                    form = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                query = urllib.parse.parse_qs(form).get("query", [""])[0]
                status, ctype, body = outer.answer(query) if callable(outer.answer) else outer.answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = reply

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeAlertmanager:
    """A stand-in Alertmanager with a fixed set of alerts (times relative to
    now, so the ages on screen stay put), groups and silences."""

    def __init__(self):
        import datetime
        import zlib
        import json
        now = datetime.datetime.now(datetime.timezone.utc)

        def at(secs):
            return (now + datetime.timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

        def alert(name, sev, age, state="active", silenced=(), inhibited=(), **ann):
            return {"labels": {"alertname": name, "severity": sev, "env": "lab"},
                    "annotations": ann, "startsAt": at(-age), "endsAt": at(240), "updatedAt": at(-1),
                    "fingerprint": "%016x" % zlib.crc32(name.encode()), "receivers": [{"name": "team-pager"}],
                    "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
                    "status": {"state": state, "silencedBy": list(silenced), "inhibitedBy": list(inhibited),
                               "mutedBy": []}}
        sid = "5d4c3b2a-1111-4222-8333-944455556666"
        self.alerts = [
            alert("DiskInfo", "info", 900, "suppressed", silenced=[sid], summary="disk 71% full"),
            alert("CacheHitLow", "warning", 400, "suppressed", inhibited=["0123456789abcdef"],
                  summary="cache hit ratio 41%"),
            alert("P99LatencyHigh", "warning", 200, summary="P99 640ms over the 500ms SLO"),
            alert("HighErrorRate", "critical", 150, summary="Error ratio 8.1% is over the 0.1% SLO",
                  runbook_url="https://runbooks.example.com/sev2-degraded.md"),
        ]
        groups = [{"labels": {"alertname": "HighErrorRate"}, "receiver": {"name": "team-pager"},
                   "alerts": [self.alerts[3], self.alerts[2]]},
                  {"labels": {"alertname": "DiskInfo"}, "receiver": {"name": "team-mail"},
                   "alerts": [self.alerts[0], self.alerts[1]]}]
        silences = [{"id": sid, "status": {"state": "active"}, "createdBy": "alice",
                     "comment": "disk swap planned", "startsAt": at(-600), "endsAt": at(9030), "updatedAt": at(-600),
                     "matchers": [{"name": "alertname", "value": "DiskInfo", "isRegex": False, "isEqual": True}]}]
        rules = {"status": "success", "data": {"groups": [{"name": "detection", "rules": [
            {"type": "alerting", "name": "QueueStale", "state": "inactive", "health": "err",
             "lastError": "many-to-many matching not allowed", "alerts": []},
            {"type": "alerting", "name": "PodsDown", "state": "pending", "health": "ok", "alerts": [
                {"labels": {"alertname": "PodsDown", "severity": "critical"}, "annotations": {
                    "summary": "no ready pod for 5s"}, "state": "pending", "activeAt": at(-3), "value": "0"}]}]}]}}
        self.answers = {"/api/v2/alerts": json.dumps(self.alerts), "/api/v2/alerts/groups": json.dumps(groups),
                        "/api/v2/silences": json.dumps(silences), "/api/v1/rules": json.dumps(rules)}
        self.posts = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = outer.answers.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                body = (body or '"not found"').encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                outer.posts.append(self.path)
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_DELETE = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
