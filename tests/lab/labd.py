#!/usr/bin/python3
"""labd: one process holding the lab's shared state behind one lock, and its
servers: the fake Kubernetes API (HTTPS), the fake Argo CD API (HTTPS), the
simulated detection-api (HTTP) and the control endpoint used by `lab`.

Started by `tests/lab/lab up`; writes ports.json in the lab folder once every
listener is bound (port 0: the kernel picks free ports)."""

import argparse
import ctypes
import json
import os
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import argocd  # noqa: E402
import kwatch  # noqa: E402
import cluster  # noqa: E402
import control  # noqa: E402
import kapi  # noqa: E402
import sim  # noqa: E402
from faults import ApiDelays, Faults  # noqa: E402
from labhttp import LabServer, serve, tls_context  # noqa: E402

DEFAULT_KNOBS = {
    "rps": 20.0,              # simulated requests per second through the Service
    "ready_delay": 2.0,       # seconds from pod start to Ready
    "terminate_delay": 1.0,   # seconds a deleted pod stays Terminating
    "crash_period": 5.0,      # seconds between restarts of a crash-looping container
    "selfheal_delay": 5.0,    # seconds before Argo CD's self-heal reverts a drift
    "tick": 0.2,              # seconds between simulation steps
    "db_gib": 12.0,           # GiB used on each slot's database volume (a 50Gi PVC)
    "log_rate": 0.0,          # extra lines a second each pod logs (the benchmarks' flood)
}
DEFAULT_KNOBS.update(kwatch.KNOBS)   # watch_history, watch_cut, bookmark_s, pod_churn


class Lab:
    def __init__(self, state_dir, knobs):
        self.dir = state_dir
        self.lock = threading.RLock()
        self.knobs = dict(DEFAULT_KNOBS)
        self.knobs.update(knobs)
        self.stopping = False
        self.logf = open(os.path.join(state_dir, "logs", "labd-access.log"), "a", buffering=1)
        self.faults = Faults()
        self.api_delays = ApiDelays()
        self.log_cuts = 0             # bumped by `lab logs cut`: every followed log stream breaks
        self.watch_cuts = 0           # bumped by `lab watch cut`: every watch stream breaks mid-event
        self.watch_cut_time = 0.0
        self.churn = kwatch.Churn()
        tokens = json.load(open(os.path.join(state_dir, "tokens.json")))
        self.kube_users = {
            tokens["kube_admin"]: {"name": "lab-admin", "readonly": False},
            tokens["kube_readonly"]: {"name": "lab-readonly", "readonly": True},
            # may get and list, not watch (nor write)
            tokens.get("kube_nowatch", "-"): {"name": "lab-nowatch", "readonly": True, "nowatch": True},
        }
        self.argocd_token = tokens["argocd"]
        now = time.time()
        with self.lock:
            self.cluster = cluster.Cluster(self.lock, self.knobs, self.faults, now)
            self.cluster.lab_dir = state_dir
            self.sim = sim.Simulator(self, now)
            self.argocd = argocd.ArgoCD(self, now)
        self.scenarios = control.Scenarios(self)

    def log(self, line):
        try:
            self.logf.write("%s %s\n" % (time.strftime("%H:%M:%S"), line))
        except ValueError:
            pass

    def step(self):
        now = time.time()
        with self.lock:
            self.cluster.tick(now)
            self.churn.tick(self.cluster, self.knobs, now)
            self.argocd.tick(now)
            self.sim.tick(now)

    def run(self):
        while not self.stopping:
            t0 = time.time()
            try:
                self.step()
            except Exception:  # keep serving; the log says what broke
                import traceback
                self.log("tick failed: " + traceback.format_exc())
            time.sleep(max(float(self.knobs["tick"]) - (time.time() - t0), 0.02))


def set_process_name(name):
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(15, name.encode(), 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dir", required=True, help="the lab's state folder")
    ap.add_argument("--knob", action="append", default=[], help="name=value")
    args = ap.parse_args()
    set_process_name("labd")
    knobs = {}
    for kv in args.knob:
        k, v = kv.split("=", 1)
        knobs[k] = float(v)
    lab = Lab(args.dir, knobs)
    tls = tls_context(os.path.join(args.dir, "tls", "server.crt"),
                      os.path.join(args.dir, "tls", "server.key"))
    servers = {
        "kube": LabServer(("127.0.0.1", 0), kapi.KubeHandler, lab, "kube", tls),
        "argocd": LabServer(("127.0.0.1", 0), argocd.ArgoHandler, lab, "argocd", tls),
        "demo": LabServer(("127.0.0.1", 0), sim.DemoHandler, lab, "demo"),
        "control": LabServer(("127.0.0.1", 0), control.ControlHandler, lab, "control"),
    }
    lab.servers = servers

    def stop(signum, frame):
        lab.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, stop)
    for s in servers.values():
        serve(s)
    ticker = threading.Thread(target=lab.run, name="tick", daemon=True)
    ticker.start()
    ports = {k: s.port for k, s in servers.items()}
    ports["pid"] = os.getpid()
    tmp = os.path.join(args.dir, "ports.json.tmp")
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, os.path.join(args.dir, "ports.json"))
    lab.log("labd up: %s" % json.dumps(ports))
    while not lab.stopping:
        time.sleep(0.2)
    lab.log("labd stopping")
    with lab.lock:
        lab.cluster.closed = True
        lab.cluster.cond.notify_all()
    stoppers = [threading.Thread(target=s.shutdown) for s in servers.values()]
    for t in stoppers:
        t.start()
    for t in stoppers:
        t.join(2)
    for s in servers.values():
        s.server_close()
    lab.logf.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
