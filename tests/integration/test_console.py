"""The console against the lab: R then y in a real terminal (tmux) rolls a bad
deploy back and the proof is in the cluster and in Prometheus; a hung API
server never freezes the keys."""
import os
import re
import shutil
import socket
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class ConsoleOnLab(LabTestCase):
    lab_name = "console"

    def setUp(self):
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()

    def console(self, *args, cols=100, rows=30):
        t = Term(cols, rows)
        self.terms.append(t)
        t.db = os.path.join(t.tmp, "timeline.db")
        t.start([BINARY, "--config", self.lab.config_path, "--db", t.db] + list(args))
        t.wait_for(lambda s: "ACTIVE" in s, timeout=15, what="the slots from the lab")
        return t

    def bad_deploy(self, autosync):
        self.lab.scenario("bad-deploy")
        self.lab.argocd_autosync(autosync)
        wait_for(lambda: self.lab.service_selector().get("slot") == "green", 10, what="traffic on green")
        # the bad version fails requests before anyone rolls back
        wait_for(lambda: (self.lab.error_ratio("10s") or 0) > 0.03, 30, what="errors from the bad deploy")

    def assert_traffic_on_blue(self):
        self.assertEqual(self.lab.service_selector().get("slot"), "blue")
        pods = self.lab.endpoint_pods(ready_only=False)
        self.assertTrue(pods)
        self.assertTrue(all(p.startswith("detection-api-blue-") for p in pods), pods)
        t0 = time.time()
        wait_for(lambda: (self.lab.error_ratio("10s") is not None and self.lab.error_ratio("10s") < 0.01),
                 30, what="error rate under 1% in Prometheus")
        print("    error rate under 1%% %.1f s after the verified switch" % (time.time() - t0))

    def test_R_y_switches_the_selector_and_traffic_moves(self):
        self.bad_deploy(autosync=False)
        t = self.console()
        t.wait_for("GREEN  ACTIVE")
        t.keys("R")
        s = t.wait_for("Run this rollback?", timeout=10)
        self.assertIn("Rollback: selector to blue", s)
        self.assertIn("3/3 ready", s)
        self.assertEqual(self.lab.service_selector().get("slot"), "green", "nothing changes before y")
        t.keys("y")
        s = t.wait_for("verified in", timeout=35)
        m = re.search(r"traffic on blue, verified in ([0-9.]+) s", s)
        self.assertTrue(m, s)
        print("    confirm -> verified: %s s (console)" % m.group(1))
        self.assert_traffic_on_blue()
        t.wait_for("BLUE   ACTIVE")
        # every step is in the timeline, confirmed by the operator
        t.keys("3")
        s = t.wait_for("confirmed by lab-operator")
        self.assertIn("PATCH service", s)

    def test_R_with_argocd_autosync_warns_and_rolls_back_through_argocd(self):
        self.bad_deploy(autosync=True)
        t = self.console()
        # the incident shows itself: the error-rate alert and the 5xx signal over 1 %
        s = t.wait_for("HighErrorRate", timeout=45)
        self.assertRegex(s, r"Alerts \(\d+ firing\)")
        m = re.search(r"5xx\s+([0-9.]+)%", s)
        self.assertTrue(m, s)
        self.assertGreater(float(m.group(1)), 1.0)
        t.keys("R")
        s = t.wait_for("Run this rollback?", timeout=10)
        self.assertIn("Rollback: argocd to blue", s)
        self.assertRegex(s.replace("\n", " "), r"self-heal")
        t.keys("y")
        s = t.wait_for("Rollback verified", timeout=35)
        self.assertIn("re-enable auto-sync", s.replace("\n", " "))
        # the dialog says the verification once, the message row again
        box = s.split("Rollback verified", 1)[1].split("Enter or Esc", 1)[0]
        self.assertEqual(len(re.findall(r"verified in [0-9.]+ s", box)), 1, s)
        app = self.lab.app()
        self.assertFalse((app["spec"].get("syncPolicy") or {}).get("automated"), "auto-sync is off")
        self.assert_traffic_on_blue()
        # self-heal does not put green back: wait past its delay
        time.sleep(6)
        self.assertEqual(self.lab.service_selector().get("slot"), "blue")

    def test_rollback_dialog_at_80x24_scrolls_and_takes_y_only_after_the_last_warning(self):
        # a SEV in a freeze period: one warning more than fits at 80x24
        today = time.strftime("%m-%d", time.gmtime())
        with open(self.lab.config_path) as f:
            cfg = f.read()
        path = os.path.join(self.lab.root, "freeze.yaml")
        with open(path, "w") as f:
            f.write(cfg + "\nfreeze: [\"%s..%s\"]\n" % (today, today))
        self.bad_deploy(autosync=True)
        t = self.console("--config", path, cols=80, rows=24)
        t.keys("R")
        s = t.wait_for("Run this rollback?", timeout=10)
        self.assertIn("Rollback: argocd to blue", s)
        self.assertIn("freeze period", s)
        self.assertIn("more below", s)
        self.assertNotIn("confirmed as lab-operator", s, "the question's last line is below the fold")
        t.keys("y")                    # too early: refused, nothing changes
        t.wait_for("read to the end first", timeout=5)
        time.sleep(1)
        self.assertEqual(self.lab.service_selector().get("slot"), "green")
        self.assertTrue((self.lab.app()["spec"].get("syncPolicy") or {}).get("automated"), "auto-sync untouched")
        seen = t.screen()
        for _ in range(10):            # page down to the end, reading every warning on the way
            t.keys("Space")
            time.sleep(0.2)
            seen += t.screen()
            if "confirmed as lab-operator" in seen:
                break
        flat = re.sub(r"\s+", " ", seen)
        self.assertIn("freeze period", flat)
        self.assertIn("Argo CD self-heal would revert a direct selector patch", flat)
        t.keys("y")
        # now it runs: auto-sync goes off first (where traffic ends up depends on
        # Argo CD's history, which other tests of this class have moved)
        t.wait_for(lambda s: "Rollback verified" in s or "NOT verified" in s, timeout=35,
                   what="the rollback's outcome")
        self.assertFalse((self.lab.app()["spec"].get("syncPolicy") or {}).get("automated"), "auto-sync is off")

    def test_pods_down_is_an_outage_on_every_screen(self):
        self.lab.scenario("pods-down")
        t = self.console()
        # the Deployment's status catches up with its pods a poll later
        t.wait_for(lambda s: "OUTAGE" in s and "ACTIVE  0/3" in s, timeout=20, what="OUTAGE with 0/3 ready")
        t.wait_for("ServiceDown", timeout=30)
        t.keys("2")                              # the Slots view and its pod table
        # the overview's warnings name CrashLoopBackOff too, and a capture can fall between a frame's
        # rows: wait for the view's pod table itself, a blue pod not ready in its row
        t.wait_for(lambda s: "Pods (" in s and re.search(r"detection-api-blue-\S+\s+blue\s+NO", s), timeout=10,
                   what="the Slots view's pod table: a blue pod not ready")

    @unittest.skipIf(shutil.which("valgrind") is None, "needs valgrind")
    def test_console_is_valgrind_clean(self):
        supp = os.path.join(HERE, "..", "valgrind.supp")
        t = Term(100, 30)
        self.terms.append(t)
        log = os.path.join(t.tmp, "valgrind.log")
        t.start(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,possible",
                 "--error-exitcode=9", "--suppressions=" + supp, "--log-file=" + log,
                 BINARY, "--config", self.lab.config_path, "--db", os.path.join(t.tmp, "db")])
        t.wait_for("ACTIVE", timeout=60)
        t.wait_for("Alerts (", timeout=30)
        t.keys("R")
        t.wait_for("Run this rollback?", timeout=30)
        # Esc: no to a plain question and to one that wants a version typed (an
        # earlier test may have left the standby on a version rolled back from)
        t.keys("Escape")
        for k in ("2", "3", "?", "q", "q"):
            t.keys(k)
            time.sleep(0.3)
        t.resize(20, 6)
        t.wait_for("too small", timeout=10)
        t.resize(100, 30)
        t.wait_for("Golden signals", timeout=10)
        t.keys("q")
        s = t.wait_for(":END", timeout=60)
        with open(log) as f:
            report = f.read()
        self.assertIn("EXIT=0", s, report[-3000:])

    def test_status_bar_shows_every_source_argocd_included(self):
        t = self.console()
        t.wait_for(lambda s: all("%s \u2713" % n in s for n in ("kube", "prom", "alerts", "argocd")),
                   timeout=15, what="every source up in the status bar")
        t.keys("q")
        # Argo CD with a token it rejects: its source is down, the others stay up
        bad = os.path.join(self.lab.root, "bad-argocd.token")
        with open(bad, "w") as f:
            f.write("argocd.not-the-token\n")
        os.chmod(bad, 0o600)
        cfg = os.path.join(self.lab.root, "bad-argocd.yaml")
        with open(self.lab.config_path) as f:
            text = f.read()
        with open(cfg, "w") as f:
            f.write(re.sub(r"token_file: \S*argocd\.token", "token_file: " + bad, text))
        t = Term(100, 30)
        self.terms.append(t)
        t.start([BINARY, "--config", cfg, "--db", os.path.join(t.tmp, "db")])
        s = t.wait_for(lambda s: "argocd \u2717" in s and "kube \u2713" in s, timeout=15,
                       what="Argo CD down, Kubernetes up")
        self.assertNotIn("not-the-token", s)

    def test_readonly_refuses_R_and_changes_nothing(self):
        self.bad_deploy(autosync=False)
        t = self.console("--readonly")
        t.keys("R")
        t.wait_for("read-only")
        time.sleep(1)
        self.assertNotIn("Run this rollback?", t.screen())
        self.assertEqual(self.lab.service_selector().get("slot"), "green")


