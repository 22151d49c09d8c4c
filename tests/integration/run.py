#!/usr/bin/python3
"""Runs tests/integration/test_*.py (unittest) and ends with exactly one
summary line: "integration: N passed, N failed, N skipped". Exit 1 on any
failure or error.

The tests mostly wait on servers, so each test class runs as a job of its
own (its own process, its own lab) and INTEGRATION_JOBS of them (default 4)
run at once, the longest first (durations.json). Tests that measure how
fast keys answer run after that, one job at a time with nothing else
running (ALONE). A job's output is printed whole when it ends.

  run.py [--group parallel|alone] [NAME...]
  NAME                               only these tests: a module, a class or a
                                     method (test_deploy.DeployWindowOnLab.test_x),
                                     or a glob on the id (test_deploy.*.test_watch_*)
  INTEGRATION_TESTS=test_deploy.py   only these modules (a glob on the file);
                                     several with spaces, and NAMEs as above
  INTEGRATION_JOBS=1                 one job at a time
  --group parallel|alone             only the jobs run side by side / alone
  UPDATE_DURATIONS=1                 rewrite durations.json from this run"""

import ctypes
import fnmatch
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DURATIONS = os.path.join(HERE, "durations.json")
# Budgets in milliseconds (keys within 100 ms, a refresh about as long as
# its slowest query) would measure the machine's load, not the console, with
# other labs busy beside them. A test id, class or module.
ALONE = (
    "test_faults",
    "test_incident.IncidentOnLab.test_three_writers_lose_nothing_and_keys_answer_within_100ms",
    "test_bastion.Bastion.test_reconnects_after_sshd_restarts_with_keys_answering",
    "test_dashboards.DashboardsOnLab.test_a_public_node_dashboard_draws_real_host_data",
    "test_watch.WatchOnLab.test_a_switch_is_in_the_model_within_100ms_of_the_patch",
)
JOB_TIMEOUT = 900       # seconds; every test bounds its own waits well below this
UNKNOWN_TEST_S = 8.0    # a class not in durations.json: its weight per test
MARK = "@@job-result "


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


def counts(res):
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    return {"passed": res.testsRun - failed - skipped - len(res.expectedFailures),
            "failed": failed, "skipped": skipped}


def interrupted(signum, frame):
    raise KeyboardInterrupt   # unwinds through tearDownClass and atexit: labs go down


def run_job(names):
    """In a job process: run these tests (ids in order) and end with the
    counts on a line of their own for the parent."""
    signal.signal(signal.SIGTERM, interrupted)
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2, resultclass=Result)
    res = runner.run(suite)
    c = counts(res)
    sys.stdout.flush()
    print(MARK + json.dumps(c))
    return 1 if c["failed"] else 0


def flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def is_alone(test_id):
    return any(test_id == a or test_id.startswith(a + ".") for a in ALONE)


class Job:
    def __init__(self, name, ids, alone):
        self.name, self.ids, self.alone = name, ids, alone
        self.proc = self.out = None
        self.t0 = self.seconds = None
        self.result = None

    def start(self):
        self.out = tempfile.TemporaryFile(mode="w+")
        self.t0 = time.time()
        # A session of its own: a job that hangs is stopped with all it started.
        self.proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--job"] + self.ids,
                                     stdin=subprocess.DEVNULL, stdout=self.out, stderr=subprocess.STDOUT,
                                     start_new_session=True,
                                     env=dict(os.environ, PYTHONUNBUFFERED="1"))

    def poll(self):
        if self.proc.poll() is not None:
            return True
        if time.time() - self.t0 > JOB_TIMEOUT:
            self.stop("timed out after %ds" % JOB_TIMEOUT)
            return True
        return False

    def stop(self, why):
        self.out.write("\n%s: %s, stopped\n" % (self.name, why))
        self.out.flush()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass

    def finish(self):
        self.seconds = time.time() - self.t0
        self.out.seek(0)
        lines = []
        for line in self.out.read().splitlines():
            if line.startswith(MARK):
                self.result = json.loads(line[len(MARK):])
            else:
                lines.append(line)
        self.out.close()
        if self.result is None:   # the job died before its end: count it as one failure
            self.result = {"passed": 0, "failed": 1, "skipped": 0}
            lines.append("%s: ended (exit %s) before reporting" % (self.name, self.proc.returncode))
        r = self.result
        # (no "N passed" here: run-all.sh adds up the summary lines)
        print("-- %s%s: %.1fs, tests: %d ok, %d not ok, %d skip" % (
            self.name, " (alone)" if self.alone else "", self.seconds, r["passed"], r["failed"], r["skipped"]))
        for line in lines:
            print(line)
        sys.stdout.flush()


