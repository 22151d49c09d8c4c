"""Screen tests of the runbook view: steps run, a failed step held, and the
runbook verbs from the shell."""
import os
import subprocess

from term import BINARY, ROOT


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
