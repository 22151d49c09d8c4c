"""A reusable lab for integration tests.

    lab = Lab()                 # a fresh LAB_DIR under a temporary folder
    lab.up(scenario="bad-deploy")
    lab.prom_query('sum(rate(http_requests_total[30s]))')
    lab.kubectl("get", "pods", "-n", "detection-system")
    lab.down()                  # always: in tearDownClass / a finally

Each test class should share one lab (setUpClass / tearDownClass).
missing() names the binaries a lab needs that this machine lacks, so a test
can skip itself naming them."""

import atexit
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, "tests", "lab", "lab")
NS = "detection-system"
SERVICE = "detection-api-service"
NEEDS = {"prometheus": "/usr/bin/prometheus",
         "prometheus-alertmanager": "/usr/bin/prometheus-alertmanager",
         "sshd": "/usr/sbin/sshd", "openssl": "openssl", "ssh-keygen": "ssh-keygen",
         "python3": "/usr/bin/python3"}


def missing(*extra):
    """Names of needed binaries that are absent (extra: e.g. "kubectl", "ssh")."""
    out = []
    for name, path in list(NEEDS.items()) + [(e, e) for e in extra]:
        if os.path.isabs(path):
            if not os.access(path, os.X_OK):
                out.append(name)
        elif shutil.which(path) is None:
            out.append(name)
    return out


def wait_for(fn, timeout, interval=0.25, what=None):
    """Calls fn until it returns something truthy; returns that value.
    Raises AssertionError naming `what` after `timeout` seconds."""
    end = time.time() + timeout
    last = None
    while True:
        try:
            last = fn()
        except (OSError, ValueError, KeyError, IndexError, urllib.error.URLError) as e:
            last = None
            err = e
        else:
            err = None
        if last:
            return last
        if time.time() >= end:
            raise AssertionError("timed out after %.0fs waiting for %s%s" % (
                timeout, what or getattr(fn, "__name__", "a condition"),
                " (last error: %s)" % err if err else ""))
        time.sleep(interval)


def proc_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return False
    return s[s.rindex(")") + 2] not in "ZX"


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), 0.3):
            return True
    except OSError:
        return False


class Response:
    def __init__(self, status, body, headers):
        self.status, self.body, self.headers = status, body, headers

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