@unittest.skipIf(not os.path.exists(BINARY), "needs ./warroom")
class HungApiServer(unittest.TestCase):
    def test_keys_stay_alive_while_the_api_server_hangs(self):
        # a server that accepts and never answers
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(16)
        port = srv.getsockname()[1]
        t = Term(100, 30)
        try:
            kc = os.path.join(t.tmp, "kubeconfig")
            with open(kc, "w") as f:
                f.write("apiVersion: v1\nkind: Config\ncurrent-context: hang\n"
                        "clusters:\n- name: hang\n  cluster:\n    server: http://127.0.0.1:%d\n"
                        "users:\n- name: u\n  user:\n    token: not-a-real-token\n"
                        "contexts:\n- name: hang\n  context:\n    cluster: hang\n    user: u\n" % port)
            cfg = os.path.join(t.tmp, "config.yaml")
            with open(cfg, "w") as f:
                f.write("kubernetes:\n  kubeconfig: %s\n  namespace: detection-system\n"
                        "  service: detection-api-service\n  deployments:\n"
                        "    blue: detection-api-blue\n    green: detection-api-green\n" % kc)
            t.start([BINARY, "--config", cfg, "--db", os.path.join(t.tmp, "db")])
            t.wait_for("Golden signals")
            t0 = time.time()
            t.keys("?")
            t.wait_for("Keys (generated", timeout=2)
            t.keys("q")
            t.wait_for("Golden signals", timeout=2)
            self.assertLess(time.time() - t0, 2.0)
            # the poll times out and says so, in words, without the token
            s = t.wait_for("unreachable", timeout=20)
            self.assertNotIn("not-a-real-token", s)
            t.keys("n")
            t.wait_for("Note:", timeout=2)
            t.keys("Escape")
            t.keys("q")
            t.wait_for(":END", timeout=5)
        finally:
            t.close()
            srv.close()
