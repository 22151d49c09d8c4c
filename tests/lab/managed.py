"""metadata.managedFields as the API server keeps them for Update operations
(server-side field management): every write names a field manager (the
request's ?fieldManager=, else the client's program name, the part of its
User-Agent before the first "/", as the server derives it); the fields the
write set, changed or removed leave their other owners, the set or changed
ones go to that manager's entry, and that entry's time becomes the write's.
A write that changes nothing touches no entry; an entry left owning nothing
is dropped. One entry per manager, operation, apiVersion and subresource.

The field set is FieldsV1: "f:name" for a field, "k:{...}" for an item of a
list keyed by its name (or port and protocol), "." for a map or keyed item
owned as a whole. A Service's spec.selector is atomic (+mapType=atomic): the
manager that last set it owns all of it, so its entry's time is the selector's
last change when that manager changed nothing since."""

import json

from labutil import rfc3339

MAPS = ("labels", "annotations", "matchLabels", "nodeSelector")
SKIP_META = ("name", "namespace", "uid", "resourceVersion", "creationTimestamp", "generation",
             "managedFields", "deletionTimestamp", "generateName")


def _list_key(items):
    """The key of a list of objects, as the OpenAPI's list-map-keys name it."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for keys in (("port", "protocol"), ("containerPort", "protocol"), ("name",), ("type",)):
        if all(all(k in i for k in keys) for i in items):
            return keys
    return None


def _flatten(v, path, out, atomic):
    if path[-1:] and path in atomic:
        out[path] = json.dumps(v, sort_keys=True)
        return
    if isinstance(v, dict):
        if path and path[-1][2:] in MAPS and v:
            out[path + (".",)] = ""
        for k, x in v.items():
            _flatten(x, path + ("f:" + k,), out, atomic)
        return
    if isinstance(v, list):
        keys = _list_key(v)
        if keys is None:
            out[path] = json.dumps(v, sort_keys=True)
            return
        if v:
            out[path + (".",)] = ""
        for item in v:
            k = "k:" + json.dumps({kk: item[kk] for kk in keys}, separators=(",", ":"), sort_keys=True)
            out[path + (k, ".")] = ""
            for kk, x in item.items():
                _flatten(x, path + (k, "f:" + kk), out, atomic)
        return
    out[path] = json.dumps(v, sort_keys=True)


def fields(obj, subresource=None, atomic=()):
    """The field paths of obj a write through that subresource sets, each
    with its value (compared to tell a change)."""
    out = {}
    if obj is None:
        return out
    if subresource == "status":
        _flatten(obj.get("status") or {}, ("f:status",), out, atomic)
        return out
    if subresource == "scale":
        if "replicas" in (obj.get("spec") or {}):
            out[("f:spec", "f:replicas")] = json.dumps(obj["spec"]["replicas"])
        return out
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SKIP_META}
    if "annotations" in meta:    # the deployment controller's own, not the writer's
        meta["annotations"] = {k: v for k, v in meta["annotations"].items()
                               if not k.startswith("deployment.kubernetes.io/")}
    if meta:
        _flatten(meta, ("f:metadata",), out, atomic)
    _flatten(obj.get("spec") or {}, ("f:spec",), out, atomic)
    return out


def _nest(paths):
    root = {}
    for p in sorted(paths):
        node = root
        for tok in p:
            node = node.setdefault(tok, {})
    return root


def manager_of(query, user_agent):
    """The field manager of a request, as the API server names it."""
    m = (query or {}).get("fieldManager")
    if m:
        return m[:128]
    ua = (user_agent or "").strip()
    return (ua.split("/")[0].split(" ")[0] or "unknown")[:128]


class Managed:
    def __init__(self, api_version, atomic=()):
        self.api_version = api_version
        self.atomic = set(atomic)
        self.entries = []    # {manager, operation, subresource, time, fields: set of paths}

    def _entry(self, manager, subresource):
        for e in self.entries:
            if e["manager"] == manager and e["subresource"] == subresource:
                return e
        e = {"manager": manager, "operation": "Update", "subresource": subresource, "time": 0,
             "fields": set()}
        self.entries.append(e)
        return e

    def write(self, manager, old, new, now, subresource=None):
        """One write by manager; True when it changed a field."""
        a = fields(old, subresource, self.atomic)
        b = fields(new, subresource, self.atomic)
        changed = {p for p, v in b.items() if a.get(p) != v}
        removed = set(a) - set(b)
        if not changed and not removed:
            return False
        for e in self.entries:
            e["fields"] -= changed | removed
        e = self._entry(manager, subresource)
        e["fields"] |= changed
        e["time"] = now
        self.entries = [x for x in self.entries if x["fields"] or x is e]
        if not e["fields"]:
            self.entries.remove(e)
        return True

    def render(self):
        out = []
        for e in self.entries:
            d = {"manager": e["manager"], "operation": e["operation"], "apiVersion": self.api_version,
                 "time": rfc3339(e["time"]), "fieldsType": "FieldsV1", "fieldsV1": _nest(e["fields"])}
            if e["subresource"]:
                d["subresource"] = e["subresource"]
            out.append(d)
        return out
