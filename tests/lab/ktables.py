"""meta.k8s.io/v1 Tables: what `kubectl get` asks for and prints, with the
columns of the API server's own printers."""

import calendar
import time

from labutil import human_duration, selector_string


def _ts(s):
    if not s:
        return None
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def _age(obj, now):
    t = _ts(obj["metadata"].get("creationTimestamp"))
    return human_duration(now - t) if t else "<unknown>"


def col(name, typ="string", fmt="", desc="", priority=0):
    return {"name": name, "type": typ, "format": fmt, "description": desc, "priority": priority}


NAME = col("Name", fmt="name", desc="Name must be unique within a namespace. "
           "Is required when creating resources, although some resources may allow a "
           "client to request the generation of an appropriate name automatically.")
AGE = col("Age", desc="CreationTimestamp is a timestamp representing the server time when "
          "this object was created.")


def pod_row(p, now):
    cs = p["status"].get("containerStatuses") or []
    ready = sum(1 for c in cs if c.get("ready"))
    reason = p["status"].get("phase", "Unknown")
    restarts, last = 0, None
    for c in cs:
        restarts += c.get("restartCount", 0)
        w = (c.get("state") or {}).get("waiting")
        if w and w.get("reason"):
            reason = w["reason"]
        term = (c.get("lastState") or {}).get("terminated")
        if term and term.get("finishedAt"):
            t = _ts(term["finishedAt"])
            last = t if last is None else max(last, t)
    if p["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    rs = str(restarts)
    if restarts and last is not None:
        rs = "%d (%s ago)" % (restarts, human_duration(now - last))
    return [p["metadata"]["name"], "%d/%d" % (ready, len(p["spec"]["containers"])), reason,
            rs, _age(p, now), p["status"].get("podIP") or "<none>",
            p["spec"].get("nodeName") or "<none>", "<none>", "<none>"]


POD_COLS = [NAME,
            col("Ready", desc="The aggregate readiness state of this pod for accepting traffic."),
            col("Status", desc="The aggregate status of the containers in this pod."),
            col("Restarts", desc="The number of times the containers in this pod have been "
                "restarted and when the last container in this pod has restarted."),
            AGE,
            col("IP", desc="IP address allocated to the pod. Routable at least within the cluster. "
                "Empty if not yet allocated.", priority=1),
            col("Node", desc="NodeName indicates in which node this pod is scheduled.", priority=1),
            col("Nominated Node", desc="nominatedNodeName is set only when this pod preempts "
                "other pods on the node.", priority=1),
            col("Readiness Gates", desc="If specified, all readiness gates will be evaluated "
                "for pod readiness.", priority=1)]


def _images(tmpl):
    cs = tmpl["spec"]["containers"]
    return ",".join(c["name"] for c in cs), ",".join(c.get("image", "") for c in cs)


def deployment_row(d, now):
    st = d.get("status") or {}
    names, images = _images(d["spec"]["template"])
    return [d["metadata"]["name"],
            "%d/%d" % (st.get("readyReplicas", 0), d["spec"].get("replicas", 1)),
            st.get("updatedReplicas", 0), st.get("availableReplicas", 0), _age(d, now),
            names, images, selector_string(d["spec"]["selector"]["matchLabels"])]


DEPLOYMENT_COLS = [NAME,
                   col("Ready", desc="Number of the pod with ready state"),
                   col("Up-to-date", "integer", desc="Total number of non-terminated pods "
                       "targeted by this deployment that have the desired template spec."),
                   col("Available", "integer", desc="Total number of available pods (ready for "
                       "at least minReadySeconds) targeted by this deployment."),
                   AGE,
                   col("Containers", desc="Names of each container in the template.", priority=1),
                   col("Images", desc="Images referenced by each container in the template.",
                       priority=1),
                   col("Selector", desc="Label selector for pods. Existing ReplicaSets whose pods "
                       "are selected by this will be the ones affected by this deployment.",
                       priority=1)]


def replicaset_row(r, now):
    st = r.get("status") or {}
    names, images = _images(r["spec"]["template"])
    return [r["metadata"]["name"], r["spec"].get("replicas", 1), st.get("replicas", 0),
            st.get("readyReplicas", 0), _age(r, now), names, images,
            selector_string(r["spec"]["selector"]["matchLabels"])]


REPLICASET_COLS = [NAME,
                   col("Desired", "integer", desc="Replicas is the number of desired replicas."),
                   col("Current", "integer", desc="Replicas is the most recently observed number "
                       "of replicas."),
                   col("Ready", "integer", desc="The number of ready replicas for this replica set."),
                   AGE,
                   col("Containers", desc="Names of each container in the template.", priority=1),
                   col("Images", desc="Images referenced by each container in the template.",
                       priority=1),
                   col("Selector", desc="Selector is a label query over pods that should match "
                       "the replica count.", priority=1)]


def service_row(s, now):
    spec = s["spec"]
    ports = ",".join("%d/%s" % (p["port"], p.get("protocol", "TCP")) for p in spec.get("ports") or [])
    sel = spec.get("selector")
    return [s["metadata"]["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", "<none>"),
            "<none>", ports or "<none>", _age(s, now),
            selector_string(sel) if sel else "<none>"]


SERVICE_COLS = [NAME,
                col("Type", desc="type determines how the Service is exposed."),
                col("Cluster-IP", desc="clusterIP is the IP address of the service."),
                col("External-IP", desc="externalIPs is a list of IP addresses for which nodes "
                    "in the cluster will also accept traffic for this service."),
                col("Port(s)", desc="The list of ports that are exposed by this service."),
                AGE,
                col("Selector", desc="Route service traffic to pods with label keys and values "
                    "matching this selector.", priority=1)]


def endpoints_row(e, now):
    addrs = []
    for ss in e.get("subsets") or []:
        for a in ss.get("addresses") or []:
            for p in ss.get("ports") or []:
                addrs.append("%s:%d" % (a["ip"], p["port"]))
    text = "<none>"
    if addrs:
        text = ",".join(addrs[:3])
        if len(addrs) > 3:
            text += " + %d more..." % (len(addrs) - 3)
    return [e["metadata"]["name"], text, _age(e, now)]


ENDPOINTS_COLS = [NAME,
                  col("Endpoints", desc="Endpoints is the list of endpoints in this service."),
                  AGE]


def endpointslice_row(s, now):
    eps = s.get("endpoints") or []
    addrs = [a for ep in eps for a in ep.get("addresses") or []]
    text = ",".join(addrs[:3]) + (" + %d more..." % (len(addrs) - 3) if len(addrs) > 3 else "")
    ports = ",".join(str(p["port"]) for p in s.get("ports") or [])
    return [s["metadata"]["name"], s.get("addressType", "IPv4"), ports or "<unset>",
            text or "<unset>", _age(s, now)]


ENDPOINTSLICE_COLS = [NAME,
                      col("AddressType", desc="addressType specifies the type of address "
                          "carried by this EndpointSlice."),
                      col("Ports", desc="ports specifies the list of network ports exposed by "
                          "each endpoint in this slice."),
                      col("Endpoints", desc="endpoints is a list of unique endpoints in this slice."),
                      AGE]


def namespace_row(n, now):
    return [n["metadata"]["name"], n["status"]["phase"], _age(n, now)]


NAMESPACE_COLS = [NAME, col("Status", desc="The status of the namespace"), AGE]

def event_row(e, now):
    inv = e["involvedObject"]
    last = _ts(e.get("lastTimestamp")) or _ts(e["metadata"].get("creationTimestamp"))
    first = _ts(e.get("firstTimestamp")) or last
    src = e.get("source") or {}
    return [human_duration(now - last) if last else "<unknown>", e.get("type", ""),
            e.get("reason", ""), "%s/%s" % (inv["kind"].lower(), inv["name"]),
            inv.get("fieldPath", ""), ", ".join(x for x in (src.get("component"), src.get("host")) if x),
            e.get("message", ""), human_duration(now - first) if first else "<unknown>",
            e.get("count", 1), e["metadata"]["name"]]


EVENT_COLS = [col("Last Seen", desc="Time when this Event was last observed."),
              col("Type", desc="Type of this event (Normal, Warning)."),
              col("Reason", desc="This should be a short, machine understandable string that "
                  "gives the reason for the transition into the object's current status."),
              col("Object", desc="The object that this event is about."),
              col("Subobject", desc="The field of the object this event is about.", priority=1),
              col("Source", desc="The component reporting this event.", priority=1),
              col("Message", desc="A human-readable description of the status of this operation."),
              col("First Seen", desc="The time at which the event was first recorded.", priority=1),
              col("Count", "integer", desc="The number of times this event has occurred.",
                  priority=1),
              col("Name", fmt="name", desc="Name of the event.", priority=1)]

PRINTERS = {
    "events": (EVENT_COLS, event_row),
    "pods": (POD_COLS, pod_row),
    "deployments": (DEPLOYMENT_COLS, deployment_row),
    "replicasets": (REPLICASET_COLS, replicaset_row),
    "services": (SERVICE_COLS, service_row),
    "endpoints": (ENDPOINTS_COLS, endpoints_row),
    "endpointslices": (ENDPOINTSLICE_COLS, endpointslice_row),
    "namespaces": (NAMESPACE_COLS, namespace_row),
}


def wants_table(accept):
    return "as=Table" in (accept or "")


def table(resource, objs, rv, include="PartialObjectMetadata", now=None):
    now = time.time() if now is None else now
    cols, rowf = PRINTERS.get(resource, ([NAME, AGE], lambda o, t: [o["metadata"]["name"], _age(o, t)]))
    rows = []
    for o in objs:
        row = {"cells": rowf(o, now)}
        if include == "Object":
            row["object"] = o
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o["metadata"]}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": rv}, "columnDefinitions": cols, "rows": rows}
