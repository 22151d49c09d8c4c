"""core/v1 Events as the controllers and the kubelet record them, so that
`kubectl describe` and `kubectl get events` tell an incident's story:
scaling, pods created and deleted, containers started, back-off."""

import collections
import copy

from labutil import new_uid, rfc3339

NS = "detection-system"


class Recorder:
    def __init__(self, rng):
        self.rng = rng
        self.items = collections.OrderedDict()   # name -> event
        self.index = {}                           # (object uid, reason, message) -> name
        self.quiet = False
        self.dirty = True

    def emit(self, kind, api_version, name, uid, reason, message, now, warning=False,
             component="", host=None, field_path=None):
        if self.quiet:
            return
        self.dirty = True
        key = (uid, reason, message)
        ev = self.items.get(self.index.get(key, ""))
        if ev is not None:
            ev["count"] += 1
            ev["lastTimestamp"] = rfc3339(now)
            self.items.move_to_end(ev["metadata"]["name"])
            return
        ename = "%s.%x" % (name, int(now * 1e9) + self.rng.getrandbits(20))
        involved = {"kind": kind, "namespace": NS, "name": name, "uid": uid,
                    "apiVersion": api_version}
        if field_path:
            involved["fieldPath"] = field_path
        src = {"component": component}
        if host:
            src["host"] = host
        ev = {"kind": "Event", "apiVersion": "v1",
              "metadata": {"name": ename, "namespace": NS, "uid": new_uid(),
                           "creationTimestamp": rfc3339(now)},
              "involvedObject": involved, "reason": reason, "message": message,
              "source": src, "firstTimestamp": rfc3339(now), "lastTimestamp": rfc3339(now),
              "count": 1, "type": "Warning" if warning else "Normal", "eventTime": None,
              "reportingComponent": component, "reportingInstance": host or ""}
        self.items[ename] = ev
        self.index[key] = ename
        # The API server keeps events for an hour; the lab keeps the last 300.
        while len(self.items) > 300:
            old, gone = self.items.popitem(last=False)
            inv = gone["involvedObject"]
            self.index.pop((inv["uid"], gone["reason"], gone["message"]), None)

    def render(self):
        return {name: copy.deepcopy(ev) for name, ev in self.items.items()}

    # ---- the usual sentences -----------------------------------------------
    def scaled(self, dep, rs, old, new, now):
        verb = "up" if new > old else "down"
        self.emit("Deployment", "apps/v1", dep.name, dep.uid, "ScalingReplicaSet",
                  "Scaled %s replica set %s from %d to %d" % (verb, rs.name, old, new), now,
                  component="deployment-controller")

    def pod_created(self, rs, pod, image, now):
        self.emit("ReplicaSet", "apps/v1", rs.name, rs.uid, "SuccessfulCreate",
                  "Created pod: %s" % pod.name, now, component="replicaset-controller")
        self.emit("Pod", "v1", pod.name, pod.uid, "Scheduled",
                  "Successfully assigned %s/%s to %s" % (NS, pod.name, pod.node[0]), now,
                  component="default-scheduler")
        self.container_started(pod, image, now)

    def container_started(self, pod, image, now):
        fp = "spec.containers{detection-api}"
        self.emit("Pod", "v1", pod.name, pod.uid, "Pulled",
                  'Container image "%s" already present on machine' % image, now,
                  component="kubelet", host=pod.node[0], field_path=fp)
        self.emit("Pod", "v1", pod.name, pod.uid, "Created",
                  "Created container: detection-api", now, component="kubelet",
                  host=pod.node[0], field_path=fp)
        self.emit("Pod", "v1", pod.name, pod.uid, "Started",
                  "Started container detection-api", now, component="kubelet",
                  host=pod.node[0], field_path=fp)

    def pod_deleted(self, rs, pod, now):
        self.emit("Pod", "v1", pod.name, pod.uid, "Killing",
                  "Stopping container detection-api", now, component="kubelet",
                  host=pod.node[0], field_path="spec.containers{detection-api}")
        if rs is not None:
            self.emit("ReplicaSet", "apps/v1", rs.name, rs.uid, "SuccessfulDelete",
                      "Deleted pod: %s" % pod.name, now, component="replicaset-controller")

    def unhealthy(self, pod, now):
        self.emit("Pod", "v1", pod.name, pod.uid, "Unhealthy",
                  'Readiness probe failed: Get "http://%s:8080/ready": dial tcp %s:8080: connect: connection refused'
                  % (pod.ip, pod.ip), now, warning=True, component="kubelet", host=pod.node[0],
                  field_path="spec.containers{detection-api}")

    def backoff(self, pod, now):
        self.emit("Pod", "v1", pod.name, pod.uid, "BackOff",
                  "Back-off restarting failed container detection-api in pod %s_%s(%s)"
                  % (pod.name, NS, pod.uid), now, warning=True, component="kubelet",
                  host=pod.node[0], field_path="spec.containers{detection-api}")
