"""Injected faults. A fault targets a slot ("blue", "green"), a version
("1.5.0": a bad build stays bad wherever it runs) or "all"; a pod gets the
worst of the faults that match it."""

FAULT_KEYS = {
    "error": ("ratio of requests answered 500", float),
    "latency_ms": ("milliseconds added to every request", float),
    "crash": ("containers crash-loop (CrashLoopBackOff)", bool),
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
        return bool(self.for_pod(slot, version).get("crash"))

    def snapshot(self):
        return {t: dict(v) for t, v in self.by_target.items()}
