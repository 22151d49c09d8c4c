"""Screen tests of the keys a screen names: with keys remapped in the
config, every hint names the key in force, never the default; and the
README's and the man page's key tables are the ones the binary prints."""
import os
import re
import subprocess

from fakes import FakeAlertmanager
from term import BINARY, ROOT

# The runbook's start, its check tick, the checklist's tick, the time range.
REMAP = {"runbook": "B", "runbook-tick": "K", "tick": "J", "range": "L"}

PROBE = "# Probe\n## Assess\n### Pods\n- [ ] looked at the pods\n```sh\necho probe\n```\n"


class KeyScreens:
    def remapped_console(self):
        self.am = FakeAlertmanager()          # HighErrorRate fires: the sev2-degraded runbook is offered
        self.addCleanup(self.am.close)
        t = self.term(132, 43)
        books = os.path.join(t.tmp, "books")
        os.makedirs(books)
        with open(os.path.join(books, "probe.md"), "w") as f:
            f.write(PROBE)
        cfg = os.path.join(t.tmp, "config.yaml")
        with open(cfg, "w") as f:
            f.write("operator: alice\nrefresh_ms: 300\nalertmanager:\n  url: %s\n" % self.am.url)
            f.write("runbooks: { paths: [%s] }\nkeys:\n" % books)
            for action, key in REMAP.items():
                f.write('  %s: "%s"\n' % (action, key))
        self.run_warroom(t, "--config", cfg)
        return t, cfg

    def assert_no_default(self, s, *patterns):
        for p in patterns:
            self.assertNotRegex(s, p, "a hint names a default key the config moved")

    def test_hints_name_the_remapped_keys_never_the_defaults(self):
        t, cfg = self.remapped_console()
        # the overview offers the alert's runbook: the key that starts it, the view that shows it
        s = t.wait_for("sev2-degraded.md", timeout=10)
        self.assertIn("B starts it, 6 shows it", s)
        self.assert_no_default(s, r"\bb starts")
        # the runbook view, before one runs: the same key
        t.keys("6")
        s = t.wait_for("starts any of these")
        self.assertIn("B starts sev2-degraded.md, the runbook for HighErrorRate", s)
        self.assert_no_default(s, r"\bb starts")
        # a runbook whose next line is a check: the overview names the tick
        t.keys(":")
        t.wait_for("Command")
        t.text("runbook probe")
        t.keys("Enter")
        s = t.wait_for("K tick")
        self.assertIn("e run  K tick  d done  > skip  C-x stop  j/k move  B start another", s)
        self.assert_no_default(s, r"\b[xc] tick\b", r"\bb start")
        t.keys("1")
        # the overview's panel, not the runbook view still on screen before the key is read
        s = t.wait_for(lambda s: "Runbook: Probe" in s and "Golden signals" in s, what="the overview's runbook panel")
        self.assertIn("[ ] looked at the pods  (K ticks)", s)
        self.assert_no_default(s, r"\([xc] ticks\)")
        # core's words name the action; the console writes its key
        t.keys(":")
        t.wait_for("Command")
        t.text("runbook-step #1")
        t.keys("Enter")
        s = t.wait_for("not a command")
        self.assertRegex(s, r"is a check, not a command: K ticks it")
        # the pre-deployment checklist's tick
        t.keys("8")
        s = t.wait_for("PRE-DEPLOYMENT CHECKLIST")
        self.assertIn("PRE-DEPLOYMENT CHECKLIST 0/9 (J ticks one)", s)
        self.assert_no_default(s, r"\([t+] ticks")
        # the help lists them, and the defaults no more
        t.keys("?")
        t.wait_for("Keys (generated")
        s = self.settled(t)
        for _ in range(3):
            t.keys("PageDown")
            s += self.settled(t)
        for action, key in REMAP.items():
            self.assertRegex(s, r"│ %s\s+%s\s" % (re.escape(key), re.escape(action)))
        self.assert_no_default(s, r"│ b\s+runbook\s", r"│ x\s+runbook-tick\s", r"│ \+\s+tick\s", r"│ t\s+range\s")
        # `warroom keys` goes through the same key map, overrides and all
        p = subprocess.run([BINARY, "--config", cfg, "keys", "--markdown"], capture_output=True, text=True,
                           timeout=10, env=dict(t.env, PATH=os.environ["PATH"]))
        self.assertEqual(p.returncode, 0, p.stderr)
        for action, key in REMAP.items():
            self.assertIn("| `%s` | %s |" % (key, action), p.stdout)

    def generated(self, fmt):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent",
               "XDG_CONFIG_HOME": "/nonexistent", "LANG": "C.UTF-8"}
        p = subprocess.run([BINARY, "keys", fmt], capture_output=True, text=True, timeout=10, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def section(self, path, begin, end):
        with open(os.path.join(ROOT, path)) as f:
            text = f.read()
        self.assertIn(begin, text, "%s lacks its key table's markers" % path)
        part = text.split(begin, 1)[1]
        return part.split("\n", 1)[1].split(end, 1)[0]

    def test_readme_and_man_page_key_tables_are_generated(self):
        readme = self.section("README.md", "<!-- keys: generated", "<!-- end of the generated keys -->")
        self.assertEqual(readme, self.generated("--markdown"),
                         "README.md's key table is not the action table's: run make docs")
        man = self.section("assets/warroom.1", '.\\" keys: generated', '.\\" end of the generated keys')
        self.assertEqual(man, self.generated("--man"),
                         "assets/warroom.1's key table is not the action table's: run make docs")
        # the table says what each key does: the postmortem is P, E expires a silence
        self.assertIn("| `P` | export | Write the incident's postmortem draft", readme)
        self.assertIn("| `E` | expire | Expire a silence", readme)
