"""The simulated detection-api: a steady request load routed through the
Service's EndpointSlices to ready pods, per-pod metrics in the Prometheus text
format, kube-state-metrics-like series derived from the fake cluster, and the
real HTTP endpoints /health, /ready, /metrics and POST /api/v1/detections."""

import json
import math
import re
import random
import time
import uuid

import kobjects as K
from labhttp import Handler
from labutil import rfc3339

LAT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
PROC_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TAK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
CONF_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
ROUTE_POST = "/api/v1/detections"
ROUTE_GET = "/api/v1/detections/{id}"
ROUTE_TOKEN = "/api/v1/auth/token"
MIB = 1024 * 1024


class Histogram:
    def __init__(self, buckets):
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.sum = 0.0
        self.count = 0

    def observe(self, v):
        for i, b in enumerate(self.buckets):
            if v <= b:
                self.counts[i] += 1
        self.sum += v
        self.count += 1

    def lines(self, name, labels):
        out = []
        for b, c in zip(self.buckets, self.counts):
            out.append("%s_bucket{%s,le=\"%s\"} %d" % (name, labels, _fmt_le(b), c))
        out.append("%s_bucket{%s,le=\"+Inf\"} %d" % (name, labels, self.count))
        out.append("%s_sum{%s} %.6f" % (name, labels, self.sum))
        out.append("%s_count{%s} %d" % (name, labels, self.count))
        return out


def _fmt_le(b):
    s = repr(float(b))
    return s[:-2] if s.endswith(".0") else s


class Acc:
    """Deterministic ratio: exactly one event in every 1/ratio trials, so an
    injected 8 % is 8 % in every scrape window, not 8 % on average."""

    def __init__(self):
        self.v = 0.0

    def hit(self, ratio):
        self.v += ratio
        if self.v >= 1.0:
            self.v -= 1.0
            return True
        return False


class PodMetrics:
    def __init__(self, now, rng):
        self.start = now
        self.requests = {}                 # (route, status) -> count
        self.latency = Histogram(LAT_BUCKETS)
        self.proc = Histogram(PROC_BUCKETS)
        self.tak = Histogram(TAK_BUCKETS)
        self.conf = Histogram(CONF_BUCKETS)
        self.proc_total = 0
        self.proc_errors = 0
        self.tak_results = {"success": 0, "failure": 0}
        self.queue = []                    # enqueue times of the offline queue
        self.enqueued = 0
        self.dequeued = 0
        self.auth = {"success": 0, "failure": 0}
        self.auth_fail = {}                # reason -> count
        self.cache = {"hit": 0, "miss": 0}
        self.cpu = 0.0
        self.mem = 250 * MIB * (0.96 + 0.08 * rng.random())
        self.err, self.perr, self.exp, self.cmiss = Acc(), Acc(), Acc(), Acc()
        self.window = []                   # recent request times, for the pod's rps
        self.served = 0
        self.announced = False             # start-up lines written to the pod's log

    def count(self, route, status, n=1):
        self.requests[(route, status)] = self.requests.get((route, status), 0) + n