def selected(tid, module, picks):
    """Whether a test (tid None: a module that did not import) is one of
    picks: module files ending in .py, or names of a module, class or method."""
    for p in picks:
        if p.endswith(".py"):
            hit = fnmatch.fnmatchcase(module + ".py", p)
        elif tid is None:   # every test of a module that did not import: its job says why
            hit = fnmatch.fnmatchcase(module, p.split(".", 1)[0])
        else:
            hit = tid == p or tid.startswith(p + ".") or fnmatch.fnmatchcase(tid, p)
        if hit:
            return True
    return False


def pick(suite, picks):
    for t in flatten(suite):
        if isinstance(t, unittest.loader._FailedTest):
            if selected(None, t._testMethodName, picks):
                yield t
        elif selected(t.id(), t.id().split(".", 1)[0], picks):
            yield t


def make_jobs(suite):
    """One job per test class; a class with tests in ALONE is cut in two."""
    jobs, order = {}, []
    for t in flatten(suite):
        tid = t.id()
        cls = tid.rsplit(".", 1)[0]
        if isinstance(t, unittest.loader._FailedTest):
            cls = tid = t._testMethodName   # a module that did not import: its job says why
        alone = is_alone(tid)
        key = (cls, alone)
        if key not in jobs:
            jobs[key] = Job(cls, [], alone)
            order.append(key)
        jobs[key].ids.append(tid)
    return [jobs[k] for k in order]


def load_durations():
    try:
        with open(DURATIONS) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def run_pool(jobs, width):
    """Runs jobs, at most width at a time, in the order given."""
    pending, running = list(jobs), []
    try:
        while pending or running:
            while pending and len(running) < width:
                j = pending.pop(0)
                j.start()
                running.append(j)
            time.sleep(0.1)
            for j in [j for j in running if j.poll()]:
                running.remove(j)
                j.finish()
    except KeyboardInterrupt:
        # Jobs have sessions of their own: ^C reaches them only from here.
        for j in running:
            j.stop("interrupted")
            j.finish()
        raise


def main(argv):
    sys.path.insert(0, HERE)
    become_subreaper()
    if argv[:1] == ["--job"]:
        return run_job(argv[1:])
    signal.signal(signal.SIGTERM, interrupted)
    group = None
    if argv[:1] == ["--group"] and len(argv) > 1 and argv[1] in ("parallel", "alone"):
        group, argv = argv[1], argv[2:]
    if any(a.startswith("-") for a in argv):
        print("usage: run.py [--group parallel|alone] [NAME...]", file=sys.stderr)
        return 2
    picks = argv + os.environ.get("INTEGRATION_TESTS", "").split()
    width = max(1, int(os.environ.get("INTEGRATION_JOBS", "4")))
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    jobs = make_jobs(pick(suite, picks) if picks else suite)
    if not jobs:
        # a mistyped name is not a pass
        print("integration: no test matches %s" % " ".join(picks))
        print("integration%s: 0 passed, 1 failed, 0 skipped" % (" (%s)" % group if group else ""))
        return 1
    known = load_durations()

    def weight(j):
        return known.get(j.name + (" alone" if j.alone else ""), UNKNOWN_TEST_S * len(j.ids))
    side = sorted((j for j in jobs if not j.alone), key=weight, reverse=True)
    alone = [j for j in jobs if j.alone]
    t0 = time.time()
    if group != "alone":
        run_pool(side, width)
    if group != "parallel":
        run_pool(alone, 1)
    ran = [j for j in jobs if j.result is not None]
    total = {k: sum(j.result[k] for j in ran) for k in ("passed", "failed", "skipped")}
    if os.environ.get("UPDATE_DURATIONS") == "1":
        for j in ran:
            known[j.name + (" alone" if j.alone else "")] = round(j.seconds, 1)
        with open(DURATIONS, "w") as f:
            json.dump(known, f, indent=1, sort_keys=True)
            f.write("\n")
    bad = [j.name for j in ran if j.result["failed"]]
    if bad:
        print("failing: " + ", ".join(bad))
    n_side = sum(1 for j in ran if not j.alone)
    print("(%.0fs: %d jobs side by side, %d at a time; %d alone)" % (
        time.time() - t0, n_side, width, len(ran) - n_side))
    print("integration%s: %d passed, %d failed, %d skipped" % (
        " (%s)" % group if group else "", total["passed"], total["failed"], total["skipped"]))
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
