"""Pod logs and Events by slot on the lab, as operators meet them: both
slots' logs merged and prefixed; a followed stream the fake API cuts
mid-line (and one through a restarted bastion) resumed with no line lost or
shown twice, against what the API holds; a crashed container's previous
lines with its termination; what is new in the bad version named first
within 10 s of opening the diagnose view; Events grouped by reason per
slot; `warroom logs --new`; a runbook's `logs` step recorded in the
timeline. The real kubectl reads the same fake: the lab's logs are what
`kubectl logs -f --timestamps` and `--previous` and `kubectl get events` say."""
import calendar
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from labfixture import NS, LabTestCase, missing, port_open, wait_for  # noqa: E402
from term import BINARY, Term  # noqa: E402

NEED = missing("kubectl") + ([] if os.path.exists(BINARY) else ["./warroom"])


def ts_of(line):
    """The API server's time before a line, in ns (the text after it)."""
    stamp, _, text = line.partition(" ")
    base, _, frac = stamp.rstrip("Z").partition(".")
    secs = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return secs * 10**9 + int((frac + "000000000")[:9]), text


class LogsLab(LabTestCase):
    scenario_name = "bad-deploy"

    @classmethod
    def prepare_lab(cls):
        cls.lab.scenario(cls.scenario_name)

    def setUp(self):
        self.terms = []
        self.tmp = tempfile.mkdtemp(prefix="warroom-logs-")
        self.db = os.path.join(self.tmp, "tl.db")

    def tearDown(self):
        for t in self.terms:
            t.close()
        subprocess.run(["rm", "-rf", self.tmp])

    def warroom(self, *args, cfg=None, timeout=60):
        return subprocess.run([BINARY, "--config", cfg or self.lab.config_path, "--db", self.db] + list(args),
                              capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, HOME=self.tmp))

    def pods(self, slot):
        return sorted(p["metadata"]["name"] for p in self.lab.pods("slot=" + slot)
                      if not p["metadata"].get("deletionTimestamp"))

    def api_log(self, pod, **q):
        q.setdefault("timestamps", "true")
        r = self.lab.kube("GET", "/api/v1/namespaces/%s/pods/%s/log?%s" % (NS, pod, urllib.parse.urlencode(q)))
        return r

    def follow(self, *args, cfg=None):
        self.out = os.path.join(self.tmp, "follow.out")
        with open(self.out, "w") as f:
            p = subprocess.Popen([BINARY, "--config", cfg or self.lab.config_path, "--db", self.db, "logs",
                                  "--follow", "--json"] + list(args), stdout=f, stderr=subprocess.PIPE, text=True,
                                 env=dict(os.environ, HOME=self.tmp))
        return p

    def followed(self):
        with open(self.out) as f:
            return [json.loads(l) for l in f.read().splitlines() if l.startswith("{") and l.endswith("}")]

    def stop(self, p):
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=30)
        return self.followed(), err

    def assert_nothing_lost_or_twice(self, got, pods, t_from):
        """Each pod's lines, as printed, are exactly what the API holds for the
        same span: no line missing, none twice, in the server's order."""
        self.assertTrue(got, "no line followed")
        for pod in pods:
            mine = [(ts_of(l["ts"] + " " + l["line"])[0], l["line"]) for l in got if l["pod"] == pod]
            self.assertTrue(mine, "nothing from %s" % pod)
            first, last = mine[0][0], mine[-1][0]
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t_from))
            truth = [ts_of(l) for l in self.api_log(pod, sinceTime=since).text.splitlines()]
            # the span followed, but not the last second: lines of it may have come after the stop
            window = [x for x in truth if first <= x[0] < last - 10**9]
            mine = [x for x in mine if x[0] < last - 10**9]
            self.assertEqual(len(mine), len(set(mine)), "a line shown twice in %s" % pod)
            self.assertEqual(mine, window, "lines of %s lost or added" % pod)