class Lab:
    live = set()    # labs up and not yet down: brought down at exit, whatever happened

    def __init__(self, name="lab", env=None):
        self.root = tempfile.mkdtemp(prefix="warroom-%s-" % name)
        self.dir = os.path.join(self.root, "lab")
        self.extra_env = dict(env or {})
        self.env = {}
        self.pids_seen = {}
        self.up_seconds = self.down_seconds = None

    # ---- lifecycle ---------------------------------------------------------
    def run_lab(self, *args, timeout=120, check=True):
        env = dict(os.environ, LAB_DIR=self.dir, **self.extra_env)
        p = subprocess.run([LAB, *args], env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           text=True)
        if check and p.returncode != 0:
            raise AssertionError("lab %s failed (%d): %s%s" % (" ".join(args), p.returncode,
                                                              p.stdout, p.stderr))
        return p

    def up(self, scenario=None):
        t0 = time.time()
        Lab.live.add(self)
        self.run_lab("up", timeout=60)
        self.up_seconds = time.time() - t0
        self.load_env()
        self.pids_seen = self.pids()
        if scenario:
            self.scenario(scenario)
        return self

    def load_env(self):
        out = self.run_lab("env").stdout
        self.env = {}
        for line in out.splitlines():
            if line.startswith("export "):
                k, v = line[7:].split("=", 1)
                self.env[k] = v.strip("'")
        with open(os.path.join(self.dir, "lab.json")) as f:
            self.info = json.load(f)

    def down(self):
        before = dict(self.pids_seen)
        before.update(self.pids())
        t0 = time.time()
        try:
            self.run_lab("down", timeout=60)
        finally:
            self.down_seconds = time.time() - t0
            self.reap(before.values())
            Lab.live.discard(self)
        return self

    def reap(self, pids):
        """The lab's processes were orphaned when `lab up` returned; when this
        process is their subreaper (run.py makes itself one), collect them."""
        end = time.time() + 2
        pending = set(pids)
        while pending and time.time() < end:
            for pid in list(pending):
                try:
                    done, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pending.discard(pid)
                    continue
                if done:
                    pending.discard(pid)
            time.sleep(0.02)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_for(self, fn, timeout, interval=0.25, what=None):
        return wait_for(fn, timeout, interval, what)

    def pids(self):
        out = {}
        d = os.path.join(self.dir, "pids")
        if not os.path.isdir(d):
            return out
        for e in os.listdir(d):
            try:
                with open(os.path.join(d, e)) as f:
                    out[e[:-4]] = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        return out

    @property
    def ports(self):
        return dict(self.info["ports"])

    @property
    def config_path(self):
        return self.env["WARROOM_CONFIG"]

    @property
    def kubeconfig(self):
        return self.env["KUBECONFIG"]

    # ---- lab verbs ---------------------------------------------------------
    def scenario(self, name):
        return json.loads(self.run_lab("scenario", name).stdout)

    def fault(self, target, **values):
        if not values:
            return self.run_lab("fault", target, "clear")
        return self.run_lab("fault", target, *("%s=%s" % kv for kv in values.items()))

    def set(self, **knobs):
        return self.run_lab("set", *("%s=%s" % kv for kv in knobs.items()))

    def logs_cut(self):
        """Every followed pod log stream breaks off mid-line."""
        return self.run_lab("logs", "cut")

    def argocd_autosync(self, on):
        self.run_lab("argocd", "autosync", "on" if on else "off")

    def state(self):
        return self.control("GET", "/state")

    def control(self, method, path, body=None):
        r = self.http(method, self.env["LAB_CONTROL_URL"] + path, body)
        return r.json()

    # ---- HTTP --------------------------------------------------------------
    def http(self, method, url, body=None, headers=None, timeout=15):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        ctx = None
        if url.startswith("https:"):
            ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=ctx) as r:
                return Response(r.status, r.read(), r.headers)
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read(), e.headers)

    def tokens(self):
        with open(os.path.join(self.dir, "tokens.json")) as f:
            return json.load(f)

    def kube(self, method, path, body=None, content_type=None, token="admin", headers=None):
        """A raw request to the fake API server; token: admin, readonly, None or a string."""
        hdrs = dict(headers or {})
        tok = {"admin": self.tokens()["kube_admin"], "readonly": self.tokens()["kube_readonly"]}
        tok = tok.get(token, token)
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        if content_type:
            hdrs["Content-Type"] = content_type
        url = "https://127.0.0.1:%d%s" % (self.ports["kube"], path)
        return self.http(method, url, body, hdrs)

    def argocd(self, method, path, body=None, token=True):
        hdrs = {}
        if token is True:
            hdrs["Authorization"] = "Bearer " + self.env["ARGOCD_TOKEN"]
        elif token:
            hdrs["Authorization"] = "Bearer " + token
        return self.http(method, self.env["ARGOCD_URL"] + path, body, hdrs)

    def app(self):
        return self.argocd("GET", "/api/v1/applications/detection-api").json()

    # ---- tools -------------------------------------------------------------
    def kubectl(self, *args, check=True, timeout=60, context=None):
        argv = ["kubectl", "--kubeconfig", self.kubeconfig,
                "--cache-dir", os.path.join(self.root, "kube-cache")]
        if context:
            argv += ["--context", context]
        p = subprocess.run(argv + list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout,
                           env=dict(os.environ, HOME=self.root))
        if check and p.returncode != 0:
            raise AssertionError("kubectl %s failed (%d): %s%s" % (" ".join(args), p.returncode,
                                                                  p.stdout, p.stderr))
        return p

    def prom_query(self, expr):
        """The first sample of an instant query as a float; None when empty."""
        url = "%s/api/v1/query?%s" % (self.env["PROMETHEUS_URL"],
                                      urllib.parse.urlencode({"query": expr}))
        d = self.http("GET", url).json()
        if d.get("status") != "success":
            raise AssertionError("query %s: %s" % (expr, d))
        res = d["data"]["result"]
        if not res:
            return None
        return float(res[0]["value"][1])

    def alerts(self, name=None):
        """Active alerts in Alertmanager (API v2), optionally one alertname."""
        q = "?active=true&silenced=false&inhibited=false"
        if name:
            q += "&" + urllib.parse.urlencode({"filter": 'alertname="%s"' % name})
        return self.http("GET", self.env["ALERTMANAGER_URL"] + "/api/v2/alerts" + q).json()

    def service_selector(self):
        r = self.kube("GET", "/api/v1/namespaces/%s/services/%s" % (NS, SERVICE))
        return r.json()["spec"].get("selector") or {}

    def endpoint_pods(self, ready_only=True):
        """Pod names behind the Service, merged over all its EndpointSlices."""
        r = self.kube("GET", "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?%s" % (
            NS, urllib.parse.urlencode({"labelSelector": "kubernetes.io/service-name=" + SERVICE})))
        names = []
        for sl in r.json()["items"]:
            for ep in sl.get("endpoints") or []:
                if ready_only and ep["conditions"].get("ready") is False:
                    continue
                names.append(ep["targetRef"]["name"])
        return sorted(names)

    def pods(self, selector=""):
        q = "?" + urllib.parse.urlencode({"labelSelector": selector}) if selector else ""
        return self.kube("GET", "/api/v1/namespaces/%s/pods%s" % (NS, q)).json()["items"]

    def deployment(self, slot):
        return self.kube("GET", "/apis/apps/v1/namespaces/%s/deployments/detection-api-%s"
                         % (NS, slot)).json()

    def error_ratio(self, window="30s"):
        return self.prom_query(
            'sum(rate(http_requests_total{job="detection-api",status=~"5.."}[%s])) / '
            'sum(rate(http_requests_total{job="detection-api"}[%s]))' % (window, window))


@atexit.register
def _down_leftovers():
    for lab in list(Lab.live):
        try:
            lab.down()
        except (AssertionError, OSError, subprocess.SubprocessError):
            pass


class LabTestCase(unittest.TestCase):
    """One lab shared by a test class: up before its first test, down and
    its folder removed after the last, also when bringing it up failed
    half-way. prepare_lab() sets the scene once the lab is up."""
    lab_name = "lab"
    lab = None

    @classmethod
    def prepare_lab(cls):
        pass

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab(cls.lab_name)
        try:
            cls.lab.up()
            cls.prepare_lab()
        except Exception:
            cls.lab.down()
            cls.lab.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.lab:
            cls.lab.down()
            cls.lab.cleanup()
