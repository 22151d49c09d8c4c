"""The fake Kubernetes API server: discovery, bearer-token auth, get/list/
watch with label and field selectors, paged lists (limit, continue), Tables for kubectl, the three PATCH
forms with resourceVersion preconditions, the scale subresource, pod logs and
Status errors worded as the real server words them."""

import base64
import calendar
import copy
import json
import select
import ssl
import time

import cluster as C
import klogs
import kobjects as K
import ktables
import kwatch
import rollouts
from labhttp import Handler
from managed import manager_of
from labutil import (SelectorError, fields_match, labels_match, parse_field_selector,
                     parse_label_selector, selector_string)
from patches import PatchError, json_patch, merge_patch, strategic_merge

VERSION_INFO = {"major": "1", "minor": "32", "gitVersion": "v1.32.4",
                "gitCommit": "59526cd4867447956156ae3a602fcbac10a2c335",
                "gitTreeState": "clean", "buildDate": "2025-04-22T16:02:27Z",
                "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64"}

# resource -> (group, version, kind, namespaced, verbs, shortNames, singular)
RESOURCES = {
    "namespaces": ("", "v1", "Namespace", False, ["get", "list", "watch"], ["ns"], "namespace"),
    "pods": ("", "v1", "Pod", True, ["delete", "get", "list", "watch"], ["po"], "pod"),
    "services": ("", "v1", "Service", True, ["get", "list", "patch", "update", "watch"],
                 ["svc"], "service"),
    "endpoints": ("", "v1", "Endpoints", True, ["get", "list", "watch"], ["ep"], "endpoints"),
    "events": ("", "v1", "Event", True, ["get", "list", "watch"], ["ev"], "event"),
    "deployments": ("apps", "v1", "Deployment", True,
                    ["get", "list", "patch", "update", "watch"], ["deploy"], "deployment"),
    "replicasets": ("apps", "v1", "ReplicaSet", True, ["get", "list", "watch"], ["rs"],
                    "replicaset"),
    "endpointslices": ("discovery.k8s.io", "v1", "EndpointSlice", True, ["get", "list", "watch"],
                       [], "endpointslice"),
    "horizontalpodautoscalers": ("autoscaling", "v1", "HorizontalPodAutoscaler", True,
                                 ["get", "list", "watch"], ["hpa"], "horizontalpodautoscaler"),
    # Argo Rollouts (rollouts.py)
    "rollouts": ("argoproj.io", "v1alpha1", "Rollout", True, ["get", "list", "patch", "watch"], ["ro"],
                 "rollout"),
    "analysisruns": ("argoproj.io", "v1alpha1", "AnalysisRun", True, ["get", "list", "watch"], [],
                     "analysisrun"),
}
SUBRESOURCES = {
    ("", "v1"): [("pods/log", "Pod", "", "", ["get"]), ("pods/status", "Pod", "", "", ["get"])],
    ("apps", "v1"): [("deployments/scale", "Scale", "autoscaling", "v1", ["get", "patch", "update"]),
                     ("deployments/status", "Deployment", "", "", ["get"])],
    ("argoproj.io", "v1alpha1"): [("rollouts/status", "Rollout", "", "", ["get", "patch", "update"])],
}
CATEGORY_ALL = ("pods", "services", "deployments", "replicasets", "horizontalpodautoscalers")
GROUPS = [("apps", "v1"), ("autoscaling", "v1"), ("discovery.k8s.io", "v1"), ("events.k8s.io", "v1"),
          ("argoproj.io", "v1alpha1")]
# The newer Events API serves the same events in its own form (events.k8s.io/v1).
EVENTS_V1 = {"name": "events", "singularName": "event", "namespaced": True, "kind": "Event",
             "verbs": ["get", "list", "watch"]}
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")