class Simulator:
    def __init__(self, lab, now):
        self.lab = lab
        self.rng = random.Random()
        self.last = now
        self.carry = 0.0
        self.rr = 0
        self.pods = {}                     # pod name -> PodMetrics
        self.none = {}                     # selector slot -> 503s with no endpoint
        self.brute_carry = 0.0
        self.log_carry = {}

    # ---- routing through the EndpointSlices --------------------------------
    def endpoints(self):
        """Ready endpoints of the Service's slices, as a client-side load
        balancer (kube-proxy) would pick them."""
        cl = self.lab.cluster
        by_name = {p.name: p for p in cl.pods()}
        out = []
        for sl in cl.list("endpointslices"):
            if sl["metadata"]["labels"].get("kubernetes.io/service-name") != K.SERVICE:
                continue
            for ep in sl.get("endpoints") or []:
                ready = ep.get("conditions", {}).get("ready")
                pod = by_name.get((ep.get("targetRef") or {}).get("name"))
                if (ready is None or ready) and pod is not None:
                    out.append(pod)
        return sorted(out, key=lambda p: p.name)

    def selector_slot(self):
        return (self.lab.cluster.service["spec"].get("selector") or {}).get("slot", "none")

    def metrics_for(self, pod, now):
        m = self.pods.get(pod.name)
        if m is None or m.start < pod.started - 0.001:
            m = PodMetrics(pod.started, self.rng)
            self.pods[pod.name] = m
        return m

    def latency(self, f):
        v = math.exp(self.rng.gauss(math.log(0.045), 0.5))
        return v + f.get("latency_ms", 0.0) / 1000.0 * (0.9 + 0.2 * self.rng.random())

    # ---- one request -------------------------------------------------------
    def serve(self, pod, now, route=ROUTE_POST, body=None):
        """Runs one request on a pod; returns (status, latency, detail)."""
        f = self.lab.faults.for_pod(pod.slot, pod.version)
        m = self.metrics_for(pod, now)
        lat = self.latency(f)
        m.auth["success"] += 1
        if m.exp.hit(0.002):
            m.auth["success"] -= 1
            m.auth["failure"] += 1
            m.auth_fail["token_expired"] = m.auth_fail.get("token_expired", 0) + 1
            self.finish(m, route, "401", lat, now)
            self.request_log(pod, now, route, 401, lat)
            return 401, lat, None
        if m.err.hit(f.get("error", 0.0)):
            self.finish(m, route, "500", lat, now)
            # the bad build's exception: a different detection and client each time
            self.pod_log(pod, now, "error", "unhandled exception", method="POST" if route == ROUTE_POST else "GET",
                route=route, error="KeyError: 'source_id' in detection %s from %s" % (
                    uuid.UUID(int=self.rng.getrandbits(128), version=4), self.peer()),
                request_id=self.request_id())
            self.request_log(pod, now, route, 500, lat)
            return 500, lat, None
        if m.cmiss.hit(1.0 - f.get("cache_hit", 0.92)):
            m.cache["miss"] += 1
        else:
            m.cache["hit"] += 1
        if route != ROUTE_POST:
            self.finish(m, route, "200", lat, now)
            self.request_log(pod, now, route, 200, lat)
            return 200, lat, None
        m.proc_total += 1
        ptime = math.exp(self.rng.gauss(math.log(0.12), 0.4)) + f.get("proc_latency_ms", 0) / 1000.0
        m.proc.observe(ptime)
        if m.perr.hit(f.get("proc_errors", 0.0)):
            m.proc_errors += 1
            self.finish(m, route, "500", lat, now)
            self.pod_log(pod, now, "error", "detection processing failed", route=route,
                         status=500, error="inference: tensor shape mismatch: got [1,3,%d,%d], want [1,3,416,416]"
                         % ((640, 640) if self.rng.random() < 0.5 else (512, 512)))
            self.request_log(pod, now, route, 500, lat)
            return 500, lat, None
        mean = f.get("confidence", 0.86)
        conf = min(max(self.rng.gauss(mean, 0.06), 0.01), 1.0)
        m.conf.observe(conf)
        if f.get("tak_outage"):
            m.tak_results["failure"] += 1
            m.tak.observe(5.0)
            m.queue.append(now)
            m.enqueued += 1
            self.pod_log(pod, now, "warn", "TAK push failed: connection refused (peer 10.20.0.%d:%d)"
                         % (self.rng.choice((15, 16, 17)), self.rng.choice((8087, 8089))),
                         queue_depth=len(m.queue))
        else:
            m.tak_results["success"] += 1
            m.tak.observe(math.exp(self.rng.gauss(math.log(0.08), 0.3)))
        self.finish(m, route, "201", lat, now)
        self.request_log(pod, now, route, 201, lat)
        return 201, lat, {"confidence": conf}

    def finish(self, m, route, status, lat, now):
        m.count(route, status)
        m.latency.observe(lat)
        m.window.append(now)
        m.served += 1

    def pod_log(self, pod, now, level, msg, **kw):
        line = {"ts": rfc3339(now), "level": level, "logger": "api", "msg": msg,
                "pod": pod.name, "slot": pod.slot, "version": pod.version}
        line.update(kw)
        pod.logs.write(now, json.dumps(line, separators=(",", ":")))

    def request_log(self, pod, now, route, status, lat):
        """Every request, as the access log middleware writes it (at info, whatever its status)."""
        self.pod_log(pod, now, "info", "request", method="POST" if route == ROUTE_POST else "GET",
                     route=route, status=status, duration_ms=round(lat * 1000, 1), request_id=self.request_id())
        if lat > 0.5:
            self.pod_log(pod, now, "warn", "request slower than 500ms", route=route,
                         duration_ms=round(lat * 1000, 1))

    def request_id(self):
        return "%016x" % self.rng.getrandbits(64)

    def peer(self):
        return "10.244.%d.%d:%d" % (self.rng.randint(0, 3), self.rng.randint(2, 250), self.rng.randint(32768, 60999))

    def chatter(self, pod, m, now, dt):
        """log_rate lines a second of the detection pipeline's own (the benchmark's flood)."""
        rate = float(self.lab.knobs.get("log_rate", 0))
        if rate <= 0:
            return
        c = self.log_carry.get(("chatter", pod.name), 0.0) + rate * dt
        n = int(c)
        self.log_carry[("chatter", pod.name)] = c - n
        for i in range(n):
            t = now - dt + dt * (i + 1) / n
            pod.logs.write(t, '{"ts":"%s","level":"debug","logger":"pipeline","msg":"processed detection",'
                              '"detection_id":"%032x","confidence":%.3f,"took_ms":%.1f,"pod":"%s"}'
                           % (rfc3339(t), self.rng.getrandbits(128), self.rng.random(), 5 + 40 * self.rng.random(),
                              pod.name))

    # ---- the load generator ------------------------------------------------
    def tick(self, now):
        dt = max(min(now - self.last, 2.0), 0.0)
        self.last = now
        cl = self.lab.cluster
        live = {p.name: p for p in cl.pods()}
        for name in [n for n in self.pods if n not in live]:
            del self.pods[name]
        for pod in live.values():
            if pod.crashing or pod.deleting_at is not None:
                continue
            m = self.metrics_for(pod, now)
            if not m.announced:
                m.announced = True
                t = pod.started
                self.pod_log(pod, t, "info", "starting detection-api")
                self.pod_log(pod, t + 0.8, "info", "detection model loaded",
                             model="detector-v7.onnx", classes=12)
                self.pod_log(pod, t + 1.2, "info", "offline queue opened",
                             path="/var/lib/detection/queue", items=len(m.queue))
                self.pod_log(pod, t + 1.5, "info", "listening", addr=":8080")
        self.carry += float(self.lab.knobs["rps"]) * dt
        n = int(self.carry)
        self.carry -= n
        eps = self.endpoints()
        if n and not eps:
            slot = self.selector_slot()
            self.none[slot] = self.none.get(slot, 0) + n
        for i in range(n if eps else 0):
            pod = eps[self.rr % len(eps)]
            self.rr += 1
            route = ROUTE_GET if self.rng.random() < 0.2 else ROUTE_POST
            self.serve(pod, now, route)
        # An attacker guessing passwords goes through the Service too.
        for pod in eps:
            f = self.lab.faults.for_pod(pod.slot, pod.version)
            if f.get("bruteforce"):
                m = self.metrics_for(pod, now)
                k = 25.0 * dt / len(eps)
                c = self.log_carry.get(pod.name, 0.0) + k
                hits = int(c)
                self.log_carry[pod.name] = c - hits
                m.auth["failure"] += hits
                m.auth_fail["invalid_credentials"] = m.auth_fail.get("invalid_credentials", 0) + hits
                m.count(ROUTE_TOKEN, "401", hits)
                for _ in range(hits):
                    m.latency.observe(math.exp(self.rng.gauss(math.log(0.02), 0.3)))
                if hits and self.rng.random() < 0.2:
                    self.pod_log(pod, now, "warn", "authentication failed", route=ROUTE_TOKEN,
                                 status=401, user="admin", source_ip="203.0.113.77")
        for name, pod in live.items():
            if pod.crashing or pod.deleting_at is not None:
                continue
            m = self.metrics_for(pod, now)
            self.chatter(pod, m, now, dt)
            f = self.lab.faults.for_pod(pod.slot, pod.version)
            m.window = [t for t in m.window if t > now - 10]
            rate = len(m.window) / 10.0
            cpu = f.get("cpu") or (0.035 + 0.009 * rate)
            m.cpu += cpu * dt * (0.9 + 0.2 * self.rng.random())
            target = f.get("memory_mib") or (250 + min(len(m.queue) / 200.0, 120))
            m.mem += (target * MIB - m.mem) * min(dt / 5.0, 1.0) + self.rng.gauss(0, 0.3) * MIB
            if not f.get("tak_outage") and m.queue:
                k = min(len(m.queue), int(60 * dt) + 1)
                del m.queue[:k]
                m.dequeued += k
                m.tak_results["success"] += k

    # ---- exposition --------------------------------------------------------
    def metrics_text(self, now):
        cl = self.lab.cluster
        out = []

        def family(name, typ, helptext):
            out.append("# HELP %s %s" % (name, helptext))
            out.append("# TYPE %s %s" % (name, typ))

        pods = [(p, self.pods[p.name]) for p in sorted(cl.pods(), key=lambda p: p.name)
                if p.name in self.pods and not p.crashing and p.deleting_at is None]
        lab = lambda p: 'slot="%s",pod="%s"' % (p.slot, p.name)  # noqa: E731

        family("detection_api_build_info", "gauge", "Version of the running build.")
        for p, m in pods:
            out.append('detection_api_build_info{%s,version="%s"} 1' % (lab(p), p.version))
        family("http_requests_total", "counter", "HTTP requests served, by route and status.")
        for p, m in pods:
            for (route, status), c in sorted(m.requests.items()):
                out.append('http_requests_total{%s,route="%s",status="%s"} %d'
                           % (lab(p), route, status, c))
        for slot, c in sorted(self.none.items()):
            out.append('http_requests_total{slot="%s",pod="none",route="%s",status="503"} %d'
                       % (slot, ROUTE_POST, c))
        family("http_request_duration_seconds", "histogram", "HTTP request latency.")
        for p, m in pods:
            out += m.latency.lines("http_request_duration_seconds", lab(p))
        family("detection_processing_total", "counter", "Detections run through the pipeline.")
        for p, m in pods:
            out.append("detection_processing_total{%s} %d" % (lab(p), m.proc_total))
        family("detection_processing_errors_total", "counter", "Detections whose processing failed.")
        for p, m in pods:
            out.append("detection_processing_errors_total{%s} %d" % (lab(p), m.proc_errors))
        family("detection_processing_duration_seconds", "histogram", "Detection pipeline time.")
        for p, m in pods:
            out += m.proc.lines("detection_processing_duration_seconds", lab(p))
        family("detection_confidence", "histogram", "Confidence of produced detections.")
        for p, m in pods:
            out += m.conf.lines("detection_confidence", lab(p))
        family("tak_push_total", "counter", "Pushes of CoT events to the TAK server.")
        for p, m in pods:
            for r in ("failure", "success"):
                out.append('tak_push_total{%s,result="%s"} %d' % (lab(p), r, m.tak_results[r]))
        family("tak_push_duration_seconds", "histogram", "TAK push latency.")
        for p, m in pods:
            out += m.tak.lines("tak_push_duration_seconds", lab(p))
        family("offline_queue_depth", "gauge", "Items waiting in the offline queue.")
        for p, m in pods:
            out.append("offline_queue_depth{%s} %d" % (lab(p), len(m.queue)))
        family("offline_queue_oldest_item_age_seconds", "gauge", "Age of the oldest queued item.")
        for p, m in pods:
            out.append("offline_queue_oldest_item_age_seconds{%s} %.1f"
                       % (lab(p), now - m.queue[0] if m.queue else 0.0))
        family("offline_queue_enqueued_total", "counter", "Items put into the offline queue.")
        for p, m in pods:
            out.append("offline_queue_enqueued_total{%s} %d" % (lab(p), m.enqueued))
        family("offline_queue_dequeued_total", "counter", "Items delivered from the offline queue.")
        for p, m in pods:
            out.append("offline_queue_dequeued_total{%s} %d" % (lab(p), m.dequeued))
        family("auth_attempts_total", "counter", "Authentication attempts, by result.")
        for p, m in pods:
            for r in ("failure", "success"):
                out.append('auth_attempts_total{%s,result="%s"} %d' % (lab(p), r, m.auth[r]))
        family("auth_failures_total", "counter", "Failed authentications, by reason.")
        for p, m in pods:
            for reason in ("invalid_credentials", "token_expired"):
                out.append('auth_failures_total{%s,reason="%s"} %d'
                           % (lab(p), reason, m.auth_fail.get(reason, 0)))
        family("cache_hits_total", "counter", "Cache lookups that hit.")
        for p, m in pods:
            out.append("cache_hits_total{%s} %d" % (lab(p), m.cache["hit"]))
        family("cache_misses_total", "counter", "Cache lookups that missed.")
        for p, m in pods:
            out.append("cache_misses_total{%s} %d" % (lab(p), m.cache["miss"]))
        family("process_cpu_seconds_total", "counter", "CPU time used by the pod's process.")
        for p, m in pods:
            out.append("process_cpu_seconds_total{%s} %.3f" % (lab(p), m.cpu))
        family("process_resident_memory_bytes", "gauge", "Resident memory of the pod's process.")
        for p, m in pods:
            out.append("process_resident_memory_bytes{%s} %d" % (lab(p), m.mem))
        family("process_start_time_seconds", "gauge", "Start time of the pod's process.")
        for p, m in pods:
            out.append("process_start_time_seconds{%s} %.1f" % (lab(p), m.start))
        return "\n".join(out) + "\n"

    def ksm_text(self, now):
        """What kube-state-metrics would say about the same objects."""
        cl = self.lab.cluster
        out = []
        ns = 'namespace="%s"' % K.NS
        out.append("# TYPE kube_deployment_spec_replicas gauge")
        for d in cl.deployments.values():
            out.append('kube_deployment_spec_replicas{%s,deployment="%s"} %d' % (ns, d.name, d.desired()))
        out.append("# TYPE kube_deployment_status_replicas_available gauge")
        for d in cl.deployments.values():
            out.append('kube_deployment_status_replicas_available{%s,deployment="%s"} %d'
                       % (ns, d.name, d.status["available"]))
        out.append("# TYPE kube_deployment_status_replicas_updated gauge")
        for d in cl.deployments.values():
            out.append('kube_deployment_status_replicas_updated{%s,deployment="%s"} %d'
                       % (ns, d.name, d.status["updated"]))
        pods = sorted(cl.pods(), key=lambda p: p.name)
        out.append("# TYPE kube_pod_info gauge")
        for p in pods:
            out.append('kube_pod_info{%s,pod="%s",uid="%s",pod_ip="%s",node="%s",host_ip="%s",'
                       'created_by_kind="ReplicaSet",created_by_name="%s"} 1'
                       % (ns, p.name, p.uid, p.ip, p.node, p.host_ip, p.rs.name))
        out.append("# TYPE kube_pod_labels gauge")
        for p in pods:
            out.append('kube_pod_labels{%s,pod="%s",uid="%s",label_app="%s",label_slot="%s"} 1'
                       % (ns, p.name, p.uid, K.APP, p.slot))
        out.append("# TYPE kube_pod_status_ready gauge")
        for p in pods:
            for cond, v in (("true", p.ready), ("false", not p.ready), ("unknown", False)):
                out.append('kube_pod_status_ready{%s,pod="%s",uid="%s",condition="%s"} %d'
                           % (ns, p.name, p.uid, cond, 1 if v else 0))
        out.append("# TYPE kube_pod_container_status_restarts_total counter")
        for p in pods:
            out.append('kube_pod_container_status_restarts_total{%s,pod="%s",uid="%s",container="%s"} %d'
                       % (ns, p.name, p.uid, K.CONTAINER, p.restarts))
        out.append("# TYPE kube_pod_container_status_waiting_reason gauge")
        for p in pods:
            if p.crashing:
                out.append('kube_pod_container_status_waiting_reason{%s,pod="%s",uid="%s",'
                           'container="%s",reason="CrashLoopBackOff"} 1' % (ns, p.name, p.uid, K.CONTAINER))
        # The pods' requests and limits (the seeds' 250m/512Mi, 1/1Gi), as
        # kube-state-metrics v2 names them.
        for fam, vals in (("kube_pod_container_resource_requests", (("cpu", "core", 0.25),
                                                                     ("memory", "byte", 512 * MIB))),
                          ("kube_pod_container_resource_limits", (("cpu", "core", 1.0),
                                                                   ("memory", "byte", 1024 * MIB)))):
            out.append("# TYPE %s gauge" % fam)
            for p in pods:
                for res, unit, v in vals:
                    out.append('%s{%s,pod="%s",uid="%s",container="%s",node="%s",resource="%s",unit="%s"} %s'
                               % (fam, ns, p.name, p.uid, K.CONTAINER, p.node, res, unit, v))
        # What the kubelet (cAdvisor and volume stats) says about the same pods.
        live = [(p, self.pods[p.name]) for p in pods
                if p.name in self.pods and not p.crashing and p.deleting_at is None]
        out.append("# TYPE container_cpu_usage_seconds_total counter")
        for p, m in live:
            out.append('container_cpu_usage_seconds_total{%s,pod="%s",container="%s"} %.3f'
                       % (ns, p.name, K.CONTAINER, m.cpu))
        out.append("# TYPE container_memory_working_set_bytes gauge")
        for p, m in live:
            out.append('container_memory_working_set_bytes{%s,pod="%s",container="%s"} %d'
                       % (ns, p.name, K.CONTAINER, m.mem))
        used = float(self.lab.knobs.get("db_gib", 12.0)) * 1024 * MIB
        for fam, v in (("kubelet_volume_stats_used_bytes", used),
                       ("kubelet_volume_stats_capacity_bytes", 50 * 1024 * MIB)):
            out.append("# TYPE %s gauge" % fam)
            for s in K.SLOTS:
                out.append('%s{%s,persistentvolumeclaim="%s-data-%s"} %d' % (fam, ns, K.APP, s, v))
        sel = cl.selected_pods()
        ready = sum(1 for p in sel if p.ready and p.deleting_at is None)
        notready = sum(1 for p in sel if not p.ready and p.deleting_at is None)
        out.append("# TYPE kube_endpoint_address_available gauge")
        out.append('kube_endpoint_address_available{%s,endpoint="%s"} %d' % (ns, K.SERVICE, ready))
        out.append("# TYPE kube_endpoint_address_not_ready gauge")
        out.append('kube_endpoint_address_not_ready{%s,endpoint="%s"} %d' % (ns, K.SERVICE, notready))
        return "\n".join(out) + "\n"


