#!/usr/bin/env python3
"""Screen tests: the real binary in tmux at 80x24 and 132x43, compared with
expected screens (clock masked). UPDATE_SCREENS=1 rewrites the expected files.

  run.py [NAME...]            only tests whose name holds NAME, or matches it
                              when NAME is a glob ('test_help_*')
  SCREEN_TESTS='NAME ...'     the same names from the environment"""
import fnmatch
import os
import socket
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from term import BINARY, ROOT, Term, mask  # noqa: E402
from incident_screens import IncidentScreens  # noqa: E402
from dashboard_cli import DashboardCli  # noqa: E402
from metrics_screens import MetricsScreens  # noqa: E402
from runbook_screens import RunbookScreens  # noqa: E402
from alerts_screens import AlertsScreens  # noqa: E402
from key_screens import KeyScreens  # noqa: E402
from diagnose_screens import DiagnoseScreens  # noqa: E402
from unsaved_screens import UnsavedScreens  # noqa: E402
from rollout_screens import RolloutScreens  # noqa: E402

EXPECTED = os.path.join(os.path.dirname(__file__), "expected")


def action_names():
    with open(os.path.join(ROOT, "include", "warroom", "actions.h")) as f:
        return re.findall(r'^\s*X\(\w+,\s*"([a-z0-9-]+)"', f.read(), re.M)