def resource_list(group, version):
    gv = "%s/%s" % (group, version) if group else version
    out = []
    for name, (g, v, kind, nsd, verbs, short, singular) in sorted(RESOURCES.items()):
        if g != group or v != version:
            continue
        r = {"name": name, "singularName": singular, "namespaced": nsd, "kind": kind,
             "verbs": verbs}
        if short:
            r["shortNames"] = short
        if name in CATEGORY_ALL:
            r["categories"] = ["all"]
        out.append(r)
    if (group, version) == ("events.k8s.io", "v1"):
        out.append(dict(EVENTS_V1))
    for name, kind, sg, sv, verbs in SUBRESOURCES.get((group, version), []):
        r = {"name": name, "singularName": "", "namespaced": True, "kind": kind, "verbs": verbs}
        if sg:
            r["group"], r["version"] = sg, sv
        out.append(r)
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}


def group_doc(group, version):
    gv = {"groupVersion": "%s/%s" % (group, version), "version": version}
    return {"name": group, "versions": [gv], "preferredVersion": gv}


def forbidden(user, verb, res, group, name, ns):
    what = 'User "%s" cannot %s resource "%s" in API group "%s"' % (user, verb, res, group)
    if ns:
        what += ' in the namespace "%s"' % ns
    qual = "%s.%s" % (res.split("/")[0], group) if group else res.split("/")[0]
    msg = ('%s "%s" is forbidden: %s' % (qual, name, what)) if name else \
        ('%s is forbidden: %s' % (qual, what))
    details = {"kind": res.split("/")[0]}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    return C.ApiError(403, "Forbidden", msg, details)


def unauthorized():
    return C.ApiError(401, "Unauthorized", "Unauthorized")


def no_route():
    return C.ApiError(404, "NotFound", "the server could not find the requested resource", {})


def conflict(res, group, name):
    qual = "%s.%s" % (res, group) if group else res
    details = {"name": name, "kind": res}
    if group:
        details["group"] = group
    return C.ApiError(409, "Conflict",
                      'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                      'please apply your changes to the latest version and try again'
                      % (qual, name), details)


def strip_list_item(o):
    o = dict(o)
    o.pop("kind", None)
    o.pop("apiVersion", None)
    return o


