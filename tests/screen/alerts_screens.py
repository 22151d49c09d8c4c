"""Screen tests of the alerts view on a stand-in Alertmanager: the list at
80x24 and 132x43, rules pending and in error, matcher filters, silences."""
import os
from fakes import FakeAlertmanager


class AlertsScreens:
    # ---- the alerts view, on a stand-in Alertmanager ----

    def alerts_console(self, cols, rows, *extra, prometheus=False):
        self.am = FakeAlertmanager()
        self.addCleanup(self.am.close)
        t = self.term(cols, rows)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\nrefresh_ms: 300\nalertmanager:\n  url: %s\n" % self.am.url)
            if prometheus:
                f.write("prometheus:\n  url: %s\n" % self.am.url)
        self.run_warroom(t, "--config", cfg, *extra)
        t.wait_for("Golden signals")
        t.keys("5")
        t.wait_for("HighErrorRate", timeout=10)
        return t

    def test_alerts_80x24(self):
        t = self.alerts_console(80, 24)
        self.assert_screen("alerts-80x24", t.wait_for("DiskInfo"))

    def test_alerts_132x43(self):
        t = self.alerts_console(132, 43)
        s = t.wait_for("DiskInfo")
        self.assert_screen("alerts-132x43", s)
        # firing first (critical, then warning), suppressed after, each saying why
        self.assertRegex(s, r"crit\s+firing\s+HighErrorRate\s+2m")
        self.assertRegex(s, r"warn\s+firing\s+P99LatencyHigh")
        self.assertLess(s.index("P99LatencyHigh"), s.index("DiskInfo"))
        self.assertRegex(s, r"silenced\s+DiskInfo")
        self.assertRegex(s, r"inhibited\s+CacheHitLow")
        self.assertIn("runbook:", s)
        self.assertIn("https://runbooks.example.com/sev2-degraded.md", s)   # whole, wrapped in the pane
        t.keys("v")
        s = t.wait_for("disk swap planned")
        self.assertRegex(s, r"5d4c3b2a\s+active\s+2h\s+alice\s+alertname=\"DiskInfo\"")
        t.keys("v")
        t.wait_for("no Prometheus configured: no rules")
        t.keys("v")
        s = t.wait_for("receiver")
        self.assertRegex(s, r"2\s+2\s+team-pager\s+alertname=HighErrorRate")

    def test_alerts_rules_pending_and_in_error(self):
        t = self.alerts_console(132, 43, prometheus=True)
        s = t.wait_for("1 pending")
        self.assertIn("1 of 2 alerting rules fail to evaluate", s)
        self.assertRegex(s, r"crit\s+pending\s+PodsDown")
        # pending after the firing ones, before the suppressed
        self.assertLess(s.index("P99LatencyHigh"), s.index("PodsDown"))
        self.assertLess(s.index("PodsDown"), s.index("CacheHitLow"))
        t.keys("v")
        t.keys("v")
        s = t.wait_for("rules")
        self.assertRegex(s, r"ERROR\s+inactive\s+QueueStale\s+detection\s+many-to-many matching not allowed")
        self.assertRegex(s, r"ok\s+pending\s+PodsDown")

    def test_alerts_filter_with_matchers(self):
        t = self.alerts_console(100, 30)
        t.keys("/")
        t.wait_for("Filter alerts")
        t.text('severity!=info, alertname=~"High.*|P99.*"')
        t.keys("Enter")
        s = t.wait_for("2 of 4")
        self.assertNotIn("DiskInfo", s)
        self.assertNotIn("CacheHitLow", s)
        self.assertIn("P99LatencyHigh", s)
        t.keys("/")
        t.wait_for("Filter alerts")
        t.keys("C-u")
        t.text('alertname=~"(')
        t.keys("Enter")
        t.wait_for("filter not applied")
        t.keys("/")
        t.wait_for("Filter alerts")
        t.keys("C-u")
        t.keys("Enter")
        t.wait_for("DiskInfo")

    def test_alerts_silence_refused_read_only_and_asks_with_the_alert(self):
        t = self.alerts_console(100, 30, "--readonly")
        t.keys("s")
        t.wait_for("read-only")
        self.assertEqual(self.am.posts, [])
        t2 = self.alerts_console(100, 30)
        t2.keys("s")
        s = t2.wait_for("Matchers:")
        self.assertIn('env="lab", severity="critical"', s)   # the alert's labels, editable
        t2.keys("Enter")
        t2.wait_for("Duration:")
        t2.keys("Enter")
        t2.wait_for("Comment (required)")
        t2.keys("Enter")
        t2.wait_for("a silence needs a comment")
        self.assertEqual(self.am.posts, [])
