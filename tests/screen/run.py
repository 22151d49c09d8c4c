#!/usr/bin/env python3
"""Screen tests: the real binary in tmux at 80x24 and 132x43, compared with
expected screens (clock masked). UPDATE_SCREENS=1 rewrites the expected files."""
import os
import socket
import re
import http.server
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from term import BINARY, ROOT, Term, mask  # noqa: E402
from incident_screens import IncidentScreens  # noqa: E402
from dashboard_cli import DashboardCli  # noqa: E402

EXPECTED = os.path.join(os.path.dirname(__file__), "expected")


def action_names():
    with open(os.path.join(ROOT, "include", "warroom", "actions.h")) as f:
        return re.findall(r'^\s*X\(\w+,\s*"([a-z0-9-]+)"', f.read(), re.M)


class Screen(IncidentScreens, DashboardCli, unittest.TestCase):
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
        for _ in range(8):
            t.keys("Tab")
            time.sleep(0.3)
            s = t.screen()
            seen.append("Keys (generated" in s and "help" or "Timeline ·" in s and "timeline" or
                        "Alerts ·" in s and "alerts" or
                        "Deployment ·" in s and "deploy" or
                        "Golden signals" in s and "overview" or "Slots" in s and "slots" or
                        ":runbook NAME starts" in s and "runbook" or
                        "No dashboards" in s and "metrics" or "?")
        self.assertEqual(seen, ["slots", "timeline", "alerts", "runbook", "metrics", "deploy", "help", "overview"])
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
        s = t.wait_for("timeline unavailable")
        self.assertIn("/proc/warroom", s)
        t.keys("n")
        t.wait_for("Note:")
        t.text("this cannot be stored")
        t.keys("Enter")
        t.wait_for("timeline unavailable")
        t.keys("q")
        self.assert_clean_exit(t)

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

    def test_quitting_on_a_read_only_disk_leaves_the_unsaved_events_on_the_terminal(self):
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
        self.assertIn("the timeline could not be saved (disk read-only)", s)
        self.assertRegex(s, r"\d\d:\d\d:\d\dZ tester note only on the terminal")

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
        self.assertIn("--bastion alice@: expected user@host[:port]", p.stderr)

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
        self.assertIn("▶ Golden signals", s)      # the row's title on its grid line
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

    # ---- the runbook view ----

    def runbook_console(self, cols, rows, runbook=None):
        """The console with its own runbook folder beside the shipped ones."""
        t = self.term(cols, rows)
        if runbook:
            folder = os.path.join(t.tmp, "books")
            os.makedirs(folder)
            with open(os.path.join(folder, "probe.md"), "w") as f:
                f.write(runbook)
            os.makedirs(os.path.join(t.tmp, "config", "warroom"))
            with open(os.path.join(t.tmp, "config", "warroom", "config.yaml"), "w") as f:
                f.write("kubernetes: { namespace: detection-system }\nrunbooks: { paths: [%s] }\n" % folder)
        self.run_warroom(t)
        t.wait_for("Timeline")
        return t

    def test_runbook_80x24(self):
        t = self.runbook_console(80, 24)
        t.keys("6")
        s = t.wait_for("runbook NAME starts any of these")
        self.assertIn("sev1-pipeline-down", s)
        t.keys(":")
        t.text("runbook sev1-pipeline-down")
        t.keys("Enter")
        self.assert_screen("runbook-80x24", t.wait_for("step 2 of 9"))
        # the overview's panel shows the step and its key
        t.keys("1")
        s = t.wait_for(lambda s: "Golden signals" in s and "Runbook: SEV-1" in s, what="the overview's Runbook panel")
        self.assertIn("$ kubectl get pods -n", s)
        self.assertIn("(e", s)

    def test_runbook_failed_step_132x43(self):
        t = self.runbook_console(132, 43, runbook=(
            "# Probe\n## Assess\n### Namespace\n```sh\necho \"checking $NAMESPACE\"; echo second line; exit 3\n```\n"
            "```sh\necho never before the failure is dealt with\n```\n- [ ] looked at the pods\n"
            "## Contain\n```warroom\nrollback\nsilence HighErrorRate 1h\n```\n"))
        t.keys(":")
        t.text("runbook probe")
        t.keys("Enter")
        t.wait_for("Runbook: Probe")
        t.keys("e")
        s = t.wait_for("Run this command?")
        self.assertIn("env NAMESPACE=detection-system", s)
        t.keys("y")
        s = t.wait_for("-- exit 3")
        self.assertIn("stopped", s)
        t.keys("j", "e")                 # the next command of the stopped step: refused with words
        s = t.wait_for("is stopped")
        self.assert_screen("runbook-failed-132x43", s)
        # a skip asks its reason; then the step goes on
        t.keys("k", ">")
        t.wait_for("Reason:")
        t.text("probe known to fail here")
        t.keys("Enter")
        s = t.wait_for("skipped in step 1")
        t.keys("e")
        t.wait_for("Run this command?")
        t.keys("y")
        s = t.wait_for("-- exit 0")
        self.assertIn("never before the failure is dealt with", s)

    def test_runbook_list_show_and_lint_from_the_shell(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "LANG": "C.UTF-8"}
        run = lambda *a: subprocess.run([BINARY, "runbook"] + list(a), capture_output=True, text=True, env=env,
                                        cwd=ROOT, timeout=20)
        r = run("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"sev1-pipeline-down\s+SEV-1: detection pipeline down .*alerts: ServiceDown")
        r = run("show", "sev1-pipeline-down")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('$ kubectl get pods -n "$NAMESPACE" -o wide', r.stdout)
        self.assertIn("warroom rollback", r.stdout)
        r = run("lint", os.path.join(ROOT, "runbooks", "rollback.md"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        bad = os.path.join(self.term().tmp, "bad.md")
        with open(bad, "w") as f:
            f.write("---\ntitle: [x\n---\nno heading\n```warroom\nreboot-everything\n```\n")
        r = run("lint", bad)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("front matter is not YAML", r.stdout)
        self.assertIn("no headings", r.stdout)
        self.assertIn('warroom action "reboot-everything"', r.stdout)
        r = run("lint", "/nonexistent.md")
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot read /nonexistent.md", r.stderr)

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
        self.assertIn("prom \u2713", s)     # Prometheus itself answered: it is up
        self.prom.answer = (200, "application/json",
                            b'{"status":"success","data":{"resultType":"vector",'
                            b'"result":[{"metric":{},"value":[1,7]}]}}')
        s = t.wait_for("Prometheus sample value is a", timeout=10)
        self.assertIn("number, not a string", s)

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


class FakePrometheus:
    """Fixed answers shaped by the query: the same screen on every run."""

    def __init__(self):
        import json
        self.ranges = []
        self.queries = []
        self.fail = False
        outer = self

        def base(q):
            for key, v in (("0.95", 0.12), ("0.99", 0.22), ('5.."', 0.004), ("offline_queue_depth", 42),
                           ("confidence", 0.86), ("errors_total", 0.001)):
                if key in q:
                    return v
            return 20.0

        def series(q):
            if "by (slot)" in q:
                return [({"slot": "blue"}, 1.0), ({"slot": "green"}, 0.25)]
            if "by (route, status)" in q:
                return [({"route": "/api/v1/detections", "status": "201"}, 0.8),
                        ({"route": "/api/v1/detections", "status": "401"}, 0.05)]
            return [({}, 1.0)]

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self):
                path, _, form = self.path.partition("?")
                if self.command == "POST":
                    form = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                args = urllib.parse.parse_qs(form)
                q = args.get("query", [""])[0]
                outer.queries.append(q)
                if outer.fail:
                    body, status = b"backend down", 500
                elif path.startswith("/api/v1/label/"):
                    body, status = json.dumps({"status": "success", "data": ["blue", "green"]}).encode(), 200
                elif path == "/api/v1/query_range":
                    outer.ranges.append(args)
                    start, end, step = (float(args[k][0]) for k in ("start", "end", "step"))
                    n = int((end - start) / step) + 1
                    # level series: the same chart whatever step and alignment the range has
                    res = [{"metric": m, "values": [[start + i * step, "%g" % (base(q) * f)] for i in range(n)]}
                           for m, f in series(q)]
                    body = json.dumps({"status": "success", "data": {"resultType": "matrix", "result": res}})
                    body, status = body.encode(), 200
                else:
                    res = [{"metric": m, "value": [1, "%g" % (base(q) * f)]} for m, f in series(q)]
                    body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": res}})
                    body, status = body.encode(), 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = reply

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class HostilePrometheus:
    """A stand-in for a Prometheus behind a broken proxy: every query gets
    the answer set in `answer` (status, Content-Type, body)."""

    def __init__(self):
        self.answer = (500, "text/plain", b"upstream connect error")
        self.paths = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self):
                outer.paths.append(self.path.split("?")[0])
                form = self.path.partition("?")[2]
                if self.command == "POST":
                    form = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                query = urllib.parse.parse_qs(form).get("query", [""])[0]
                status, ctype, body = outer.answer(query) if callable(outer.answer) else outer.answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = reply

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeAlertmanager:
    """A stand-in Alertmanager with a fixed set of alerts (times relative to
    now, so the ages on screen stay put), groups and silences."""

    def __init__(self):
        import datetime
        import zlib
        import json
        now = datetime.datetime.now(datetime.timezone.utc)

        def at(secs):
            return (now + datetime.timedelta(seconds=secs)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

        def alert(name, sev, age, state="active", silenced=(), inhibited=(), **ann):
            return {"labels": {"alertname": name, "severity": sev, "env": "lab"},
                    "annotations": ann, "startsAt": at(-age), "endsAt": at(240), "updatedAt": at(-1),
                    "fingerprint": "%016x" % zlib.crc32(name.encode()), "receivers": [{"name": "team-pager"}],
                    "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
                    "status": {"state": state, "silencedBy": list(silenced), "inhibitedBy": list(inhibited),
                               "mutedBy": []}}
        sid = "5d4c3b2a-1111-4222-8333-944455556666"
        self.alerts = [
            alert("DiskInfo", "info", 900, "suppressed", silenced=[sid], summary="disk 71% full"),
            alert("CacheHitLow", "warning", 400, "suppressed", inhibited=["0123456789abcdef"],
                  summary="cache hit ratio 41%"),
            alert("P99LatencyHigh", "warning", 200, summary="P99 640ms over the 500ms SLO"),
            alert("HighErrorRate", "critical", 150, summary="Error ratio 8.1% is over the 0.1% SLO",
                  runbook_url="https://runbooks.example.com/sev2-degraded.md"),
        ]
        groups = [{"labels": {"alertname": "HighErrorRate"}, "receiver": {"name": "team-pager"},
                   "alerts": [self.alerts[3], self.alerts[2]]},
                  {"labels": {"alertname": "DiskInfo"}, "receiver": {"name": "team-mail"},
                   "alerts": [self.alerts[0], self.alerts[1]]}]
        silences = [{"id": sid, "status": {"state": "active"}, "createdBy": "alice",
                     "comment": "disk swap planned", "startsAt": at(-600), "endsAt": at(9030), "updatedAt": at(-600),
                     "matchers": [{"name": "alertname", "value": "DiskInfo", "isRegex": False, "isEqual": True}]}]
        rules = {"status": "success", "data": {"groups": [{"name": "detection", "rules": [
            {"type": "alerting", "name": "QueueStale", "state": "inactive", "health": "err",
             "lastError": "many-to-many matching not allowed", "alerts": []},
            {"type": "alerting", "name": "PodsDown", "state": "pending", "health": "ok", "alerts": [
                {"labels": {"alertname": "PodsDown", "severity": "critical"}, "annotations": {
                    "summary": "no ready pod for 5s"}, "state": "pending", "activeAt": at(-3), "value": "0"}]}]}]}}
        self.answers = {"/api/v2/alerts": json.dumps(self.alerts), "/api/v2/alerts/groups": json.dumps(groups),
                        "/api/v2/silences": json.dumps(silences), "/api/v1/rules": json.dumps(rules)}
        self.posts = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = outer.answers.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                body = (body or '"not found"').encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                outer.posts.append(self.path)
                self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_DELETE = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Result(unittest.TextTestResult):
    pass


if __name__ == "__main__":
    if not os.path.exists(BINARY):
        print("screen: warroom is not built (make all)")
        print("screen: 0 passed, 1 failed, 0 skipped")
        sys.exit(1)
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Screen)
    if len(sys.argv) > 1:
        suite = unittest.TestSuite(t for t in suite if any(a in t.id() for a in sys.argv[1:]))
    res = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(res.failures) + len(res.errors)
    skipped = len(res.skipped)
    print("screen: %d passed, %d failed, %d skipped" % (res.testsRun - failed - skipped, failed, skipped))
    sys.exit(1 if failed else 0)
