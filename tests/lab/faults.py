"""Injected faults. A fault targets a slot ("blue", "green"), a version
("1.5.0": a bad build stays bad wherever it runs) or "all"; a pod gets the
worst of the faults that match it. ApiDelays slows the fake Kubernetes API."""

import fnmatch
import threading
import time

FAULT_KEYS = {
    "error": ("ratio of requests answered 500", float),
    "latency_ms": ("milliseconds added to every request", float),
    "crash": ("containers crash-loop (CrashLoopBackOff)", bool),
    "oom": ("with crash: the kernel kills them for memory (OOMKilled, exit 137)", bool),
    "tak_outage": ("pushes to the TAK server fail; the offline queue grows", bool),
    "bruteforce": ("a client hammers the token endpoint with bad credentials", bool),
    "confidence": ("mean detection confidence (baseline 0.86)", float),
    "cache_hit": ("cache hit ratio (baseline 0.92)", float),
    "cpu": ("CPU cores used per pod (baseline ~0.1)", float),
    "memory_mib": ("resident memory per pod in MiB (baseline ~256)", float),
    "proc_errors": ("ratio of detections whose processing fails", float),
    "proc_latency_ms": ("milliseconds added to detection processing", float),
}
# For these a lower value is the worse one.
LOWER_IS_WORSE = ("confidence", "cache_hit")


def parse_value(key, raw):
    if key not in FAULT_KEYS:
        raise ValueError("unknown fault %r (known: %s)" % (key, ", ".join(sorted(FAULT_KEYS))))
    typ = FAULT_KEYS[key][1]
    if typ is bool:
        if isinstance(raw, bool):
            return raw
        s = str(raw).lower()
        if s in ("1", "true", "on", "yes"):
            return True
        if s in ("0", "false", "off", "no"):
            return False
        raise ValueError("%s wants on|off, not %r" % (key, raw))
    v = float(raw)
    if v < 0:
        raise ValueError("%s must not be negative" % key)
    if key in ("error", "proc_errors", "confidence", "cache_hit") and v > 1:
        raise ValueError("%s is a ratio between 0 and 1" % key)
    return v


class Faults:
    def __init__(self):
        self.by_target = {}

    def set(self, target, values):
        parsed = {k: parse_value(k, v) for k, v in values.items()}  # all or nothing
        if parsed:
            self.by_target.setdefault(target, {}).update(parsed)

    def clear(self, target=None):
        if target is None:
            self.by_target.clear()
        else:
            self.by_target.pop(target, None)

    def for_pod(self, slot, version):
        out = {}
        for target, vals in self.by_target.items():
            if target not in ("all", slot, version):
                continue
            for k, v in vals.items():
                if k not in out:
                    out[k] = v
                elif FAULT_KEYS[k][1] is bool:
                    out[k] = out[k] or v
                elif k in LOWER_IS_WORSE:
                    out[k] = min(out[k], v)
                else:
                    out[k] = max(out[k], v)
        return out

    def crash(self, slot, version):
        f = self.for_pod(slot, version)
        return bool(f.get("crash") or f.get("oom"))

    def snapshot(self):
        return {t: dict(v) for t, v in self.by_target.items()}


API_METHODS = ("GET", "PATCH", "PUT", "DELETE", "POST", "*")


class ApiDelays:
    """Latency injected into the fake Kubernetes API: a request whose method
    and path (a glob, without the query) match a rule waits that long before
    it is served, outside the lab's lock, so other requests go on meanwhile.
    A rule with `times` holds only the next that many requests, which is how a
    test changes an object after a client sent its write and before the
    server applies it (the 409 race)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, method, path, seconds, times=None):
        method = str(method).upper()
        if method not in API_METHODS:
            raise ValueError("method %r: one of %s" % (method, ", ".join(API_METHODS)))
        path = str(path)
        if not path.startswith("/") and path != "*":
            raise ValueError("path %r: an API path such as /api/v1/namespaces/*/services/*" % path)
        seconds = float(seconds)
        if not 0 < seconds <= 120:
            raise ValueError("a delay is between 0 and 120 seconds, not %s" % seconds)
        if times is not None:
            times = int(times)
            if times < 1:
                raise ValueError("times must be at least 1")
        with self.lock:
            self.rules.append({"method": method, "path": path, "seconds": seconds, "left": times,
                               "waiting": 0, "delayed": 0})

    def clear(self):
        with self.lock:
            self.rules = []

    def hold(self, method, path):
        """Sleeps as the first matching rule says; returns the seconds slept."""
        with self.lock:
            rule = None
            for r in self.rules:
                if r["left"] == 0 or r["method"] not in ("*", method):
                    continue
                if fnmatch.fnmatchcase(path, r["path"]):
                    rule = r
                    break
            if rule is None:
                return 0.0
            if rule["left"] is not None:
                rule["left"] -= 1
            rule["waiting"] += 1
            rule["delayed"] += 1
        time.sleep(rule["seconds"])
        with self.lock:
            rule["waiting"] -= 1
        return rule["seconds"]

    def snapshot(self):
        with self.lock:
            return [dict(r) for r in self.rules]
