"""The lab's Argo Rollouts controller: one Rollout (argoproj.io/v1alpha1) that
owns its ReplicaSets by rollouts-pod-template-hash and the Service's selector,
with the controller's behaviour for both strategies: canary steps (setWeight,
timed pauses), weights as the replica ratio, blue-green preview then
promotion that swaps the active Service's selector, abort that scales the
new set down and returns traffic to stable, scaleDownDelaySeconds, undo by a
template patch. Its AnalysisRuns measure the new pods' error ratio in the
lab's Prometheus, from a thread of their own (never under the lab lock).

The Rollout takes over the Service from the two Deployments when a rollout
scenario first runs (control.py): Argo CD scales them to 0 and leaves the
Selector to the Rollout, as a team moving to Argo Rollouts does."""

import copy
import hashlib
import json
import math
import os
import threading
import time
import urllib.parse
import urllib.request

import cluster as C
import kobjects as K
from labutil import canonical, image_tag, new_uid, random_suffix, rfc3339, template_hash

GROUP, VERSION = "argoproj.io", "v1alpha1"
API_VERSION = GROUP + "/" + VERSION
HASH = "rollouts-pod-template-hash"
PREVIEW = "detection-api-preview"
MANAGER = "argo-rollouts"

# The seeds' canary (setWeight 20, pause 5m, 50, 80), its pauses shortened.
CANARY_STEPS = [{"setWeight": 20}, {"pause": {"duration": "8s"}}, {"setWeight": 50},
                {"pause": {"duration": "8s"}}, {"setWeight": 80}, {"pause": {"duration": "8s"}}]
ANALYSIS_INTERVAL = 2.0
# 8 % of errors is neither a success (< 5 %) nor a failure (> 50 %): the run
# comes out inconclusive and the Rollout waits for a person, as teams set it.
METRIC = {"name": "error-ratio", "interval": "2s", "failureLimit": 0, "inconclusiveLimit": 1,
          "successCondition": "result[0] < 0.05", "failureCondition": "result[0] > 0.5"}


def rollout_template(image):
    t = K.pod_template("", image)
    t["metadata"]["labels"] = {"app": K.APP}
    t["spec"]["containers"][0]["env"] = [e for e in t["spec"]["containers"][0]["env"]
                                         if e["name"] != "SLOT"]
    return t


def strategy(kind):
    if kind == "canary":
        return {"canary": {"steps": copy.deepcopy(CANARY_STEPS)}}
    return {"blueGreen": {"activeService": K.SERVICE, "previewService": PREVIEW,
                          "autoPromotionEnabled": True, "scaleDownDelaySeconds": 20}}


class RolloutPod(C.Pod):
    """A pod of a Rollout's ReplicaSet: its "slot" (the metrics' label) is
    its pod-template hash, the name the console gives the set."""

    @property
    def slot(self):
        return self.rs.hash


class RolloutRS:
    def __init__(self, ro, template, revision, created):
        self.dep = ro
        self.hash = template_hash(template)
        self.name = "%s-%s" % (ro.name, self.hash)
        self.uid = new_uid()
        self.template = copy.deepcopy(template)
        self.template["metadata"]["labels"][HASH] = self.hash
        self.revision = revision
        self.replicas = 0
        self.generation = 1
        self.created = created
        self.pods = []
        self.scale_down_at = None   # blue-green: the old active goes to 0 then

    def available(self):
        return sum(1 for p in self.pods if p.deleting_at is None and p.ready)

    def active(self):
        return [p for p in self.pods if p.deleting_at is None]

    def ready_all(self):
        return self.replicas > 0 and self.available() >= self.replicas and len(self.active()) == self.replicas


