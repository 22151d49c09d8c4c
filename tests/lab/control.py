"""The lab's control endpoint (loopback HTTP, used by `tests/lab/lab`):
scenarios, faults, API delays, Argo CD toggles, knobs and Git commits.

A deployment scenario acts as the team's pipeline does: it commits the new
desired state to Git in the same steps the seeds describe (deploy to the idle
slot, wait for ready, switch the selector, then scale down) and has Argo CD
sync each commit, so every step shows up in the application's history."""

import copy
import threading
import time

import kobjects as K
from faults import FAULT_KEYS
from labhttp import Handler
from labutil import image_tag

BASE = {"blue": "1.4.2", "green": "1.4.1"}


def target(slot, images, replicas):
    return {"selector": {"app": K.APP, "slot": slot},
            "slots": {s: {"image": K.image_for(images[s]), "replicas": replicas[s]}
                      for s in K.SLOTS}}


DEPLOY = {
    # blue active 1.4.2 3/3, green idle at 0
    "steady": (target("blue", BASE, {"blue": 3, "green": 0}), {}),
    # 1.5.0 to green, traffic on green, 8 % of its requests fail; blue standby
    "bad-deploy": (target("green", {"blue": "1.4.2", "green": "1.5.0"}, {"blue": 3, "green": 3}),
                   {"1.5.0": {"error": 0.08}}),
    # the same deployment, healthy
    "good-deploy": (target("green", {"blue": "1.4.2", "green": "1.5.0"}, {"blue": 3, "green": 3}),
                    {}),
}
# Faults on top of whatever is deployed: "@version" is the active slot's version.
FAULTS = {
    "pods-down": ("@version", {"crash": True}),
    "tak-outage": ("all", {"tak_outage": True}),
    "slow": ("@slot", {"latency_ms": 650}),
}
# An Argo Rollout (rollouts.py) takes the Service over from the Deployments,
# then its pipeline sets the new image: strategy, version, faults.
ROLLOUT = {
    "rollout-canary-bad": ("canary", "1.5.0", {"1.5.0": {"error": 0.08}}),
    "rollout-canary-good": ("canary", "1.5.0", {}),
    "rollout-bluegreen-bad": ("blueGreen", "1.5.0", {"1.5.0": {"error": 0.08}}),
}
SCENARIOS = sorted(list(DEPLOY) + list(FAULTS) + list(ROLLOUT))


class ScenarioError(Exception):
    pass


