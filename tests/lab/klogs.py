"""Container logs as the kubelet keeps them: one log per container instance,
each line with the time it was written; a restart begins a new instance and
the one before stays readable as the previous (`kubectl logs --previous`),
older ones are gone. Each instance keeps its last MAX_LINES lines, as the
kubelet rotates its files; `seq` counts every line ever written, so a
follower knows what it has not sent yet."""

import collections
import itertools
import json

from labutil import rfc3339_nano

MAX_LINES = 20000


class Instance:
    def __init__(self, start):
        self.start = start
        self.end = None              # when it terminated
        self.reason = None           # ("Error", 1), ("OOMKilled", 137)
        self.lines = collections.deque(maxlen=MAX_LINES)   # (time, text)
        self.seq = 0
        self.last_t = start

    def write(self, t, text):
        # the kubelet stamps a line when it reads it: never before the one before
        t = max(t, self.last_t)
        self.last_t = t
        self.lines.append((t, text))
        self.seq += 1

    def since_seq(self, seen):
        """Lines written after the first `seen` (as many as are still kept)."""
        n = min(self.seq - seen, len(self.lines))
        if n <= 0:
            return []
        out = list(itertools.islice(reversed(self.lines), n))
        out.reverse()
        return out


class ContainerLog:
    def __init__(self, start):
        self.instances = [Instance(start)]

    @property
    def current(self):
        return self.instances[-1]

    @property
    def previous(self):
        return self.instances[-2] if len(self.instances) > 1 else None

    def write(self, t, text):
        self.current.write(t, text)

    def terminate(self, t, reason, code):
        cur = self.current
        if cur.end is None:
            cur.end = t
            cur.reason = (reason, code)

    def restart(self, t):
        self.instances.append(Instance(t))
        del self.instances[:-2]

    def texts(self):
        return [text for _, text in self.current.lines]


def render(lines, timestamps):
    return "".join((rfc3339_nano(t) + " " if timestamps else "") + text + "\n" for t, text in lines)


def jline(t, level, logger, msg, **kw):
    """A structured line as detection-api writes it."""
    from labutil import rfc3339
    rec = {"ts": rfc3339(t), "level": level, "logger": logger, "msg": msg}
    rec.update(kw)
    return json.dumps(rec, separators=(",", ":"))
