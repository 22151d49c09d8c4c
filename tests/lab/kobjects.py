"""Renders the lab's model as the JSON the Kubernetes API server returns.

Field names, omitted zero counts and condition texts follow apps/v1, core/v1
and discovery.k8s.io/v1 as a real server prints them."""

from labutil import rfc3339, selector_string

NS = "detection-system"
APP = "detection-api"
SERVICE = "detection-api-service"
CONTAINER = "detection-api"
IMAGE_REPO = "registry.example.com/detection-api"
SLOTS = ("blue", "green")
PORT = 8080
# The seeds' pod resources: 250m/512Mi requests, 1000m/1Gi limits.
CPU_REQUEST = 0.25
MEM_REQUEST = 512 * 1024 * 1024


def image_for(version):
    return "%s:%s" % (IMAGE_REPO, version)


def pod_template(slot, image):
    probe = lambda path, delay: {  # noqa: E731
        "httpGet": {"path": path, "port": PORT, "scheme": "HTTP"},
        "initialDelaySeconds": delay, "periodSeconds": 5, "timeoutSeconds": 3,
        "successThreshold": 1, "failureThreshold": 3}
    return {
        "metadata": {"creationTimestamp": None,
                     "labels": {"app": APP, "slot": slot}},
        "spec": {
            "containers": [{
                "name": CONTAINER,
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"name": "http", "containerPort": PORT, "protocol": "TCP"}],
                "env": [{"name": "SLOT", "value": slot},
                        {"name": "OFFLINE_QUEUE_DIR", "value": "/var/lib/detection/queue"}],
                "resources": {"requests": {"cpu": "250m", "memory": "512Mi"},
                              "limits": {"cpu": "1", "memory": "1Gi"}},
                "readinessProbe": probe("/ready", 5),
                "livenessProbe": probe("/health", 15),
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "detection-api",
            "serviceAccount": "detection-api",
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
            "schedulerName": "default-scheduler",
        },
    }


def container_image(template):
    for c in (template.get("spec") or {}).get("containers") or []:
        if c.get("name") == CONTAINER:
            return c.get("image", "")
    cs = (template.get("spec") or {}).get("containers") or []
    return cs[0].get("image", "") if cs else ""


def owner_ref(api_version, kind, name, uid):
    return {"apiVersion": api_version, "kind": kind, "name": name, "uid": uid,
            "controller": True, "blockOwnerDeletion": True}


def _omit_zero(d):
    return {k: v for k, v in d.items() if v not in (0, None)}


def render_deployment(d, now):
    st = d.status
    status = _omit_zero({
        "observedGeneration": d.observed_generation,
        "replicas": st["replicas"],
        "updatedReplicas": st["updated"],
        "readyReplicas": st["ready"],
        "availableReplicas": st["available"],
        "unavailableReplicas": st["unavailable"],
    })
    status["conditions"] = [
        {"type": t, "status": c["status"], "lastUpdateTime": rfc3339(c["updated"]),
         "lastTransitionTime": rfc3339(c["transition"]), "reason": c["reason"],
         "message": c["message"]}
        for t, c in sorted(d.conditions.items(), key=lambda kv: kv[0] != "Available")]
    ann = dict(d.annotations)
    ann["deployment.kubernetes.io/revision"] = str(d.revision)
    return {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": d.name, "namespace": NS, "uid": d.uid,
                     "generation": d.generation,
                     "creationTimestamp": rfc3339(d.created),
                     "labels": dict(d.labels), "annotations": ann},
        "spec": d.spec,
        "status": status,
    }


def render_replicaset(rs, dep, now):
    active = [p for p in rs.pods if p.deleting_at is None]
    ready = sum(1 for p in active if p.ready)
    status = {"replicas": len(active)}
    status.update(_omit_zero({"fullyLabeledReplicas": len(active), "readyReplicas": ready,
                              "availableReplicas": ready}))
    status["observedGeneration"] = rs.generation
    sel = dict(dep.spec["selector"]["matchLabels"])
    sel["pod-template-hash"] = rs.hash
    return {
        "kind": "ReplicaSet", "apiVersion": "apps/v1",
        "metadata": {
            "name": rs.name, "namespace": NS, "uid": rs.uid, "generation": rs.generation,
            "creationTimestamp": rfc3339(rs.created),
            "labels": dict(rs.template["metadata"]["labels"]),
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": str(dep.spec.get("replicas", 1)),
                "deployment.kubernetes.io/max-replicas": str(dep.spec.get("replicas", 1) + dep.max_surge()),
                "deployment.kubernetes.io/revision": str(rs.revision)},
            "ownerReferences": [owner_ref("apps/v1", "Deployment", dep.name, dep.uid)],
        },
        "spec": {"replicas": rs.replicas, "selector": {"matchLabels": sel},
                 "template": rs.template},
        "status": status,
    }