class KubeHandler(Handler):
    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("GET")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        try:
            path, q = self.parse()
            if method == "GET" and path in ("/version", "/healthz", "/livez", "/readyz"):
                if path == "/version":
                    return self.send_json(200, VERSION_INFO)
                return self.send_text(200, "ok")
            user = self.lab.kube_users.get(self.bearer() or "")
            if user is None:
                raise unauthorized()
            self.user = user
            if self.lab.api_delays.hold(method, path):
                self.lab.log("kube %s %s held by a lab delay" % (method, path))
            self.route(method, path, q)
        except C.ApiError as e:
            if method != "GET" or e.code >= 500:
                self.lab.log("kube %s %s -> %d %s" % (method, self.path.split("?")[0], e.code, e.reason))
            self.drain()
            self.send_json(e.code, e.status())
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # a bug in the fake: answer as the server would
            import traceback
            self.lab.log("kube %s %s: %s" % (method, self.path, traceback.format_exc()))
            self.send_json(500, C.ApiError(500, "InternalError",
                                           "Internal error occurred: %s" % e).status())

    def read_json(self):
        try:
            raw = self.body()
            return json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (ValueError, UnicodeDecodeError) as e:
            raise C.ApiError(400, "BadRequest", "error decoding patch: %s" % e)

    # ---- routing ----------------------------------------------------------
    def route(self, method, path, q):
        seg = [s for s in path.split("/") if s]
        if method == "GET" and path in ("/openapi/v2", "/openapi/v3"):
            raise no_route()
        if seg == ["api"]:
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"],
                                        "serverAddressByClientCIDRs": [{
                                            "clientCIDR": "0.0.0.0/0",
                                            "serverAddress": "127.0.0.1:%d" % self.server.port}]})
        if seg == ["apis"]:
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1",
                                        "groups": [group_doc(g, v) for g, v in GROUPS]})
        if len(seg) == 2 and seg[0] == "apis":
            for g, v in GROUPS:
                if g == seg[1]:
                    d = group_doc(g, v)
                    d.update(kind="APIGroup", apiVersion="v1")
                    return self.send_json(200, d)
            raise no_route()
        if seg[:1] == ["api"] and len(seg) >= 2:
            group, version, rest = "", seg[1], seg[2:]
        elif seg[:1] == ["apis"] and len(seg) >= 3:
            group, version, rest = seg[1], seg[2], seg[3:]
        else:
            raise no_route()
        if (group, version) not in [("", "v1")] + GROUPS:
            raise no_route()
        if not rest:
            return self.send_json(200, resource_list(group, version))
        ns = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            ns, rest = rest[1], rest[2:]
        elif rest[0] == "namespaces":
            return self.namespaces(method, rest[1] if len(rest) == 2 else None, q)
        res = rest[0]
        if group == "events.k8s.io":
            if res != "events" or method != "GET" or len(rest) > 2:
                raise no_route()
            return self.events_new_api(ns, rest[1] if len(rest) == 2 else None)
        info = RESOURCES.get(res)
        if info is None or info[0] != group or info[1] != version or len(rest) > 3:
            raise no_route()
        name = rest[1] if len(rest) >= 2 else None
        sub = rest[2] if len(rest) == 3 else None
        if method == "GET":
            if name is None:
                return self.list_or_watch(res, ns, q)
            if sub == "log" and res == "pods":
                return self.pod_log(ns, name, q)
            if sub == "scale" and res == "deployments":
                return self.send_json(200, self.scale_obj(ns, name))
            if sub not in (None, "status"):
                raise no_route()
            return self.get_one(res, ns, name)
        verb = {"PATCH": "patch", "PUT": "update", "DELETE": "delete", "POST": "create"}[method]
        full = res + ("/" + sub if sub else "")
        if self.user["readonly"]:
            raise forbidden(self.user["name"], verb, full, group, name, ns)
        body = None
        if method in ("PATCH", "PUT"):
            body = self.read_json()
        if res == "rollouts" and ns == K.NS and name is not None:
            return rollouts.api_write(self, method, name, sub, body, q)
        allowed = name is not None and (
            (method == "DELETE" and res == "pods" and sub is None) or
            (method in ("PATCH", "PUT") and res in ("services", "deployments") and sub is None) or
            (method in ("PATCH", "PUT") and res == "deployments" and sub == "scale"))
        if not allowed:
            raise C.ApiError(405, "MethodNotAllowed",
                             "the server does not allow this method on the requested resource", {})
        if ns != K.NS:
            raise C.not_found(res, group, name)
        if method == "DELETE":
            return self.delete_pod(name)
        if sub == "scale":
            return self.write_scale(method, name, body, q)
        return self.write(method, res, group, name, body, q)

    # ---- reads ------------------------------------------------------------
    def namespaces(self, method, name, q):
        if method != "GET":
            if self.user["readonly"]:
                raise forbidden(self.user["name"], method.lower(), "namespaces", "", name, None)
            raise C.ApiError(405, "MethodNotAllowed",
                             "the server does not allow this method on the requested resource", {})
        nsobj = K.render_namespace(self.lab.cluster.ns_uid, self.lab.cluster.ns_created)
        items = [nsobj]
        if name is not None:
            if name != K.NS:
                raise C.not_found("namespaces", "", name)
            return self.answer("namespaces", nsobj, q)
        with self.lab.lock:
            rv = str(self.lab.cluster.rv)
        if ktables.wants_table(self.headers.get("Accept")):
            return self.send_json(200, ktables.table("namespaces", items, rv,
                                                     q.get("includeObject", "PartialObjectMetadata")))
        self.send_json(200, {"kind": "NamespaceList", "apiVersion": "v1",
                             "metadata": {"resourceVersion": rv},
                             "items": [strip_list_item(i) for i in items]})

    def answer(self, res, obj, q):
        if ktables.wants_table(self.headers.get("Accept")):
            return self.send_json(200, ktables.table(
                res, [obj], obj["metadata"].get("resourceVersion", ""),
                q.get("includeObject", "PartialObjectMetadata")))
        self.send_json(200, obj)

    def get_one(self, res, ns, name):
        obj = None
        if ns == K.NS:
            with self.lab.lock:
                obj = self.lab.cluster.get(res, name)
        if obj is None:
            raise C.not_found(res, RESOURCES[res][0], name)
        self.answer(res, obj, self.parse()[1])

    def selectors(self, q):
        try:
            return (parse_label_selector(q.get("labelSelector", "")),
                    parse_field_selector(q.get("fieldSelector", "")))
        except SelectorError as e:
            raise C.ApiError(400, "BadRequest", str(e))

    def matching(self, res, ns, lreqs, freqs, start="", limit=0):
        """Items after the name `start`, at most `limit` (0: all), the
        resourceVersion, and how many more match (0 when none)."""
        cl = self.lab.cluster
        if ns not in (None, K.NS):
            return [], str(cl.rv), 0
        # Filter before copying: a namespace of thousands of pods stays cheap to list.
        keys = [k for k, (_, o) in sorted(cl.store.get(res, {}).items())
                if k > start and labels_match(lreqs, o["metadata"].get("labels")) and fields_match(freqs, o)]
        more = max(len(keys) - limit, 0) if limit else 0
        if limit:
            keys = keys[:limit]
        store = cl.store.get(res, {})
        return [copy.deepcopy(store[k][1]) for k in keys], str(cl.rv), more

    def page(self, q):
        """?limit= and ?continue= as the real server takes them: limit a
        non-negative count, continue an opaque token from a previous page
        (here base64 JSON of the last name and the list's resourceVersion)."""
        try:
            limit = int(q.get("limit") or 0)
            if limit < 0:
                raise ValueError
        except ValueError:
            raise C.ApiError(400, "BadRequest", "invalid limit: %r" % q.get("limit"))
        token = q.get("continue") or ""
        if not token:
            return limit, ""
        try:
            d = json.loads(base64.b64decode(token, validate=True))
            return limit, str(d["start"])
        except (ValueError, KeyError, TypeError):
            raise C.ApiError(400, "BadRequest", "continue key is not valid: %s" % token[:40])

    def list_or_watch(self, res, ns, q):
        lreqs, freqs = self.selectors(q)
        if q.get("watch") in ("1", "true"):
            return self.watch(res, ns, lreqs, freqs, q)
        limit, start = self.page(q)
        with self.lab.lock:
            items, rv, more = self.matching(res, ns, lreqs, freqs, start, limit)
        meta = {"resourceVersion": rv}
        if more:
            meta["continue"] = base64.b64encode(json.dumps(
                {"v": "meta.k8s.io/v1", "rv": int(rv), "start": items[-1]["metadata"]["name"]}
            ).encode()).decode() if items else ""
            # the real server counts the rest only for lists without selectors
            if not lreqs and not freqs:
                meta["remainingItemCount"] = more
        if ktables.wants_table(self.headers.get("Accept")):
            t = ktables.table(res, items, rv, q.get("includeObject", "PartialObjectMetadata"))
            if more:
                t.setdefault("metadata", {}).update({k: v for k, v in meta.items() if k != "resourceVersion"})
            return self.send_json(200, t)
        g, v, kind = RESOURCES[res][:3]
        self.send_json(200, {"kind": kind + "List", "apiVersion": "%s/%s" % (g, v) if g else v,
                             "metadata": meta,
                             "items": [strip_list_item(i) for i in items]})

    def events_new_api(self, ns, name):
        """The core events in events.k8s.io/v1's form, as the API server converts them."""
        with self.lab.lock:
            items, rv, _ = self.matching("events", ns, [], [])
        out = [event_new_form(e) for e in items]
        if name is not None:
            one = next((e for e in out if e["metadata"]["name"] == name), None)
            if one is None:
                raise C.not_found("events", "events.k8s.io", name)
            return self.send_json(200, one)
        self.send_json(200, {"kind": "EventList", "apiVersion": "events.k8s.io/v1",
                             "metadata": {"resourceVersion": rv},
                             "items": [strip_list_item(e) for e in out]})

    def client_gone(self):
        sock = self.connection
        raw = sock
        try:
            r, _, _ = select.select([raw], [], [], 0)
            if not r:
                return False
            if isinstance(sock, ssl.SSLSocket):
                sock.setblocking(False)
                try:
                    return sock.recv(1) == b""
                except ssl.SSLWantReadError:
                    return False
                finally:
                    sock.setblocking(True)
                    sock.settimeout(self.timeout)
            return sock.recv(1, 2) == b""  # MSG_PEEK
        except (OSError, ValueError):
            return True

    def watch(self, res, ns, lreqs, freqs, q):
        cl = self.lab.cluster
        if self.user.get("nowatch"):  # RBAC: `watch` is a verb of its own
            raise forbidden(self.user["name"], "watch", res, RESOURCES[res][0], None, ns)
        cutter = kwatch.StreamCut(self.lab)
        table = ktables.wants_table(self.headers.get("Accept"))
        include = q.get("includeObject", "PartialObjectMetadata")
        timeout = min(float(q.get("timeoutSeconds") or 1800), 1800)
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        want_rv = q.get("resourceVersion", "")
        g, v, kind = RESOURCES[res][:3]
        api_version = "%s/%s" % (g, v) if g else v
        ok = lambda o: (ns in (None, K.NS) and  # noqa: E731
                        labels_match(lreqs, o["metadata"].get("labels")) and fields_match(freqs, o))
        initial = []
        with cl.lock:
            last = cl.rv
            if want_rv in ("", "0") or q.get("sendInitialEvents") == "true":
                initial = [("ADDED", o) for o in self.matching(res, ns, lreqs, freqs)[0]]
            else:
                try:
                    last = int(want_rv)
                except ValueError:
                    raise C.ApiError(400, "BadRequest", "invalid resource version: %s" % want_rv)
                oldest = kwatch.oldest_kept(cl, self.lab.knobs)
                if last < oldest - 1 and last < cl.rv:
                    expired = {"type": "ERROR", "object": {
                        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                        "message": "too old resource version: %d (%d)" % (last, oldest - 1),
                        "reason": "Expired", "code": 410}}
                    self.start_chunked(200, "application/json")
                    self.chunk(json.dumps(expired, separators=(",", ":")) + "\n")
                    self.end_chunked()
                    return
        self.close_connection = True
        self.start_chunked(200, "application/json")

        def send(typ, obj):
            if table and typ in ("ADDED", "MODIFIED", "DELETED"):
                obj = ktables.table(res, [obj], obj["metadata"]["resourceVersion"], include)
            line = json.dumps({"type": typ, "object": obj}, separators=(",", ":")) + "\n"
            if cutter.due():
                kwatch.StreamCut.cut(self, line)
                return False
            self.chunk(line)
            return True

        for typ, o in initial:
            send(typ, o)
        if q.get("sendInitialEvents") == "true" and bookmarks:
            send("BOOKMARK", {"kind": kind, "apiVersion": api_version, "metadata": {
                "resourceVersion": str(last),
                "annotations": {"k8s.io/initial-events-end": "true"}}})
        end = time.time() + timeout
        idle_since = time.time()
        while time.time() < end and not self.lab.stopping:
            if cutter.due_idle() and not send("BOOKMARK", {"kind": kind, "apiVersion": api_version,
                                                      "metadata": {"resourceVersion": str(last)}}):
                return
            with cl.cond:
                if cl.rv <= last:
                    cl.cond.wait(min(1.0, max(end - time.time(), 0.01)))
                batch = []
                for ev in reversed(cl.events):
                    if ev[0] <= last:
                        break
                    batch.append(ev)
                last = max(last, cl.rv)
            sent = False
            for rv, r, typ, obj, prev in reversed(batch):
                if r != res:
                    continue
                now_ok = ok(obj)
                was_ok = prev is not None and ok(prev)
                if typ == "MODIFIED" and now_ok and not was_ok:
                    typ = "ADDED"
                elif typ == "MODIFIED" and was_ok and not now_ok:
                    typ = "DELETED"
                elif not (now_ok or (typ == "DELETED" and was_ok)):
                    continue
                if not send(typ, obj):
                    return
                sent = True
            if sent:
                idle_since = time.time()
            elif time.time() - idle_since > float(self.lab.knobs.get("bookmark_s", 5)):
                if self.client_gone():
                    return
                if bookmarks:
                    send("BOOKMARK", {"kind": kind, "apiVersion": api_version,
                                      "metadata": {"resourceVersion": str(last)}})
                idle_since = time.time()
        self.end_chunked()

    def pod_log(self, ns, name, q):
        """GET pods/{pod}/log as the kubelet answers through the API server:
        container, timestamps, tailLines, sinceTime, sinceSeconds, limitBytes,
        previous (400 without a previous instance) and follow (chunked, until
        the container ends, the pod goes or the lab cuts the stream)."""
        cl = self.lab.cluster
        timestamps = q.get("timestamps") in ("true", "1")
        previous = q.get("previous") in ("true", "1")
        follow = q.get("follow") in ("true", "1")
        with self.lab.lock:
            pod = next((p for p in cl.pods() if p.name == name), None) if ns == K.NS else None
            if pod is None:
                raise C.not_found("pods", "", name)
            cont = q.get("container") or K.CONTAINER
            if cont != K.CONTAINER:
                raise C.ApiError(404, "NotFound", "container %s is not valid for pod %s" % (cont, name),
                                 {"name": name, "kind": "pods"})
            inst = pod.logs.previous if previous else pod.logs.current
            if inst is None:
                raise C.ApiError(400, "BadRequest", 'previous terminated container "%s" in pod "%s" not found'
                                 % (cont, name))
            lines = list(inst.lines)
            seen = inst.seq
            ended = inst.end is not None
            cut_at = self.lab.log_cuts
        lines = self.log_window(lines, q)
        if not follow or previous or ended:
            text = klogs.render(lines, timestamps)
            if q.get("limitBytes"):
                text = text[:int(q["limitBytes"])]
            return self.send_text(200, text)
        self.close_connection = True
        self.start_chunked(200, "text/plain")
        if lines:
            self.chunk(klogs.render(lines, timestamps))
        end = time.time() + 1800
        idle = time.time()
        while time.time() < end and not self.lab.stopping:
            time.sleep(0.1)
            with self.lab.lock:
                new = inst.since_seq(seen)
                seen = inst.seq
                gone = pod not in cl.pods()
                ended = inst.end is not None
                cut = self.lab.log_cuts != cut_at
            if cut:
                # a proxy between here and the client drops the connection, mid-line when it can
                half = klogs.render(new, timestamps).encode()
                half = half[:len(half) // 2]
                if half:
                    self.wfile.write(b"%x\r\n%s" % (len(half) + 40, half))
                    self.wfile.flush()
                self.connection.shutdown(2)
                return
            if new:
                self.chunk(klogs.render(new, timestamps))
                idle = time.time()
            elif time.time() - idle > 5:
                if self.client_gone():
                    return
                idle = time.time()
            if gone or ended:
                break
        self.end_chunked()

    def log_window(self, lines, q):
        since = q.get("sinceTime")
        if since:
            try:
                t0 = calendar.timegm(time.strptime(since[:19], "%Y-%m-%dT%H:%M:%S"))
            except ValueError:
                raise C.ApiError(400, "BadRequest", 'parsing time "%s" as "2006-01-02T15:04:05Z07:00": cannot '
                                 'parse' % since)
            frac = since[19:].rstrip("Z")
            if frac.startswith("."):
                t0 += float("0" + frac)
            lines = [x for x in lines if x[0] >= t0]
        elif q.get("sinceSeconds"):
            cutoff = time.time() - float(q["sinceSeconds"])
            lines = [x for x in lines if x[0] >= cutoff]
        tail = q.get("tailLines")
        if tail not in (None, ""):
            n = max(int(tail), 0)
            lines = lines[-n:] if n else []
        return lines

    # ---- writes -----------------------------------------------------------
    def patched(self, cur, body):
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype not in PATCH_TYPES:
            raise C.ApiError(415, "UnsupportedMediaType",
                             "the body of the request was in an unknown format - accepted media "
                             "types include: application/json-patch+json, "
                             "application/merge-patch+json, application/apply-patch+yaml, "
                             "application/strategic-merge-patch+json")
        try:
            if ctype == "application/json-patch+json":
                return json_patch(cur, body)
            if body is None or not isinstance(body, dict):
                raise C.ApiError(400, "BadRequest", "error decoding patch: expected a JSON object")
            if ctype == "application/strategic-merge-patch+json":
                return strategic_merge(cur, body)
            return merge_patch(cur, body)
        except PatchError as e:
            raise C.ApiError(422, "Invalid", "the server rejected our request due to an error in "
                             "our request: %s" % e, {})

    def check_rv(self, new, cur, res, group, name):
        want = (new.get("metadata") or {}).get("resourceVersion")
        if want and want != cur["metadata"]["resourceVersion"]:
            raise conflict(res, group, name)

    def write(self, method, res, group, name, body, q):
        cl = self.lab.cluster
        who = self.user["name"]
        with self.lab.lock:
            cur = cl.get(res, name)
            if cur is None:
                raise C.not_found(res, group, name)
            new = self.patched(cur, body) if method == "PATCH" else body
            if not isinstance(new, dict):
                raise C.ApiError(400, "BadRequest", "the request body is not a JSON object")
            self.check_rv(new, cur, res, group, name)
            if q.get("dryRun"):
                return self.send_json(200, new)
            now = time.time()
            manager = manager_of(q, self.headers.get("User-Agent"))
            if res == "services":
                cl.update_service(name, new, who, now, manager)
            else:
                cl.update_deployment(name, new, who, now, manager)
            out = cl.get(res, name)
        self.lab.log("kube %s %s/%s by %s -> rv %s" % (method, res, name, who,
                                                      out["metadata"]["resourceVersion"]))
        self.send_json(200, out)

    def scale_obj(self, ns, name):
        with self.lab.lock:
            d = self.lab.cluster.deployments.get(name) if ns == K.NS else None
            if d is None:
                raise C.not_found("deployments", "apps", name)
            dep = self.lab.cluster.get("deployments", name)
            return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                    "metadata": {k: dep["metadata"][k] for k in
                                 ("name", "namespace", "uid", "resourceVersion",
                                  "creationTimestamp")},
                    "spec": {"replicas": d.desired()},
                    "status": {"replicas": d.status["replicas"],
                               "selector": selector_string(d.spec["selector"]["matchLabels"])}}

    def write_scale(self, method, name, body, q):
        with self.lab.lock:
            cur = self.scale_obj(K.NS, name)
            new = self.patched(cur, body) if method == "PATCH" else body
            if not isinstance(new, dict):
                raise C.ApiError(400, "BadRequest", "the request body is not a JSON object")
            self.check_rv(new, cur, "deployments", "apps", name)
            reps = (new.get("spec") or {}).get("replicas", 0)
            if not q.get("dryRun"):
                self.lab.cluster.scale(name, reps, self.user["name"], time.time(),
                                       manager_of(q, self.headers.get("User-Agent")))
            out = self.scale_obj(K.NS, name)
        self.send_json(200, out)

    def delete_pod(self, name):
        self.drain()
        with self.lab.lock:
            self.lab.cluster.delete_pod(name, self.user["name"], time.time())
            out = self.lab.cluster.get("pods", name)
        self.send_json(200, out)


def event_new_form(e):
    """A core/v1 Event as events.k8s.io/v1 shows it: regarding, note, deprecated* fields."""
    src = e.get("source") or {}
    out = {"kind": "Event", "apiVersion": "events.k8s.io/v1", "metadata": e["metadata"],
           "eventTime": e.get("eventTime"), "reason": e.get("reason"), "note": e.get("message"),
           "type": e.get("type"), "regarding": e.get("involvedObject"),
           "reportingController": e.get("reportingComponent") or src.get("component", ""),
           "reportingInstance": e.get("reportingInstance") or src.get("host", ""),
           "deprecatedSource": src, "deprecatedFirstTimestamp": e.get("firstTimestamp"),
           "deprecatedLastTimestamp": e.get("lastTimestamp"), "deprecatedCount": e.get("count")}
    return {k: v for k, v in out.items() if v is not None}
