#!/usr/bin/python3
"""Runs tests/integration/test_*.py (unittest) and ends with exactly one
summary line: "integration: N passed, N failed, N skipped". Exit 1 on any
failure or error."""

import ctypes
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def become_subreaper():
    """Labs outlive `lab up` (it returns while they run); as their subreaper
    this process can collect them after `lab down` instead of leaving
    zombies to an init that may be slow to reap."""
    try:
        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


class Result(unittest.TextTestResult):
    def startTest(self, test):
        self._t0 = time.time()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            self.stream.writeln("    (%.1fs)" % (time.time() - self._t0))


def main():
    sys.path.insert(0, HERE)
    become_subreaper()
    pattern = os.environ.get("INTEGRATION_TESTS", "test_*.py")
    suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
    t0 = time.time()
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = res.testsRun - failed - skipped - len(res.expectedFailures)
    sys.stdout.flush()
    print("(%.0fs)" % (time.time() - t0))
    print("integration: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