def cot_event(uid, lat, lon, kind, conf, now):
    stale = now + 300
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<event version="2.0" uid="%s" type="%s" how="m-g" time="%s" start="%s" stale="%s">'
            '<point lat="%.6f" lon="%.6f" hae="0.0" ce="15.0" le="15.0"/>'
            '<detail><contact callsign="detection-api"/>'
            '<remarks>confidence=%.2f</remarks></detail></event>\n'
            % (uid, kind, rfc3339(now), rfc3339(now), rfc3339(stale), lat, lon, conf))


class DemoHandler(Handler):
    """The Service's front door, and the two scrape endpoints. Under
    /pods/IP/... it answers as that one pod would on its own address, the
    way a smoke test reaches the new slot's pods without the Service."""

    def pod_target(self, path):
        """(pod or None, rest of the path) for /pods/IP/REST; (False, path) otherwise."""
        m = re.fullmatch(r"/pods/([0-9.]+)(/.*)", path)
        if not m:
            return False, path
        with self.lab.lock:
            pod = next((p for p in self.lab.cluster.pods() if p.ip == m.group(1)
                        and p.deleting_at is None), None)
        return pod, m.group(2)

    def do_GET(self):
        path, q = self.parse()
        lab = self.lab
        now = time.time()
        pod, rest = self.pod_target(path)
        if pod is None:
            return self.send_json(502, {"error": "no pod at that address"})
        if pod is not False:
            if rest == "/metrics":
                with lab.lock:
                    text = lab.sim.metrics_text(now)
                return self.send_text(200, text, "text/plain; version=0.0.4; charset=utf-8")
            if rest in ("/health", "/ready"):
                if pod.crashing or (rest == "/ready" and not pod.ready):
                    return self.send_json(503, {"status": "unavailable", "pod": pod.name})
                return self.send_json(200, {"status": "healthy" if rest == "/health" else "ready",
                                            "pod": pod.name, "slot": pod.slot, "version": pod.version})
            return self.send_json(404, {"error": "not found"})
        if path == "/metrics":
            with lab.lock:
                text = lab.sim.metrics_text(now)
            return self.send_text(200, text, "text/plain; version=0.0.4; charset=utf-8")
        if path == "/ksm/metrics":
            with lab.lock:
                text = lab.sim.ksm_text(now)
            return self.send_text(200, text, "text/plain; version=0.0.4; charset=utf-8")
        if path in ("/health", "/ready"):
            with lab.lock:
                eps = lab.sim.endpoints()
                pod = eps[lab.sim.rr % len(eps)] if eps else None
                lab.sim.rr += 1
                info = (pod.name, pod.slot, pod.version) if pod else None
            if info is None:
                return self.send_json(503, {"status": "unavailable",
                                            "error": "no ready endpoints for service %s" % K.SERVICE})
            st = "healthy" if path == "/health" else "ready"
            return self.send_json(200, {"status": st, "pod": info[0], "slot": info[1],
                                        "version": info[2]})
        self.send_json(404, {"error": "not found"})

    def do_POST(self):
        path, q = self.parse()
        lab = self.lab
        try:
            body = self.json_body() or {}
        except ValueError:
            return self.send_json(400, {"error": "invalid JSON"})
        target, path = self.pod_target(path)
        if target is None:
            return self.send_json(502, {"error": "no pod at that address"})
        if path != ROUTE_POST:
            return self.send_json(404, {"error": "not found"})
        if not isinstance(body, dict):
            return self.send_json(400, {"error": "a detection is a JSON object"})
        try:
            lat = float(body.get("lat", 48.8584))
            lon = float(body.get("lon", 2.2945))
        except (TypeError, ValueError):
            return self.send_json(422, {"error": "lat and lon must be numbers"})
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return self.send_json(422, {"error": "lat/lon out of range"})
        now = time.time()
        with lab.lock:
            eps = [target] if target is not False else lab.sim.endpoints()
            if not eps:
                slot = lab.sim.selector_slot()
                lab.sim.none[slot] = lab.sim.none.get(slot, 0) + 1
                pod = None
            else:
                pod = eps[lab.sim.rr % len(eps)]
                lab.sim.rr += 1
                status, latency, detail = lab.sim.serve(pod, now, ROUTE_POST, body)
                info = (pod.name, pod.slot, pod.version)
        if pod is None:
            return self.send_json(503, {"error": "no ready endpoints for service %s" % K.SERVICE})
        time.sleep(min(latency, 2.0))
        hdrs = {"X-Pod": info[0], "X-Slot": info[1], "X-Version": info[2]}
        if status != 201:
            return self.send_json(status, {"error": "internal error" if status == 500
                                           else "unauthorized"}, hdrs)
        uid = "detection-" + str(uuid.uuid4())
        kind = str(body.get("cot_type", "a-h-G"))
        if not re.fullmatch(r"[a-zA-Z](-[a-zA-Z0-9]+){1,8}", kind):
            kind = "a-u-G"
        xml = cot_event(uid, lat, lon, kind, detail["confidence"], now)
        hdrs["Location"] = "/api/v1/detections/" + uid
        self.send(201, xml, "application/xml", hdrs)
