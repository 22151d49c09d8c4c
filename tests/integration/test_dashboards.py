"""Dashboards against the lab's real Prometheus and node exporter: the
seeds' Detection Pipeline follows a bad deployment; a public node dashboard
(dotdc's Kubernetes / Views / Nodes) draws the host's real CPU, memory and
load; one refresh of a dashboard of 20-odd panels takes about as long as its
slowest query, because the queries run together; All without an allValue is
every value Prometheus has, a repeated panel is one per value, and lint
--live says which variables have no values and which queries Prometheus
refuses."""
import json
import os
import subprocess
import tempfile
import unittest

from labfixture import LabTestCase, REPO, missing

BINARY = os.path.join(REPO, "warroom")
SHARED = os.environ.get("WARROOM_SHARED", os.path.join(REPO, "..", "shared"))
NODES = os.path.join(SHARED, "fixtures", "real-world", "grafana", "dotdc-k8s-views-nodes-stat-gauge.json")
PIPELINE = os.path.join(REPO, "assets", "dashboards", "detection-pipeline.json")


@unittest.skipIf(missing() or not os.path.exists(BINARY), "needs %s" % ", ".join(missing() or ["./warroom"]))
class DashboardsOnLab(LabTestCase):
    lab_name = "dashboards"

    def values(self, path, *args):
        p = subprocess.run([BINARY, "--config", self.lab.config_path, "dashboard", "values", path, "--json"]
                           + list(args), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
                           env=dict(os.environ, HOME=self.lab.root))
        self.assertEqual(p.stderr, "")
        return json.loads(p.stdout)

    @staticmethod
    def panel(d, title):
        return next(p for p in d["panels"] if p["title"] == title)

    def test_the_pipeline_dashboard_shows_a_bad_deploy(self):
        def requests():
            d = self.values(PIPELINE, "--range", "5m")
            return d if self.panel(d, "Request rate").get("raw", 0) > 5 else None
        d = self.lab.wait_for(requests, 60, what="request rate on the dashboard")
        self.assertEqual(self.panel(d, "Requests by slot").get("error"), None)
        slot = next(v for v in d["variables"] if v["name"] == "slot")
        self.assertTrue(slot["all"])
        self.lab.scenario("bad-deploy")

        def errors():
            d = self.values(PIPELINE, "--range", "5m")
            return d if self.panel(d, "Error rate").get("raw", 0) > 0.01 else None
        d = self.lab.wait_for(errors, 90, what="the 5xx ratio over 1% on the dashboard")
        self.assertRegex(self.panel(d, "Error rate")["value"], r"^\d+\.\d\d%$")
        # the slot variable narrows the queries: blue serves no 5xx of 1.5.0
        d = self.values(PIPELINE, "--range", "5m", "--var", "slot=green")
        self.assertTrue(self.panel(d, "Requests by slot")["series"] <= 1)

    @unittest.skipUnless(os.path.exists(NODES), "needs ../shared (the real-world dashboards)")
    def test_a_public_node_dashboard_draws_real_host_data(self):
        target = self.lab.env.get("NODE_EXPORTER_URL", "").replace("http://", "")
        if not target:
            self.skipTest("prometheus-node-exporter is not installed (sh scripts/deps.sh test)")

        def cpu():
            d = self.values(NODES, "--range", "5m", "--var", "instance=" + target)
            return d if self.panel(d, "CPU Usage").get("points", 0) > 3 else None
        d = self.lab.wait_for(cpu, 60, what="node CPU on the node dashboard")
        for title in ("CPU Usage", "Memory Usage", "System Load", "RAM Used"):
            p = self.panel(d, title)
            self.assertNotIn("error", p, title)
            self.assertGreater(p["series"], 0, title)
        self.assertRegex(self.panel(d, "RAM Used")["value"], r"^\d+(\.\d+)? (MiB|GiB)$")
        self.assertGreater(self.panel(d, "CPU  Usage")["raw"], 0)
        # 20 panels and more: the refresh takes about its slowest query
        drawn = [p for p in d["panels"] if p["drawn"] and p["queries"]]
        self.assertGreaterEqual(len(drawn), 20)
        self.assertLessEqual(d["refresh_ms"], 1.5 * d["slowest_query_ms"] + 20,
                             "refresh %d ms, slowest query %d ms" % (d["refresh_ms"], d["slowest_query_ms"]))
        print("\n  node dashboard: %d panels, refresh %d ms, slowest query %d ms"
              % (len(drawn), d["refresh_ms"], d["slowest_query_ms"]))


    def test_variables_repeats_and_lint_live(self):
        self.lab.wait_for(lambda: self.lab.prom_query('count(count by (slot) (http_requests_total))') == 2, 60,
                          what="both slots' requests in Prometheus")
        tmp = tempfile.mkdtemp(prefix="warroom-dash-")
        path = os.path.join(tmp, "live.json")
        stat = lambda title, expr, y, **kw: dict({"type": "stat", "title": title, "targets": [{"refId": "A", "expr": expr}],
                                                  "gridPos": {"x": 0, "y": y, "w": 12, "h": 4}}, **kw)
        with open(path, "w") as f:
            json.dump({"title": "Live", "panels": [
                stat("All slots", 'sum(rate(http_requests_total{slot=~"$slot"}[5m]))', 0),
                stat("Slot $slot", 'sum(rate(http_requests_total{slot="$slot"}[5m]))', 4, repeat="slot"),
                stat("Nothing", 'sum(up{job=~"$nothing"})', 8),
                stat("Broken", "sum(rate(http_requests_total[5m])", 12),
                {"type": "logs", "title": "Logs", "datasource": {"type": "loki", "uid": "l"},
                 "gridPos": {"x": 0, "y": 16, "w": 24, "h": 4}, "targets": [{"expr": '{app="x"} |= "err"'}]}],
                "templating": {"list": [
                    {"name": "slot", "type": "query", "query": "label_values(http_requests_total, slot)",
                     "includeAll": True, "multi": True, "sort": 1, "current": {"value": ["$__all"]}},
                    {"name": "nothing", "type": "query", "query": "label_values(no_such_metric_for_warroom, job)",
                     "includeAll": True, "current": {"value": "$__all"}},
                    # a bare selector: its series listed as Grafana lists them, the regex picking a label
                    {"name": "target", "type": "query", "query": 'up{job="prometheus"}',
                     "regex": '/instance="(?<text>[^"]+)"/'}]}}, f)
        d = self.values(path, "--range", "5m")
        # All, without an allValue: every slot Prometheus has, regex-escaped and joined
        q = self.panel(d, "All slots")["queries"][0]["expr"]
        self.assertIn('slot=~"(blue|green)"', q)
        self.assertGreater(self.panel(d, "All slots").get("raw", 0), 0)
        # one panel per slot, each asking for its own
        copies = sorted(p["title"] for p in d["panels"] if p["title"].startswith("Slot "))
        self.assertEqual(copies, ["Slot blue", "Slot green"])
        self.assertIn('slot="green"', self.panel(d, "Slot green")["queries"][0]["expr"])
        target = next(v for v in d["variables"] if v["name"] == "target")
        self.assertNotIn("error", target)
        self.assertRegex(target["current"][0], r"^[\w.-]+:\d+$")   # an instance, host:port
        # a variable Prometheus has no values for is empty, as in Grafana: series without the label
        nothing = self.panel(d, "Nothing")
        self.assertIn('job=~""', nothing["queries"][0]["expr"])
        self.assertNotIn("error", nothing)
        self.assertEqual(nothing["series"], 0)
        self.assertIn("bad_data", self.panel(d, "Broken")["error"])
        self.assertNotIn("error", self.panel(d, "Logs"))   # a Loki panel is never sent
        self.assertEqual(self.panel(d, "Logs")["datasource"], "Loki")
        p = subprocess.run([BINARY, "--config", self.lab.config_path, "dashboard", "lint", path, "--live"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90,
                           env=dict(os.environ, HOME=self.lab.root))
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("variable nothing: Prometheus has no values for it: its matchers ask for series without "
                      "the label", p.stdout)
        self.assertIn("1 problem would make panels wrong", p.stdout)   # the broken query
        self.assertIn('panel "Broken" (stat at 0,12): Prometheus refuses it: A: Prometheus: bad_data', p.stdout)
        self.assertIn('panel "Logs" (logs at 0,16): its queries go to Loki, not Prometheus', p.stdout)
        self.assertNotIn("All slots", p.stdout)
        # offline, the same file: only what can be known without Prometheus
        p = subprocess.run([BINARY, "dashboard", "lint", path], stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("no problem", p.stdout)
        os.unlink(path)
        os.rmdir(tmp)


if __name__ == "__main__":
    unittest.main()