class Analysis:
    """One AnalysisRun: measurements are appended by the measuring thread."""

    def __init__(self, ro, rs, kind, now):
        self.name = "%s-%s-%d-%s" % (ro.name, rs.hash, rs.revision, random_suffix(5))
        self.uid = new_uid()
        self.hash = rs.hash
        self.rs_name = rs.name
        self.kind = kind
        self.created = now
        self.phase = "Running"
        self.measurements = []
        self.message = ""
        self.done_at = None
        self.count = 12 if kind == "PostPromotion" else None

    def verdict(self):
        inc = sum(1 for m in self.measurements if m["phase"] == "Inconclusive")
        failed = sum(1 for m in self.measurements if m["phase"] == "Failed")
        errors = sum(1 for m in self.measurements if m["phase"] == "Error")
        if failed > METRIC["failureLimit"]:
            return "Failed"
        if inc > METRIC["inconclusiveLimit"]:
            return "Inconclusive"
        if errors > 8:
            return "Error"
        if self.count and len(self.measurements) >= self.count:
            return "Successful"
        return "Running"

    def render(self, ro):
        counts = {}
        for m in self.measurements:
            counts[m["phase"]] = counts.get(m["phase"], 0) + 1
        result = {"name": METRIC["name"], "phase": self.phase if self.phase != "Running" else "Running",
                  "count": len(self.measurements), "measurements": self.measurements[-10:]}
        for phase, key in (("Successful", "successful"), ("Failed", "failed"),
                           ("Inconclusive", "inconclusive"), ("Error", "error")):
            if counts.get(phase):
                result[key] = counts[phase]
        metric = dict(METRIC, provider={"prometheus": {"address": "http://prometheus:9090",
                                                       "query": self.query()}})
        status = {"phase": self.phase, "metricResults": [result], "startedAt": rfc3339(self.created)}
        if self.message:
            status["message"] = self.message
        return {"kind": "AnalysisRun", "apiVersion": API_VERSION,
                "metadata": {"name": self.name, "namespace": K.NS, "uid": self.uid,
                             "creationTimestamp": rfc3339(self.created),
                             "labels": {"rollout-type": self.kind, HASH: self.hash},
                             "annotations": {"rollout.argoproj.io/revision": str(ro.revision)},
                             "ownerReferences": [{"apiVersion": API_VERSION, "kind": "Rollout",
                                                  "name": ro.name, "uid": ro.uid, "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": {"metrics": [metric]}, "status": status}

    def query(self):
        sel = 'pod=~"%s-.*"' % self.rs_name
        return ('sum(rate(http_requests_total{%s,status=~"5.."}[10s])) / '
                'sum(rate(http_requests_total{%s}[10s]))' % (sel, sel))


class Rollout:
    def __init__(self, kind, image, replicas, now):
        self.name = K.APP
        self.uid = new_uid()
        self.created = now
        self.generation = 1
        self.spec = {"replicas": replicas, "revisionHistoryLimit": 10,
                     "selector": {"matchLabels": {"app": K.APP}},
                     "template": rollout_template(image), "strategy": strategy(kind)}
        self.rsets = []
        self.revision = 0
        self.stable = None          # hash
        self.step = 0
        self.pause_start = None
        self.pause_reason = None
        self.abort = False
        self.aborted_at = None
        self.promote_full = False
        self.active = None          # blue-green: hash the active Service selects
        self.preview = None
        self.message = ""
        self.runs = []
        self.conditions = {}
        self.last_hash = template_hash(self.spec["template"])

    @property
    def canary(self):
        return "canary" in self.spec["strategy"]

    def bg(self):
        return self.spec["strategy"].get("blueGreen") or {}

    def steps(self):
        return (self.spec["strategy"].get("canary") or {}).get("steps") or []

    def desired(self):
        return int(self.spec.get("replicas", 1))

    def rs(self, h):
        return next((r for r in self.rsets if r.hash == h), None)

    def current(self):
        return self.rs(template_hash(self.spec["template"]))


def duration_s(v):
    if isinstance(v, (int, float)):
        return float(v)
    s, total, num = str(v), 0.0, ""
    for ch in s:
        if ch.isdigit() or ch == ".":
            num += ch
        else:
            total += float(num or 0) * {"h": 3600, "m": 60, "s": 1}.get(ch, 1)
            num = ""
    return total + (float(num) if num else 0)


class Controller:
    def __init__(self, cl):
        self.cl = cl
        self.ro = None
        self.argocd_selector = None   # the selector Argo CD's state names (the Rollout owns the real one)
        self.prom_url = None
        self.stop = False
        self.thread = None
        self.preview_slices = []
        self.owns = False

    # ---- set-up ---------------------------------------------------------
    def create(self, kind, image, replicas, now):
        self.ro = Rollout(kind, image, replicas, now)
        rs = self._new_revision(now)
        self.ro.stable = rs.hash
        self.ro.active = rs.hash
        rs.replicas = replicas
        self.cl.note(now, "lab", "rollout %s created (%s, %s)" % (self.ro.name, kind, image_tag(image)))
        if self.thread is None:
            self.thread = threading.Thread(target=self._measure_loop, name="analysis", daemon=True)
            self.thread.start()

    def take_service(self, now):
        """The Rollout's controller takes the Service's selector over."""
        if self.argocd_selector is None:
            self.argocd_selector = dict(self.cl.service["spec"].get("selector") or {})
        self.owns = True
        self._own_service(now)

    def _own_service(self, now):
        if not self.owns:
            return
        ro = self.ro
        svc = copy.deepcopy(self.cl.service)
        sel = {"app": K.APP}
        if not ro.canary:
            sel[HASH] = ro.active
        if svc["spec"].get("selector") != sel:
            svc["spec"]["selector"] = sel
            self.cl.update_service(svc["metadata"]["name"], svc, MANAGER, now, MANAGER)

    def _new_revision(self, now):
        ro = self.ro
        ro.revision = max([r.revision for r in ro.rsets] + [ro.revision]) + 1
        rs = ro.current()
        if rs is None:
            rs = RolloutRS(ro, ro.spec["template"], ro.revision, now)
            ro.rsets.append(rs)
        else:
            rs.revision = ro.revision
        return rs

    def pods(self):
        return [p for r in self.ro.rsets for p in r.pods] if self.ro else []

    # ---- the controller ---------------------------------------------------
    def tick(self, now):
        ro = self.ro
        if ro is None:
            return
        h = template_hash(ro.spec["template"])
        if h != ro.last_hash:
            cur = self._new_revision(now)
            ro.last_hash = h
            self._start_update(cur, now)
        cur = ro.current()
        if ro.canary:
            self._canary(cur, now)
        else:
            self._bluegreen(cur, now)
        for rs in ro.rsets:
            if rs.scale_down_at is not None and now >= rs.scale_down_at:
                rs.replicas, rs.scale_down_at = 0, None
            self._replicaset(rs, now)
            rs.pods = [p for p in rs.pods if not self.cl._pod(p, now)]
        self._analysis(cur, now)

    def _start_update(self, cur, now):
        ro = self.ro
        ro.step, ro.pause_start, ro.pause_reason = 0, None, None
        ro.abort, ro.aborted_at, ro.promote_full = False, None, False
        ro.message = ""
        self.cl.note(now, MANAGER, "rollout %s: revision %d (%s)" % (
            ro.name, ro.revision, image_tag(K.container_image(ro.spec["template"]))))
        if cur.hash == ro.stable:
            return
        if not ro.canary:
            ro.preview = cur.hash

    def _finish(self, cur, now):
        """The new set is the stable one: the update is over."""
        ro = self.ro
        old = ro.rs(ro.stable)
        ro.stable = cur.hash
        ro.step = len(ro.steps())
        ro.pause_start = ro.pause_reason = None
        if old is not None and old is not cur:
            if ro.canary:
                old.replicas = 0
            else:
                old.scale_down_at = now + float(ro.bg().get("scaleDownDelaySeconds", 30))
        for run in ro.runs:
            if run.phase == "Running" and run.kind == "Background":
                run.phase, run.done_at = "Successful", now

    def _canary(self, cur, now):
        ro = self.ro
        n = ro.desired()
        stable = ro.rs(ro.stable)
        if cur is stable:
            cur.replicas = n
            for r in ro.rsets:
                if r is not cur and r.scale_down_at is None:
                    r.replicas = 0
            return
        if ro.abort:
            cur.replicas = 0
            if stable is not None:
                stable.replicas = n
            ro.pause_start = ro.pause_reason = None
            return
        steps = ro.steps()
        if ro.promote_full:
            ro.step = len(steps)
        weight = 100
        for s in steps[:ro.step + 1] if ro.step < len(steps) else steps:
            if "setWeight" in s:
                weight = int(s["setWeight"])
        if ro.step >= len(steps):
            weight = 100
        want = int(math.ceil(n * weight / 100.0))
        cur.replicas = want
        if stable is not None and weight < 100:
            stable.replicas = max(n - want, 0)
        elif stable is not None and cur.ready_all():
            stable.replicas = 0
        if ro.step >= len(steps):
            if cur.ready_all():
                self._finish(cur, now)
            return
        if ro.pause_reason == "InconclusiveAnalysisRun":
            return
        step = steps[ro.step]
        if "setWeight" in step:
            if cur.ready_all() or want == 0:
                ro.step += 1
        elif "pause" in step:
            if ro.pause_start is None:
                ro.pause_start, ro.pause_reason = now, "CanaryPauseStep"
            dur = (step["pause"] or {}).get("duration")
            if dur is not None and now - ro.pause_start >= duration_s(dur):
                ro.step += 1
                ro.pause_start = ro.pause_reason = None
        else:
            ro.step += 1

    def _bluegreen(self, cur, now):
        ro = self.ro
        n = ro.desired()
        active = ro.rs(ro.active)
        if cur is active:
            cur.replicas = n
            ro.preview = cur.hash
            return
        if ro.abort:
            cur.replicas = 0
            ro.preview = ro.active
            return
        cur.replicas = n
        ro.preview = cur.hash
        if not cur.ready_all():
            return
        auto = ro.bg().get("autoPromotionEnabled", True)
        if not auto and not ro.promote_full:
            if ro.pause_start is None:
                ro.pause_start, ro.pause_reason = now, "BlueGreenPause"
            return
        self._promote_bg(cur, now)

    def _promote_bg(self, cur, now):
        ro = self.ro
        ro.active = cur.hash
        ro.pause_start = ro.pause_reason = None
        self._own_service(now)
        self._finish(cur, now)
        ro.runs.append(Analysis(ro, cur, "PostPromotion", now))

    def _replicaset(self, rs, now):
        active = rs.active()
        while len(active) < rs.replicas:
            p = self._new_pod(rs, now)
            active.append(p)
        if len(active) > rs.replicas:
            victims = sorted(active, key=lambda p: (p.ready, -p.created))
            for p in victims[:len(active) - rs.replicas]:
                p.deleting_at = now
                p.ready, p.ready_changed = False, now
                self.cl.ev.pod_deleted(rs, p, now)

    def _new_pod(self, rs, now):
        cl = self.cl
        n = cl.ip_next.get("rollout", 10)
        cl.ip_next["rollout"] = 10 + (n - 9) % 240
        node = C.NODES[n % len(C.NODES)]
        p = RolloutPod(rs, "%s-%s" % (rs.name, random_suffix(5, cl.rng)), "10.244.7.%d" % n, node, now,
                       cl.rng)
        rs.pods.append(p)
        cl.ev.pod_created(rs, p, K.container_image(rs.template), now)
        return p

    # ---- analysis ---------------------------------------------------------
    def _analysis(self, cur, now):
        ro = self.ro
        updating = cur.hash != ro.stable and not ro.abort
        if ro.canary and updating and cur.replicas > 0:
            if not any(r.hash == cur.hash and r.kind == "Background" for r in ro.runs):
                ro.runs.append(Analysis(ro, cur, "Background", now))
        for run in ro.runs:
            if run.phase != "Running":
                continue
            if ro.abort and run.hash == cur.hash:
                run.phase, run.message, run.done_at = "Failed", "Run Terminated", now
                continue
            v = run.verdict()
            if v == "Running":
                continue
            run.phase, run.done_at = v, now
            if v == "Inconclusive" and ro.canary and run.hash == cur.hash:
                ro.pause_start, ro.pause_reason = now, "InconclusiveAnalysisRun"
                ro.message = "InconclusiveAnalysisRun: Metric \"%s\" assessed Inconclusive" % METRIC["name"]
            elif v in ("Failed", "Error") and run.hash == cur.hash and cur.hash != ro.stable:
                ro.abort, ro.aborted_at = True, now
                ro.message = "RolloutAborted: Metric \"%s\" assessed %s" % (METRIC["name"], v)
        del ro.runs[:-6]

    def _measure_loop(self):
        while not self.stop:
            time.sleep(ANALYSIS_INTERVAL)
            with self.cl.lock:
                ro = self.ro
                todo = [(r, r.query()) for r in (ro.runs if ro else []) if r.phase == "Running"]
            for run, q in todo:
                started = time.time()
                value, phase = self._measure(q)
                with self.cl.lock:
                    if run.phase == "Running":
                        run.measurements.append({"phase": phase, "startedAt": rfc3339(started),
                                                 "finishedAt": rfc3339(time.time()),
                                                 **({"value": value} if value is not None else {})})

    def _measure(self, q):
        url = self._prometheus()
        if not url:
            return None, "Error"
        try:
            with urllib.request.urlopen(url + "/api/v1/query?" + urllib.parse.urlencode({"query": q}),
                                        timeout=5) as r:
                ans = json.loads(r.read().decode())
            res = ans["data"]["result"]
            if not res:
                return None, "Error"      # as Argo: result[0] of nothing is an error
            v = float(res[0]["value"][1])
        except (OSError, ValueError, KeyError, IndexError):
            return None, "Error"
        if math.isnan(v):
            return "[NaN]", "Error"
        text = "[%.4g]" % v
        if v < 0.05:
            return text, "Successful"
        if v > 0.5:
            return text, "Failed"
        return text, "Inconclusive"

    def _prometheus(self):
        if self.prom_url is None:
            try:
                with open(os.path.join(self.cl.lab_dir, "lab.json")) as f:
                    self.prom_url = "http://127.0.0.1:%d" % json.load(f)["ports"]["prometheus"]
            except (OSError, ValueError, KeyError, AttributeError):
                return None
        return self.prom_url

    # ---- writes from the API ---------------------------------------------
    def patch_status(self, new, who, now):
        """A merge patch on status (abort, retry, promote, promote --full)."""
        ro = self.ro
        st = new.get("status") or {}
        if st.get("abort") is True and not ro.abort:
            ro.abort, ro.aborted_at = True, now
            ro.message = "RolloutAborted: Rollout aborted update to revision %d" % ro.revision
            self.cl.note(now, who, "rollout %s aborted" % ro.name)
        elif st.get("abort") is False and ro.abort:
            ro.abort, ro.aborted_at, ro.message = False, None, ""
            ro.step, ro.pause_start, ro.pause_reason = 0, None, None
            ro.runs = [r for r in ro.runs if r.hash != (ro.current() or ro.rs(ro.stable)).hash]
            self.cl.note(now, who, "rollout %s retried" % ro.name)
        if st.get("promoteFull") is True:
            ro.promote_full = True
            self.cl.note(now, who, "rollout %s fully promoted" % ro.name)
        if "pauseConditions" in st and not st["pauseConditions"] and ro.pause_reason:
            if ro.pause_reason in ("CanaryPauseStep", "InconclusiveAnalysisRun") and ro.canary:
                ro.step += 1
            elif ro.pause_reason == "BlueGreenPause":
                ro.promote_full = True
            ro.pause_start = ro.pause_reason = None
            ro.message = ""
            self.cl.note(now, who, "rollout %s promoted" % ro.name)
        if "currentStepIndex" in st and isinstance(st["currentStepIndex"], int):
            ro.step = max(0, min(st["currentStepIndex"], len(ro.steps())))
            ro.pause_start = ro.pause_reason = None
            self.cl.note(now, who, "rollout %s moved to step %d" % (ro.name, ro.step))
        self.cl.tick(now)

    def patch_spec(self, new, who, now):
        ro = self.ro
        spec = new.get("spec") or {}
        tmpl = spec.get("template")
        if spec.get("paused") is not None and bool(spec["paused"]) != bool(ro.spec.get("paused")):
            ro.spec["paused"] = bool(spec["paused"])
            ro.generation += 1
            self.cl.note(now, who, "rollout %s %s" % (ro.name, "paused" if spec["paused"] else "resumed"))
        if tmpl is not None and template_hash(tmpl) != template_hash(ro.spec["template"]):
            old = image_tag(K.container_image(ro.spec["template"]))
            ro.spec["template"] = copy.deepcopy(tmpl)
            ro.spec["template"].setdefault("metadata", {}).setdefault("labels", {}).pop(HASH, None)
            ro.generation += 1
            self.cl.note(now, who, "rollout %s image %s -> %s" % (
                ro.name, old, image_tag(K.container_image(ro.spec["template"]))))
        if "strategy" in spec and canonical(spec["strategy"]) != canonical(ro.spec["strategy"]):
            ro.spec["strategy"] = copy.deepcopy(spec["strategy"])
            ro.generation += 1
        self.cl.tick(now)

    # ---- what the API serves -------------------------------------------
    def render(self, out, now):
        ro = self.ro
        if ro is None:
            return
        out["rollouts"][ro.name] = self.render_rollout(now)
        for rs in ro.rsets:
            out["replicasets"][rs.name] = self.render_rs(rs, now)
            for p in rs.pods:
                out["pods"][p.name] = K.render_pod(p, now)
        for run in ro.runs:
            out["analysisruns"][run.name] = run.render(ro)
        if not ro.canary:
            svc = copy.deepcopy(self.cl.service)
            svc["metadata"] = {"name": PREVIEW, "namespace": K.NS,
                               "uid": self.cl._meta("svc/" + PREVIEW, now)["uid"],
                               "creationTimestamp": rfc3339(ro.created)}
            svc["spec"]["selector"] = {"app": K.APP, HASH: ro.preview or ro.active}
            svc["spec"].pop("clusterIP", None)
            svc["spec"].pop("clusterIPs", None)
            out["services"][PREVIEW] = svc
            # the preview Service's endpoints: the preview set's pods, as the slice controller lists them
            rs = ro.rs(ro.preview or ro.active)
            pods = sorted([p for p in rs.pods if p.deleting_at is None], key=lambda p: p.name) if rs else []
            sname = PREVIEW + "-rl7x2"
            meta = self.cl._meta("eps/" + sname, now)
            out["endpointslices"][sname] = K.render_endpointslice(svc, sname, meta, pods)

    def render_rs(self, rs, now):
        ro = self.ro
        active = rs.active()
        ready = sum(1 for p in active if p.ready)
        status = {"replicas": len(active), "observedGeneration": rs.generation}
        if ready:
            status.update(readyReplicas=ready, availableReplicas=ready, fullyLabeledReplicas=len(active))
        ann = {"rollout.argoproj.io/revision": str(rs.revision)}
        if rs.scale_down_at is not None:
            ann["argo-rollouts.argoproj.io/scale-down-deadline"] = rfc3339(rs.scale_down_at)
        return {"kind": "ReplicaSet", "apiVersion": "apps/v1",
                "metadata": {"name": rs.name, "namespace": K.NS, "uid": rs.uid, "generation": rs.generation,
                             "creationTimestamp": rfc3339(rs.created),
                             "labels": dict(rs.template["metadata"]["labels"]), "annotations": ann,
                             "ownerReferences": [{"apiVersion": API_VERSION, "kind": "Rollout",
                                                  "name": ro.name, "uid": ro.uid, "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "spec": {"replicas": rs.replicas,
                         "selector": {"matchLabels": {"app": K.APP, HASH: rs.hash}},
                         "template": rs.template},
                "status": status}

    def render_rollout(self, now):
        ro = self.ro
        cur = ro.current()
        stable = ro.rs(ro.stable)
        pods = [p for r in ro.rsets for p in r.active()]
        ready = sum(1 for p in pods if p.ready)
        updated = len(cur.active()) if cur else 0
        status = {"observedGeneration": str(ro.generation), "currentPodHash": cur.hash if cur else "",
                  "stableRS": ro.stable, "replicas": len(pods), "updatedReplicas": updated,
                  "readyReplicas": ready, "availableReplicas": ready, "HPAReplicas": len(pods),
                  "selector": "app=%s" % K.APP, "canary": {}, "blueGreen": {}}
        if ro.canary:
            status["currentStepIndex"] = min(ro.step, len(ro.steps()))
            status["currentStepHash"] = hashlib.sha1(canonical(ro.steps()).encode()).hexdigest()[:8]
        else:
            status["blueGreen"] = {"activeSelector": ro.active, "previewSelector": ro.preview or ro.active}
            status["selector"] = "app=%s,%s=%s" % (K.APP, HASH, ro.active)
        if ro.abort:
            status["abort"] = True
            status["abortedAt"] = rfc3339(ro.aborted_at or now)
        if ro.pause_reason:
            status["pauseConditions"] = [{"reason": ro.pause_reason, "startTime": rfc3339(ro.pause_start)}]
            status["controllerPause"] = True
        updating = cur is not None and cur.hash != ro.stable
        if ro.abort:
            phase = "Degraded"
            msg = ro.message or "RolloutAborted"
            prog = ("False", "RolloutAborted", msg)
        elif ro.spec.get("paused") or ro.pause_reason:
            phase, msg = "Paused", ro.message or ro.pause_reason or "manually paused"
            prog = ("Unknown", "RolloutPaused", "Rollout is paused")
        elif updating or (stable and not stable.ready_all()):
            phase, msg = "Progressing", "more replicas need to be updated" if updating else ""
            prog = ("True", "ReplicaSetUpdated",
                    'ReplicaSet "%s" is progressing.' % (cur.name if cur else ""))
        else:
            phase, msg = "Healthy", ""
            prog = ("True", "NewReplicaSetAvailable", "Rollout has completed update")
        status["phase"] = phase
        if msg:
            status["message"] = msg
        ok = stable is not None and stable.available() >= ro.desired()
        status["conditions"] = [
            {"type": "Available", "status": "True" if ok else "False",
             "reason": "AvailableReason", "message": "Rollout has minimum availability" if ok
             else "Rollout does not have minimum availability",
             "lastTransitionTime": rfc3339(ro.created), "lastUpdateTime": rfc3339(ro.created)},
            {"type": "Progressing", "status": prog[0], "reason": prog[1], "message": prog[2],
             "lastTransitionTime": rfc3339(now), "lastUpdateTime": rfc3339(now)},
            {"type": "Healthy", "status": "True" if phase == "Healthy" else "False",
             "reason": "RolloutHealthy" if phase == "Healthy" else "RolloutHealthyFalse",
             "message": "Rollout is healthy" if phase == "Healthy" else "Rollout is not healthy",
             "lastTransitionTime": rfc3339(now), "lastUpdateTime": rfc3339(now)}]
        spec = copy.deepcopy(ro.spec)
        return {"kind": "Rollout", "apiVersion": API_VERSION,
                "metadata": {"name": ro.name, "namespace": K.NS, "uid": ro.uid, "generation": ro.generation,
                             "creationTimestamp": rfc3339(ro.created), "labels": {"app": K.APP},
                             "annotations": {"rollout.argoproj.io/revision": str(ro.revision)}},
                "spec": spec, "status": status}

    def summary(self):
        ro = self.ro
        if ro is None:
            return None
        cur = ro.current()
        return {"strategy": "canary" if ro.canary else "blueGreen", "stable": ro.stable,
                "current": cur.hash if cur else None, "step": ro.step, "abort": ro.abort,
                "active": ro.active, "preview": ro.preview, "pause": ro.pause_reason,
                "image": image_tag(K.container_image(ro.spec["template"])),
                "runs": [(r.name, r.phase, len(r.measurements)) for r in ro.runs],
                "sets": {r.hash: {"replicas": r.replicas, "ready": r.available(), "revision": r.revision,
                                  "version": image_tag(K.container_image(r.template))} for r in ro.rsets}}


def api_write(h, method, name, sub, body, q):
    """PATCH of the Rollout (kapi.py routes it here): a merge patch of its
    status subresource, or any patch of the object."""
    lab = h.lab
    ctl = lab.cluster.rollouts
    who = h.user["name"]
    if method != "PATCH" or sub not in (None, "status"):
        raise C.ApiError(405, "MethodNotAllowed",
                         "the server does not allow this method on the requested resource", {})
    with lab.lock:
        if ctl.ro is None or name != ctl.ro.name:
            raise C.not_found("rollouts", GROUP, name)
        cur = lab.cluster.get("rollouts", name)
        new = h.patched(cur, body)
        h.check_rv(new, cur, "rollouts", GROUP, name)
        if not q.get("dryRun"):
            now = time.time()
            if sub == "status":
                ctype = h.headers.get("Content-Type", "").split(";")[0].strip().lower()
                ctl.patch_status(body if ctype == "application/merge-patch+json" else new, who, now)
            else:
                ctl.patch_spec(new, who, now)
        out = lab.cluster.get("rollouts", name)
    lab.log("kube PATCH rollouts/%s%s by %s -> rv %s" % (name, "/" + sub if sub else "", who,
                                                         out["metadata"]["resourceVersion"]))
    h.send_json(200, out)
