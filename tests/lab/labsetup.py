"""Writes what a lab needs before its servers start: a throw-away CA and
server certificate, tokens, SSH keys, and the configs of Prometheus,
Alertmanager, sshd, kubectl and the console."""

import base64
import json
import os
import re
import secrets
import subprocess

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(REPO, "assets", "rules", "detection-api.rules.yml")


def run(argv, cwd=None):
    p = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (argv[0], p.stdout.decode(errors="replace").strip()))


def write(path, text, mode=0o644):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def make_tls(d):
    """CA and server certificate (SAN IP:127.0.0.1, DNS:localhost), EC keys."""
    t = os.path.join(d, "tls")
    os.makedirs(t, mode=0o700, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(["openssl", "req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "30",
         "-subj", "/CN=warroom lab CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"], cwd=t)
    run(["openssl", "req", "-new", *ec, "-keyout", "server.key", "-out", "server.csr",
         "-subj", "/CN=localhost"], cwd=t)
    write(os.path.join(t, "server.ext"),
          "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
          "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "server.crt", "-days", "30", "-extfile", "server.ext"], cwd=t)
    with open(os.path.join(t, "ca.crt")) as f:
        ca = f.read()
    write(os.path.join(d, "ca.crt"), ca)
    return ca


def make_tokens(d):
    tok = {"kube_admin": "lab-admin." + secrets.token_hex(20),
           "kube_readonly": "lab-readonly." + secrets.token_hex(20),
           "kube_nowatch": "lab-nowatch." + secrets.token_hex(20),
           "argocd": "argocd." + secrets.token_urlsafe(32)}
    write(os.path.join(d, "tokens.json"), json.dumps(tok, indent=1) + "\n", 0o600)
    write(os.path.join(d, "argocd.token"), tok["argocd"] + "\n", 0o600)
    return tok


def make_ssh(d, user):
    s = os.path.join(d, "ssh")
    os.makedirs(s, mode=0o700, exist_ok=True)
    for name in ("ssh_host_ed25519_key", "id_ed25519"):
        for f in (name, name + ".pub"):
            if os.path.exists(os.path.join(s, f)):
                os.unlink(os.path.join(s, f))
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "warroom-lab-host",
         "-f", os.path.join(s, "ssh_host_ed25519_key")])
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "%s@warroom-lab" % user,
         "-f", os.path.join(s, "id_ed25519")])
    with open(os.path.join(s, "id_ed25519.pub")) as f:
        write(os.path.join(s, "authorized_keys"), f.read(), 0o600)


def write_sshd(d, port, user):
    s = os.path.join(d, "ssh")
    cfg = "\n".join([
        "# sshd of the warroom lab: loopback only, keys only, throw-away host key.",
        "Port %d" % port,
        "ListenAddress 127.0.0.1",
        "HostKey %s" % os.path.join(s, "ssh_host_ed25519_key"),
        "AuthorizedKeysFile %s" % os.path.join(s, "authorized_keys"),
        "PidFile none",
        "AllowUsers %s" % user,
        "PermitRootLogin prohibit-password",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        # The lab folder's permissions vary (temporary folders, shared trees).
        "StrictModes no",
        "AllowTcpForwarding yes",
        "AllowAgentForwarding no",
        "X11Forwarding no",
        "PrintMotd no",
        "PrintLastLog no",
        "MaxStartups 50",
        # DEBUG1 records every direct-tcpip channel: the tests see what crossed the tunnels.
        "LogLevel DEBUG1",
        "Subsystem sftp internal-sftp",
        ""])
    write(os.path.join(s, "sshd_config"), cfg)
    with open(os.path.join(s, "ssh_host_ed25519_key.pub")) as f:
        kind, key = f.read().split()[:2]
    write(os.path.join(s, "known_hosts"), "[127.0.0.1]:%d %s %s\n" % (port, kind, key))
    return os.path.join(s, "sshd_config")


def shorten_rules(text):
    """Production windows to lab windows: a range selector to a tenth
    ([5m] -> [30s]), a `for` from minutes to seconds (5m -> 5s)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}

    def secs(num, unit):
        return int(num) * units[unit]

    def rng(m):
        return "[%ds]" % max(secs(m.group(1), m.group(2)) // 10, 2)

    def fr(m):
        return "%s%ds" % (m.group(1), max(secs(m.group(2), m.group(3)) // 60, 1))

    text = re.sub(r"\[(\d+)([smhd])\]", rng, text)
    text = re.sub(r"^(\s*for:\s*)(\d+)([smhd])\s*$", fr, text, flags=re.M)
    return text


def write_rules(d):
    r = os.path.join(d, "rules")
    os.makedirs(r, exist_ok=True)
    with open(RULES) as f:
        text = f.read()
    head = ("# Written by tests/lab/lab up from assets/rules/detection-api.rules.yml\n"
            "# with lab windows. Do not edit: the next `lab up` rewrites it.\n")
    path = os.path.join(r, "detection-api.rules.yml")
    write(path, head + shorten_rules(text))
    return path


def write_prometheus(d, port, am_port, demo_port, rules, node_port=None):
    p = os.path.join(d, "prometheus")
    os.makedirs(os.path.join(p, "data"), exist_ok=True)
    cfg = """# Prometheus of the warroom lab: scrapes and evaluates every second.
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:%(am)d']
rule_files:
  - %(rules)s
