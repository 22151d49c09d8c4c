"""The fake cluster: Deployments, ReplicaSets, Pods, the Service and what the
controllers derive from them (Endpoints, EndpointSlices), with one global
resourceVersion counter and a log of watch events, like etcd behind a real
API server. Every method expects the caller to hold the lab lock."""

import collections
import copy
import json
import math
import random
import threading

import klogs
import kobjects as K
from kevents import Recorder
from managed import Managed
from labutil import (canonical, image_tag, new_uid, random_suffix, rfc3339,
                     template_hash)

DAY = 86400.0
ARGOCD_MANAGER = "argocd-controller"     # the field manager of Argo CD's syncs
RESOURCES = ("pods", "replicasets", "deployments", "services", "endpoints", "endpointslices",
             "events", "rollouts", "analysisruns")
NODES = (("lab-node-1", "192.168.49.2", "zone-a"),
         ("lab-node-2", "192.168.49.3", "zone-b"),
         ("lab-node-3", "192.168.49.4", "zone-c"))


class ApiError(Exception):
    """A Status answer: code, reason, message and details."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason, "code": self.code}
        if self.details is not None:
            s["details"] = self.details
        return s


def invalid(kind, group, name, field, value, why):
    qual = "%s.%s" % (kind, group) if group else kind
    msg = "%s \"%s\" is invalid: %s: Invalid value: %s: %s" % (qual, name, field, value, why)
    details = {"name": name, "kind": kind, "causes": [
        {"reason": "FieldValueInvalid", "message": "Invalid value: %s: %s" % (value, why),
         "field": field}]}
    if group:
        details["group"] = group
    return ApiError(422, "Invalid", msg, details)


class Pod:
    def __init__(self, rs, name, ip, node, now, rng):
        self.rs, self.name = rs, name
        self.uid = new_uid()
        self.ip = ip
        self.node, self.host_ip, self.zone = node
        self.created = now
        self.started = now
        self.ready = False
        self.ready_changed = now
        self.restarts = 0
        self.crashing = False
        self.next_restart = None
        self.last_exit = None        # (startedAt, finishedAt, reason, exit code) of the last crash
        self.deleting_at = None
        self.container_id = "%064x" % rng.getrandbits(256)
        self.image_digest = "%064x" % rng.getrandbits(256)
        self.logs = klogs.ContainerLog(now)   # the container's instances and their lines

    @property
    def slot(self):
        return self.rs.template["metadata"]["labels"].get("slot", "")

    @property
    def version(self):
        return image_tag(K.container_image(self.rs.template))

    def backoff(self):
        return min(10 * 2 ** max(self.restarts - 1, 0), 300)


class ReplicaSet:
    def __init__(self, dep, template, revision, created):
        self.dep = dep
        self.hash = template_hash(template)
        self.name = "%s-%s" % (dep.name, self.hash)
        self.uid = new_uid()
        self.template = copy.deepcopy(template)
        self.template["metadata"]["labels"]["pod-template-hash"] = self.hash
        self.revision = revision
        self.replicas = 0
        self.generation = 1
        self.created = created
        self.pods = []

    def available(self):
        return sum(1 for p in self.pods if p.deleting_at is None and p.ready)

    def active(self):
        return [p for p in self.pods if p.deleting_at is None]


class Deployment:
    def __init__(self, slot, image, replicas, created):
        self.slot = slot
        self.name = "%s-%s" % (K.APP, slot)
        self.uid = new_uid()
        self.created = created
        self.labels = {"app": K.APP, "slot": slot}
        self.annotations = {"argocd.argoproj.io/tracking-id":
                            "detection-api:apps/Deployment:%s/%s" % (K.NS, self.name)}
        self.spec = {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": K.APP, "slot": slot}},
            "template": K.pod_template(slot, image),
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 120,
        }
        self.generation = 1
        self.observed_generation = 1
        self.revision = 0
        self.rsets = []
        self.conditions = {}
        self.last_counts = None
        self.progress_at = created
        self.status = {"replicas": 0, "updated": 0, "ready": 0, "available": 0, "unavailable": 0}
        self.managed = Managed("apps/v1")
        self.status_seen = None     # the status the controller's entry last wrote

    def desired(self):
        return int(self.spec.get("replicas", 1))

    def _pct(self, key, round_up):
        v = str(self.spec["strategy"].get("rollingUpdate", {}).get(key, "25%"))
        n = self.desired()
        if v.endswith("%"):
            x = n * float(v[:-1]) / 100.0
            return int(math.ceil(x) if round_up else math.floor(x))
        return int(v)

    def max_surge(self):
        return self._pct("maxSurge", True)

    def max_unavailable(self):
        s, u = self._pct("maxSurge", True), self._pct("maxUnavailable", False)
        return 1 if s == 0 and u == 0 else u

    def current_rs(self):
        h = template_hash(self.spec["template"])
        return next((r for r in self.rsets if r.hash == h), None)

    def image(self):
        return K.container_image(self.spec["template"])


class Cluster:
    def __init__(self, lock, knobs, faults, now, seed=None):
        self.lock = lock
        self.cond = threading.Condition(lock)
        self.knobs = knobs
        self.faults = faults
        self.rng = random.Random(seed)
        self.rv = 48213
        self.store = {r: {} for r in RESOURCES}   # resource -> name -> (bare json, obj)
        self.events = collections.deque(maxlen=5000)
        self.closed = False
        self.ns_uid, self.ns_created = new_uid(), now - 40 * DAY
        self.service = K.new_service(new_uid(), now - 40 * DAY)
        # spec.selector is atomic: its manager's entry dates the last switch
        self.service_managed = Managed("v1", atomic={("f:spec", "f:selector")})
        # the Service as Argo CD last synced it: blue 1.4.2 two days ago
        self.service_managed.write(ARGOCD_MANAGER, None, self.service, now - 2 * DAY)
        self.derived_meta = {}
        self.slice_names = []
        self.ip_next = {s: 10 for s in K.SLOTS}
        self.deployments = {}
        self.extra_pods = set()   # names of bulk pods (`lab pods N`): kept in the store as they are
        self.actions = collections.deque(maxlen=200)
        import rollouts   # it builds on this module's Pod
        self.rollouts = rollouts.Controller(self)   # an Argo Rollout, once a rollout scenario made one
        self.lab_dir = None
        self.ev = Recorder(self.rng)
        self.ev.quiet = True
        self._bootstrap(now)
        self.ev.quiet = False
        self.sync(now)

    # ---- history the lab starts with -------------------------------------
    def _bootstrap(self, now):
        plan = {"blue": [("1.4.0", now - 12 * DAY), ("1.4.2", now - 2 * DAY)],
                "green": [("1.4.1", now - 7 * DAY)]}
        for slot in K.SLOTS:
            versions = plan[slot]
            d = Deployment(slot, K.image_for(versions[0][0]), 0, now - 40 * DAY)
            self.deployments[d.name] = d
            for version, t in versions:
                d.spec["template"] = K.pod_template(slot, K.image_for(version))
                d.generation += 1
                self._new_revision(d, t)
            d.spec["replicas"] = 3 if slot == "blue" else 0
            d.observed_generation = d.generation
            rs = d.current_rs()
            rs.replicas = d.desired()
            for _ in range(rs.replicas):
                p = self._new_pod(rs, now - 2 * DAY)
                p.ready, p.ready_changed = True, now - 2 * DAY + 3
            self._conditions(d, versions[-1][1] + 5, initial=True)
            # green was scaled to 0 when 1.4.2 was finalized, ten minutes after its switch
            synced = versions[-1][1] if slot == "blue" else now - 2 * DAY + 600
            d.managed.write(ARGOCD_MANAGER, None, K.render_deployment(d, synced), synced)

    # ---- controllers ------------------------------------------------------
    def _new_revision(self, d, now):
        """A changed pod template: reuse the ReplicaSet with the same hash
        (that is what rollout undo relies on) or make a new one."""
        rs = d.current_rs()
        d.revision = max([r.revision for r in d.rsets] + [d.revision]) + 1
        if rs is None:
            rs = ReplicaSet(d, d.spec["template"], d.revision, now)
            d.rsets.append(rs)
        else:
            rs.revision = d.revision
        d.progress_at = now
        d.conditions["Progressing"] = self._cond(d, "Progressing", "True", "NewReplicaSetCreated",
                                                 'Created new replica set "%s"' % rs.name, now)
        limit = int(d.spec.get("revisionHistoryLimit", 10))
        old = sorted([r for r in d.rsets if r is not rs and r.replicas == 0 and not r.pods],
                     key=lambda r: r.revision)
        while len(old) > limit:
            d.rsets.remove(old.pop(0))
        return rs

    def _new_pod(self, rs, now):
        slot = rs.template["metadata"]["labels"].get("slot", "blue")
        idx = K.SLOTS.index(slot) + 1 if slot in K.SLOTS else 9
        n = self.ip_next.get(slot, 10)
        self.ip_next[slot] = 10 + (n - 9) % 240
        taken = {p.node[0] for p in rs.pods}
        node = next((nd for nd in NODES if nd[0] not in taken), self.rng.choice(NODES))
        p = Pod(rs, "%s-%s" % (rs.name, random_suffix(5, self.rng)),
                "10.244.%d.%d" % (idx, n), node, now, self.rng)
        rs.pods.append(p)
        self.ev.pod_created(rs, p, K.container_image(rs.template), now)
        return p

    def _cond(self, d, typ, status, reason, message, now):
        old = d.conditions.get(typ)
        trans = old["transition"] if old and old["status"] == status else now
        upd = old["updated"] if old and old["reason"] == reason and old["message"] == message else now
        return {"status": status, "reason": reason, "message": message,
                "updated": upd, "transition": trans}

    def _rollout(self, d, now):
        new = d.current_rs()
        if new is None:
            new = self._new_revision(d, now)
        desired = d.desired()
        olds = [r for r in d.rsets if r is not new and r.replicas > 0]
        if not olds:
            new.replicas = desired
            return
        surge, unavail = d.max_surge(), d.max_unavailable()
        total = new.replicas + sum(r.replicas for r in olds)
        if new.replicas > desired:
            new.replicas = desired
        elif new.replicas < desired and total < desired + surge:
            new.replicas += min(desired + surge - total, desired - new.replicas)
        total = new.replicas + sum(r.replicas for r in olds)
        new_unavail = new.replicas - new.available()
        budget = total - (desired - unavail) - new_unavail
        # Old ReplicaSets with unavailable pods go first, oldest revision next.
        for r in sorted(olds, key=lambda r: (r.available() == r.replicas, r.revision)):
            if budget <= 0:
                break
            n = min(budget, r.replicas)
            r.replicas -= n
            budget -= n

    def _replicaset(self, rs, now):
        active = rs.active()
        while len(active) < rs.replicas:
            active.append(self._new_pod(rs, now))
        if len(active) > rs.replicas:
            victims = sorted(active, key=lambda p: (p.ready, -p.created))
            for p in victims[:len(active) - rs.replicas]:
                p.deleting_at = now
                p.ready, p.ready_changed = False, now
                self.ev.pod_deleted(rs, p, now)

    def _pod(self, p, now):
        if p.deleting_at is not None:
            return now >= p.deleting_at + float(self.knobs["terminate_delay"])
        crash = self.faults.crash(p.slot, p.version)
        if crash:
            if not p.crashing:
                p.crashing = True
                self._crash(p, p.started, now)
                p.restarts += 1
                p.next_restart = now + float(self.knobs["crash_period"])
                self._set_ready(p, False, now)
                self.ev.unhealthy(p, now)
                self.ev.backoff(p, now)
            elif now >= p.next_restart:
                # The kubelet restarts it; it dies again at once.
                p.logs.restart(now - 1)
                self._starting_lines(p, now - 1)
                self._crash(p, now - 1, now)
                p.restarts += 1
                p.next_restart = now + float(self.knobs["crash_period"])
                self.ev.unhealthy(p, now)
                self.ev.backoff(p, now)
            return False
        if p.crashing:
            p.crashing = False
            p.started = now
            p.logs.restart(now)
            self.ev.container_started(p, K.container_image(p.rs.template), now)
        if not p.ready and now >= p.started + float(self.knobs["ready_delay"]):
            self._set_ready(p, True, now)
        return False

    def _starting_lines(self, p, t):
        p.logs.write(t, klogs.jline(t, "info", "main", "starting detection-api", version=p.version,
                                    pod=p.name))
        p.logs.write(t + 0.2, klogs.jline(t + 0.2, "info", "main", "loading detection model",
                                          path="/models/detector.onnx", pod=p.name))

    def _crash(self, p, started, now):
        """The instance's last lines, then its end as the pod status says it."""
        oom = self.faults.for_pod(p.slot, p.version).get("oom")
        if oom:
            p.logs.write(now, klogs.jline(now, "warn", "main", "memory use above 90% of the limit",
                                          rss_mib=int(1024 * 0.93), limit_mib=1024, pod=p.name))
            reason, code = "OOMKilled", 137
        else:
            p.logs.write(now, crash_line(p, now))
            reason, code = "Error", 1
        p.logs.terminate(now, reason, code)
        p.last_exit = (started, now, reason, code)

    def _set_ready(self, p, ready, now):
        if p.ready != ready:
            p.ready, p.ready_changed = ready, now

    def _conditions(self, d, now, initial=False):
        new = d.current_rs()
        active = [p for r in d.rsets for p in r.active()]
        avail = sum(1 for p in active if p.ready)
        updated = len(new.active()) if new else 0
        desired = d.desired()
        total_spec = sum(r.replicas for r in d.rsets)
        d.status = {"replicas": len(active), "updated": updated,
                    "ready": avail, "available": avail,
                    "unavailable": max(total_spec - avail, 0)}
        d.observed_generation = d.generation
        ok = avail >= desired - d.max_unavailable()
        d.conditions["Available"] = self._cond(
            d, "Available", "True" if ok else "False",
            "MinimumReplicasAvailable" if ok else "MinimumReplicasUnavailable",
            "Deployment has minimum availability." if ok
            else "Deployment does not have minimum availability.", now)
        counts = (updated, avail, len(active))
        prev = d.last_counts
        d.last_counts = counts
        name = new.name if new else d.name
        complete = updated >= desired and len(active) == updated and avail >= updated
        cur = d.conditions.get("Progressing")
        if initial or complete:
            d.conditions["Progressing"] = self._cond(
                d, "Progressing", "True", "NewReplicaSetAvailable",
                'ReplicaSet "%s" has successfully progressed.' % name, now)
            d.progress_at = now
        elif prev is not None and (counts[0] > prev[0] or counts[1] > prev[1] or counts[2] < prev[2]):
            d.conditions["Progressing"] = self._cond(
                d, "Progressing", "True", "ReplicaSetUpdated",
                'ReplicaSet "%s" is progressing.' % name, now)
            d.progress_at = now
        elif cur and cur["reason"] != "NewReplicaSetAvailable" and \
                now - d.progress_at > int(d.spec.get("progressDeadlineSeconds", 600)):
            d.conditions["Progressing"] = self._cond(
                d, "Progressing", "False", "ProgressDeadlineExceeded",
                'ReplicaSet "%s" has timed out progressing.' % name, now)

    def tick(self, now):
        for d in self.deployments.values():
            before = {id(r): r.replicas for r in d.rsets}
            self._rollout(d, now)
            for r in d.rsets:
                if before.get(id(r), 0) != r.replicas:
                    self.ev.scaled(d, r, before.get(id(r), 0), r.replicas, now)
                    r.generation += 1
            for rs in list(d.rsets):
                self._replicaset(rs, now)
                rs.pods = [p for p in rs.pods if not self._pod(p, now)]
            self._conditions(d, now)
        self.rollouts.tick(now)
        self.sync(now)

    # ---- derived objects and the store ------------------------------------
    def pods(self):
        return [p for d in self.deployments.values() for r in d.rsets for p in r.pods] + self.rollouts.pods()

    def selected_pods(self):
        sel = self.service["spec"].get("selector") or {}
        if not sel:
            return []
        return [p for p in self.pods()
                if all(p.rs.template["metadata"]["labels"].get(k) == v for k, v in sel.items())]

    def _meta(self, key, now):
        if key not in self.derived_meta:
            self.derived_meta[key] = {"uid": new_uid(), "created": now - 40 * DAY}
        m = self.derived_meta[key]
        return {"namespace": K.NS, "uid": m["uid"], "creationTimestamp": rfc3339(m["created"])}

    def render(self, now):
        out = {r: {} for r in RESOURCES}
        for d in self.deployments.values():
            obj = K.render_deployment(d, now)
            # the deployment controller writes the status subresource
            if obj["status"] != d.status_seen:
                d.managed.write("kube-controller-manager", {"status": d.status_seen}, obj, now, "status")
                d.status_seen = copy.deepcopy(obj["status"])
            obj["metadata"]["managedFields"] = d.managed.render()
            out["deployments"][d.name] = obj
            for rs in d.rsets:
                out["replicasets"][rs.name] = K.render_replicaset(rs, d, now)
                for p in rs.pods:
                    out["pods"][p.name] = K.render_pod(p, now)
        self.rollouts.render(out, now)
        svc = self.service
        name = svc["metadata"]["name"]
        out["services"][name] = copy.deepcopy(svc)
        out["services"][name]["metadata"]["managedFields"] = self.service_managed.render()
        sel = sorted(self.selected_pods(), key=lambda p: p.name)
        meta = dict(self._meta("ep/" + name, now), name=name)
        out["endpoints"][name] = K.render_endpoints(svc, sel, meta)
        # At most two endpoints per slice: clients must merge several slices.
        chunks = [sel[i:i + 2] for i in range(0, len(sel), 2)] or [[]]
        while len(self.slice_names) < len(chunks):
            self.slice_names.append("%s-%s" % (name, random_suffix(5, self.rng)))
        for i, chunk in enumerate(chunks):
            sname = self.slice_names[i]
            out["endpointslices"][sname] = K.render_endpointslice(
                svc, sname, self._meta("eps/" + sname, now), chunk)
        # Events only change when one is recorded: skip comparing 300 of them.
        out["events"] = self.ev.render() if self.ev.dirty else None
        self.ev.dirty = False
        return out

    def sync(self, now):
        rendered = self.render(now)
        changed = False
        for res, objs in rendered.items():
            if objs is None:
                continue
            have = self.store[res]
            for name, obj in objs.items():
                bare = canonical(obj)
                prev = have.get(name)
                if prev is not None and prev[0] == bare:
                    continue
                self.rv += 1
                obj = json.loads(bare)  # a private copy: the model keeps changing
                obj["metadata"]["resourceVersion"] = str(self.rv)
                have[name] = (bare, obj)
                self.events.append((self.rv, res, "MODIFIED" if prev else "ADDED",
                                    obj, prev[1] if prev else None))
                changed = True
            for name in [n for n in have if n not in objs and n not in self.extra_pods]:
                self.rv += 1
                gone = copy.deepcopy(have.pop(name)[1])
                gone["metadata"]["resourceVersion"] = str(self.rv)
                self.events.append((self.rv, res, "DELETED", gone, gone))
                changed = True
        if changed:
            self.cond.notify_all()
        return changed

    def get(self, res, name):
        item = self.store.get(res, {}).get(name)
        return copy.deepcopy(item[1]) if item else None

    def list(self, res):
        return [copy.deepcopy(v[1]) for _, v in sorted(self.store.get(res, {}).items())]

    # ---- writes -----------------------------------------------------------
    def note(self, now, who, what):
        self.actions.append({"time": rfc3339(now), "who": who, "what": what})

    def update_service(self, name, new, who, now, manager):
        if name != self.service["metadata"]["name"]:
            raise not_found("services", "", name)
        old = self.service
        meta = new.get("metadata") or {}
        if meta.get("name", name) != name:
            raise invalid("Service", "", name, "metadata.name", '"%s"' % meta.get("name"),
                          "field is immutable")
        spec = new.get("spec") or {}
        if spec.get("clusterIP", old["spec"]["clusterIP"]) != old["spec"]["clusterIP"]:
            raise invalid("Service", "", name, "spec.clusterIPs[0]",
                          "[]string{\"%s\"}" % spec.get("clusterIP"), "field is immutable")
        sel = spec.get("selector")
        if sel is not None and (not isinstance(sel, dict) or
                                not all(isinstance(v, str) for v in sel.values())):
            raise ApiError(400, "BadRequest", "json: cannot unmarshal into Go struct field "
                           "ServiceSpec.spec.selector of type string")
        ports = spec.get("ports")
        if not isinstance(ports, list) or not ports:
            raise ApiError(422, "Invalid", 'Service "%s" is invalid: spec.ports: Required value'
                           % name, {"name": name, "kind": "Service", "causes": [
                               {"reason": "FieldValueRequired", "message": "Required value",
                                "field": "spec.ports"}]})
        keep = {k: old["metadata"][k] for k in ("name", "namespace", "uid", "creationTimestamp")}
        svc = copy.deepcopy(new)
        svc["kind"], svc["apiVersion"] = "Service", "v1"
        svc["metadata"] = dict(meta, **keep)
        svc["metadata"].pop("resourceVersion", None)
        svc["metadata"].pop("managedFields", None)
        if "selector" in svc["spec"] and not svc["spec"]["selector"]:
            del svc["spec"]["selector"]
        svc.setdefault("status", {"loadBalancer": {}})
        before = old["spec"].get("selector")
        self.service_managed.write(manager, old, svc, now)
        self.service = svc
        if before != svc["spec"].get("selector"):
            self.note(now, who, "service selector %s -> %s" % (
                json.dumps(before, sort_keys=True), json.dumps(svc["spec"].get("selector"),
                                                               sort_keys=True)))
        self.sync(now)

    def deployment(self, name):
        d = self.deployments.get(name)
        if d is None:
            raise not_found("deployments", "apps", name)
        return d

    def update_deployment(self, name, new, who, now, manager):
        d = self.deployment(name)
        before = copy.deepcopy(K.render_deployment(d, now))
        meta = new.get("metadata") or {}
        spec = copy.deepcopy(new.get("spec") or {})
        if meta.get("name", name) != name:
            raise invalid("Deployment", "apps", name, "metadata.name",
                          '"%s"' % meta.get("name"), "field is immutable")
        if spec.get("selector") != d.spec["selector"]:
            raise invalid("Deployment", "apps", name, "spec.selector",
                          "v1.LabelSelector{MatchLabels:map[string]string{%s}}" % ", ".join(
                              '"%s":"%s"' % kv for kv in sorted(
                                  ((spec.get("selector") or {}).get("matchLabels") or {}).items())),
                          "field is immutable")
        reps = spec.get("replicas", 1)
        if not isinstance(reps, int) or isinstance(reps, bool) or reps < 0:
            raise invalid("Deployment", "apps", name, "spec.replicas", reps,
                          "must be greater than or equal to 0")
        tmpl = spec.get("template") or {}
        labels = (tmpl.get("metadata") or {}).get("labels") or {}
        if any(labels.get(k) != v for k, v in d.spec["selector"]["matchLabels"].items()):
            raise invalid("Deployment", "apps", name, "spec.template.metadata.labels",
                          "map[string]string{%s}" % ", ".join(
                              '"%s":"%s"' % kv for kv in sorted(labels.items())),
                          "`selector` does not match template `labels`")
        containers = (tmpl.get("spec") or {}).get("containers")
        if not isinstance(containers, list) or not containers:
            raise ApiError(422, "Invalid", 'Deployment.apps "%s" is invalid: '
                           'spec.template.spec.containers: Required value' % name,
                           {"name": name, "group": "apps", "kind": "Deployment"})
        for i, c in enumerate(containers):
            if not isinstance(c, dict) or not c.get("image"):
                raise ApiError(422, "Invalid", 'Deployment.apps "%s" is invalid: '
                               'spec.template.spec.containers[%d].image: Required value'
                               % (name, i), {"name": name, "group": "apps", "kind": "Deployment"})
        spec.setdefault("replicas", 1)
        for k in ("strategy", "revisionHistoryLimit", "progressDeadlineSeconds"):
            spec.setdefault(k, d.spec[k])
        old_image = d.image()
        old_reps = d.desired()
        tmpl_changed = template_hash(tmpl) != template_hash(d.spec["template"])
        if canonical(spec) != canonical(d.spec):
            d.generation += 1
        d.spec = spec
        d.labels = dict(meta.get("labels") or {})
        ann = dict(meta.get("annotations") or {})
        ann.pop("deployment.kubernetes.io/revision", None)
        d.annotations = ann
        if tmpl_changed:
            self._new_revision(d, now)
            self.note(now, who, "%s image %s -> %s (revision %d)" % (
                name, old_image, d.image(), d.revision))
        if old_reps != d.desired():
            self.note(now, who, "%s replicas %d -> %d" % (name, old_reps, d.desired()))
        d.managed.write(manager, before, K.render_deployment(d, now), now)
        self.tick(now)

    def scale(self, name, replicas, who, now, manager):
        d = self.deployment(name)
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise invalid("Scale", "autoscaling", name, "spec.replicas", replicas,
                          "must be greater than or equal to 0")
        if replicas != d.desired():
            self.note(now, who, "%s replicas %d -> %d" % (name, d.desired(), replicas))
            d.managed.write(manager, {"spec": {"replicas": d.desired()}}, {"spec": {"replicas": replicas}},
                            now, "scale")
            d.spec["replicas"] = replicas
            d.generation += 1
        self.tick(now)

    def delete_pod(self, name, who, now):
        for p in self.pods():
            if p.name == name and p.deleting_at is None:
                p.deleting_at = now
                self._set_ready(p, False, now)
                self.ev.pod_deleted(None, p, now)
                self.note(now, who, "deleted pod %s" % name)
                self.tick(now)
                return
        raise not_found("pods", "", name)

    # ---- bulk pods of other workloads (benchmarks) ----------------------
    def add_pods(self, count, app, now, slot=""):
        """count Running, ready pods labelled app=APP (and slot=SLOT), owned by one made-up
        ReplicaSet: a crowded namespace. They go straight into the store
        and are never rendered again, so the simulation's ticks stay cheap;
        they appear in lists and gets, not in watches (no event each)."""
        base = next(iter(self.pods()), None)
        if base is None:
            raise ValueError("the lab has no pod to model bulk pods on")
        model = K.render_pod(base, now)
        h = template_hash({"app": app, "slot": slot, "bulk": True})
        rs_name = "%s-%s" % (app, h)
        rs_uid = new_uid()
        have = self.store["pods"]
        for i in range(int(count)):
            name = "%s-%s" % (rs_name, random_suffix(5, self.rng))
            while name in have:
                name = "%s-%s" % (rs_name, random_suffix(5, self.rng))
            obj = copy.deepcopy(model)
            m = obj["metadata"]
            m.update(name=name, generateName=rs_name + "-", uid=new_uid(),
                     labels=dict({"app": app, "pod-template-hash": h}, **({"slot": slot} if slot else {})),
                     ownerReferences=[K.owner_ref("apps/v1", "ReplicaSet", rs_name, rs_uid)])
            m.pop("deletionTimestamp", None)
            m.pop("deletionGracePeriodSeconds", None)
            obj["status"]["podIP"] = "10.245.%d.%d" % (i // 250 % 250, i % 250 + 1)
            self.rv += 1
            m["resourceVersion"] = str(self.rv)
            have[name] = (canonical(obj), obj)
            self.extra_pods.add(name)
        self.cond.notify_all()
        return len(self.extra_pods)

    def clear_pods(self):
        for name in self.extra_pods:
            self.store["pods"].pop(name, None)
        self.extra_pods.clear()
        self.rv += 1
        self.cond.notify_all()

    # ---- the desired state as Argo CD sees it -----------------------------
    def live_state(self):
        slots = {}
        for d in self.deployments.values():
            slots[d.slot] = {"image": d.image(), "replicas": d.desired()}
        sel = self.service["spec"].get("selector") or {}
        if self.rollouts.owns:   # the Rollout's controller owns the selector
            sel = self.rollouts.argocd_selector
        return {"selector": dict(sel), "slots": slots}

    def apply_state(self, state, who, now):
        cur = self.service
        if self.rollouts.owns:
            self.rollouts.argocd_selector = dict(state["selector"])
        elif (cur["spec"].get("selector") or {}) != state["selector"]:
            svc = copy.deepcopy(cur)
            svc["spec"]["selector"] = dict(state["selector"])
            self.update_service(cur["metadata"]["name"], svc, who, now, ARGOCD_MANAGER)
        for slot, want in state["slots"].items():
            d = self.deployments["%s-%s" % (K.APP, slot)]
            if d.image() == want["image"] and d.desired() == want["replicas"]:
                continue
            obj = K.render_deployment(d, now)
            obj["spec"] = copy.deepcopy(d.spec)
            obj["spec"]["replicas"] = want["replicas"]
            for c in obj["spec"]["template"]["spec"]["containers"]:
                if c["name"] == K.CONTAINER:
                    c["image"] = want["image"]
            self.update_deployment(d.name, obj, who, now, ARGOCD_MANAGER)

    def slot_summary(self, slot):
        d = self.deployments["%s-%s" % (K.APP, slot)]
        return {"deployment": d.name, "image": d.image(), "version": image_tag(d.image()),
                "replicas": d.desired(), "ready": d.status["ready"],
                "revision": d.revision,
                "progressing": d.conditions.get("Progressing", {}).get("reason", "")}


def not_found(res, group, name):
    qual = "%s.%s" % (res, group) if group else res
    details = {"name": name, "kind": res}
    if group:
        details["group"] = group
    return ApiError(404, "NotFound", '%s "%s" not found' % (qual, name), details)


def crash_line(p, now):
    return json.dumps({"ts": rfc3339(now), "level": "fatal", "logger": "main",
                       "msg": "startup failed: cannot open detection model",
                       "error": "open /models/detector.onnx: no such file or directory",
                       "pod": p.name, "version": p.version}, separators=(",", ":"))