class Scenarios:
    def __init__(self, lab):
        self.lab = lab
        self.running = threading.Lock()

    def apply(self, name, timeout=60.0):
        if name not in DEPLOY and name not in FAULTS and name not in ROLLOUT:
            raise ScenarioError("unknown scenario %r (known: %s)" % (name, ", ".join(SCENARIOS)))
        if not self.running.acquire(timeout=timeout):
            raise ScenarioError("another scenario is still being applied")
        try:
            if name in FAULTS:
                return self._fault(name)
            if name in ROLLOUT:
                return self._rollout(name, time.time() + timeout)
            return self._deploy(name, time.time() + timeout)
        finally:
            self.running.release()

    def _fault(self, name):
        lab = self.lab
        tgt, values = FAULTS[name]
        with lab.lock:
            slot = lab.cluster.service["spec"].get("selector", {}).get("slot", "blue")
            if slot not in K.SLOTS:
                slot = "blue"
            version = image_tag(lab.cluster.deployments["%s-%s" % (K.APP, slot)].image())
            where = {"@slot": slot, "@version": version}.get(tgt, tgt)
            lab.faults.set(where, values)
            lab.log("scenario %s: fault %s on %s" % (name, values, where))
            return {"scenario": name, "fault": {where: values}}

    def _commit_sync(self, st, message):
        lab = self.lab
        with lab.lock:
            ac = lab.argocd
            c = ac.commit(st, message, time.time())
            ac.sync_to(c, time.time(), {"username": "ci-bot", "automated": True}, "pipeline")
            return c["sha"]

    def _wait_ready(self, slot, deadline):
        name = "%s-%s" % (K.APP, slot)
        while time.time() < deadline:
            with self.lab.lock:
                s = self.lab.cluster.slot_summary(slot)
                d = self.lab.cluster.deployments[name]
                done = (s["ready"] >= s["replicas"] and d.status["updated"] >= s["replicas"]
                        and d.status["replicas"] == d.status["updated"])
            if done:
                return
            time.sleep(0.1)
        raise ScenarioError("%s did not become ready in time" % name)

    def _deploy(self, name, deadline):
        lab = self.lab
        tgt, faults = DEPLOY[name]
        with lab.lock:
            lab.faults.clear()
            for where, vals in faults.items():
                lab.faults.set(where, vals)
            cur = copy.deepcopy(lab.argocd.head()["state"])
            live = lab.cluster.live_state()
        if live != cur:
            # Someone changed the cluster by hand: start from what runs.
            cur = copy.deepcopy(live)
        commits = []
        active = tgt["selector"]["slot"]
        if cur["slots"][active] != tgt["slots"][active]:
            step = copy.deepcopy(cur)
            step["slots"][active] = copy.deepcopy(tgt["slots"][active])
            commits.append(self._commit_sync(step, "deploy %s to %s (%d replicas)" % (
                image_tag(tgt["slots"][active]["image"]), active,
                tgt["slots"][active]["replicas"])))
            cur = step
        self._wait_ready(active, deadline)
        if cur["selector"] != tgt["selector"]:
            step = copy.deepcopy(cur)
            step["selector"] = copy.deepcopy(tgt["selector"])
            commits.append(self._commit_sync(step, "switch traffic to %s" % active))
            cur = step
        if cur != tgt:
            msgs = []
            for s in K.SLOTS:
                a, b = cur["slots"][s], tgt["slots"][s]
                if a["image"] != b["image"]:
                    msgs.append("%s image %s" % (s, image_tag(b["image"])))
                if a["replicas"] != b["replicas"]:
                    msgs.append("scale %s to %d" % (s, b["replicas"]))
            commits.append(self._commit_sync(copy.deepcopy(tgt), ", ".join(msgs)))
        for s in K.SLOTS:
            if tgt["slots"][s]["replicas"] > 0:
                self._wait_ready(s, deadline)
        lab.log("scenario %s applied (%d commits)" % (name, len(commits)))
        return {"scenario": name, "commits": commits}


    def _rollout(self, name, deadline):
        lab = self.lab
        kind, version, faults = ROLLOUT[name]
        with lab.lock:
            lab.faults.clear()
            ctl = lab.cluster.rollouts
            now = time.time()
            # a fresh Rollout on the running version, its pods up before it takes traffic
            ctl.create(kind, K.image_for(BASE["blue"]), 5 if kind == "canary" else 3, now)
            lab.cluster.tick(now)
        while True:
            with lab.lock:
                ro = lab.cluster.rollouts.ro
                if ro.rs(ro.stable).ready_all():
                    break
            if time.time() > deadline:
                raise ScenarioError("the rollout's stable pods did not become ready in time")
            time.sleep(0.1)
        commits = []
        with lab.lock:
            lab.cluster.rollouts.take_service(time.time())
            cur = copy.deepcopy(lab.argocd.head()["state"])
        if any(cur["slots"][s]["replicas"] for s in K.SLOTS):
            st = copy.deepcopy(cur)
            for s in K.SLOTS:
                st["slots"][s]["replicas"] = 0
            commits.append(self._commit_sync(
                st, "move detection-api to an Argo Rollout: scale the slots to 0"))
        with lab.lock:
            for where, vals in faults.items():
                lab.faults.set(where, vals)
            ctl = lab.cluster.rollouts
            new = {"spec": copy.deepcopy(ctl.ro.spec)}
            for c in new["spec"]["template"]["spec"]["containers"]:
                if c["name"] == K.CONTAINER:
                    c["image"] = K.image_for(version)
            ctl.patch_spec(new, "ci-bot", time.time())
        lab.log("scenario %s applied: %s rollout to %s" % (name, kind, version))
        return {"scenario": name, "commits": commits, "strategy": kind, "version": version}


def state_snapshot(lab):
    with lab.lock:
        cl = lab.cluster
        return {
            "selector": cl.service["spec"].get("selector") or {},
            "slots": {s: cl.slot_summary(s) for s in K.SLOTS},
            "endpoints": [p.name for p in lab.sim.endpoints()],
            "faults": lab.faults.snapshot(),
            "argocd": lab.argocd.snapshot(),
            "knobs": dict(lab.knobs),
            "pod_churn_count": lab.churn.count,
            "watch_cuts": lab.watch_cuts,
            "api_delays": lab.api_delays.snapshot(),
            "log_cuts": lab.log_cuts,
            "actions": list(cl.actions)[-20:],
            "rollout": cl.rollouts.summary(),
        }