scrape_configs:
  - job_name: detection-api
    static_configs:
      - targets: ['127.0.0.1:%(demo)d']
        labels:
          namespace: detection-system
          service: detection-api-service
  - job_name: kube-state-metrics
    metrics_path: /ksm/metrics
    honor_labels: true
    static_configs:
      - targets: ['127.0.0.1:%(demo)d']
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:%(self)d']
""" % {"am": am_port, "rules": rules, "demo": demo_port, "self": port}
    if node_port:
        cfg += """  - job_name: node
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % node_port
    write(os.path.join(p, "prometheus.yml"), cfg)
    return os.path.join(p, "prometheus.yml")


def write_alertmanager(d):
    a = os.path.join(d, "alertmanager")
    os.makedirs(os.path.join(a, "data"), exist_ok=True)
    cfg = """# Alertmanager of the warroom lab: alerts are kept, not sent anywhere.
global:
  resolve_timeout: 1m
route:
  receiver: lab
  group_by: ['alertname', 'group']
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 1h
inhibit_rules:
  - source_matchers: ['alertname="ServiceDown"']
    target_matchers: ['alertname="TooFewInstances"']
receivers:
  - name: lab
"""
    write(os.path.join(a, "alertmanager.yml"), cfg)
    return os.path.join(a, "alertmanager.yml")


def write_kubeconfig(d, port, ca, tok):
    ca64 = base64.b64encode(ca.encode()).decode()
    cfg = """apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:%(port)d
    certificate-authority-data: %(ca)s
contexts:
- name: lab
  context:
    cluster: lab
    user: lab-admin
    namespace: detection-system
- name: lab-readonly
  context:
    cluster: lab
    user: lab-readonly
    namespace: detection-system
- name: lab-nowatch
  context:
    cluster: lab
    user: lab-nowatch
    namespace: detection-system
current-context: lab
users:
- name: lab-admin
  user:
    token: %(admin)s
- name: lab-readonly
  user:
    token: %(ro)s
- name: lab-nowatch
  user:
    token: %(nw)s
preferences: {}
""" % {"port": port, "ca": ca64, "admin": tok["kube_admin"], "ro": tok["kube_readonly"],
       "nw": tok["kube_nowatch"]}
    path = os.path.join(d, "kubeconfig")
    write(path, cfg, 0o600)
    return path


def write_warroom(d, ports, user):
    cfg = """# The console's config for this lab (written by tests/lab/lab up).
operator: lab-operator
environment: lab
refresh_ms: 1000
timeline:
  db: %(d)s/timeline.db
prometheus:
  url: http://127.0.0.1:%(prometheus)d
dashboards:
  path: %(repo)s/assets/dashboards
  scrape_ms: 1000
alertmanager:
  url: http://127.0.0.1:%(alertmanager)d
argocd:
  url: https://127.0.0.1:%(argocd)d
  ca_file: %(d)s/ca.crt
  token_file: %(d)s/argocd.token
  application: detection-api
kubernetes:
  kubeconfig: %(d)s/kubeconfig
  context: lab
  namespace: detection-system
  service: detection-api-service
  slot_label: slot
  slots: [blue, green]
  deployments:
    blue: detection-api-blue
    green: detection-api-green
# The lab's Prometheus scrapes every second: the live slot's own rates over
# 15 s (production scrapes every 15-30 s and keeps the default, 60).
deploy:
  fast_range_s: 15
# Pods have cluster addresses the lab cannot route: the simulator answers
# for each pod under /pods/IP on its own port (the verification matrix).
verify:
  pod_url: http://127.0.0.1:%(demo)d/pods/{ip}
# The lab's sshd as a bastion: uncomment, and add via_bastion: true to the
# endpoints to reach them through it (tests/integration/test_bastion.py does).
# ssh:
#   host: 127.0.0.1
#   port: %(ssh)d
#   user: %(user)s
#   key_file: %(d)s/ssh/id_ed25519
#   known_hosts: %(d)s/ssh/known_hosts
""" % dict(ports, d=d, user=user,
           repo=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    path = os.path.join(d, "warroom.yaml")
    write(path, cfg)
    # The same console on the Argo Rollout a rollout-* scenario deploys with.
    ro = cfg.replace("""  deployments:
    blue: detection-api-blue
    green: detection-api-green
""", "  rollout: detection-api\n").replace("  slot_label: slot\n  slots: [blue, green]\n", "")
    write(os.path.join(d, "warroom-rollout.yaml"), ro)
    return path
