"""The three PATCH forms of the Kubernetes API: JSON merge patch (RFC 7386),
strategic merge patch (merge keys for the lists these objects carry) and
JSON patch (RFC 6902)."""

import copy


class PatchError(ValueError):
    """A patch that cannot be applied; the API answers 422 (or 400)."""


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


# Merge keys of the list fields found in Deployments, Pods and Services.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "imagePullSecrets": "name",
    "volumeMounts": "mountPath",
    "conditions": "type",
    "ownerReferences": "uid",
    "topologySpreadConstraints": "topologyKey",
}


def _merge_key(field, items):
    if field == "ports":
        sample = [i for i in items if isinstance(i, dict)]
        if sample and all("containerPort" in i for i in sample):
            return "containerPort"
        return "port"
    return MERGE_KEYS.get(field)


def strategic_merge(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        p = {k: v for k, v in patch.items() if k != "$patch"}
        return copy.deepcopy(p)
    if patch.get("$patch") == "delete":
        return None
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for k, v in patch.items():
        if k in ("$patch", "$retainKeys"):
            continue
        if k.startswith("$setElementOrder/"):
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            field = k.split("/", 1)[1]
            if isinstance(out.get(field), list):
                out[field] = [x for x in out[field] if x not in (v or [])]
            continue
        if v is None:
            out.pop(k, None)
        elif isinstance(v, dict):
            merged = strategic_merge(out.get(k), v)
            if merged is None:
                out.pop(k, None)
            else:
                out[k] = merged
        elif isinstance(v, list):
            key = _merge_key(k, v + (out.get(k) or []))
            if key and isinstance(out.get(k), list):
                out[k] = _merge_list(out[k], v, key)
            else:
                out[k] = [x for x in copy.deepcopy(v)
                          if not (isinstance(x, dict) and x.get("$patch"))]
        else:
            out[k] = copy.deepcopy(v)
    if isinstance(retain, list):
        for k in list(out.keys()):
            if k not in retain:
                del out[k]
    order = patch.get("$setElementOrder/" + "containers")
    if order and isinstance(out.get("containers"), list):
        names = [o.get("name") for o in order if isinstance(o, dict)]
        out["containers"].sort(key=lambda c: names.index(c.get("name"))
                               if c.get("name") in names else len(names))
    return out


def _merge_list(base, patch, key):
    out = copy.deepcopy(base)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError("map: %r does not contain declared merge key: %s" % (item, key))
        idx = next((i for i, b in enumerate(out)
                    if isinstance(b, dict) and b.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append(strategic_merge({}, item))
        else:
            out[idx] = strategic_merge(out[idx], item)
    return out


def _unescape(tok):
    return tok.replace("~1", "/").replace("~0", "~")


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer: %r" % path)
    return [_unescape(t) for t in path[1:].split("/")]


def _walk(doc, toks, path):
    cur = doc
    for t in toks:
        if isinstance(cur, dict):
            if t not in cur:
                raise PatchError("doc is missing path: \"%s\"" % path)
            cur = cur[t]
        elif isinstance(cur, list):
            try:
                cur = cur[int(t)]
            except (ValueError, IndexError):
                raise PatchError("doc is missing path: \"%s\"" % path)
        else:
            raise PatchError("doc is missing path: \"%s\"" % path)
    return cur


def _get(doc, path):
    toks = _pointer(path)
    return _walk(doc, toks, path)


def _add(doc, path, value):
    toks = _pointer(path)
    if not toks:
        return copy.deepcopy(value)
    parent = _walk(doc, toks[:-1], path)
    last = toks[-1]
    if isinstance(parent, dict):
        parent[last] = copy.deepcopy(value)
    elif isinstance(parent, list):
        if last == "-":
            parent.append(copy.deepcopy(value))
        else:
            try:
                i = int(last)
            except ValueError:
                raise PatchError("invalid index in path: \"%s\"" % path)
            if i < 0 or i > len(parent):
                raise PatchError("add operation does not apply: doc is missing path: \"%s\"" % path)
            parent.insert(i, copy.deepcopy(value))
    else:
        raise PatchError("doc is missing path: \"%s\"" % path)
    return doc


def _remove(doc, path):
    toks = _pointer(path)
    if not toks:
        raise PatchError("cannot remove the whole document")
    parent = _walk(doc, toks[:-1], path)
    last = toks[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError("remove operation does not apply: doc is missing path: \"%s\"" % path)
        return parent.pop(last)
    if isinstance(parent, list):
        try:
            return parent.pop(int(last))
        except (ValueError, IndexError):
            raise PatchError("remove operation does not apply: doc is missing path: \"%s\"" % path)
    raise PatchError("doc is missing path: \"%s\"" % path)


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op:
            raise PatchError("Unexpected kind: missing op")
        kind, path = op["op"], op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, op.get("value"))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            toks = _pointer(path)
            if not toks:
                doc = copy.deepcopy(op.get("value"))
                continue
            _get(doc, path)  # must exist
            _remove(doc, path)
            doc = _add(doc, path, op.get("value"))
        elif kind == "move":
            val = _remove(doc, op.get("from", ""))
            doc = _add(doc, path, val)
        elif kind == "copy":
            doc = _add(doc, path, _get(doc, op.get("from", "")))
        elif kind == "test":
            try:
                have = _get(doc, path)
            except PatchError:
                have = None
            if have != op.get("value"):
                raise PatchError("testing value %s failed: test failed" % path)
        else:
            raise PatchError("Unexpected kind: %s" % kind)
    return doc
