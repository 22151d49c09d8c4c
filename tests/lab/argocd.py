"""The fake Argo CD API: application detection-api, its Git history and sync
history, automated sync with self-heal, and rollback refused while auto-sync
is on, with the real server's words and codes.

The desired state of a revision (which slot the Service selects, each slot's
image and replica count) rides in each history entry's source as Helm
parameters, as a chart-based application records them."""

import copy
import json
import time

import kobjects as K
from labhttp import Handler
from labutil import canonical, git_sha, image_tag, new_uid, rfc3339
from patches import PatchError, json_patch, merge_patch

APP = "detection-api"
REPO = "https://git.example.com/platform/detection-api-deploy.git"
HISTORY_LIMIT = 10
HEALTH_ORDER = ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"]


def state(slot, images, replicas):
    return {"selector": {"app": K.APP, "slot": slot},
            "slots": {s: {"image": K.image_for(images[s]), "replicas": replicas[s]}
                      for s in K.SLOTS}}


def helm_parameters(st):
    params = [{"name": "service.activeSlot", "value": st["selector"].get("slot", "")}]
    for s in K.SLOTS:
        params.append({"name": "%s.image.tag" % s, "value": image_tag(st["slots"][s]["image"])})
        params.append({"name": "%s.replicas" % s, "value": str(st["slots"][s]["replicas"])})
    return params


def source(st=None):
    src = {"repoURL": REPO, "path": "kubernetes/helm-charts", "targetRevision": "main"}
    if st is not None:
        src["helm"] = {"parameters": helm_parameters(st)}
    return src


class ArgoError(Exception):
    def __init__(self, http, code, message):
        super().__init__(message)
        self.http, self.code, self.message = http, code, message

    def body(self):
        return {"error": self.message, "code": self.code, "message": self.message}


