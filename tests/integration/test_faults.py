"""Faults in the servers the console talks to: each one in turn hangs
(SIGSTOP). Meanwhile the console answers keys within 100 ms, its memory
stays bounded, and once the server answers again it recovers by itself.
sshd is not used by the console yet: its hang must simply not disturb it."""
import os
import re
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

KEY_BUDGET_S = 0.100
HANG_S = float(os.environ.get("FAULT_HANG_SECONDS", "14"))   # past the 10 s request deadlines
# Which lab process serves what (labd fakes both Kubernetes and Argo CD).
SERVERS = [("prometheus", "Prometheus"), ("alertmanager", "Alertmanager"),
           ("labd", "Kubernetes and Argo CD"), ("sshd", "sshd")]


def warroom_pid(pane_pid):
    """The console under the pane's shell."""
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(pane_pid)], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        pid, comm = line.split(None, 1)
        if comm.strip() == "warroom":
            return int(pid)
        deeper = warroom_pid(int(pid))
        if deeper:
            return deeper
    return None


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class ServersHang(LabTestCase):
    lab_name = "faults"

    def key_latency(self, t):
        """Seconds from a key that changes the screen until it shows."""
        worst = 0.0
        for key, want, back in (("?", "help", "Escape"), ("1", "Golden signals", None)):
            t0 = time.monotonic()
            t.keys(key)
            while want.lower() not in t.screen().lower():
                if time.monotonic() - t0 > 5:
                    self.fail("the console did not answer %r within 5 s" % key)
                time.sleep(0.002)
            worst = max(worst, time.monotonic() - t0)
            if back:
                t.keys(back)
                time.sleep(0.1)
        return worst

    def test_each_server_hangs_in_turn(self):
        self.lab.scenario("bad-deploy")
        pids = self.lab.pids()
        for name, _ in SERVERS:
            self.assertIn(name, pids)
        t = Term(110, 32)
        report = []
        try:
            t.start([BINARY, "--config", self.lab.config_path, "--db", os.path.join(self.lab.dir, "f.db")])
            t.wait_for(lambda s: "ACTIVE" in s, timeout=20, what="the slots from the lab")
            wp = warroom_pid(t.pane_pid())
            self.assertIsNotNone(wp)
            time.sleep(2)
            base_rss = rss_kib(wp)
            for name, what in SERVERS:
                pid = pids[name]
                os.kill(pid, signal.SIGSTOP)
                try:
                    worst = 0.0
                    deadline = time.monotonic() + HANG_S
                    while time.monotonic() < deadline:
                        worst = max(worst, self.key_latency(t))
                        time.sleep(0.5)
                    hung_screen = t.screen()
                    rss = rss_kib(wp)
                finally:
                    os.kill(pid, signal.SIGCONT)
                report.append("%s hung: worst key latency %.0f ms, VmRSS %d KiB (start %d)"
                              % (what, worst * 1000, rss, base_rss))
                self.assertLess(worst, KEY_BUDGET_S, "%s hung: a key took %.0f ms" % (what, worst * 1000))
                self.assertLess(rss, base_rss + 64 * 1024, "memory grew while %s hung" % what)
                if name in ("prometheus", "labd"):
                    # The panel says in words that the data is old or the server silent.
                    self.assertRegex(hung_screen.lower(), r"timed? ?out|not answer|stale|no answer|old|ago|fail",
                                     hung_screen)
                # Recovery by itself: fresh slots and signals again, no key pressed.
                wait_for(lambda: "ACTIVE" in t.screen() and "timed out" not in t.screen().lower(), 30,
                         what="recovery after %s came back" % what)
            t.keys("Q")
        finally:
            for name, _ in SERVERS:
                try:
                    os.kill(pids[name], signal.SIGCONT)
                except (OSError, KeyError):
                    pass
            t.close()
        print("\n    " + "\n    ".join(report), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
