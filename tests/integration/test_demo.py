"""`make demo` as a visitor meets it: scripts/demo.sh brings the lab up with
the bad deployment live, and the console it opens says "roll back" within
15 s of its first frame (it starts after the switch, as an operator woken by
a page does). q quits, and the demo's lab goes down with the console."""
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import LAB, REPO, missing, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

DEMO_DIR = os.path.join(REPO, "tests", "lab", "run", "demo")


def demo_lab_running():
    p = subprocess.run([LAB, "status"], env=dict(os.environ, LAB_DIR=DEMO_DIR), capture_output=True,
                       text=True, timeout=30)
    return p.returncode == 0


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class Demo(unittest.TestCase):
    def test_the_demo_recommends_the_rollback_within_15_s_of_its_first_frame(self):
        t = Term(120, 40)
        self.addCleanup(t.close)
        self.addCleanup(lambda: subprocess.run([LAB, "down"], env=dict(os.environ, LAB_DIR=DEMO_DIR),
                                               capture_output=True, timeout=60))
        t.start(["sh", os.path.join(REPO, "scripts", "demo.sh")])
        t.wait_for(lambda s: "ACTIVE" in s, timeout=120, what="the console's first frame")
        first = time.monotonic()
        s = t.wait_for(lambda s: "Rollback recommended" in s, timeout=15, what="the recommendation")
        took = time.monotonic() - first
        print("    first frame to the recommendation: %.1f s" % took)
        self.assertRegex(" ".join(s.split()), r"Rollback recommended: .* R rolls back to blue 1\.4\.2")
        t.keys("q")
        s = t.wait_for(lambda s: "EXIT=" in s, timeout=30, what="the demo's end")
        self.assertIn("EXIT=0", s)
        wait_for(lambda: not demo_lab_running(), 30, what="the demo's lab down")


if __name__ == "__main__":
    unittest.main()