class ArgoCD:
    def __init__(self, lab, now):
        self.lab = lab
        self.uid = new_uid()
        self.created = now - 40 * 86400
        self.automated = {"prune": True, "selfHeal": True}
        self.commits = []          # Git: {sha, state, message, time}
        self.history = []          # status.history, with the state each entry deployed
        self.next_id = 1
        self.drift_since = None
        self.rv = 918273
        self.generation = 57
        self.last_render = None
        self.operation = None
        self.synced = None
        day = 86400
        plan = [
            (now - 7 * day, "deploy 1.4.1 to green, switch traffic to green",
             state("green", {"blue": "1.4.0", "green": "1.4.1"}, {"blue": 3, "green": 3})),
            (now - 2 * day, "deploy 1.4.2 to blue, switch traffic to blue",
             state("blue", {"blue": "1.4.2", "green": "1.4.1"}, {"blue": 3, "green": 3})),
            (now - 2 * day + 600, "finalize 1.4.2: scale green to 0",
             state("blue", {"blue": "1.4.2", "green": "1.4.1"}, {"blue": 3, "green": 0})),
        ]
        for t, msg, st in plan:
            c = self.commit(st, msg, t)
            self.record(c, t, {"username": "ci-bot", "automated": True})

    # ---- Git and sync ------------------------------------------------------
    def head(self):
        return self.commits[-1]

    def commit(self, st, message, now):
        sha = git_sha("%s|%s|%f|%d" % (canonical(st), message, now, len(self.commits)))
        c = {"sha": sha, "state": copy.deepcopy(st), "message": message, "time": now}
        self.commits.append(c)
        return c

    def record(self, c, now, initiated):
        entry = {"id": self.next_id, "revision": c["sha"], "deployStartedAt": rfc3339(now - 1),
                 "deployedAt": rfc3339(now), "source": source(c["state"]),
                 "initiatedBy": initiated}
        self.next_id += 1
        self.history.append(entry)
        del self.history[:-HISTORY_LIMIT]
        self.synced = c
        self.operation = {"phase": "Succeeded", "message": "successfully synced (all tasks run)",
                          "startedAt": entry["deployStartedAt"], "finishedAt": entry["deployedAt"],
                          "revision": c["sha"], "initiatedBy": initiated}
        return entry

    def sync_to(self, c, now, initiated, who):
        self.lab.cluster.apply_state(c["state"], who, now)
        entry = self.record(c, now, initiated)
        self.lab.log("argocd sync to %s (%s) by %s" % (c["sha"][:7], c["message"], who))
        return entry

    def autosync_on(self):
        a = self.automated
        return a is not None and a.get("enabled", True) is not False

    def tick(self, now):
        if not self.autosync_on():
            self.drift_since = None
            return
        head = self.head()
        if self.synced is None or self.synced["sha"] != head["sha"]:
            self.sync_to(head, now, {"username": "argocd-application-controller",
                                     "automated": True}, "argocd")
            self.drift_since = None
            return
        if not self.automated.get("selfHeal"):
            self.drift_since = None
            return
        if self.lab.cluster.live_state() == head["state"]:
            self.drift_since = None
            return
        if self.drift_since is None:
            self.drift_since = now
        elif now - self.drift_since >= float(self.lab.knobs["selfheal_delay"]):
            self.lab.log("argocd self-heal: live state drifted from %s" % head["sha"][:7])
            self.sync_to(head, now, {"username": "argocd-application-controller",
                                     "automated": True}, "argocd-self-heal")
            self.drift_since = None

    # ---- the API's verbs ---------------------------------------------------
    def rollback(self, req, now):
        if self.autosync_on():
            raise ArgoError(400, 9, "rollback cannot be initiated when auto-sync is enabled")
        try:
            want = int(req.get("id", 0))
        except (TypeError, ValueError):
            raise ArgoError(400, 3, "invalid id: %r" % req.get("id"))
        entry = next((h for h in self.history if h["id"] == want), None)
        if entry is None:
            raise ArgoError(404, 5, "application %s does not have deployment with id %d"
                            % (APP, want))
        if req.get("dryRun"):
            return
        c = next(c for c in self.commits if c["sha"] == entry["revision"])
        self.sync_to(c, now, {"username": "admin"}, "argocd-rollback")

    def sync(self, req, now):
        rev = (req or {}).get("revision") or "HEAD"
        if rev in ("HEAD", "main"):
            c = self.head()
        else:
            c = next((c for c in self.commits if c["sha"].startswith(rev)), None)
            if c is None:
                raise ArgoError(400, 3, "rpc error: code = Unknown desc = unable to resolve "
                                "'%s' to a commit SHA" % rev)
        if (req or {}).get("dryRun"):
            return
        self.sync_to(c, now, {"username": "admin"}, "argocd-sync")

    def set_policy(self, policy):
        if policy is None:
            policy = {}
        if not isinstance(policy, dict):
            raise ArgoError(400, 3, "spec.syncPolicy must be an object")
        auto = policy.get("automated")
        if auto is not None and not isinstance(auto, dict):
            raise ArgoError(400, 3, "spec.syncPolicy.automated must be an object or null")
        before = self.autosync_on()
        self.automated = copy.deepcopy(auto) if auto is not None else None
        if before != self.autosync_on():
            self.lab.log("argocd auto-sync %s" % ("on" if self.autosync_on() else "off"))
        self.generation += 1

    # ---- rendering ---------------------------------------------------------
    def health(self):
        cl = self.lab.cluster
        resources = []
        worst = "Healthy"
        head = self.head()["state"]
        live = cl.live_state()
        svc_synced = live["selector"] == head["selector"]
        resources.append({"version": "v1", "kind": "Service", "namespace": K.NS,
                          "name": K.SERVICE, "status": "Synced" if svc_synced else "OutOfSync",
                          "health": {"status": "Healthy"}})
        for d in sorted(cl.deployments.values(), key=lambda d: d.name):
            st, want = d.status, d.desired()
            prog = d.conditions.get("Progressing", {})
            msg = None
            if prog.get("reason") == "ProgressDeadlineExceeded":
                h = "Degraded"
                msg = 'Deployment "%s" exceeded its progress deadline' % d.name
            elif st["updated"] < want:
                h = "Progressing"
                msg = "Waiting for rollout to finish: %d out of %d new replicas have been updated..." \
                    % (st["updated"], want)
            elif st["replicas"] > st["updated"]:
                h = "Progressing"
                msg = "Waiting for rollout to finish: %d old replicas are pending termination..." \
                    % (st["replicas"] - st["updated"])
            elif st["available"] < st["updated"]:
                h = "Progressing"
                msg = "Waiting for rollout to finish: %d of %d updated replicas are available..." \
                    % (st["available"], st["updated"])
            else:
                h = "Healthy"
            synced = live["slots"][d.slot] == head["slots"][d.slot]
            hd = {"status": h}
            if msg:
                hd["message"] = msg
            resources.append({"group": "apps", "version": "v1", "kind": "Deployment",
                              "namespace": K.NS, "name": d.name,
                              "status": "Synced" if synced else "OutOfSync", "health": hd})
            if HEALTH_ORDER.index(h) > HEALTH_ORDER.index(worst):
                worst = h
        return worst, resources, live == head

    def render(self, now):
        worst, resources, in_sync = self.health()
        head = self.head()
        policy = {"syncOptions": ["CreateNamespace=false", "ApplyOutOfSyncOnly=true"],
                  "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2,
                                                    "maxDuration": "3m"}}}
        if self.automated is not None:
            policy["automated"] = copy.deepcopy(self.automated)
        images = sorted({s["image"] for s in self.lab.cluster.live_state()["slots"].values()})
        hist = [{k: v for k, v in h.items()} for h in self.history]
        op = self.operation or {}
        status = {
            "sync": {"status": "Synced" if in_sync else "OutOfSync",
                     # the commit the tracked branch resolves to, synced or not,
                     # as the real server reports it
                     "revision": head["sha"],
                     "comparedTo": {"source": source(), "destination": {
                         "server": "https://kubernetes.default.svc", "namespace": K.NS}}},
            "health": {"status": worst},
            "history": hist,
            "resources": resources,
            "summary": {"images": images},
            "sourceType": "Helm",
            "controllerNamespace": "argocd",
        }
        if op:
            status["operationState"] = {
                "operation": {"sync": {"revision": op["revision"], "prune": True},
                              "initiatedBy": op["initiatedBy"],
                              "retry": {"limit": 5}},
                "phase": op["phase"], "message": op["message"],
                "syncResult": {"revision": op["revision"], "source": source()},
                "startedAt": op["startedAt"], "finishedAt": op["finishedAt"]}
        app = {
            "metadata": {"name": APP, "namespace": "argocd", "uid": self.uid,
                         "generation": self.generation, "creationTimestamp": rfc3339(self.created),
                         "labels": {"team": "detection"},
                         "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
            "spec": {"project": "default", "source": source(),
                     "destination": {"server": "https://kubernetes.default.svc", "namespace": K.NS},
                     "syncPolicy": policy},
            "status": status,
        }
        bare = canonical(app)
        if bare != self.last_render:
            self.last_render = bare
            self.rv += 1
        app["metadata"]["resourceVersion"] = str(self.rv)
        app["status"]["reconciledAt"] = rfc3339(now)
        return app

    def snapshot(self):
        head = self.head()
        return {"autosync": self.autosync_on(),
                "selfheal": bool(self.automated and self.automated.get("selfHeal")),
                "head": {"sha": head["sha"], "message": head["message"]},
                "synced": (self.synced or head)["sha"],
                "history": [{"id": h["id"], "revision": h["revision"][:7]}
                            for h in self.history]}


class ArgoHandler(Handler):
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        try:
            path, q = self.parse()
            if path == "/api/version":
                return self.send_json(200, {"Version": "v2.13.3+a25c8a0", "BuildDate":
                                            "2025-01-03T16:04:21Z", "GitCommit":
                                            "a25c8a0eef7830be0c2c9074c92dbea8ff23a962",
                                            "GoVersion": "go1.23.4", "Platform": "linux/amd64"})
            if path == "/healthz":
                return self.send_text(200, "ok")
            tok = self.bearer()
            if tok is None:
                cookie = self.headers.get("Cookie", "")
                for part in cookie.split(";"):
                    k, _, v = part.strip().partition("=")
                    if k == "argocd.token":
                        tok = v
            if not tok:
                raise ArgoError(401, 16, "no session information")
            if tok != self.lab.argocd_token:
                raise ArgoError(401, 16, "invalid session: token signature is invalid")
            body = None
            if method in ("POST", "PATCH", "PUT"):
                try:
                    body = self.json_body()
                except ValueError as e:
                    raise ArgoError(400, 3, "invalid request body: %s" % e)
            self.route(method, path, q, body)
        except ArgoError as e:
            self.drain()
            if e.http != 401:
                self.lab.log("argocd %s %s -> %d %s" % (method, self.path.split("?")[0],
                                                         e.http, e.message))
            self.send_json(e.http, e.body())
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception:  # a bug in the fake: answer as the server would
            import traceback
            self.lab.log("argocd %s %s: %s" % (method, self.path, traceback.format_exc()))
            self.send_json(500, ArgoError(500, 13, "internal error").body())

    def route(self, method, path, q, body):
        ac = self.lab.argocd
        seg = [s for s in path.split("/") if s]
        now = time.time()
        if seg == ["api", "v1", "session", "userinfo"]:
            return self.send_json(200, {"loggedIn": True, "username": "admin", "iss": "argocd"})
        if seg == ["api", "v1", "applications"] and method == "GET":
            with self.lab.lock:
                app = ac.render(now)
            return self.send_json(200, {"metadata": {"resourceVersion": app["metadata"]
                                                     ["resourceVersion"]}, "items": [app]})
        if seg[:3] != ["api", "v1", "applications"] or len(seg) < 4:
            raise ArgoError(404, 5, "Not Found")
        if seg[3] != APP:
            # Argo CD checks RBAC before existence: an unknown app is "denied".
            raise ArgoError(403, 7, "permission denied")
        sub = seg[4] if len(seg) > 4 else None
        with self.lab.lock:
            if method == "GET" and sub is None:
                return self.send_json(200, ac.render(now))
            if method == "POST" and sub == "rollback":
                ac.rollback(body or {}, now)
                return self.send_json(200, ac.render(now))
            if method == "POST" and sub == "sync":
                ac.sync(body or {}, now)
                return self.send_json(200, ac.render(now))
            if method == "PATCH" and sub is None:
                return self.send_json(200, self.patch(body, now))
            if method == "PUT" and sub is None:
                if not isinstance(body, dict) or not isinstance(body.get("spec"), dict):
                    raise ArgoError(400, 3, "application spec is required")
                name = (body.get("metadata") or {}).get("name", APP)
                if name != APP:
                    raise ArgoError(400, 3, "application name does not match: %s" % name)
                ac.set_policy(body["spec"].get("syncPolicy"))
                return self.send_json(200, ac.render(now))
        raise ArgoError(404, 5, "Not Found")

    def patch(self, body, now):
        ac = self.lab.argocd
        if not isinstance(body, dict) or not isinstance(body.get("patch"), str):
            raise ArgoError(400, 3, "patch is required and must be a JSON string")
        ptype = body.get("patchType") or "merge"
        try:
            p = json.loads(body["patch"])
        except ValueError as e:
            raise ArgoError(400, 3, "error unmarshaling patch: %s" % e)
        cur = ac.render(now)
        try:
            if ptype == "merge":
                if not isinstance(p, dict):
                    raise ArgoError(400, 3, "merge patch must be a JSON object")
                new = merge_patch(cur, p)
            elif ptype == "json":
                new = json_patch(cur, p)
            else:
                raise ArgoError(400, 3, "Patch type '%s' is not supported" % ptype)
        except PatchError as e:
            raise ArgoError(400, 3, str(e))
        ac.set_policy((new.get("spec") or {}).get("syncPolicy"))
        return ac.render(now)