@unittest.skipIf(NEED, "needs %s" % ", ".join(NEED))
class LogsOnLab(LogsLab):
    lab_name = "logs"

    def test_both_slots_merged_by_time_and_prefixed(self):
        p = self.warroom("logs", "--since", "2m", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual({l["slot"] for l in lines}, {"blue", "green"})
        stamps = [ts_of(l["ts"] + " x")[0] for l in lines]
        self.assertEqual(stamps, sorted(stamps), "lines not merged by time")
        for l in lines:
            self.assertIn(l["pod"], self.pods(l["slot"]))
            self.assertEqual(json.loads(l["line"])["slot"], l["slot"], "a line prefixed with another slot")
        # the text form: time, slot/short pod name, the line
        p = self.warroom("logs", "--slot", "green", "--tail", "3")
        self.assertEqual(p.returncode, 0, p.stderr)
        for line in p.stdout.splitlines():
            self.assertRegex(line, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z green/\w{5} \{")

    def test_logs_new_prints_the_bad_versions_error_first(self):
        time.sleep(3)
        p = self.warroom("logs", "--new")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.splitlines()
        self.assertTrue(out[0].startswith("New in green since"), p.stdout)
        self.assertRegex(out[1], r"^\d+\u00d7 error unhandled exception: KeyError: <s> in detection <uuid> from "
                                 r"<ip>:<n> \u2014 green only, first \d\d:\d\d:\d\d$")
        j = json.loads(self.warroom("logs", "--new", "--json").stdout)
        self.assertEqual(j["live"], "green")
        self.assertIn("KeyError", j["new"][0]["template"])
        self.assertGreater(j["new"][0]["count"], 1)
        self.assertEqual(j["new"][0]["other_count"], 0)

    def test_a_stream_cut_mid_line_resumes_with_nothing_lost_or_twice(self):
        t0 = time.time()
        p = self.follow("--slot", "green")
        try:
            time.sleep(4)
            for _ in range(3):
                self.lab.logs_cut()
                time.sleep(3)
        finally:
            got, err = self.stop(p)
        self.assert_nothing_lost_or_twice(got, self.pods("green"), t0 - 600)

    def test_kubectl_reads_the_same_log_and_a_cut_ends_its_follow(self):
        pod = self.pods("green")[0]
        # the last lines as kubectl shows them, times and all, are the API's
        out = self.lab.kubectl("logs", "-n", NS, pod, "--timestamps", "--tail=5").stdout.splitlines()
        self.assertEqual(len(out), 5)
        for line in out:
            ts_of(line)
            json.loads(line.partition(" ")[2])
        # kubectl's follow ends at a cut (the incumbents' silent stop); ours goes on, see above
        k = subprocess.Popen(["kubectl", "--kubeconfig", self.lab.kubeconfig, "logs", "-n", NS, pod, "-f",
                              "--timestamps", "--tail=1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, HOME=self.tmp))
        time.sleep(3)
        self.lab.logs_cut()
        try:
            out, err = k.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            k.kill()
            self.fail("kubectl logs -f went on after the cut")
        self.assertTrue(out.strip())
        self.assertIn("unexpected EOF", err)
        # a container that does not exist is refused; previous without one too
        p = self.lab.kubectl("logs", "-n", NS, pod, "-c", "nope", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("container nope is not valid for pod", p.stderr)
        p = self.lab.kubectl("logs", "-n", NS, pod, "--previous", check=False)
        self.assertIn("previous terminated container", p.stderr)
        self.assertEqual(self.api_log(pod, previous="true").status, 400)
        self.assertEqual(self.api_log(pod, container="nope").status, 404)

    def test_new_in_this_version_first_within_10s_of_opening_the_view(self):
        t = Term(132, 43)
        self.terms.append(t)
        t.start([BINARY, "--config", self.lab.config_path, "--db", self.db])
        t.wait_for("ACTIVE", timeout=20)
        t0 = time.monotonic()
        t.keys("9")
        s = t.wait_for(lambda s: re.search(r"New in green: \d+\u00d7 error unhandled exception: KeyError", s),
                       timeout=10, what="the bad version's error first")
        took = time.monotonic() - t0
        print("\n    key 9 to the bad version's error named first: %.1f s" % took)
        self.assertLess(took, 10)
        # both slots on screen, each line prefixed by its slot and pod
        s = t.wait_for(lambda s: re.search(r"\d\d:\d\d:\d\d\.\d{3} green \w{5} ", s), what="green's lines")
        self.assertRegex(s, r"green/\w{5} live")
        self.assertRegex(s, r"blue/\w{5} (live|quiet)")

    def test_a_runbook_logs_step_records_its_output(self):
        pod = self.pods("green")[0]
        wait_for(lambda: "KeyError" in self.api_log(pod).text, 30, what="the bad version's first error")
        rb = os.path.join(self.tmp, "runbooks")
        os.makedirs(rb)
        with open(os.path.join(rb, "diagnose-logs.md"), "w") as f:
            f.write("# Diagnose the new version\n\n## Diagnose\n\n### What the new version logs\n\n"
                    "```warroom\nlogs --slot green --new\n```\n\n### Events\n\n```warroom\nevents\n```\n")
        with open(self.lab.config_path) as f:
            text = f.read()
        cfg = os.path.join(self.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write(re.sub(r"(?m)^runbooks:.*\n", "", text) + "runbooks:\n  paths: [%s]\n" % rb)
        t = Term(132, 43)
        self.terms.append(t)
        t.start([BINARY, "--config", cfg, "--db", self.db])
        t.wait_for("ACTIVE", timeout=20)
        t.keys(":")
        t.text("runbook diagnose-logs")
        t.keys("Enter")
        t.wait_for("logs --slot green --new", timeout=10)
        t.keys("e")
        t.wait_for(lambda s: "logs: " in s and "new in green" in s, timeout=30, what="the step's outcome")
        out = self.warroom("timeline", "--json", "--limit", "0", cfg=cfg).stdout
        evs = [e for e in json.loads(out) if e["kind"] == "logs"]
        self.assertTrue(evs, out)
        d = evs[0]["detail"]
        self.assertEqual(d["args"], "--slot green --new")
        self.assertTrue(any("KeyError" in l for l in d["report"]), d)
        self.assertIn("new in green", evs[0]["summary"])
        runbook = [e for e in json.loads(out) if e["kind"] == "runbook" and "warroom logs" in e["summary"]]
        self.assertTrue(runbook and "ok" in runbook[0]["summary"], out)


@unittest.skipIf(NEED, "needs %s" % ", ".join(NEED))
class CrashLogsOnLab(LogsLab):
    """The new version crash-loops, killed for its memory."""
    lab_name = "crashlogs"

    @classmethod
    def prepare_lab(cls):
        cls.lab.scenario("bad-deploy")
        cls.lab.fault("1.5.0", crash="on", oom="on")
        wait_for(lambda: all(p["status"]["containerStatuses"][0]["restartCount"] >= 2
                             for p in cls.lab.pods("slot=green")), 60, what="green's containers restarted twice")

    def test_a_crashed_containers_previous_lines_with_its_termination(self):
        p = self.warroom("logs", "--slot", "green", "--new", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        streams = [s for s in json.loads(p.stdout)["streams"] if s["slot"] == "green"]
        self.assertTrue(streams)
        for s in streams:
            self.assertEqual(s["last_termination"], "OOMKilled")
            self.assertEqual(s["exit_code"], 137)
            self.assertGreaterEqual(s["restarts"], 2)
            # the previous instance's last lines are what kubectl logs --previous says
            kprev = self.lab.kubectl("logs", "-n", NS, s["pod"], "--previous").stdout.splitlines()
            self.assertTrue(kprev)
            # each as kept: whole, or its first bytes (a line is kept up to 240 bytes for the summary)
            for mine, theirs in zip(s["previous_lines"], kprev[-len(s["previous_lines"]):]):
                self.assertTrue(theirs.startswith(mine), (mine, theirs))
            self.assertIn("memory use above 90% of the limit", s["previous_lines"][-1])
        p = self.warroom("logs", "--slot", "green")
        self.assertRegex(p.stderr, r"green/\w{5} last ended OOMKilled, exit 137 \(\d+ restarts\); its previous "
                                   r"instance's last lines:")

    def test_events_grouped_by_reason_per_slot(self):
        p = self.warroom("events", "--slot", "green", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["api"], "events.k8s.io/v1")
        groups = j["groups"]
        self.assertTrue(groups)
        self.assertTrue(all(g["slot"] == "green" for g in groups))
        warn = [g for g in groups if g["type"] == "Warning"]
        self.assertEqual(groups[:len(warn)], warn, "warnings first")
        self.assertEqual({g["reason"] for g in warn}, {"BackOff", "Unhealthy"})
        # the counts are the API's: kubectl get events says the same
        kev = json.loads(self.lab.kubectl("get", "events", "-n", NS, "-o", "json").stdout)["items"]
        for g in warn:
            want = sum(e.get("count") or 1 for e in kev if e["reason"] == g["reason"] and
                       e["involvedObject"]["name"] == g["name"])
            self.assertLessEqual(abs(want - g["count"]), 2, (g, want))   # the crash loop goes on meanwhile
        table = self.lab.kubectl("get", "events", "-n", NS).stdout
        self.assertRegex(table, r"Warning\s+BackOff\s+pod/detection-api-green-")
        p = self.warroom("events")
        self.assertRegex(p.stdout, r"green:\n  Warning (BackOff|Unhealthy)\s+\u00d7\d+")


@unittest.skipIf(NEED or missing("ssh-agent"), "needs %s" % ", ".join(NEED + missing("ssh-agent")))
class LogsThroughBastion(LogsLab):
    """The Kubernetes API reached through the bastion, whose sshd restarts."""
    lab_name = "logsbastion"

    def config(self):
        with open(self.lab.config_path) as f:
            s = f.read()
        s = s.replace("# ssh:", "ssh:").replace("#   ", "  ").replace("kubernetes:\n", "kubernetes:\n  via_bastion: true\n")
        path = os.path.join(self.tmp, "bastion.yaml")
        with open(path, "w") as f:
            f.write(s)
        return path

    def kill_sshd(self):
        pid = int(open(os.path.join(self.lab.dir, "pids", "sshd.pid")).read().split()[0])
        kids = {}
        for d in os.listdir("/proc"):
            try:
                with open("/proc/%s/stat" % d) as f:
                    kids.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
        todo = [pid]
        while todo:
            p = todo.pop()
            todo.extend(kids.get(p, []))
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def restart_sshd(self):
        cfg = os.path.join(self.lab.dir, "ssh", "sshd_config")
        log = os.path.join(self.lab.dir, "logs", "sshd.log")
        p = subprocess.Popen(["/usr/sbin/sshd", "-D", "-E", log, "-f", cfg], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        with open(os.path.join(self.lab.dir, "pids", "sshd.pid"), "w") as f:
            f.write("%d 0\n" % p.pid)
        wait_for(lambda: port_open(self.lab.ports["ssh"]), 5, what="sshd listening again")

    def test_a_stream_through_a_restarted_bastion_resumes_with_nothing_lost_or_twice(self):
        cfg = self.config()
        t0 = time.time()
        p = self.follow("--slot", "green", cfg=cfg)
        try:
            time.sleep(5)
            self.kill_sshd()
            time.sleep(2)
            self.restart_sshd()
            t_back = time.time()
            # lines written after the restart come through the new tunnel
            wait_for(lambda: any(ts_of(l["ts"] + " x")[0] > (t_back + 3) * 10**9 for l in self.followed()), 40,
                     what="lines after sshd came back")
            print("\n    sshd back to lines after it followed again: %.1f s" % (time.time() - t_back))
        finally:
            got, err = self.stop(p)
        self.assertIn("green", {l["slot"] for l in got})
        self.assert_nothing_lost_or_twice(got, self.pods("green"), t0 - 600)


if __name__ == "__main__":
    unittest.main()
