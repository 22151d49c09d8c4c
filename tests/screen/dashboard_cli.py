"""`warroom dashboard show` and `lint` from the shell: the panels as the
console reads them, the queries with their variables expanded, what will not
be drawn and why, and the overview strip's panels checked against the config
(each missing one with the file and line that names it)."""
import json
import os
import subprocess
import tempfile

from term import BINARY, ROOT

DASHBOARDS = os.path.join(ROOT, "assets", "dashboards")


class DashboardCli:
    def dashboard(self, *args, config=None):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "LANG": "C.UTF-8"}
        pre = [BINARY] + (["--config", config] if config else [])
        return subprocess.run(pre + ["dashboard"] + list(args), capture_output=True, text=True, env=env,
                              cwd=ROOT, timeout=20, stdin=subprocess.DEVNULL)

    def test_dashboard_show_lists_panels_and_expanded_queries(self):
        pipeline = os.path.join(DASHBOARDS, "detection-pipeline.json")
        r = self.dashboard("show", pipeline)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^Detection Pipeline \(schema \d+, \d+ panels, 2 variables\)")
        self.assertRegex(r.stdout, r"\n  stat +x=0 +y=1 +w=5 +h=4 +Request rate\n")   # a row's child, indented
        # $slot's All and $__rate_interval (4 x the 15 s scrape) resolved in the query shown
        self.assertIn('A: sum(rate(http_requests_total{slot=~".*"}[1m]))', r.stdout)
        r = self.dashboard("show", pipeline, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["title"], "Detection Pipeline")
        types = {p["type"] for p in j["panels"]}
        self.assertTrue({"row", "stat", "timeseries"} <= types, types)
        for p in j["panels"]:
            self.assertTrue(all(k in p for k in ("x", "y", "w", "h", "drawn")), p)
            for q in p["queries"]:
                self.assertNotIn("$", q["expr"], q)

    def test_dashboard_lint_says_what_is_not_drawn_and_checks_the_strip(self):
        tmp = tempfile.mkdtemp(prefix="warroom-dash-")
        mixed = os.path.join(tmp, "mixed.json")
        with open(mixed, "w") as f:
            json.dump({"title": "Mixed", "panels": [
                {"type": "heatmap", "title": "Latency heat", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                 "targets": [{"expr": "sum by (le) (rate(x_bucket[$__rate_interval]))"}]},
                {"type": "stat", "title": "Up", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                 "targets": [{"expr": 'up{job="$job"}'}]}],
                "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(up job)"}]}}, f)
        r = self.dashboard("lint", mixed)
        # the variable's query cannot be resolved: the stat's query would go without a value
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('panel "Latency heat" (heatmap at 0,0): heatmap panels are not drawn', r.stdout)
        self.assertIn('variable job: label_values: "up job" is not a label name', r.stdout)
        self.assertIn('panel "Up" (stat at 12,0): query A: $job cannot be resolved here', r.stdout)
        self.assertIn("mixed.json: 2 problems would make panels wrong", r.stdout)
        r = self.dashboard("show", mixed)   # the placeholder still lists its query
        self.assertIn("sum by (le) (rate(x_bucket[1m]))", r.stdout)

        # no FILE: every dashboard of the path, then the strip against the config
        config = os.path.join(tmp, "warroom.yaml")
        with open(config, "w") as f:
            f.write("dashboards:\n  path: %s\n  overview:\n    dashboard: Detection Pipeline\n"
                    "    panels:\n      - Request rate\n      - Nope\n      - 9\n" % DASHBOARDS)
        r = self.dashboard("lint", config=config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("detection-pipeline.json: every panel is drawn", r.stdout)
        self.assertIn('warroom.yaml:7: dashboards.overview: no panel "Nope" in Detection Pipeline', r.stdout)
        self.assertNotIn('"Request rate"', r.stdout)
        self.assertNotIn('"9"', r.stdout)   # a panel id it has
        with open(config, "w") as f:
            f.write("dashboards:\n  path: %s\n  overview:\n    dashboard: Detection Pipeline\n"
                    "    panels: [Request rate, 9]\n" % DASHBOARDS)
        r = self.dashboard("lint", config=config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("the overview's strip: the panels named of Detection Pipeline", r.stdout)
        with open(config, "w") as f:
            f.write("dashboards:\n  path: %s\n  overview:\n    dashboard: No Such Board\n" % DASHBOARDS)
        r = self.dashboard("lint", config=config)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn('dashboards.overview: no dashboard "No Such Board" in %s' % DASHBOARDS, r.stdout)
        for name in os.listdir(tmp):
            os.unlink(os.path.join(tmp, name))
        os.rmdir(tmp)

    # ---- the real-world corpus: every dashboard of 20 public projects ----

    def corpus(self):
        shared = os.environ.get("WARROOM_SHARED", os.path.join(ROOT, "..", "shared"))
        folder = os.path.join(shared, "fixtures", "real-world", "grafana")
        if not os.path.isdir(folder):
            self.skipTest("needs ../shared (the real-world dashboards)")
        return [os.path.join(folder, n) for n in sorted(os.listdir(folder)) if n.endswith(".json")]

    def test_every_real_world_dashboard_expands_for_prometheus(self):
        import re
        unresolved = re.compile(r"\$(\{[A-Za-z_]|[A-Za-z_])|\[\[")
        empty = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*""')
        files = self.corpus()
        self.assertGreaterEqual(len(files), 27)
        for path in files:
            r = self.dashboard("show", path, "--json")
            self.assertEqual(r.returncode, 0, "%s: %s" % (path, r.stderr))
            d = json.loads(r.stdout)
            with open(path) as f:
                written = json.load(f)
            # the empty matchers an author wrote ({container!=""}) are theirs, not an expansion's
            theirs = {(m.group(1), m.group(2)) for m in empty.finditer(json.dumps(written).replace('\\"', '"'))}
            self.assertTrue(d["panels"], path)
            for p in d["panels"]:
                for q in p["queries"]:
                    if q["datasource"] != "Prometheus" or not q["expr"]:
                        continue
                    where = "%s: %r %s: %s" % (os.path.basename(path), p["title"], q["refId"], q["expr"])
                    self.assertIsNone(unresolved.search(q["expr"]), where)
                    self.assertNotIn("$__", q["expr"], where)
                    for m in empty.finditer(q["expr"]):
                        self.assertIn((m.group(1), m.group(2)), theirs, where)
            # a panel of Loki is a placeholder naming it, and its queries are marked as never sent
            for p in d["panels"]:
                if p["datasource"] == "Loki":
                    self.assertFalse(p["drawn"], p)
                    self.assertTrue(all(q["datasource"] == "Loki" for q in p["queries"]), p)

    def test_lint_tells_the_truth_about_every_real_world_dashboard(self):
        files = self.corpus()
        clean = 0
        for path in files:
            r = self.dashboard("lint", path)
            name = os.path.basename(path)
            last = r.stdout.strip().split("\n")[-1]
            self.assertTrue(last.startswith(path + ": "), r.stdout)
            if "would make panels wrong" in last:
                self.assertEqual(r.returncode, 1, r.stdout)
            else:
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                clean += last.endswith("every panel is drawn")
            self.assertNotIn("every panel is drawn", r.stdout.replace(last, ""), name)
        # what the corpus holds, said as it is
        out = self.dashboard("lint", [p for p in files if p.endswith("cloudnative-pg-cluster.json")][0]).stdout
        self.assertIn('panel "" (stat at 6,5): query A goes to a Grafana expression: not computed here', out)
        self.assertIn('panel "Collection Duration" (heatmap at 0,55): heatmap panels are not drawn', out)
        out = self.dashboard("lint", [p for p in files if p.endswith("victoriametrics-clusterbytenant.json")][0]).stdout
        self.assertIn("variable project: its query keeps $accountID, which is no variable of the dashboard", out)
        out = self.dashboard("lint", [p for p in files if p.endswith("flux2-monitoring-example-logs-loki.json")][0]).stdout
        self.assertIn("its queries go to Loki, not Prometheus: never sent, a placeholder", out)
        self.assertIn("variable controller: asks Loki: its values are not resolved here", out)
        self.assertGreaterEqual(clean, 10)
