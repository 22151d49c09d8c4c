"""Screen tests of the diagnose view on a stand-in Kubernetes API: both
slots' logs merged and prefixed at 80x24 and 132x43, what is new in green
first, the streams and the crashed container's previous lines, the events,
the filters, holding and following, scope, pinning into the timeline, and
the overview's line for the Events' warnings."""
import json
import os
import re
import subprocess

from fakekube import FakeKube
from term import BINARY


class DiagnoseScreens:
    def diagnose_console(self, cols, rows):
        self.kube = FakeKube(self.term_tmp())
        self.addCleanup(self.kube.close)
        t = self.term(cols, rows)
        cfg = self.kube.config(os.path.join(t.tmp, "config.yaml"))
        t.cfg = cfg
        self.run_warroom(t, "--config", cfg)
        t.wait_for("ACTIVE", timeout=10)
        t.keys("9")
        t.wait_for(lambda s: "New in green:" in s and "TAK push failed" in s, timeout=10, what="what is new")
        return t

    def term_tmp(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="warroom-fakekube-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        return d

    def test_diagnose_80x24(self):
        t = self.diagnose_console(80, 24)
        s = t.wait_for(lambda s: "of 422 lines" in s, what="every line merged")
        self.assert_screen("diagnose-80x24", s)
        # both slots, each line prefixed by its slot and short pod name, merged by time
        self.assertRegex(s, r"\d\d:\d\d:\d\d green 7xk2q warn TAK push failed")
        self.assertRegex(s, r"\d\d:\d\d:\d\d blue  p0q7b info request")
        self.assertIn("New in green: 60\u00d7 warn TAK push failed: connection refused (peer <ip>:<n>)", s)

    def test_diagnose_132x43(self):
        t = self.diagnose_console(132, 43)
        s = t.wait_for(lambda s: "of 422 lines" in s, what="every line merged")
        self.assert_screen("diagnose-132x43", s)
        self.assertIn("green only, first", s)
        self.assertIn("Events: BackOff \u00d73 green", s)
        self.assertRegex(s, r"green/zz9k1 live")

    def test_diagnose_panes_filters_hold_scope_and_pin(self):
        t = self.diagnose_console(132, 43)
        t.wait_for("of 422 lines")
        # the streams: the container killed for its memory, its previous instance's last lines
        t.keys("i", "i", "i")
        s = t.wait_for("POD")
        self.assertRegex(s, r"green\s+detection-api-green-5d8f7b9c4-zz9k1\s+detection-api\s+150\s+live")
        t.keys("Down")
        t.keys("Enter")
        s = t.wait_for("its last instance ended")
        self.assertIn("its last instance ended OOMKilled, exit 137", s)
        self.assertIn("warn memory use above 90% of the limit rss_mib=952 limit_mib=1024", s)
        t.keys("Enter")
        # the events, warnings first
        t.keys("i", "i", "i")
        s = t.wait_for("REASON")
        self.assertRegex(s, r"Warning\s+BackOff\s+green\s+3")
        self.assertLess(s.index("BackOff"), s.index("Killing"))
        # back to the lines: a filter, an exclusion, a highlight
        t.keys("i", "i")
        t.wait_for("of 422 lines")
        t.keys("/")
        t.wait_for("Show only the lines matching")
        t.text("tak push")
        t.keys("Enter")
        s = t.wait_for("60 of 422 lines")
        self.assertNotIn("info request", s)
        t.keys("-")
        t.text("8088")
        t.keys("Enter")
        s = t.wait_for("40 of 422 lines")
        self.assertIn("/tak push -8088", s)
        t.keys("/")
        t.keys("C-u")
        t.keys("Enter")
        t.keys("-")
        t.keys("C-u")
        t.keys("Enter")
        t.wait_for("422 of 422 lines")
        # scope: the live slot, then the other, then one pod
        t.keys("l")
        s = t.wait_for("Diagnose \u00b7 green (live)")
        self.assertIn("302 of 422 lines", s)
        t.keys("l")
        s = t.wait_for("120 of 422 lines")
        self.assertNotIn(" green 7xk2q", s.split("lines")[-1])
        t.keys("l")
        t.keys("l")
        t.wait_for("422 of 422 lines")
        # hold, move up, mark two lines and pin them
        t.keys("p")
        t.wait_for("HELD: 0 new")
        t.keys("Up", "Enter", "Up", "Up", "Enter")
        t.keys("m")
        t.wait_for("pinned 2 lines to the timeline")
        t.keys("F")
        s = t.wait_for(lambda s: "HELD" not in s)
        out = subprocess.run([BINARY, "--config", t.cfg, "--db", t.db, "timeline", "--json"], capture_output=True,
                             text=True, timeout=20).stdout
        pins = [e for e in json.loads(out) if e["kind"] == "logs"]
        self.assertEqual(len(pins), 1, out)
        lines = json.loads(pins[0]["detail"])["pinned"] if isinstance(pins[0]["detail"], str) else \
            pins[0]["detail"]["pinned"]
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (green|blue)/\w{5} ")

    def test_overview_sums_up_recent_warnings(self):
        self.kube = FakeKube(self.term_tmp())
        self.addCleanup(self.kube.close)
        for cols, rows in ((80, 24), (132, 43)):
            t = self.term(cols, rows)
            self.run_warroom(t, "--config", self.kube.config(os.path.join(t.tmp, "config.yaml")))
            s = t.wait_for("Events:", timeout=10)
            self.assertRegex(s, r"Events: BackOff \u00d73 green \u00b7 9 diagnose")
            self.assertTrue(re.search(r"Killing", s) is None, "normal events stay off the overview")
