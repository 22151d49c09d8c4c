"""`warroom query` against the lab's real Prometheus: a 5,000-character
PromQL, as a Grafana dashboard may hold, reaches it whole (sent as a POST
form) and the right value comes back; every series of a vector or a matrix
is printed with its labels, --json is the API's own answer; Prometheus' own
refusal and an unreachable server are told apart by exit code and words."""
import json
import os
import re
import subprocess
import time
import unittest

from labfixture import LabTestCase, REPO, missing

BINARY = os.path.join(REPO, "warroom")


def long_sum(length):
    """vector(1) + vector(1) + ... padded with spaces to exactly `length`
    characters, and how many terms it has."""
    terms = ["vector(1)"]
    while len(" + ".join(terms)) + len(" + vector(1)") <= length:
        terms.append("vector(1)")
    expr = " + ".join(terms)
    return expr + " " * (length - len(expr)), len(terms)


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class QueryOnLab(LabTestCase):
    lab_name = "query"

    def query(self, *args, config=None):
        p = subprocess.run([BINARY, "--config", config or self.lab.config_path, "query"] + list(args),
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, HOME=self.lab.root))
        return p.returncode, p.stdout, p.stderr

    def test_a_5000_character_query_arrives_whole(self):
        expr, n = long_sum(5000)
        self.assertEqual(len(expr), 5000)
        rc, out, err = self.query(expr)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.strip(), str(n))      # one lost character and the sum is wrong or unparsable
        rc, out, err = self.query(expr, "--json")
        self.assertEqual(rc, 0, err)
        d = json.loads(out)
        self.assertEqual(d["status"], "success")
        self.assertEqual(d["data"]["result"][0]["value"][1], str(n))

    def test_every_series_is_printed_with_its_labels(self):
        # two series, as sum by (result)(...) gives them: neither is dropped, each keeps its labels
        expr = ('sum by (result) (label_replace(vector(3), "result", "success", "", "") or '
                'label_replace(vector(1), "result", "failure", "", ""))')
        rc, out, err = self.query(expr)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(len(out.splitlines()), 2, out)
        self.assertRegex(out, r'(?m)^\{result="success"\}\s+3$')
        self.assertRegex(out, r'(?m)^\{result="failure"\}\s+1$')
        # the values in one column, as Prometheus' table shows them
        self.assertEqual(len({line.rindex(" ") for line in out.splitlines()}), 1, out)
        # a metric's name heads its labels
        # (Prometheus' first scrape of itself may still be due on a busy machine)
        deadline = time.time() + 15
        while True:
            rc, out, err = self.query('count by (__name__, job) ({__name__="up", job="prometheus"})')
            if rc != 0 or not out.startswith("no data") or time.time() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual((rc, err), (0, ""))
        self.assertRegex(out, r'(?m)^up\{job="prometheus"\}\s+\d+$')
        # a matrix: each series, then each sample at its time
        rc, out, err = self.query('label_replace(vector(7), "pod", "api-1", "", "")[1m:20s]')
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertGreaterEqual(len(lines), 2, out)
        self.assertRegex(lines[0], r'^\{pod="api-1"\}\s+7 @\d+(\.\d+)?$')
        for line in lines[1:]:
            self.assertRegex(line, r'^\s+7 @\d+(\.\d+)?$')
        # --json: the API's answer as it came, every series in it
        rc, out, err = self.query(expr, "--json")
        self.assertEqual(rc, 0, err)
        d = json.loads(out)
        self.assertEqual(d["data"]["resultType"], "vector")
        self.assertEqual(sorted((r["metric"]["result"], r["value"][1]) for r in d["data"]["result"]),
                         [("failure", "1"), ("success", "3")])
        # Prometheus' refusal in --json is its own error object
        rc, out, err = self.query("sum(rate(x[1m]", "--json")
        self.assertEqual(rc, 1)
        self.assertEqual(json.loads(out)["errorType"], "bad_data")

    def test_a_long_label_regex_with_every_awkward_character(self):
        # a regex of 5,000 characters whose only real match is at its very end,
        # and a selector with UTF-8, spaces, & and + that matches nothing
        head = 'count(up{job=~"'
        tail = '|detection-api"}) + 0 * count({__name__=~"é ü & +"} or vector(1))'
        alts = []
        while len(head + "|".join(alts + ["no-such-job-0000"]) + tail) < 5000:
            alts.append("no-such-job-%04d" % len(alts))
        expr = head + "|".join(alts) + tail
        expr += " " * (5000 - len(expr))
        self.assertEqual(len(expr), 5000)
        want = self.lab.wait_for(lambda: self.lab.prom_query('count(up{job="detection-api"})'), 30,
                                 what="the lab's target in Prometheus")
        rc, out, err = self.query(expr)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(float(out), want)

    def test_refusal_and_unreachable_are_told_apart(self):
        rc, out, err = self.query("sum(rate(http_requests_total[1m]")
        self.assertEqual(rc, 1)
        self.assertIn("warroom query: Prometheus: bad_data:", err)
        cfg = os.path.join(self.lab.root, "dead.yaml")
        with open(cfg, "w") as f:
            f.write("prometheus:\n  url: http://127.0.0.1:1/prometheus/\n")
        rc, out, err = self.query("up", config=cfg)
        self.assertEqual(rc, 3)
        self.assertIn("connection refused", err)
        rc, out, err = self.query('absent(nonexistent_metric_for_warroom) or vector(2)')
        self.assertEqual((rc, out.strip()), (0, "1"))


if __name__ == "__main__":
    unittest.main()