class Screen(IncidentScreens, MetricsScreens, RunbookScreens, AlertsScreens, KeyScreens, DashboardCli, DiagnoseScreens,
             UnsavedScreens, RolloutScreens, unittest.TestCase):
    def setUp(self):
        self.terms = []

    def tearDown(self):
        for t in self.terms:
            t.close()

    def term(self, cols=80, rows=24, **kw):
        t = Term(cols, rows, **kw)
        self.terms.append(t)
        return t

    def run_warroom(self, t, *args, before=""):
        db = os.path.join(t.tmp, "timeline.db")
        t.db = db
        argv = [BINARY, "--db", db] + list(args)
        t.start(argv, before=before)
        return db

    def assert_screen(self, name, text):
        path = os.path.join(EXPECTED, name + ".txt")
        text = mask(text)
        if os.environ.get("UPDATE_SCREENS") == "1" or not os.path.exists(path):
            with open(path, "w") as f:
                f.write(text + "\n")
            if os.environ.get("UPDATE_SCREENS") != "1":
                self.fail("no expected screen %s: wrote it, check it and commit it" % path)
            return
        with open(path) as f:
            want = f.read().rstrip("\n")
        # output drains as the terminal takes it, so a capture can fall between a frame's rows:
        # the newest terminal is looked at again until its frame is whole (or 3 s have passed)
        deadline = time.time() + 3
        while want != text and self.terms and time.time() < deadline:
            time.sleep(0.1)
            text = mask(self.terms[-1].screen())
        if want != text:
            import difflib
            diff = "\n".join(difflib.unified_diff(want.split("\n"), text.split("\n"),
                                                  "expected", "shown", lineterm=""))
            self.fail("screen %s differs:\n%s" % (name, diff))

    def warroom_pid(self, t):
        sh = t.pane_pid()
        out = subprocess.run(["pgrep", "-P", str(sh)], capture_output=True, text=True).stdout.split()
        for pid in out:
            try:
                with open("/proc/%s/comm" % pid) as f:
                    if f.read().strip() == "warroom":
                        return int(pid)
            except OSError:
                pass
        raise AssertionError("warroom is not running in the pane")

    def assert_clean_exit(self, t, code="0"):
        s = t.wait_for(":END", what="the console to exit")
        self.assertIn("EXIT=%s" % code, s)
        modes = s[s.index("EXIT="):]
        # canonical mode and echo are back: the shell is usable again
        self.assertRegex(modes, r"(^|\s)icanon(\s|$)")
        self.assertRegex(modes, r"(^|\s)echo(\s|$)")
        self.assertRegex(modes, r"(^|\s)icrnl(\s|$)")
        # the alternate screen is gone: nothing of the console is left
        self.assertNotIn("Golden signals", s)
        self.assertNotIn("Keys (generated", s)

    # ---- the screens ----

    def test_overview_80x24(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        self.assert_screen("overview-80x24", t.wait_for("Timeline"))

    def test_overview_132x43(self):
        t = self.term(132, 43)
        self.run_warroom(t)
        self.assert_screen("overview-132x43", t.wait_for("Timeline"))

    def test_help_80x24(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Timeline")
        t.keys("?")
        self.assert_screen("help-80x24", t.wait_for("Keys (generated"))

    def test_help_132x43(self):
        t = self.term(132, 43)
        self.run_warroom(t)
        t.wait_for("Timeline")
        t.keys("?")
        self.assert_screen("help-132x43", t.wait_for("Keys (generated"))

    def test_deploy_80x24(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Timeline")
        t.keys("8")
        self.assert_screen("deploy-80x24", t.wait_for("ROLLBACK RULE"))

    def test_deploy_132x43(self):
        t = self.term(132, 43)
        self.run_warroom(t)
        t.wait_for("Timeline")
        t.keys("8")
        self.assert_screen("deploy-132x43", t.wait_for("ROLLBACK RULE"))

    def test_checklist_ticks_are_recorded_and_shown(self):
        t = self.term(132, 43)
        db = self.run_warroom(t)
        t.wait_for("Timeline")
        t.keys("8")
        t.wait_for("PRE-DEPLOYMENT CHECKLIST 0/9")
        t.keys("+")
        t.wait_for("Item ticked")
        t.text("3")
        t.keys("Enter")
        s = t.wait_for("PRE-DEPLOYMENT CHECKLIST 1/9")
        self.assertIn("[x] 3. Trivy scan: no CRITICAL vulnerabilities", s)
        self.assertIn("[ ] 4. Image signed with Cosign", s)
        p = subprocess.run([BINARY, "--db", db, "timeline"], capture_output=True, text=True, timeout=10)
        self.assertIn("checklist 3/9 ticked: Trivy scan", p.stdout)
        t.keys(":")
        t.wait_for("Command")
        t.text("tick 12")
        t.keys("Enter")
        t.wait_for("which item? 1 to 9")

    def settled(self, t):
        """The screen once a frame has drawn whole: output drains as the
        terminal takes it, so a capture can fall between its rows."""
        last, deadline = None, time.time() + 5
        while time.time() < deadline:
            s = t.screen()
            if s == last:
                return s
            last = s
            time.sleep(0.15)
        return last

    def test_help_lists_every_action_of_the_table(self):
        t = self.term(132, 43)
        self.run_warroom(t)
        t.wait_for("Timeline")
        t.keys("?")
        t.wait_for("Keys (generated")
        s = self.settled(t)
        for _ in range(3):          # scroll to see the rest, if any
            t.keys("PageDown")
            s += self.settled(t)
        names = action_names()
        self.assertGreater(len(names), 20)
        for name in names:
            self.assertRegex(s, r"\s%s\s" % re.escape(name), "help lacks %s" % name)

    def test_key_override_from_config(self):
        t = self.term(80, 24)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write('keys:\n  help: "h"\n  note: "N"\n')
        self.run_warroom(t, "--config", cfg)
        t.wait_for("Timeline")
        t.keys("?")
        time.sleep(0.3)
        self.assertNotIn("Keys (generated", t.screen())
        t.keys("h")
        # the whole frame, not its first rows: output drains as the terminal takes it
        s = t.wait_for(lambda s: "Keys (generated" in s and re.search(r"\bN\s+note\b", s), what="the help, whole")
        self.assertRegex(s, r"\bh\s+help\b")

    def test_quit_leaves_terminal_clean(self):
        t = self.term(80, 24)
        self.run_warroom(t, before="echo BEFORE-THE-CONSOLE;")
        t.wait_for("Timeline")
        t.keys("q")
        self.assert_clean_exit(t)
        self.assertIn("BEFORE-THE-CONSOLE", t.screen())

    def test_q_leaves_a_view_before_quitting(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Golden signals")
        t.keys("2")
        t.wait_for(lambda s: "Golden signals" not in s, what="another view")
        t.keys("q")
        t.wait_for("Golden signals")
        t.keys("q")
        self.assert_clean_exit(t)

    def test_resize_to_20x6_and_back(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Golden signals")
        t.resize(20, 6)
        s = t.wait_for("too small")
        self.assertIn("50x16", s.replace("\n", ""))
        t.resize(49, 30)
        t.wait_for("need 50x16")
        t.resize(50, 30)               # narrow but usable: the compact overview
        t.wait_for("no open incident (I declares one)")
        t.resize(132, 43)
        s = t.wait_for("Golden signals")
        self.assert_screen("overview-132x43", s)
        t.resize(80, 24)
        self.assert_screen("overview-80x24", t.wait_for(lambda s: "Golden signals" in s and
                                                         len(s.split("\n")[0]) <= 80))
        t.resize(20, 6)
        t.wait_for("too small")
        t.keys("q")                    # keys still work while too small
        self.assert_clean_exit(t)

    def test_starts_at_20x6(self):
        t = self.term(20, 6)
        self.run_warroom(t)
        t.wait_for("too small")
        t.resize(80, 24)
        t.wait_for("Golden signals")
        t.keys("q")
        self.assert_clean_exit(t)

    def test_view_keys_and_names_come_from_the_registry(self):
        t = self.term(80, 24)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write('keys:\n  note: "4"\n')        # a rebound number key is the action's
        self.run_warroom(t, "--config", cfg)
        t.wait_for("Golden signals")
        for key, what in (("2", "Slots"), ("3", "Timeline ·"), ("1", "Golden signals")):
            t.keys(key)
            t.wait_for(what)
        t.keys("4")
        t.wait_for("Note:")
        t.keys("Escape")
        for cmd, what in (("view timeline", "Timeline ·"), ("view 2", "Slots"), ("help", "Keys (generated")):
            t.keys(":")
            t.wait_for("Command")
            t.text(cmd)
            t.keys("Enter")
            t.wait_for(what)
        s = t.screen()
        self.assertNotIn("when present", s)
        self.assertRegex(s, r"\s2\s+slots\s+Slots: both slots")
        self.assertRegex(s, r":help\s+help\s+Help: every key")      # 4 is the note's now
        self.assertRegex(s, r"\s4\s+note\s")
        t.keys(":")
        t.text("view bogus")
        t.keys("Enter")
        t.wait_for('no view "bogus"')

    def test_incident_panel_keeps_title_and_clock_whole_at_80x24(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("no open incident")
        t.keys("I")
        t.wait_for("Title:")
        t.text("checkout errors after the deploy of 1.5.0 to green")
        t.keys("Enter")
        t.wait_for("SEV (1-4")
        t.keys("C-u")
        t.text("1")
        t.keys("Enter")
        s = t.wait_for("SEV-1 INC-1")
        rows = [line[1:35].strip() for line in s.split("\n") if line.startswith("│")]
        left = " ".join(" ".join(rows).split())
        self.assertIn("checkout errors after the deploy of 1.5.0 to green", left)
        self.assertRegex(left, r"open since \d\d:\d\dZ, 0m; respond within 5m")
        self.assertRegex(left, r"no runbook loaded for this incident phases: assess, contain, diagnose, recover")

    def test_compact_overview_60x20(self):
        t = self.term(60, 20)
        self.run_warroom(t)
        s = t.wait_for("no open incident (I declares one)")
        self.assertNotIn("too small", s)
        self.assert_screen("overview-60x20", s)

    def test_compact_overview_50x16_and_every_key_works(self):
        t = self.term(50, 16)
        self.run_warroom(t)
        s = t.wait_for("no open incident (I declares one)")
        self.assert_screen("overview-50x16", s)
        # dialogs: an incident declared here shows its SEV and clock
        t.keys("I")
        t.wait_for("Title:")
        t.text("checkout errors after deploy")
        t.keys("Enter")
        t.wait_for("SEV (1-4")
        t.keys("C-u")
        t.text("1")
        t.keys("Enter")
        s = t.wait_for(lambda s: re.search(r"SEV-1 INC-1 00:00:\d\d", s), what="the SEV and its clock")
        self.assertIn("checkout errors after deploy", s)
        self.assert_screen("overview-50x16-incident", s)
        # every view opens, by number and by Tab
        for key, what in (("2", "Slots"), ("3", "Timeline ·"), ("4", "Keys (override"), ("1", "SEV-1 INC-1")):
            t.keys(key)
            t.wait_for(what)
        t.keys("3")
        t.wait_for("SEV-1 declared")
        t.keys("Enter")
        t.wait_for("Enter or Esc to close")
        t.keys("Escape")
        t.keys("q")
        t.wait_for("SEV-1 INC-1")
        t.keys("R")                      # the rollback path answers (no cluster here)
        t.wait_for("rollback:")
        t.resize(49, 16)
        t.wait_for("need 50x16")
        t.keys("q")
        self.assert_clean_exit(t)

    def test_timeline_detail_as_fields_keeps_characters_whole(self):
        t = self.term(80, 24)
        db = self.run_warroom(t)
        t.wait_for("Golden signals")
        text = ("Rückfall auf blau: Grün liefert 8 % Fehler — Kunden in Zürich, Malmö und "
                "Łódź sehen 502; 日本のお客様にも影響あり. Rollback über den Selector, danach "
                "Argo CD wieder einschalten, sobald der Revert in Git ist; danach die Überwachung für "
                "fünf Minuten beobachten. Ende.")
        self.assertGreater(len(text.encode()), 256)        # longer than a summary: kept in the detail
        env = dict(t.env, PATH=os.environ["PATH"])
        subprocess.run([BINARY, "--db", db, "note", text], env=env, check=True, timeout=10)
        t.keys("3")
        t.wait_for("Rückfall")
        t.keys("Enter")
        # the whole frame, down to the status bar's last row, before comparing it
        t.wait_for(lambda s: "Enter or Esc to close" in s and s.split("\n")[-1].endswith("tester"),
                   what="the detail drawn whole")
        s = self.settled(t)
        self.assertNotIn("\ufffd", s)
        self.assertNotIn('{"text"', s)                   # fields, not raw JSON
        box = [line.strip("│ ") for line in s.split("\n") if line.startswith("│") or "│ " in line]
        shown = " ".join(" ".join(box).split())
        # the whole text once, every character whole, wrapped at word boundaries
        self.assertIn(" ".join(text.split()), shown)
        self.assertEqual(shown.count("Rückfall auf blau"), 2, "the list's row and the text, not the summary again")
        self.assert_screen("timeline-detail-80x24", s)

    def test_sigterm_and_sighup_restore_the_terminal(self):
        for sig in (signal.SIGTERM, signal.SIGHUP):
            t = self.term(80, 24)
            self.run_warroom(t)
            t.wait_for("Golden signals")
            os.kill(self.warroom_pid(t), sig)
            self.assert_clean_exit(t)

    def test_note_from_shell_shows_live_and_survives_sigkill(self):
        t = self.term(80, 24)
        db = self.run_warroom(t)
        t.wait_for("Golden signals")
        t.keys("3")   # the Timeline view
        t.wait_for("no events yet")
        env = dict(t.env, PATH=os.environ["PATH"])
        subprocess.run([BINARY, "--db", db, "note", "pods", "restarted", "by", "hand"],
                       env=env, check=True, timeout=10)
        t.wait_for("pods restarted by hand")          # shown without a key press
        t.keys("n")
        t.wait_for("Note:")
        t.text("rollback looks safe")
        t.keys("Enter")
        t.wait_for("rollback looks safe")
        os.kill(self.warroom_pid(t), signal.SIGKILL)
        t.wait_for("EXIT=137")
        out = subprocess.run([BINARY, "--db", db, "timeline"], env=env, capture_output=True,
                             text=True, timeout=10).stdout
        self.assertIn("pods restarted by hand", out)
        self.assertIn("rollback looks safe", out)
        self.assertLess(out.index("rollback looks safe"), out.index("pods restarted by hand"),
                        "newest first")
        # and the console shows both after a restart
        t2 = self.term(80, 24)
        t2.start([BINARY, "--db", db])
        t2.wait_for("Golden signals")
        t2.keys("3")
        s = t2.wait_for("rollback looks safe")
        self.assertIn("pods restarted by hand", s)
        self.assertIn("tester", s)

    def test_command_line_runs_actions_by_name(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Golden signals")
        t.keys(":")
        t.wait_for("Command")
        t.text("note from the command line")
        t.keys("Enter")
        t.wait_for("from the command line")
        t.keys(":")
        t.text("bogus")
        t.keys("Enter")
        t.wait_for('unknown command "bogus"')

    def test_incident_and_sev_preconditions(self):
        t = self.term(100, 30)
        self.run_warroom(t)
        t.wait_for("no open incident")
        t.keys("S")
        t.wait_for("needs an open incident")
        t.keys("I")
        t.wait_for("Title:")
        t.text("error spike after deploy 1.5.0")
        t.keys("Enter")
        t.wait_for("SEV (1-4")
        t.keys("C-u")
        t.text("1")
        t.keys("Enter")
        s = t.wait_for("SEV-1 INC-1")
        self.assertIn("error spike after deploy 1.5.0", s)
        self.assertIn("respond within 5m", s)       # the runbook's SEV-1 response time
        t.keys("S")
        t.wait_for("SEV (1-4)")
        t.keys("C-u")
        t.text("2")
        t.keys("Enter")
        s = t.wait_for("SEV-2 INC-1")
        self.assertIn("SEV-1 -> SEV-2", s)

    def test_tab_cycles_the_views_and_enter_opens_an_event(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Golden signals")
        t.keys(":")
        t.text("note first look at the dashboards")
        t.keys("Enter")
        t.wait_for("first look")
        seen = []
        for _ in range(9):
            t.keys("Tab")
            time.sleep(0.3)
            s = t.screen()
            seen.append("Keys (generated" in s and "help" or "Timeline ·" in s and "timeline" or
                        "Alerts ·" in s and "alerts" or
                        "Deployment ·" in s and "deploy" or "Diagnose ·" in s and "diagnose" or
                        "Golden signals" in s and "overview" or "Slots" in s and "slots" or
                        ":runbook NAME starts" in s and "runbook" or
                        "No dashboards" in s and "metrics" or "?")
        self.assertEqual(seen, ["slots", "timeline", "alerts", "runbook", "metrics", "deploy", "diagnose", "help",
                                "overview"])
        t.keys("3")
        t.wait_for("Timeline ·")
        t.keys("Enter")
        s = t.wait_for("Enter or Esc to close")
        self.assertIn("by tester", s)
        t.keys("Escape")
        t.wait_for(lambda s: "Enter or Esc" not in s, what="the dialog to close")

    def test_unwritable_timeline_is_said_and_keys_still_work(self):
        t = self.term(80, 24)
        t.start([BINARY, "--db", "/proc/warroom/timeline.db"])
        s = t.wait_for("/proc/warroom")
        self.assertIn("cannot create folder", s)
        t.keys("n")
        t.wait_for("Note:")
        t.text("this cannot be stored")
        t.keys("Enter")
        t.wait_for("timeline not saved: database not open — 1 event kept in memory")
        t.keys("3")
        t.wait_for("this cannot be stored")   # listed although not on disk
        t.keys("q")
        t.wait_for("Golden signals")
        t.keys("q")
        self.assertIn("EXIT=1", t.wait_for(":END", what="the console to exit"))   # not a clean run

    def test_read_only_disk_keeps_notes_in_memory_and_writes_them_back(self):
        # the immutable flag stands in for a read-only disk (as root, modes stop nothing)
        t = self.term(80, 24)
        db = self.run_warroom(t)
        t.wait_for("Golden signals")
        env = dict(t.env, PATH=os.environ["PATH"])
        subprocess.run([BINARY, "--db", db, "note", "before"], env=env, check=True, timeout=10)
        wal = db + "-wal"
        if not os.path.exists(wal) or subprocess.run(["chattr", "+i", wal], capture_output=True).returncode:
            self.skipTest("cannot make the timeline's WAL immutable here")
        try:
            t.keys("3")
            t.wait_for("before")
            t.keys("n")
            t.wait_for("Note:")
            t.text("kept while the disk refuses")
            t.keys("Enter")
            s = t.wait_for(lambda s: re.search(r"timeline not saved: disk read-only — \d+ events? kept in memory", s),
                           what="the unsaved-timeline banner")
            self.assertIn("kept while the disk refuses", s)   # listed although not on disk
            t.keys("j")                                       # keys still answer
        finally:
            subprocess.run(["chattr", "-i", wal], capture_output=True)
        t.wait_for(lambda s: "timeline not saved" not in s, timeout=5, what="the banner to go once the disk is back")
        out = subprocess.run([BINARY, "--db", db, "timeline"], env=env, capture_output=True, text=True,
                             timeout=10).stdout
        self.assertIn("kept while the disk refuses", out)
        self.assertLess(out.index("kept while the disk refuses"), out.index("before"), "newest first")
        t.keys("q")   # out of the Timeline view
        t.wait_for("Golden signals")
        t.keys("q")
        self.assert_clean_exit(t)

    def test_quitting_on_a_read_only_disk_names_the_file_that_keeps_the_unsaved_events(self):
        t = self.term(100, 24)
        db = self.run_warroom(t)
        t.wait_for("Golden signals")
        env = dict(t.env, PATH=os.environ["PATH"])
        subprocess.run([BINARY, "--db", db, "note", "before"], env=env, check=True, timeout=10)
        wal = db + "-wal"
        if not os.path.exists(wal) or subprocess.run(["chattr", "+i", wal], capture_output=True).returncode:
            self.skipTest("cannot make the timeline's WAL immutable here")
        try:
            t.keys("n")
            t.wait_for("Note:")
            t.text("only on the terminal")
            t.keys("Enter")
            t.wait_for("timeline not saved: disk read-only")
            t.keys("q")
            s = t.wait_for(":END", what="the console to exit")
        finally:
            subprocess.run(["chattr", "-i", wal], capture_output=True)
        self.assertIn("EXIT=1", s)
        flat = re.sub(r"\s+", "", s)   # the terminal wraps the long paths
        self.assertIn("thetimelinecouldnotbesavedto", flat)
        self.assertIn("(diskread-only);2recordsarekeptin", flat)   # the note and its audit record
        # the file holds them; the terminal too when no file can be written
        kept = os.path.join(t.env["XDG_STATE_HOME"], "warroom")
        names = [n for n in os.listdir(kept) if n.startswith("unsaved-")]
        self.assertEqual(len(names), 1)
        with open(os.path.join(kept, names[0])) as f:
            self.assertIn("only on the terminal", f.read())

    def test_readonly_refuses_rollback_and_says_why(self):
        t = self.term(80, 24)
        self.run_warroom(t, "--readonly")
        t.wait_for("Golden signals")
        t.keys("R")
        t.wait_for("read-only")

    def test_ascii_fallback_without_utf8_locale(self):
        t = self.term(80, 24, lang="C")
        self.run_warroom(t)
        s = t.wait_for("Golden signals")
        self.assertIn("+ Slots ", s)
        self.assertNotIn("─", s)
        self.assertNotIn("·", s)

    def test_no_color_is_honoured(self):
        seen = {}
        for nc in ("", "1"):
            t = self.term(80, 24, env={"NO_COLOR": nc} if nc else None)
            self.run_warroom(t)
            t.wait_for("Golden signals")
            seen[nc] = t.tmux("capture-pane", "-p", "-e", "-t", "t").stdout
        self.assertRegex(seen[""], r"\x1b\[[0-9;]*3[0-9]|38;5", "colours without NO_COLOR")
        self.assertNotRegex(seen["1"], r"\x1b\[[0-9;]*(3[0-7]|38;5)[;m]", "no colour with NO_COLOR")

    def test_colour_depth_follows_the_terminal(self):
        panes = {}
        for term in ("tmux-256color", "screen", "vt100"):
            t = self.term(80, 24, env={"TERM": term})
            self.run_warroom(t)
            t.wait_for("Slots")
            panes[term] = t.tmux("capture-pane", "-p", "-e", "-t", "t").stdout
        self.assertRegex(panes["tmux-256color"], r"38;5;\d+")
        self.assertRegex(panes["screen"], r"\x1b\[[0-9;]*3[1-7][;m]")       # 8 colours
        self.assertNotRegex(panes["screen"], r"38;5;")
        self.assertNotRegex(panes["vt100"], r"\x1b\[[0-9;]*(3[0-7]|38;5)[;m]")  # monochrome
        self.assertIn("Golden signals", panes["vt100"])

    def test_fatal_signal_restores_the_terminal(self):
        t = self.term(80, 24)
        self.run_warroom(t)
        t.wait_for("Golden signals")
        os.kill(self.warroom_pid(t), signal.SIGSEGV)
        self.assert_clean_exit(t, code="139")

    def test_install_honours_prefix_and_destdir(self):
        t = self.term(80, 24)
        dest = os.path.join(t.tmp, "dest")
        p = subprocess.run(["make", "-s", "install", "PREFIX=/opt/wr", "DESTDIR=" + dest], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        for rel in ("bin/warroom", "share/man/man1/warroom.1", "share/warroom/runbooks/sev1-pipeline-down.md",
                    "share/warroom/assets/config.example.yaml"):
            self.assertTrue(os.path.exists(os.path.join(dest, "opt/wr", rel)), rel)
        out = subprocess.run([os.path.join(dest, "opt/wr/bin/warroom"), "--version"], capture_output=True,
                             text=True, timeout=10).stdout
        self.assertRegex(out, r"^warroom \d+\.\d+\.\d+")

    def test_readme_documents_every_default_key(self):
        with open(os.path.join(ROOT, "README.md")) as f:
            readme = f.read()
        for name in action_names():
            if name.startswith("view-"):
                continue
            self.assertIn(name, readme, "README's key table lacks %s" % name)

    def test_config_error_names_file_line_and_key(self):
        t = self.term(80, 24)
        cfg = os.path.join(t.tmp, "bad.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\npromethues:\n  url: http://127.0.0.1:9090\n")
        p = subprocess.run([BINARY, "--config", cfg], capture_output=True, text=True, timeout=10,
                           env=dict(t.env, PATH=os.environ["PATH"]))
        self.assertEqual(p.returncode, 2)
        self.assertIn("bad.yaml:2", p.stderr)
        self.assertIn("promethues", p.stderr)

    def test_same_screen_under_every_terminal_type(self):
        # Over SSH the operator's TERM varies: the screen must read the same
        # whatever the terminal's colours (256, 8, none) and with ASCII only.
        for term in ("xterm", "xterm-256color", "screen", "tmux-256color", "vt100", "linux"):
            t = self.term(80, 24, env={"TERM": term})
            self.run_warroom(t)
            self.assert_screen("overview-80x24", t.wait_for("Timeline"))
            t.keys("Q")
            s = t.wait_for(":END", timeout=5)
            self.assertIn("EXIT=0", s, term)
            self.assertIn("MODES: icrnl icanon echo :END", s, term)   # the terminal restored
            t.close()
            self.terms.remove(t)
        for term in ("vt100", "xterm-256color"):
            t = self.term(80, 24, env={"TERM": term}, lang="C")
            self.run_warroom(t)
            s = t.wait_for("Timeline")
            self.assert_screen("overview-80x24-ascii", s)
            self.assertTrue(all(ord(c) < 128 for c in s), "ASCII only under LANG=C (%s)" % term)

    def test_a_bastion_that_does_not_answer_is_shown_down(self):
        # A configured bastion is used, never skipped: when it cannot be
        # reached the status bar says so and the console keeps its keys.
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]          # closed again: nothing listens there
        t = self.term(100, 24)
        cfg = os.path.join(t.tmp, "bastion.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\nssh:\n  host: 127.0.0.1\n  port: %d\n  user: alice\n"
                    "prometheus:\n  url: http://prometheus.internal:9090\n  via_bastion: true\n" % port)
        self.run_warroom(t, "--config", cfg)
        s = t.wait_for(lambda s: "bastion \u2717" in s or "bastion x" in s, what="bastion down")
        self.assertIn("prom", s.split("\n")[0])
        # the panel the bastion blocks names it first, not the reset it causes
        s = t.wait_for("unreachable: Connection refused", timeout=10)
        self.assertIn("bastion \u2717 unreachable", s.split("\n")[0])
        self.assertIn("no data: Prometheus: bastion alice@127.0.0.1:%d:" % port, s)
        self.assertNotIn("TLS", s)
        self.assertNotIn("(via 127.0.0.1", s)
        t.keys("?")
        t.wait_for("Keys (generated")

    def test_via_bastion_without_a_bastion_is_refused(self):
        # An endpoint marked via_bastion must not be reached directly in silence.
        t = self.term(80, 24)
        cfg = os.path.join(t.tmp, "via.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\nprometheus:\n  url: http://prom:9090\n  via_bastion: true\n")
        for cmd in ([], ["status"], ["rollback", "--dry-run"]):
            p = subprocess.run([BINARY, "--config", cfg] + cmd, capture_output=True, text=True, timeout=10,
                               env=dict(t.env, PATH=os.environ["PATH"]))
            self.assertEqual(p.returncode, 2, cmd)
            self.assertIn("via.yaml: prometheus.via_bastion: no bastion is configured (set ssh.host or "
                          "--bastion user@host)", p.stderr, cmd)
        p = subprocess.run([BINARY, "--config", cfg, "--bastion", "alice@", "status"], capture_output=True,
                           text=True, timeout=10, env=dict(t.env, PATH=os.environ["PATH"]))
        self.assertEqual(p.returncode, 2)
        self.assertIn("--bastion: expected user@host[:port]", p.stderr)

    def test_a_password_in_bastion_is_refused_without_saying_it(self):
        t = self.term(80, 24)
        cfg = os.path.join(t.tmp, "plain.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\n")
        secret = "hunter2-%d" % os.getpid()
        for spec in ("alice:%s@bastion.example.com" % secret, "alice:%s@bastion.example.com:2222" % secret,
                     "alice:%s" % secret, ":%s@10.0.0.7" % secret):
            for cmd in ([], ["status"], ["remote", "true"]):
                p = subprocess.run([BINARY, "--config", cfg, "--bastion", spec] + cmd, capture_output=True,
                                   text=True, timeout=10, env=dict(t.env, PATH=os.environ["PATH"]))
                self.assertEqual(p.returncode, 2, (spec, cmd))
                self.assertIn("--bastion", p.stderr)
                self.assertNotIn(secret, p.stdout + p.stderr, (spec, cmd))
                self.assertNotIn(secret[:5], p.stdout + p.stderr, (spec, cmd))
        p = subprocess.run([BINARY, "--config", cfg, "--bastion", "alice:%s@bastion.example.com" % secret],
                           capture_output=True, text=True, timeout=10, env=dict(t.env, PATH=os.environ["PATH"]))
        self.assertIn("refused, it holds a password", p.stderr)
        # and the console never starts with it: nothing of it on the screen either
        self.run_warroom(t, "--config", cfg, "--bastion", "alice:%s@bastion.example.com" % secret)
        s = t.wait_for("EXIT=", timeout=10)
        self.assertNotIn(secret, s)
        self.assertIn("EXIT=2", s)

    def test_a_bastion_nothing_goes_through_is_a_warning_at_start(self):
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]          # nothing listens: it never asks about a host key
        t = self.term(80, 24)
        cfg = os.path.join(t.tmp, "unused.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\nprometheus:\n  url: http://127.0.0.1:9/\nssh:\n  host: 127.0.0.1\n"
                    "  port: %d\n  user: alice\n" % port)
        keys = ("kubernetes", "prometheus", "alertmanager", "argocd", "verify")
        # the console: a warning in the message row, the keys named, whole at 80 columns
        self.run_warroom(t, "--config", cfg)
        s = t.wait_for("bastion unused", timeout=10)
        foot = s.split("\n")[-1]
        self.assertIn("bastion unused: no kubernetes/prometheus/alertmanager/argocd/verify.via_bastion", foot)
        t.keys("Q")
        t.wait_for("EXIT=")
        # the headless commands that would send requests through it: on stderr, before their own words
        p = subprocess.run([BINARY, "--config", cfg, "--bastion", "ops@127.0.0.1:%d" % port, "query", "vector(1)"],
                           capture_output=True, text=True, timeout=20, env=dict(t.env, PATH=os.environ["PATH"]))
        self.assertIn("warroom: WARNING: the bastion 127.0.0.1 (--bastion) carries nothing", p.stderr)
        for k in keys:
            self.assertIn("%s.via_bastion" % k, p.stderr)
        # marked: no warning
        with open(cfg, "a") as f:
            f.write("alertmanager:\n  url: http://127.0.0.1:9/\n  via_bastion: true\n")
        p = subprocess.run([BINARY, "--config", cfg, "query", "vector(1)"], capture_output=True, text=True,
                           timeout=20, env=dict(t.env, PATH=os.environ["PATH"]))
        self.assertNotIn("carries nothing", p.stderr)
        # a runbook step that runs on it is a use too
        books = os.path.join(t.tmp, "books")
        os.makedirs(books)
        with open(os.path.join(books, "jump.md"), "w") as f:
            f.write("# Jump\n## Assess\n```sh {runner=bastion}\nuptime\n```\n")
        with open(cfg, "w") as f:
            f.write("operator: alice\nssh:\n  host: 127.0.0.1\n  port: %d\n  user: alice\n"
                    "runbooks: { paths: [%s] }\n" % (port, books))
        t2 = self.term(80, 24)
        self.run_warroom(t2, "--config", cfg)
        t2.wait_for(lambda s: "bastion \u2717" in s.split("\n")[0], timeout=10, what="bastion down")
        self.assertNotIn("bastion unused", t2.screen())

class Result(unittest.TextTestResult):
    pass


def chosen(test_id, name):
    """A name with '*', '?' or '[' is a glob on the method's name (or the
    whole id); any other is a part of the id, as before."""
    if any(c in name for c in "*?["):
        return fnmatch.fnmatchcase(test_id.rsplit(".", 1)[-1], name) or fnmatch.fnmatchcase(test_id, name)
    return name in test_id


if __name__ == "__main__":
    if not os.path.exists(BINARY):
        print("screen: warroom is not built (make all)")
        print("screen: 0 passed, 1 failed, 0 skipped")
        sys.exit(1)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Screen)
    names = sys.argv[1:] + os.environ.get("SCREEN_TESTS", "").split()
    if names:
        suite = unittest.TestSuite(t for t in suite if any(chosen(t.id(), n) for n in names))
        if not suite.countTestCases():
            # a mistyped name is not a pass
            print("screen: no test matches %s" % " ".join(names))
            print("screen: 0 passed, 1 failed, 0 skipped")
            sys.exit(1)
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    print("screen: %d passed, %d failed, %d skipped" % (res.testsRun - failed - skipped, failed, skipped))
    sys.exit(1 if failed else 0)
