"""Drive the real warroom binary in a tmux pane and read what the screen shows."""
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.path.join(ROOT, "warroom")

CLOCK = re.compile(r"\b\d\d:\d\d:\d\dZ")
SHORT_CLOCK = re.compile(r"\b\d\d:\d\dZ(?= |$)")   # the status bar's, when crowded
STAMP = re.compile(r"\b\d\d-\d\d \d\d:\d\d:\d\d\b|\b\d\d:\d\d:\d\d\b")
AGO = re.compile(r"refreshed \d+s ago")


def mask(text):
    """Blank what changes from run to run: the clock and event times."""
    text = CLOCK.sub("HH:MM:SSZ", text)
    text = "\n".join(SHORT_CLOCK.sub("HH:MMZ", line) if i == 0 else line
                     for i, line in enumerate(text.split("\n")))
    text = STAMP.sub(lambda m: re.sub(r"\d", "9", m.group(0)), text)
    return AGO.sub("refreshed Ns ago", text)


class Term:
    """One tmux server (private socket) with one pane running a command."""

    def __init__(self, cols=80, rows=24, env=None, lang="C.UTF-8"):
        self.cols, self.rows = cols, rows
        self.tmp = tempfile.mkdtemp(prefix="warroom-screen-")
        self.sock = os.path.join(self.tmp, "tmux.sock")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.tmp,
            "USER": "tester",
            "LANG": lang,
            "LC_ALL": lang,
            "TERM": "tmux-256color",
            "XDG_CONFIG_HOME": os.path.join(self.tmp, "config"),
            "XDG_STATE_HOME": os.path.join(self.tmp, "state"),
        }
        if env:
            self.env.update(env)
        conf = os.path.join(self.tmp, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g default-terminal tmux-256color\n"
                    "set -g remain-on-exit on\n"
                    "set -g status off\n"
                    "set -g escape-time 0\n")
        self.conf = conf
        self.started = False

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-S", self.sock, "-f", self.conf] + list(args),
                              capture_output=True, text=True, check=check, timeout=10)

    def start(self, argv, before="", after=""):
        """Runs argv in the pane inside a shell that reports how it ended and
        what the terminal modes are afterwards."""
        envs = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in self.env.items())
        cmd = "%s %s; echo EXIT=$?; echo MODES: $(stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo|icrnl)') :END; %s sleep 600" % (
            before, " ".join(shlex.quote(a) for a in argv), after)
        self.tmux("new-session", "-d", "-x", str(self.cols), "-y", str(self.rows), "-s", "t",
                  "env -i %s sh -c %s" % (envs, shlex.quote(cmd)))
        self.started = True
        # manual window size lets resize-window act on a detached session
        # (tmux 3.3 dies when it reads this from the config file)
        self.tmux("set", "-g", "window-size", "manual")

    def screen(self):
        out = self.tmux("capture-pane", "-p", "-t", "t").stdout
        lines = out.split("\n")[: self.rows]
        lines += [""] * (self.rows - len(lines))
        return "\n".join(line.rstrip() for line in lines)

    def wait_for(self, pred, timeout=8.0, what="screen"):
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            last = self.screen()
            if (pred(last) if callable(pred) else pred in last):
                return last
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %s; the screen shows:\n%s" % (
            pred if isinstance(pred, str) else what, last))

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def text(self, s):
        self.tmux("send-keys", "-t", "t", "-l", s)

    def resize(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))

    def pane_pid(self):
        return int(self.tmux("display", "-p", "-t", "t", "#{pane_pid}").stdout.strip())

    def close(self):
        if self.started:
            self.tmux("kill-server", check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