class ControlHandler(Handler):
    def do_GET(self):
        path, q = self.parse()
        if path == "/state":
            return self.send_json(200, state_snapshot(self.lab))
        if path == "/scenarios":
            return self.send_json(200, {"scenarios": SCENARIOS,
                                        "faults": {k: v[0] for k, v in FAULT_KEYS.items()}})
        self.send_json(404, {"error": "no such control path"})

    def do_POST(self):
        path, q = self.parse()
        try:
            body = self.json_body() or {}
            out = self.route(path, body)
            self.send_json(200, out)
        except (ScenarioError, ValueError, KeyError, TypeError) as e:
            self.send_json(400, {"error": str(e)})

    def route(self, path, body):
        lab = self.lab
        if path == "/scenario":
            return lab.scenarios.apply(str(body.get("name", "")))
        if path == "/fault":
            tgt = str(body.get("target", ""))
            if not tgt:
                raise ValueError("a fault needs a target: blue, green, all or a version")
            with lab.lock:
                if body.get("clear"):
                    lab.faults.clear(None if tgt == "*" else tgt)
                if body.get("set"):
                    lab.faults.set(tgt, body["set"])
                lab.log("fault %s: %s" % (tgt, lab.faults.snapshot().get(tgt, "cleared")))
                return {"faults": lab.faults.snapshot()}
        if path == "/delay":
            if body.get("clear"):
                lab.api_delays.clear()
            else:
                lab.api_delays.add(body.get("method", ""), body.get("path", ""), body.get("seconds", 0),
                                   body.get("times"))
            lab.log("api delays: %s" % lab.api_delays.snapshot())
            return {"api_delays": lab.api_delays.snapshot()}
        if path == "/argocd":
            with lab.lock:
                ac = lab.argocd
                if "autosync" in body:
                    if body["autosync"]:
                        heal = True if ac.automated is None else ac.automated.get("selfHeal", True)
                        ac.set_policy({"automated": {"prune": True, "selfHeal": heal}})
                    else:
                        ac.set_policy({"automated": None})
                if "selfheal" in body:
                    if ac.automated is None:
                        raise ValueError("self-heal needs auto-sync: turn auto-sync on first")
                    pol = dict(ac.automated, selfHeal=bool(body["selfheal"]))
                    ac.set_policy({"automated": pol})
                return ac.snapshot()
        if path == "/set":
            with lab.lock:
                for k, v in body.items():
                    if k not in lab.knobs:
                        raise ValueError("unknown knob %r (known: %s)" % (k, ", ".join(sorted(lab.knobs))))
                    v = float(v)
                    if v < 0 or (k == "tick" and v < 0.05):
                        raise ValueError("%s=%s is out of range" % (k, v))
                    lab.knobs[k] = v
                lab.log("knobs: %s" % lab.knobs)
                return {"knobs": dict(lab.knobs)}
        if path == "/logs":
            if not body.get("cut"):
                raise ValueError("usage: {\"cut\": true}")
            with lab.lock:
                lab.log_cuts += 1
            lab.log("log streams cut (%d)" % lab.log_cuts)
            return {"log_cuts": lab.log_cuts}
        if path == "/watch":
            if not body.get("cut"):
                raise ValueError("usage: {\"cut\": true}")
            with lab.lock:
                lab.watch_cuts += 1
                lab.watch_cut_time = time.time()
            lab.log("watch streams cut (%d)" % lab.watch_cuts)
            return {"watch_cuts": lab.watch_cuts}
        if path == "/pods":
            with lab.lock:
                if "churn" in body:
                    churn = float(body["churn"])
                    if churn < 0 or churn > 10000:
                        raise ValueError("churn=%s is out of range (0..10000 changes a second)" % churn)
                    lab.knobs["pod_churn"] = churn
                if body.get("clear"):
                    lab.cluster.clear_pods()
                n = int(body.get("count", 0))
                if n < 0 or n > 100000:
                    raise ValueError("count=%d is out of range (0..100000)" % n)
                app = str(body.get("app") or "batch-worker")
                slot = str(body.get("slot") or "")
                total = lab.cluster.add_pods(n, app, time.time(), slot) if n else len(lab.cluster.extra_pods)
                lab.log("bulk pods: %d (+%d app=%s%s)" % (total, n, app, " slot=" + slot if slot else ""))
                return {"bulk_pods": total}
        if path == "/git":
            with lab.lock:
                ac = lab.argocd
                if body.get("action") == "revert":
                    if len(ac.commits) < 2:
                        raise ValueError("nothing to revert")
                    head = ac.head()
                    prev = ac.commits[-2]
                    c = ac.commit(prev["state"], 'Revert "%s"' % head["message"], time.time())
                    lab.log("git revert %s -> %s" % (head["sha"][:7], c["sha"][:7]))
                    return {"sha": c["sha"], "message": c["message"],
                            "note": "Argo CD syncs it when auto-sync is on; else POST .../sync"}
                return {"log": [{"sha": c["sha"], "message": c["message"]}
                                for c in reversed(ac.commits)]}
        raise ValueError("no such control path: %s" % path)
