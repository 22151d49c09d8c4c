"""Screen tests of a timeline that never drops an event: the console started
while its database's folder is missing keeps what is typed, says so with
the count, and writes it once the folder is there; killed with SIGKILL
meanwhile it leaves a fallback file that `warroom timeline import` brings
back, once; quitting with records unsaved names the file and exits
non-zero."""
import glob
import os
import re
import signal
import stat
import subprocess

from term import BINARY


class UnsavedScreens:
    def blocked_db(self, t):
        """A database path whose folder cannot be made: a file stands where it should be."""
        mnt = os.path.join(t.tmp, "mnt")
        with open(mnt, "w"):
            pass
        return mnt, os.path.join(mnt, "warroom", "timeline.db")

    def fallback_files(self, t):
        return sorted(glob.glob(os.path.join(t.env["XDG_STATE_HOME"], "warroom", "unsaved-*.jsonl")))

    def run_cli(self, t, *args):
        env = dict(t.env, PATH=os.environ["PATH"])
        return subprocess.run([BINARY] + list(args), env=env, capture_output=True, text=True, timeout=15,
                              stdin=subprocess.DEVNULL)

    def type_note(self, t, text):
        t.keys("n")
        t.wait_for("Note:")
        t.text(text)
        t.keys("Enter")

    def test_notes_typed_while_the_folder_is_missing_reach_the_database_once_it_is_there(self):
        t = self.term(80, 24)
        mnt, db = self.blocked_db(t)
        t.start([BINARY, "--db", db])
        t.wait_for("timeline: cannot create folder")
        t.keys("3")   # the Timeline view lists what waits
        self.type_note(t, "typed before the disk was there")
        self.type_note(t, "and a second one")
        s = t.wait_for(lambda s: re.search(r"timeline not saved: database not open — 2 events kept in memory", s),
                       what="the banner with the count")
        self.assertIn("typed before the disk was there", s)
        self.assertIn("and a second one", s)
        self.assertEqual(len(self.fallback_files(t)), 1, "the notes are in a file too")
        # the folder appears: the console finds it by itself and writes what waited, in order
        os.unlink(mnt)
        os.makedirs(os.path.dirname(db))
        t.wait_for(lambda s: "timeline not saved" not in s, timeout=25, what="the banner to go")
        out = self.run_cli(t, "--db", db, "timeline").stdout
        self.assertIn("typed before the disk was there", out)
        self.assertLess(out.index("and a second one"), out.index("typed before the disk was there"), "newest first")
        self.assertEqual(self.fallback_files(t), [], "nothing waits: no file is left")
        t.keys("q")
        t.wait_for("Golden signals")
        t.keys("q")
        self.assert_clean_exit(t)

    def test_a_console_killed_with_unsaved_notes_leaves_them_for_import(self):
        t = self.term(80, 24)
        mnt, db = self.blocked_db(t)
        t.start([BINARY, "--db", db])
        t.wait_for("timeline: cannot create folder")
        self.type_note(t, "only in the fallback file")
        t.wait_for("1 event kept in memory")
        os.kill(self.warroom_pid(t), signal.SIGKILL)
        t.wait_for("EXIT=137")
        files = self.fallback_files(t)
        self.assertEqual(len(files), 1)
        self.assertEqual(stat.S_IMODE(os.stat(files[0]).st_mode), 0o600)
        good = os.path.join(t.tmp, "good.db")
        p = self.run_cli(t, "--db", good, "timeline", "import", files[0])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("2 records imported", p.stdout)   # the note and its audit record
        p = self.run_cli(t, "--db", good, "timeline", "import", files[0])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("0 records imported into %s, 2 there already" % good, p.stdout)
        out = self.run_cli(t, "--db", good, "timeline").stdout
        self.assertEqual(out.count("only in the fallback file"), 1)

    def test_quitting_with_the_database_still_missing_names_the_file_and_fails(self):
        t = self.term(100, 24)
        mnt, db = self.blocked_db(t)
        t.start([BINARY, "--db", db])
        t.wait_for("timeline: cannot create folder")
        self.type_note(t, "left for later")
        t.wait_for("1 event kept in memory")
        t.keys("q")
        s = t.wait_for(":END", what="the console to exit")
        self.assertIn("EXIT=1", s)
        files = self.fallback_files(t)
        self.assertEqual(len(files), 1)
        flat = re.sub(r"\s+", "", s)
        self.assertIn(re.sub(r"\s+", "", "warroom timeline import %s" % files[0]), flat)

    def test_with_no_file_either_the_terminal_gets_the_unsaved_events(self):
        t = self.term(100, 24, env={"XDG_STATE_HOME": "/proc/warroom-state"})
        mnt, db = self.blocked_db(t)
        t.start([BINARY, "--db", db])
        t.wait_for("timeline: cannot create folder")
        self.type_note(t, "only on the terminal")
        t.wait_for("1 event kept in memory")
        t.keys("q")
        s = t.wait_for(":END", what="the console to exit")
        self.assertIn("EXIT=1", s)
        self.assertIn("the timeline could not be saved (database not open)", s)
        self.assertRegex(s, r"\d\d:\d\d:\d\dZ tester note only on the terminal")
