"""Small helpers shared by the lab's modules: time, ids, hashes, selectors."""

import copy
import json
import random
import time
import uuid

# Kubernetes' SafeEncodeString alphabet: no vowels, no look-alike digits.
SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def rfc3339(t=None):
    """Seconds since the epoch as the API servers print it (UTC, no fraction)."""
    if t is None:
        t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def rfc3339_nano(t=None):
    if t is None:
        t = time.time()
    frac = "%09d" % int((t % 1) * 1e9)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + "." + frac + "Z"


def new_uid():
    return str(uuid.uuid4())


def random_suffix(n=5, rng=random):
    return "".join(rng.choice(SAFE_ALPHANUMS) for _ in range(n))


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def fnv32a(data):
    h = 0x811C9DC5
    for b in data:
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def template_hash(template):
    """pod-template-hash as the Deployment controller prints it: the decimal
    FNV-32a of the template, each digit mapped through the safe alphabet."""
    t = copy.deepcopy(template)
    labels = (t.get("metadata") or {}).get("labels") or {}
    labels.pop("pod-template-hash", None)
    digits = str(fnv32a(canonical(t).encode()))
    return "".join(SAFE_ALPHANUMS[int(c) % len(SAFE_ALPHANUMS)] for c in digits)


def git_sha(seed):
    import hashlib
    return hashlib.sha1(seed.encode()).hexdigest()


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration, as in AGE columns."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        return "%dm%ds" % (m, s % 60) if s % 60 else "%dm" % m
    if m < 180:
        return "%dm" % m
    h = s // 3600
    if h < 8:
        return "%dh%dm" % (h, m % 60) if m % 60 else "%dh" % h
    if h < 48:
        return "%dh" % h
    if h < 24 * 8:
        return "%dd%dh" % (h // 24, h % 24) if h % 24 else "%dd" % (h // 24)
    if h < 24 * 365 * 2:
        return "%dd" % (h // 24)
    return "%dy" % (h // (24 * 365))


def image_tag(image):
    """"registry.example.com/detection-api:1.5.0" -> "1.5.0"."""
    if not image:
        return ""
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return last.split("@", 1)[1][:19]
    return last.split(":", 1)[1] if ":" in last else "latest"


class SelectorError(ValueError):
    pass


def _split_top(s):
    """Split a selector on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def parse_label_selector(s):
    """Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h" into (key, op, values)."""
    reqs = []
    if not s:
        return reqs
    for part in _split_top(s):
        low = part
        if " notin " in low or " in " in low:
            op = "notin" if " notin " in low else "in"
            key, rest = low.split(" " + op + " ", 1)
            rest = rest.strip()
            if not (rest.startswith("(") and rest.endswith(")")):
                raise SelectorError("unable to parse requirement: %s" % part)
            vals = [v.strip() for v in rest[1:-1].split(",") if v.strip()]
            reqs.append((key.strip(), op, vals))
        elif "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append((k.strip(), "!=", [v.strip()]))
        elif "==" in part:
            k, v = part.split("==", 1)
            reqs.append((k.strip(), "=", [v.strip()]))
        elif "=" in part:
            k, v = part.split("=", 1)
            reqs.append((k.strip(), "=", [v.strip()]))
        elif part.startswith("!"):
            reqs.append((part[1:].strip(), "!exists", []))
        else:
            reqs.append((part, "exists", []))
    for k, _, _ in reqs:
        if not k:
            raise SelectorError("unable to parse requirement: empty key")
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for key, op, vals in reqs:
        has = key in labels
        v = labels.get(key)
        if op == "=" and (not has or v != vals[0]):
            return False
        if op == "!=" and has and v == vals[0]:
            return False
        if op == "in" and (not has or v not in vals):
            return False
        if op == "notin" and has and v in vals:
            return False
        if op == "exists" and not has:
            return False
        if op == "!exists" and has:
            return False
    return True


def selector_string(match_labels):
    return ",".join("%s=%s" % (k, match_labels[k]) for k in sorted(match_labels))


def parse_field_selector(s):
    reqs = []
    if not s:
        return reqs
    for part in _split_top(s):
        if "!=" in part:
            k, v = part.split("!=", 1)
            reqs.append((k.strip(), "!=", v.strip()))
        elif "==" in part:
            k, v = part.split("==", 1)
            reqs.append((k.strip(), "=", v.strip()))
        elif "=" in part:
            k, v = part.split("=", 1)
            reqs.append((k.strip(), "=", v.strip()))
        else:
            raise SelectorError("invalid selector: '%s'; can't understand '%s'" % (s, part))
    return reqs


def field_value(obj, path):
    cur = obj
    for p in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(p)
    return "" if cur is None else str(cur)


def fields_match(reqs, obj):
    for key, op, val in reqs:
        have = field_value(obj, key)
        if op == "=" and have != val:
            return False
        if op == "!=" and have == val:
            return False
    return True