def render_pod(p, now):
    rs = p.rs
    tmpl = rs.template
    spec = dict(tmpl["spec"])
    spec["nodeName"] = p.node
    spec["enableServiceLinks"] = True
    spec["priority"] = 0
    spec["preemptionPolicy"] = "PreemptLowerPriority"
    spec["tolerations"] = [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists",
         "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
         "effect": "NoExecute", "tolerationSeconds": 300}]
    image = container_image(tmpl)
    ready = p.ready
    cid = "containerd://" + p.container_id
    if p.crashing:
        state = {"waiting": {"reason": "CrashLoopBackOff",
                             "message": "back-off %ds restarting failed container=%s pod=%s_%s(%s)"
                             % (p.backoff(), CONTAINER, p.name, NS, p.uid)}}
    else:
        state = {"running": {"startedAt": rfc3339(p.started)}}
    last = {}
    if p.last_exit is not None:
        last = {"terminated": {"exitCode": p.last_exit[3], "reason": p.last_exit[2],
                               "startedAt": rfc3339(p.last_exit[0]),
                               "finishedAt": rfc3339(p.last_exit[1]),
                               "containerID": cid}}
    cstatus = {
        "name": CONTAINER, "state": state, "lastState": last, "ready": ready,
        "restartCount": p.restarts, "image": image,
        "imageID": "%s@sha256:%s" % (image.split(":")[0], p.image_digest),
        "containerID": cid, "started": not p.crashing,
    }
    cond = lambda t, ok, since, reason=None: dict(  # noqa: E731
        {"type": t, "status": "True" if ok else "False", "lastProbeTime": None,
         "lastTransitionTime": rfc3339(since)},
        **({"reason": reason} if reason and not ok else {}))
    since = p.ready_changed
    conditions = [
        cond("PodReadyToStartContainers", True, p.created),
        cond("Initialized", True, p.created),
        cond("Ready", ready, since, "ContainersNotReady"),
        cond("ContainersReady", ready, since, "ContainersNotReady"),
        cond("PodScheduled", True, p.created),
    ]
    if not ready:
        msg = "containers with unready status: [%s]" % CONTAINER
        conditions[2]["message"] = msg
        conditions[3]["message"] = msg
    meta = {
        "name": p.name, "generateName": rs.name + "-", "namespace": NS, "uid": p.uid,
        "creationTimestamp": rfc3339(p.created),
        "labels": dict(tmpl["metadata"]["labels"]),
        "ownerReferences": [owner_ref("apps/v1", "ReplicaSet", rs.name, rs.uid)],
    }
    if p.deleting_at is not None:
        meta["deletionTimestamp"] = rfc3339(p.deleting_at + 30)
        meta["deletionGracePeriodSeconds"] = 30
    return {
        "kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec,
        "status": {
            "phase": "Running", "conditions": conditions,
            "hostIP": p.host_ip, "hostIPs": [{"ip": p.host_ip}],
            "podIP": p.ip, "podIPs": [{"ip": p.ip}],
            "startTime": rfc3339(p.created), "containerStatuses": [cstatus],
            "qosClass": "Burstable",
        },
    }


def render_service(svc):
    return svc  # stored as the API object itself


def _target(p):
    return {"kind": "Pod", "namespace": NS, "name": p.name, "uid": p.uid}


def render_endpoints(svc, pods, meta):
    """v1 Endpoints: ready pods in addresses, not-ready ones in
    notReadyAddresses, terminating pods left out; no subsets when empty."""
    ready = [p for p in pods if p.deleting_at is None and p.ready]
    notready = [p for p in pods if p.deleting_at is None and not p.ready]
    addr = lambda p: {"ip": p.ip, "nodeName": p.node, "targetRef": _target(p)}  # noqa: E731
    obj = {"kind": "Endpoints", "apiVersion": "v1",
           "metadata": dict(meta, labels=dict(svc["metadata"].get("labels") or {}))}
    if ready or notready:
        subset = {}
        if ready:
            subset["addresses"] = [addr(p) for p in sorted(ready, key=lambda p: p.ip)]
        if notready:
            subset["notReadyAddresses"] = [addr(p) for p in sorted(notready, key=lambda p: p.ip)]
        subset["ports"] = [{"name": "http", "port": PORT, "protocol": "TCP"}]
        obj["subsets"] = [subset]
    return obj


def render_endpointslice(svc, name, meta, pods):
    labels = dict(svc["metadata"].get("labels") or {})
    labels["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io"
    labels["kubernetes.io/service-name"] = svc["metadata"]["name"]
    eps = []
    for p in pods:
        term = p.deleting_at is not None
        eps.append({
            "addresses": [p.ip],
            "conditions": {"ready": p.ready and not term, "serving": p.ready,
                           "terminating": term},
            "nodeName": p.node, "targetRef": _target(p), "zone": p.zone,
        })
    return {
        "kind": "EndpointSlice", "apiVersion": "discovery.k8s.io/v1",
        "metadata": dict(meta, name=name, generateName=svc["metadata"]["name"] + "-",
                         labels=labels,
                         ownerReferences=[owner_ref("v1", "Service", svc["metadata"]["name"],
                                                    svc["metadata"]["uid"])]),
        "addressType": "IPv4",
        # A slice without endpoints says null, not [], as the real server does.
        "endpoints": eps or None,
        "ports": [{"name": "http", "port": PORT, "protocol": "TCP"}],
    }


def new_service(uid, created):
    return {
        "kind": "Service", "apiVersion": "v1",
        "metadata": {"name": SERVICE, "namespace": NS, "uid": uid,
                     "creationTimestamp": rfc3339(created),
                     "labels": {"app": APP},
                     "annotations": {"argocd.argoproj.io/tracking-id":
                                     "detection-api:/Service:%s/%s" % (NS, SERVICE)}},
        "spec": {
            "type": "ClusterIP",
            "clusterIP": "10.96.142.17", "clusterIPs": ["10.96.142.17"],
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster", "sessionAffinity": "None",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": PORT}],
            "selector": {"app": APP, "slot": "blue"},
        },
        "status": {"loadBalancer": {}},
    }


def render_namespace(uid, created):
    return {"kind": "Namespace", "apiVersion": "v1",
            "metadata": {"name": NS, "uid": uid, "resourceVersion": "12",
                         "creationTimestamp": rfc3339(created),
                         "labels": {"kubernetes.io/metadata.name": NS,
                                    "pod-security.kubernetes.io/enforce": "restricted"}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def selector_of(dep):
    return selector_string(dep.spec["selector"]["matchLabels"])
