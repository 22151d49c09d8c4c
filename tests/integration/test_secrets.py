"""No secret reaches the screen, the timeline, an export or a log: a lab
session with the Argo CD token from a file, the Kubernetes token through an
exec plugin, a note that carries a bearer token and a password, every
subcommand's stdout and stderr, the console's screens, and the whole
timeline database are searched for every secret the lab handed out."""
import json
import os
import sqlite3
import stat
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

# Features not in this tree yet add their outputs to the search here:
# incident exports, Grafana dashboard captures, silences, the SSH bastion's log.
PLACES_TO_ADD = ("exports", "grafana", "silences", "ssh")


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class NoSecretAnywhere(LabTestCase):
    lab_name = "secrets"

    def secrets(self):
        tok = self.lab.tokens()
        out = [v for v in tok.values() if isinstance(v, str) and len(v) >= 8]
        with open(os.path.join(self.lab.dir, "argocd.token")) as f:
            out.append(f.read().strip())
        return sorted(set(out)) + [self.password, self.note_token]

    def exec_config(self):
        """The lab config with the kubeconfig's admin token coming from an exec plugin."""
        d = self.lab.dir
        plugin = os.path.join(d, "token-plugin.sh")
        cred = {"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                "status": {"token": self.lab.tokens()["kube_admin"]}}
        with open(plugin, "w") as f:
            f.write("#!/bin/sh\ncat <<'EOF'\n%s\nEOF\n" % json.dumps(cred))
        os.chmod(plugin, stat.S_IRWXU)
        with open(os.path.join(d, "kubeconfig")) as f:
            kc = f.read()
        admin = "    token: %s\n" % self.lab.tokens()["kube_admin"]
        self.assertIn(admin, kc)
        kc = kc.replace(admin, "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                        "      command: %s\n      interactiveMode: Never\n" % plugin, 1)
        kpath = os.path.join(d, "kubeconfig-exec")
        with open(kpath, "w") as f:
            f.write(kc)
        os.chmod(kpath, 0o600)
        with open(self.lab.config_path) as f:
            cfg = f.read().replace(os.path.join(d, "kubeconfig") + "\n", kpath + "\n")
        cpath = os.path.join(d, "warroom-exec.yaml")
        with open(cpath, "w") as f:
            f.write(cfg)
        return cpath

    def test_secrets_stay_out_of_every_output(self):
        self.password = "hunter2-Zq8xv"
        self.note_token = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.Sig9x"
        cfg = self.exec_config()
        db = os.path.join(self.lab.dir, "secrets.db")
        self.lab.scenario("bad-deploy")
        seen = {}
        commands = [
            ["note", "curl -H 'Authorization: Bearer %s' https://api" % self.note_token],
            ["note", "db password: %s" % self.password],
            ["note", "postgres://admin:%s@db:5432/x token=%s" % (self.password, self.note_token)],
            ["status"], ["status", "--json"], ["timeline"], ["timeline", "--json"],
            ["query", "up"], ["actions", "--json"],
            ["rollback", "--dry-run"], ["rollback", "--dry-run", "--strategy", "argocd"],
            ["--context", "nope", "status"],
        ]
        for args in commands:
            p = subprocess.run([BINARY, "--config", cfg, "--db", db] + args, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=60)
            seen["warroom %s (rc %d)" % (" ".join(args[:2]), p.returncode)] = p.stdout + p.stderr
        # The exec plugin's token worked: status read the slots.
        self.assertRegex("".join(v for k, v in seen.items() if k.startswith("warroom status --json")), "green")
        t = Term(110, 32)
        try:
            t.start([BINARY, "--config", cfg, "--db", db])
            t.wait_for(lambda s: "ACTIVE" in s, timeout=20, what="the slots through the exec plugin's token")
            for key in ("1", "2", "3", "4", "?", "Escape", "R"):
                t.keys(key)
                wait_for(lambda: t.screen(), 2)
                seen["screen after %s" % key] = t.screen()
            t.keys("n")
            t.keys("Escape")
            t.keys(":")
            t.text("note Bearer %s" % self.note_token)
            t.keys("Enter")
            wait_for(lambda: t.screen(), 2)
            seen["screen after the note"] = t.screen()
            t.keys("Q")
        finally:
            t.close()
        with sqlite3.connect(db) as c:
            for (table,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                rows = c.execute("SELECT * FROM %s" % table).fetchall()
                seen["timeline table %s" % table] = "\n".join(repr(r) for r in rows)
        self.assertIn("[redacted]", seen["timeline table events"])
        for name in os.listdir(os.path.join(self.lab.dir, "logs")):
            if name.startswith("warroom"):
                with open(os.path.join(self.lab.dir, "logs", name), errors="replace") as f:
                    seen["log " + name] = f.read()
        # The search itself finds a secret where one is: the plugin prints the token.
        with open(os.path.join(self.lab.dir, "token-plugin.sh")) as f:
            plugin_text = f.read()
        self.assertTrue(any(s in plugin_text for s in self.secrets()))
        self.assertGreaterEqual(len(self.secrets()), 5)
        leaks = ["%s shows %s…" % (where, s[:6]) for where, text in seen.items()
                 for s in self.secrets() if s in text]
        self.assertEqual(leaks, [])


if __name__ == "__main__":
    unittest.main()
