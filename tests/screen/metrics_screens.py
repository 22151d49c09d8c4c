"""Screen tests of the metrics view and the overview's Golden signals: Grafana
dashboards drawn against a Prometheus with fixed answers, the strip from a
dashboard's panels, and a Prometheus answering badly."""
import json
import os
import re
import time

from term import ROOT, mask
from fakes import FakePrometheus, HostilePrometheus


class MetricsScreens:
    # ---- the metrics view: a dashboard against a Prometheus with fixed answers ----

    def metrics_console(self, cols, rows):
        self.prom = FakePrometheus()
        self.addCleanup(self.prom.close)
        t = self.term(cols, rows)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            # one refresh a minute: the screen holds still while it is read
            f.write("refresh_ms: 60000\nprometheus:\n  url: %s\ndashboards:\n  path: %s\n"
                    % (self.prom.url, os.path.join(ROOT, "assets", "dashboards")))
        self.run_warroom(t, "--config", cfg)
        t.wait_for("Golden signals")
        t.keys("7")
        return t

    def metrics_screen(self, t, until):
        t.wait_for(until, timeout=10)
        # until the round at the terminal's width is in: the screen holds still
        last, deadline = None, time.time() + 10
        while time.time() < deadline:
            s = re.sub(r"\d+s─", "Ns─", t.screen())
            if s == last and "waiting─" not in s:   # every panel has had its answer
                return s
            last = s
            time.sleep(0.8)
        return last

    def test_metrics_80x24(self):
        t = self.metrics_console(80, 24)
        s = self.metrics_screen(t, "42")
        self.assertIn("Detection Pipeline", s)
        self.assertIn("$slot=All", s)
        self.assertRegex(s, r"\s20 req/s\s")           # the stat's unit as Grafana writes it
        self.assertIn("\u2581" * 20, s)          # its sparkline
        self.assertNotIn("Error", s.split("Offline queue")[0].split("Request rate")[0])
        self.assert_screen("metrics-80x24", s)
        # the range follows t, a query_range asks for the whole of it at once
        t.keys("t")
        t.wait_for("· 6h")
        deadline = time.time() + 10
        while time.time() < deadline and not any(
                float(q["end"][0]) - float(q["start"][0]) > 6 * 3600 - 120 for q in list(self.prom.ranges)):
            time.sleep(0.1)
        self.assertTrue(any(float(q["end"][0]) - float(q["start"][0]) > 6 * 3600 - 120
                            for q in list(self.prom.ranges)), "no query over the 6h range")

    def test_metrics_132x43(self):
        t = self.metrics_console(132, 43)
        s = self.metrics_screen(t, "• P95")
        self.assertIn("\u25bc Golden signals", s)      # an open row's title on its grid line
        self.assertIn("• blue", s)                # a legend from legendFormat {{slot}}
        self.assertIn("• green", s)
        self.assertIn("Requests by route", s)
        self.assert_screen("metrics-132x43", s)

    def test_metrics_zoom_picker_and_stale_panels(self):
        t = self.metrics_console(80, 24)
        self.metrics_screen(t, "42")
        t.keys("z")
        s = t.wait_for(lambda s: "Request rate" in s and "Error rate" not in s, what="one panel, full screen")
        t.keys("z")
        t.keys("D")
        s = t.wait_for("Dashboards (Enter opens)")
        self.assertIn("TAK Integration", s)
        t.keys("j", "Enter")
        t.wait_for(lambda s: "Infrastructure  ·" in s and "waiting" not in s, what="the first answers", timeout=10)
        self.prom.fail = True
        t.keys("C-r")
        s = t.wait_for("answered HTTP 500", timeout=10)
        self.assertRegex(s, r"stale \d+s")        # the data it had, marked old

    def test_metrics_text_panel_renders_markdown_80x24(self):
        import json
        self.prom = FakePrometheus()
        self.addCleanup(self.prom.close)
        t = self.term(80, 24)
        md = ("## Before you page\n\nCheck the **edge** first: most 5xx start there, and the API only repeats "
              "them. See [the runbook](https://wiki.example/rb/edge).\n\n"
              "1. `kubectl -n edge get pods`\n2. restart what is not ready\n\n"
              "| Signal | SLO |\n|:--|--:|\n| P95 latency | 400 ms |\n| 5xx | 1 % |\n")
        dash = {"title": "Notes", "panels": [
            {"type": "text", "title": "Read me", "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
             "options": {"mode": "markdown", "content": md}},
            {"type": "text", "title": "Old HTML", "gridPos": {"x": 0, "y": 8, "w": 24, "h": 3},
             "options": {"mode": "html", "content": "<p>Owned by <b>team edge</b> &amp; on call.</p>"}}]}
        path = os.path.join(t.tmp, "notes.json")
        with open(path, "w") as f:
            json.dump(dash, f)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("refresh_ms: 60000\nprometheus:\n  url: %s\ndashboards:\n  path: %s\n" % (self.prom.url, path))
        self.run_warroom(t, "--config", cfg)
        t.wait_for("Golden signals")
        t.keys("7")
        s = t.wait_for("Owned by team edge & on call.")
        self.assertIn("Before you page", s)
        self.assertNotIn("**", s)
        self.assertIn("(https://wiki.example/rb/edge)", s)
        self.assertIn("1. `kubectl -n edge get pods`", s)
        self.assertIn("Signal      |    SLO", s)
        self.assertIn("P95 latency | 400 ms", s)
        self.assert_screen("metrics-text-80x24", s)
        # the heading and the table's header row stand out (bold)
        ansi = t.tmux("capture-pane", "-p", "-e", "-t", "t").stdout
        for text in ("Before you page", "Signal"):
            line = next(l for l in ansi.split("\n") if text in l)
            self.assertRegex(line, r"\x1b\[1m(\x1b\[[0-9;]*m)*" + re.escape(text), text)

    def test_overview_signals_come_from_the_dashboard(self):
        self.prom = FakePrometheus()
        self.addCleanup(self.prom.close)
        t = self.term(80, 24)
        dash = os.path.join(t.tmp, "pipeline.json")
        with open(dash, "w") as f:
            f.write('{"title": "Detection Pipeline", "panels": [{"type": "stat", "title": "Request rate",'
                    ' "targets": [{"expr": "sum(rate(edge_requests_total[$__rate_interval]))"}]}]}')
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("refresh_ms: 500\nprometheus:\n  url: %s\ndashboards:\n  path: %s\n" % (self.prom.url, dash))
        self.run_warroom(t, "--config", cfg)
        s = t.wait_for("Golden signals")
        # the queries of one refresh may arrive in any order, and not at once
        deadline = time.time() + 8
        while time.time() < deadline and not {"sum(rate(edge_requests_total[1m]))",
                                               "sum(offline_queue_depth)"} <= set(self.prom.queries):
            time.sleep(0.1)
        self.assertIn("sum(rate(edge_requests_total[1m]))", self.prom.queries)
        # a signal the dashboard has no panel for keeps the built-in query
        self.assertIn("sum(offline_queue_depth)", self.prom.queries)

    def test_overview_strip_is_the_configured_panels_coloured_by_their_thresholds(self):
        import json
        self.prom = FakePrometheus()
        self.addCleanup(self.prom.close)
        t = self.term(132, 43)
        steps = lambda *s: {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in s]}
        dash = {"title": "Detection Pipeline", "panels": [
            {"id": 3, "type": "stat", "title": "Request rate", "targets": [{"expr": "sum(rate(edge_requests_total[1m]))"}],
             "fieldConfig": {"defaults": {"unit": "reqps", "thresholds": steps(("green", None), ("red", 10))}}},
            {"id": 9, "type": "stat", "title": "Model confidence", "targets": [{"expr": "avg(detection_confidence)"}],
             "fieldConfig": {"defaults": {"unit": "percentunit", "decimals": 1,
                                          "thresholds": steps(("red", None), ("green", 0.8))}}}]}
        path = os.path.join(t.tmp, "pipeline.json")
        with open(path, "w") as f:
            json.dump(dash, f)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("refresh_ms: 60000\nprometheus:\n  url: %s\ndashboards:\n  path: %s\n"
                    "  overview:\n    dashboard: Detection Pipeline\n    panels:\n      - 9\n"
                    "      - Request rate\n      - Queue depth\n" % (self.prom.url, path))
        self.run_warroom(t, "--config", cfg)
        s = t.wait_for("86.0%")
        # in the config's order, labelled as the dashboard has them
        self.assertRegex(s, r"Model confidence\s+86\.0%")
        self.assertRegex(s, r"Request rate\s+20(\.0)? req/s")
        self.assertLess(s.index("Model confidence"), s.index("Request rate"))
        # a name the dashboard does not have: said where it is written
        self.assertIn('Queue depth      no panel "Queue depth" in Detection Pipeline (config.yaml:11)', s)
        self.assertIn("avg(detection_confidence)", self.prom.queries)
        # the colours are the panels' thresholds: 20 req/s is over its red step
        # (the SLO has none for the request rate), 86 % over its green one
        ansi = t.tmux("capture-pane", "-p", "-e", "-t", "t").stdout
        row = lambda label: next(l for l in ansi.split("\n") if label in l)
        sgr = lambda line, text: re.findall(r"\x1b\[([0-9;]*)m[^\x1b]*" + re.escape(text), line)[-1]
        self.assertIn("38;5;196", sgr(row("Request rate"), "20 req/s"))     # critical
        self.assertIn("38;5;71", sgr(row("Model confidence"), "86.0%"))     # fine
        self.assertIn("38;5;214", sgr(row("Queue depth"), "no panel"))      # the placeholder warns

    # ---- real-world dashboards: rows, collapsed rows, repeats, scrolling ----

    def real_dashboard(self, name, cols, rows):
        """The console on one dashboard of the real-world corpus, against the
        Prometheus with fixed answers; skipped without ../shared."""
        shared = os.environ.get("WARROOM_SHARED", os.path.join(ROOT, "..", "shared"))
        path = os.path.join(shared, "fixtures", "real-world", "grafana", name)
        if not os.path.exists(path):
            self.skipTest("needs ../shared (the real-world dashboards)")
        self.prom = FakePrometheus()
        self.addCleanup(self.prom.close)
        t = self.term(cols, rows)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("refresh_ms: 60000\nprometheus:\n  url: %s\ndashboards:\n  path: %s\n" % (self.prom.url, path))
        self.run_warroom(t, "--config", cfg)
        t.wait_for("Golden signals")
        t.keys("7")
        return t

    def still(self, t, until):
        """The screen once it holds still and shows until, ages masked; the
        status bar's left part moves with the digits of its age: pinned."""
        s = mask(self.metrics_screen(t, until)).split("\n")
        s[0] = re.sub(r" {2,}(prom )", r"  \1", s[0])
        return "\n".join(s)

    def check_old_rows(self, cols, rows):
        # the Kubernetes perf tests' master dashboard: schemaVersion 12, rows[], 7 of 8 rows collapsed
        t = self.real_dashboard("k8s-perf-tests-master-dashboard-rows.json", cols, rows)
        s = self.still(t, "\u25bc API call latency")
        self.assertIn("GET resource latency", s)
        self.assert_screen("metrics-oldrows-%dx%d" % (cols, rows), s)
        t.keys("End")
        s = self.still(t, "\u25b6 Master VM  (11 panels)")
        for row in ("API call latency aggregated with quantile  (4 panels)", "P&F metrics  (14 panels)",
                    "etcd  (15 panels)", "kube-apiserver  (18 panels)", "kube-controller-manager  (1 panel)"):
            self.assertIn("\u25b6 " + row, s)     # every closed row's title, with its count
        # a closed row opens on Enter (End selected the last), at the page's top, its panels below it
        t.keys("Enter")
        s = self.still(t, "\u25bc Master VM")
        self.assertTrue(s.split("\n")[2].startswith("\u25bc Master VM"), s)
        self.assertIn("fs bytes reads by container", s)
        self.assert_screen("metrics-oldrows-open-%dx%d" % (cols, rows), s)
        # the page turns: to the end of the opened row, then back a page, then to the top
        t.keys("End")
        s = self.still(t, "Network tcp segments")
        self.assertNotIn("\u25bc Master VM", s)
        self.assert_screen("metrics-oldrows-end-%dx%d" % (cols, rows), s)
        t.keys("PPage")
        t.wait_for(lambda x: mask(x) != mask(s), what="the page before")
        t.keys("Home")
        self.still(t, "\u25bc API call latency")

    def test_metrics_old_rows_80x24(self):
        self.check_old_rows(80, 24)

    def test_metrics_old_rows_132x43(self):
        self.check_old_rows(132, 43)

    def check_collapsed_rows(self, cols, rows):
        # Argo CD's dashboard: one open row, nine collapsed ones holding their panels
        t = self.real_dashboard("argocd-dashboard-collapsed-rows.json", cols, rows)
        s = self.still(t, "\u25bc Overview")
        self.assertIn("Uptime", s)
        self.assertNotIn("Health Status", s)        # inside a closed row: not drawn
        t.keys("End")
        s = self.still(t, "\u25b6 Redis Stats  (1 panel)")
        self.assertIn("\u25b6 Application Status  (2 panels)", s)
        self.assertIn("\u25b6 Server Stats  (12 panels)", s)
        self.assert_screen("metrics-collapsed-%dx%d" % (cols, rows), s)
        # k up to Application Status's row: Enter opens it, its two panels side by side below it
        for _ in range(8):
            t.keys("k")
        t.keys("Enter")
        s = self.still(t, "\u25bc Application Status")
        self.assertIn("Health Status", s)
        self.assertIn("Sync Status", s)
        if cols >= 100:   # side by side: the next row shows too
            self.assertIn("\u25b6 Sync Stats  (2 panels)", s)
        self.assert_screen("metrics-collapsed-open-%dx%d" % (cols, rows), s)
        # and closes again
        t.keys("Enter")
        s = t.wait_for("\u25b6 Application Status  (2 panels)", what="the row closed")
        self.assertNotIn("Health Status", s)

    def test_metrics_collapsed_rows_80x24(self):
        self.check_collapsed_rows(80, 24)

    def test_metrics_collapsed_rows_132x43(self):
        self.check_collapsed_rows(132, 43)

    def check_repeats(self, cols, rows):
        # kube-prometheus' Alertmanager overview: two panels repeated over the hidden $integration
        t = self.real_dashboard("kube-prometheus-alertmanager-overview.json", cols, rows)
        s = self.still(t, "Alerts receive rate")
        self.assertNotIn("$integration", s)          # hidden: not in the variable bar
        self.assertNotIn("<integration", s)          # resolved: no placeholder left
        self.assert_screen("metrics-repeats-%dx%d" % (cols, rows), s)
        # page down to the end: one copy per value, each seen on its way
        seen, last = s, None
        for _ in range(10):
            if mask(s) == last:
                break
            last = mask(s)
            t.keys("NPage")
            time.sleep(0.5)
            s = self.still(t, "Alertmanager")
            seen += s
        for title in ("blue: Notifications Send Rate", "green: Notifications Send Rate",
                      "blue: Notification Duration", "green: Notification Duration"):
            self.assertIn(title, seen)
        self.assert_screen("metrics-repeats-end-%dx%d" % (cols, rows), s)
        # each copy asked for its own value
        self.assertTrue(any('integration="blue"' in q for q in self.prom.queries), self.prom.queries)
        self.assertTrue(any('integration="green"' in q for q in self.prom.queries), self.prom.queries)

    def test_metrics_repeats_80x24(self):
        self.check_repeats(80, 24)

    def test_metrics_repeats_132x43(self):
        self.check_repeats(132, 43)

    # ---- Prometheus answering badly: the Golden signals panel says how ----

    def hostile_console(self, cols=80, rows=24):
        """The console on a config whose Prometheus is a HostilePrometheus."""
        self.prom = HostilePrometheus()
        self.addCleanup(self.prom.close)
        t = self.term(cols, rows)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("refresh_ms: 300\nprometheus:\n  url: %s/prometheus/\n" % self.prom.url)
        self.run_warroom(t, "--config", cfg)
        return t


    def test_overview_names_the_prometheus_faults(self):
        t = self.hostile_console()
        s = t.wait_for("Prometheus answered HTTP 500", timeout=10)
        self.assertIn("no data: Prometheus answered HTTP 500:", s)
        self.assertIn("upstream connect error", s)
        self.assertNotIn("n/a", s)
        self.assertIn("prom %s" % ("\u2717"), s)    # the status bar: the source is down
        self.assertIn("/prometheus/api/v1/query", self.prom.paths)   # the base path is kept
        self.prom.answer = (502, "text/html", b"<html><head><title>502 Bad Gateway</title></head></html>")
        s = t.wait_for("an HTML page (a proxy?)", timeout=10)
        self.assertIn("HTTP 502", s)
        self.prom.answer = (200, "application/json", b"\x01\x02 not json at all")
        t.wait_for("not JSON: not json at all", timeout=10)
        self.prom.answer = (400, "application/json",
                            b'{"status":"error","errorType":"bad_data","error":"parse error at char 5"}')
        s = t.wait_for("bad_data", timeout=10)
        self.assertIn("no data: Prometheus: bad_data: parse", s)   # wrapped in the panel
        self.assertIn("error at char 5", s)
        # it answered, but nothing it said can be used: not up
        self.assertIn("prom \u2717", s)
        self.assertNotIn("prom \u2713", s)
        self.prom.answer = (200, "application/json",
                            b'{"status":"success","data":{"resultType":"vector",'
                            b'"result":[{"metric":{},"value":[1,7]}]}}')
        s = t.wait_for("Prometheus sample value is a", timeout=10)
        self.assertIn("number, not a string", s)
        self.assertIn("prom \u2717", s)
        self.prom.answer = (200, "application/json", b'{"status":"success","data":{"resultType":"vector",'
                            b'"result":[{"metric":{},"value":[1,"12.5"]}]}}')
        t.wait_for(lambda s: "prom \u2713" in s.split("\n")[0], timeout=10, what="up once its answers can be read")

    def test_overview_signals_stale_after_a_500_132x43(self):
        t = self.hostile_console(132, 43)
        good = (b'{"status":"success","data":{"resultType":"vector",'
                b'"result":[{"metric":{},"value":[1,"12.5"]}]}}')
        self.prom.answer = (200, "application/json", good)
        t.wait_for("12.5", timeout=10)
        self.prom.answer = (500, "text/plain", b"backend down")
        s = t.wait_for("Prometheus answered HTTP 500: backend down", timeout=10)
        self.assertIn("stale", s)                 # it answered before: the data is old now
        self.assertNotIn("n/a", s)
        self.assertEqual(s.count("backend down"), 1, "one fault for every signal is said once")

    def nan_prometheus(self, cols, rows, answers):
        """The hostile stand-in answering each signal's query as answers says: a sample value, or
        None for an empty vector."""
        t = self.hostile_console(cols, rows)

        def answer(q):
            for key, v in answers:
                if key in q:
                    res = [] if v is None else [{"metric": {}, "value": [1, v]}]
                    return (200, "application/json", json.dumps(
                        {"status": "success", "data": {"resultType": "vector", "result": res}}).encode())
            raise AssertionError(q)
        self.prom.answer = answer
        return t

    def test_overview_says_nan_infinity_and_nothing_with_their_queries(self):
        answers = (("0.95", "NaN"), ("0.99", "+Inf"), ("offline_queue_depth", None), ('5..', None), ("", "18.5"))
        for cols, rows in ((120, 40), (80, 24)):
            t = self.nan_prometheus(cols, rows, answers)
            s = t.wait_for("no data sum(offline", timeout=10)
            top = s.split("\n")[0]
            self.assertIn("prom \u2713", top)            # every answer could be read
            self.assertNotIn("n/a", s)
            self.assertRegex(s, r"req/s\s+18\.5")
            # no 5xx series while the request rate is known: 0 %, not a gap
            self.assertRegex(s, r"5xx\s+0\.00%")
            # each value as it is, the query that gave it beside it (cut with an ellipsis when long)
            self.assertRegex(s, r"P95\s+NaN histogram_quantile\(0\.95,")
            self.assertRegex(s, r"P99\s+\+Inf histogram_quantile\(0\.99,")
            self.assertRegex(s, r"queue\s+no data sum\(offline_queue_depth\)")
            for line in s.split("\n"):
                if "histogram_quantile" in line:
                    self.assertRegex(line, r"\u2026 \u2502", "a query cut at the panel's edge ends in an ellipsis")
            t.close()

    def test_overview_an_error_ratio_without_a_request_rate_is_no_data(self):
        t = self.nan_prometheus(80, 24, (("0.95", "0.1"), ("0.99", "0.2"), ("offline_queue_depth", "0"),
                                         ('5..', None), ("", None)))
        s = t.wait_for("no data sum(rate(", timeout=10)
        self.assertRegex(s, r"req/s\s+no data sum\(rate\(")
        self.assertRegex(s, r"5xx\s+no data sum\(rate\(")
        self.assertNotIn("n/a", s)
        self.assertNotIn("0.00%", s)

    def test_overview_each_signal_says_its_own_fault(self):
        t = self.hostile_console(80, 24)
        good = (200, "application/json", b'{"status":"success","data":{"resultType":"vector",'
                b'"result":[{"metric":{},"value":[1,"12.5"]}]}}')
        bad = (422, "application/json", b'{"status":"error","errorType":"execution",'
               b'"error":"many-to-many matching not allowed"}')
        self.prom.answer = lambda q: bad if q.startswith("histogram_quantile") else good
        s = t.wait_for("execution: many-to-man", timeout=10)   # cut at the panel's edge
        self.assertRegex(s, r"req/s\s+12\.5")
        self.assertRegex(s, r"P95\s+Prometheus: execution: many-to-man")
        self.assertRegex(s, r"P99\s+Prometheus: execution: many-to-man")
        self.assertNotIn("n/a", s)
