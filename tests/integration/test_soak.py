"""A long session under valgrind: scenarios switching under the console,
rollbacks run and switched back, every view cycled (the metrics view draws the
dashboards), for SOAK_SECONDS (`make soak`:
600). Skipped unless SOAK_SECONDS is set, so `make test` stays short. The
console must end with no valgrind error and no definite or possible leak."""
import os
import shutil
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LabTestCase, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "0"))
SCENARIOS = ["bad-deploy", "slow", "tak-outage", "pods-down", "good-deploy", "steady"]


@unittest.skipIf(not SOAK_SECONDS, "a soak run: make soak (SOAK_SECONDS=600)")
@unittest.skipIf(missing("valgrind") or not os.path.exists(BINARY) or shutil.which("valgrind") is None,
                 "needs valgrind, the lab and ./warroom")
class LongSessionUnderValgrind(LabTestCase):
    lab_name = "soak"

    def test_long_session_is_valgrind_clean(self):
        supp = os.path.join(HERE, "..", "valgrind.supp")
        t = Term(110, 32)
        try:
            log = os.path.join(t.tmp, "valgrind.log")
            t.start(["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite,possible",
                     "--error-exitcode=9", "--suppressions=" + supp, "--log-file=" + log,
                     BINARY, "--config", self.lab.config_path, "--db", os.path.join(self.lab.dir, "soak.db")])
            t.wait_for("ACTIVE", timeout=60)
            end = time.monotonic() + SOAK_SECONDS
            rounds = 0
            while time.monotonic() < end:
                scenario = SCENARIOS[rounds % len(SCENARIOS)]
                self.lab.scenario(scenario)
                # every view: slots, timeline, help, alerts, runbook, metrics (the dashboards'
                # queries), deploy, then the overview
                for k in ("2", "3", "4", "5", "6", "7", "8", "?", "Escape", "1"):
                    t.keys(k)
                    time.sleep(0.3)
                if scenario == "bad-deploy":
                    t.keys("R")
                    t.wait_for(lambda s: "[y] yes" in s or "nothing to roll back" in s.lower()
                               or "read-only" in s, timeout=60, what="the rollback plan")
                    if "[y] yes" in t.screen():
                        t.keys("y")
                        wait_for(lambda: self.lab.service_selector().get("slot") == "blue", 90,
                                 what="the rollback to blue")
                    t.keys("Escape")
                rounds += 1
                time.sleep(5)
            t.keys("Q")
            s = t.wait_for(":END", timeout=120)
            with open(log) as f:
                report = f.read()
            self.assertIn("EXIT=0", s, report[-3000:])
            print("\n  %d scenario rounds in %.0f s, valgrind clean" % (rounds, SOAK_SECONDS), file=sys.stderr)
        finally:
            t.close()


if __name__ == "__main__":
    unittest.main()
