"""Safe defaults: with an empty config no command opens a network
connection (strace sees no connect() but to local sockets), and the timeline
is created 0600 in a 0700 folder."""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "screen"))

from term import BINARY, Term  # noqa: E402

CONNECT = re.compile(r"connect\(\d+, \{sa_family=(AF_\w+)(.*?)\}")
SUBCOMMANDS = [["status"], ["status", "--json"], ["timeline"], ["timeline", "--json"], ["actions"],
               ["note", "hello"], ["rollback", "--dry-run"], ["query", "up"], ["incident", "--sev", "2", "x"],
               ["sev", "1"], ["resolve", "--yes"], ["--version"], ["--help"]]


@unittest.skipIf(not os.path.exists(BINARY) or not shutil.which("strace"), "needs ./warroom and strace")
class NothingUnasked(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="warroom-defaults-")
        os.makedirs(os.path.join(self.tmp, "cfg", "warroom"))
        with open(os.path.join(self.tmp, "cfg", "warroom", "config.yaml"), "w") as f:
            f.write("# empty\n")
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp, "USER": "tester",
                    "XDG_CONFIG_HOME": os.path.join(self.tmp, "cfg"),
                    "XDG_STATE_HOME": os.path.join(self.tmp, "state"), "TERM": "xterm-256color"}

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def network_connects(self, trace):
        out = []
        with open(trace, errors="replace") as f:
            for m in CONNECT.finditer(f.read()):
                if m.group(1) not in ("AF_UNIX", "AF_LOCAL", "AF_NETLINK"):
                    out.append(m.group(0))
        return out

    def test_no_subcommand_connects_anywhere(self):
        for i, args in enumerate(SUBCOMMANDS):
            trace = os.path.join(self.tmp, "trace-%d" % i)
            p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect", "-o", trace, BINARY] + args,
                               env=self.env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=60)
            self.assertNotIn("Traceback", p.stderr)
            self.assertTrue(os.path.exists(trace), args)
            self.assertEqual(self.network_connects(trace), [], "warroom %s" % " ".join(args))

    def test_console_connects_nowhere_and_keeps_the_timeline_private(self):
        trace = os.path.join(self.tmp, "trace-console")
        t = Term(100, 30)
        try:
            t.start(["env"] + ["%s=%s" % kv for kv in self.env.items() if kv[0] != "TERM"] +
                    ["strace", "-f", "-qq", "-e", "trace=connect", "-o", trace, BINARY])
            t.wait_for("not configured", timeout=15)
            for key in ("1", "2", "3", "4"):
                t.keys(key)
            t.keys("Q")
        finally:
            t.close()
        self.assertEqual(self.network_connects(trace), [])
        db_dir = os.path.join(self.tmp, "state", "warroom")
        db = os.path.join(db_dir, "timeline.db")
        p = subprocess.run([BINARY, "note", "private"], env=self.env, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(db_dir).st_mode), 0o700)


if __name__ == "__main__":
    unittest.main()
