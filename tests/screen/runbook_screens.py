"""Screen tests of the runbook view: steps run, a failed step held, links
and folded sections, the placeholder form, a choice of options, and the
runbook verbs from the shell."""
import os
import pty
import subprocess

from term import BINARY, ROOT


# A runbook as real ones are written: a <details> section, links inline and
# by reference, a command with placeholders, "Or" between two commands and
# options as headings.
PROBE = """# Probe: PVC filling up

<details>
<summary>Full context</summary>

The volume fills when the [retention job][retention] stops; see the
[SOP](https://wiki.example.org/sop/pvc) first.

</details>

## Diagnose

### Usage

Check the claim, then read the [dashboard](https://grafana.example.org/d/pvc).

```sh
echo "claim <my-pvc> in <my-namespace>" > "$HOME/claim"
```

### Restart

Restart the pod:

```sh
echo deleting pod
```

Or

```sh
echo restarting the deployment
```

## Mitigation

### Option 1: Expand the volume

Edit the claim's size.

### Option 2: Delete old data

```sh
echo purge old data
```

[retention]: https://wiki.example.org/retention
"""


class RunbookScreens:
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

    def probe_console(self, cols, rows):
        t = self.runbook_console(cols, rows, runbook=PROBE)
        t.keys(":")
        t.text("runbook probe")
        t.keys("Enter")
        t.wait_for("Runbook: Probe")
        return t

    def check_links_and_sections(self, cols, rows):
        t = self.probe_console(cols, rows)
        s = t.wait_for("[+] Full context")
        # the section folded, its references and the step's listed under them, no raw tag
        self.assertIn("[1] https://wiki.example.org/retention", s)
        self.assertIn("read the dashboard[1].", s)
        self.assertIn("[1] https://grafana.example.org/d/pvc", s)
        self.assertNotIn("<details>", s)
        self.assertNotIn("<summary>", s)
        self.assert_screen("runbook-links-%dx%d" % (cols, rows), s)
        # the first line to act on is the section: Enter opens it
        t.keys("g", "Enter")
        s = t.wait_for("[-] Full context")
        self.assertIn("retention job[1] stops; see the SOP[2]", s)
        self.assert_screen("runbook-section-%dx%d" % (cols, rows), s)

    def test_runbook_links_and_sections_80x24(self):
        self.check_links_and_sections(80, 24)

    def test_runbook_links_and_sections_132x43(self):
        self.check_links_and_sections(132, 43)

    def check_placeholder_form(self, cols, rows):
        t = self.probe_console(cols, rows)
        t.wait_for("needs <my-pvc>, <my-namespace>")
        t.keys("e")
        s = t.wait_for("(no value yet)")
        self.assert_screen("runbook-form-%dx%d" % (cols, rows), s)
        # what is typed shows in the command as it will run; a value is never shell text
        t.text("data-0; touch %s/pwned" % t.tmp)
        t.wait_for('$ echo "claim data-0; touch')
        t.keys("Tab", "C-n")
        # the offered value fills the field, and the command as it will run
        t.wait_for(lambda s: "<my-namespace> detection-system" in s,
                   what="the offered namespace in its field")
        t.keys("Enter")
        s = t.wait_for("Run this command?")
        self.assertIn('${VALUE_MY_PVC}', s)
        self.assertIn("env VALUE_MY_NAMESPACE=detection-system", s)
        t.keys("y")
        s = t.wait_for("-- exit 0")
        self.assertIn("with <my-pvc>=data-0; touch", s)
        with open(os.path.join(t.tmp, "claim")) as f:
            self.assertEqual(f.read(), "claim data-0; touch %s/pwned in detection-system\n" % t.tmp)
        self.assertFalse(os.path.exists(os.path.join(t.tmp, "pwned")))

    def test_runbook_placeholder_form_80x24(self):
        self.check_placeholder_form(80, 24)

    def test_runbook_placeholder_form_132x43(self):
        self.check_placeholder_form(132, 43)

    def test_runbook_choice_132x43(self):
        t = self.probe_console(132, 43)
        # on the first option of "Or": the choose key takes it, the other is skipped
        t.keys("j")
        s = t.wait_for(lambda s: "o pick" in s, what="the pick key in the hints")
        t.keys("o")
        s = t.wait_for("one of 2, chosen: run `echo deleting pod`")
        self.assertIn("(-) Or", s)
        # an option with nothing to run is chosen with Enter on it
        t.keys("G", "k", "k", "Enter")
        s = t.wait_for("(*) Option 1: Expand the volume")
        self.assertIn("(-) Option 2: Delete old data", s)
        self.assert_screen("runbook-choice-132x43", s)
        t.keys("3")
        s = t.wait_for("chosen in step 4: Option 1: Expand the volume; skipped: Option 2: Delete old data")
        self.assertIn("chosen in step 3 Restart: run `echo deleting pod`; skipped: or run", s)

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

    def test_runbook_show_links_and_lint_from_the_shell(self):
        tmp = self.term().tmp
        path = os.path.join(tmp, "probe.md")
        with open(path, "w") as f:
            f.write(PROBE)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "LANG": "C.UTF-8",
               "TERM": "xterm-kitty", "WARROOM_HYPERLINKS": "always"}
        # into a pipe: the references, never an escape
        r = subprocess.run([BINARY, "runbook", "show", path], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("\x1b", r.stdout)
        self.assertIn("The volume fills when the retention job[1] stops; see the SOP[2] first.", r.stdout)
        self.assertIn("[2] https://wiki.example.org/sop/pvc", r.stdout)
        self.assertIn("[+] Full context", r.stdout)
        self.assertIn("one of 2 (the others are skipped):", r.stdout)
        self.assertIn("fill in before it runs: <my-pvc> <my-namespace>", r.stdout)
        self.assertNotIn("<details>", r.stdout)
        # on a terminal that shows them: the words are hyperlinks, and so are the references
        master, slave = pty.openpty()
        p = subprocess.Popen([BINARY, "runbook", "show", path], stdout=slave, stderr=slave, env=env, cwd=ROOT)
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        os.close(master)
        self.assertEqual(p.wait(timeout=20), 0)
        osc = lambda url, words: b"\x1b]8;;" + url + b"\x1b\\" + words + b"\x1b]8;;\x1b\\"
        self.assertIn(b"the " + osc(b"https://wiki.example.org/retention", b"retention job") + b"[1]", out)
        self.assertIn(b"[2] " + osc(b"https://wiki.example.org/sop/pvc", b"https://wiki.example.org/sop/pvc"), out)
        # lint lists templates, choices and links; a command without a language makes it fail
        env.pop("WARROOM_HYPERLINKS")
        r = subprocess.run([BINARY, "runbook", "lint", path], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=20)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("line 18: placeholders <my-pvc>, <my-namespace> in", r.stdout)
        self.assertIn("line 26: one of 2: run `echo deleting pod` | or run `echo restarting the deployment`",
                      r.stdout)
        self.assertIn("line 37: one of 2: Option 1: Expand the volume | Option 2: Delete old data", r.stdout)
        self.assertIn("link [2] https://wiki.example.org/sop/pvc", r.stdout)
        self.assertIn("ok: 3 phases, 5 steps, 4 commands, 0 checks, 0 actions, 2 choices, 2 placeholders, 3 links",
                      r.stdout)
        bad = os.path.join(tmp, "nolang.md")
        with open(bad, "w") as f:
            f.write("# Fix\n## Run\n```\nkubectl -n prod rollout restart deploy/api\n```\n"
                    "See [the notes][notes].\n")
        r = subprocess.run([BINARY, "runbook", "lint", bad], capture_output=True, text=True, env=env, cwd=ROOT,
                           timeout=20)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("line 3: a command without a language is shown, not run", r.stdout)
        self.assertIn("[the notes] names a link with no definition ([notes]: URL): its address is lost", r.stdout)
