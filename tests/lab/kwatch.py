"""Watches as the real API server serves them, beyond what kapi.py's stream
loop does itself: the bounded history after which an old resourceVersion is
410 Gone, streams cut at random or on demand (mid-event, as a proxy or a
restarted server leaves them), a credential that may list but not watch, and
pods of another workload that keep changing (the churn of a crowded
namespace).

Knobs (lab set): watch_history (events kept, 5000 by default: about five
minutes of a busy cluster), watch_cut (mean seconds before each stream is cut
at random; 0 never), bookmark_s (quiet seconds between bookmarks),
pod_churn (changes a second to the bulk pods, `lab pods N churn=R`)."""

import copy
import random
import time

KNOBS = {
    "watch_history": 5000.0,   # events the server keeps; an older resourceVersion is 410 Gone
    "watch_cut": 0.0,          # mean seconds before a watch stream is cut mid-event; 0: never
    "bookmark_s": 5.0,         # quiet seconds between bookmarks on a watch that asked for them
    "pod_churn": 0.0,          # changes a second to the bulk pods (a crowded namespace)
}


def oldest_kept(cl, knobs):
    """The oldest resourceVersion a watch may start from (the history's bound)."""
    keep = max(int(knobs.get("watch_history", 5000)), 1)
    if not cl.events:
        return cl.rv
    if len(cl.events) > keep:
        return cl.events[-keep][0]
    return cl.events[0][0]


class StreamCut:
    """When a watch stream is to be cut: at random (watch_cut) or when
    `lab watch cut` bumps the lab's counter."""

    def __init__(self, lab):
        self.lab = lab
        self.at = lab.watch_cuts
        mean = float(lab.knobs.get("watch_cut", 0) or 0)
        self.deadline = time.time() + random.expovariate(1.0 / mean) if mean > 0 else None

    def due(self):
        """Cut inside the next line sent (an event or a bookmark)."""
        return self.lab.watch_cuts != self.at or (self.deadline is not None and time.time() >= self.deadline)

    def due_idle(self):
        """Cut a quiet stream too: `lab watch cut` gives it a second for an
        event to be cut inside, then cuts inside a bookmark."""
        if self.deadline is not None and time.time() >= self.deadline:
            return True
        return self.lab.watch_cuts != self.at and time.time() - self.lab.watch_cut_time >= 1.0

    @staticmethod
    def cut(handler, line):
        """Half of the line, then the connection closed without the chunked
        end: the client sees a stream broken inside an event."""
        data = line.encode("utf-8")
        handler.chunk(data[:max(len(data) // 2, 1)])
        handler.close_connection = True
        try:
            handler.connection.shutdown(2)
        except OSError:
            pass


class Churn:
    """pod_churn changes a second to the bulk pods, each a MODIFIED event
    (an annotation and the status' time), as a busy namespace has."""

    def __init__(self, rng=None):
        self.rng = rng or random.Random(7)
        self.owed = 0.0
        self.last = None
        self.count = 0

    def tick(self, cl, knobs, now):
        rate = float(knobs.get("pod_churn", 0) or 0)
        if self.last is None or rate <= 0 or not cl.extra_pods:
            self.last = now
            self.owed = 0.0
            return 0
        self.owed += rate * (now - self.last)
        self.last = now
        n = int(self.owed)
        self.owed -= n
        if not n:
            return 0
        names = self.rng.sample(sorted(cl.extra_pods), min(n, len(cl.extra_pods)))
        have = cl.store["pods"]
        for name in names:
            prev = have[name][1]
            obj = copy.deepcopy(prev)
            self.count += 1
            cl.rv += 1
            obj["metadata"]["resourceVersion"] = str(cl.rv)
            obj["metadata"].setdefault("annotations", {})["lab.example.com/churn"] = str(self.count)
            have[name] = (have[name][0], obj)
            cl.events.append((cl.rv, "pods", "MODIFIED", obj, prev))
        cl.cond.notify_all()
        return len(names)
