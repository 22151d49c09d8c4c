"""Dashboards against the lab's real Prometheus and node exporter: the
seeds' Detection Pipeline follows a bad deployment; a public node dashboard
(dotdc's Kubernetes / Views / Nodes) draws the host's real CPU, memory and
load; one refresh of a dashboard of 20-odd panels takes about as long as its
slowest query, because the queries run together."""
import json
import os
import subprocess
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


if __name__ == "__main__":
    unittest.main()
