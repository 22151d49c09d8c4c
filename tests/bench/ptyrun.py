"""A program on a pseudo-terminal of a given size: every byte it writes is
counted (exactly: no multiplexer in between) and fed to a small emulator,
so a benchmark can wait for what the screen shows and time it."""

import fcntl
import os
import pty
import signal
import struct
import termios
import threading
import time

from vt import Screen


class PtyProc:
    def __init__(self, argv, cols=80, rows=24, env=None, cwd=None):
        self.cols, self.rows = cols, rows
        self.screen = Screen(cols, rows)
        self.total = 0
        self.cond = threading.Condition()
        self.stamp = 0.0          # monotonic time of the last chunk read
        self.eof = False
        self.t_start = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, env or os.environ)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            now = time.monotonic()
            with self.cond:
                if not data:
                    self.eof = True
                    self.cond.notify_all()
                    return
                self.total += len(data)
                self.screen.feed(data)
                self.stamp = now
                self.cond.notify_all()

    def text(self):
        with self.cond:
            return self.screen.text()

    def wait_for(self, pred, timeout=20.0, what="the screen"):
        """The monotonic time of the chunk that made pred(screen text) true."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                if pred(self.screen.text()):
                    return self.stamp
                left = end - time.monotonic()
                if left <= 0 or self.eof:
                    raise TimeoutError("%s not on screen after %.0f s; it shows:\n%s"
                                       % (what, timeout, self.screen.text()))
                self.cond.wait(min(left, 0.5))

    def send(self, data):
        t = time.monotonic()
        os.write(self.fd, data if isinstance(data, bytes) else data.encode())
        return t

    def bytes_written(self):
        with self.cond:
            return self.total

    def close(self, sig=signal.SIGTERM):
        try:
            os.kill(self.pid, sig)
        except ProcessLookupError:
            pass
        end = time.monotonic() + 3
        while time.monotonic() < end:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        try:
            os.close(self.fd)
        except OSError:
            pass


# ---- /proc figures -------------------------------------------------------------
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid, children=True):
    """utime+stime (and the reaped children's, which is where `watch`'s
    kubectl and curl runs go) in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    v = s[s.rindex(")") + 2:].split()
    t = int(v[11]) + int(v[12])
    if children:
        t += int(v[13]) + int(v[14])
    return t / TICK


def rollup(pid):
    """kB figures of /proc/PID/smaps_rollup: Rss, Pss, Private_* ..."""
    out = {}
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    out["Private"] = out.get("Private_Clean", 0) + out.get("Private_Dirty", 0)
    return out


def where_memory_goes(pid):
    """Rss and private kB per kind of mapping: the binary, shared libraries,
    heap, other anonymous memory (arenas, mmaps), stack."""
    groups = {}
    cur = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if "-" in parts[0] and len(parts) >= 5 and not parts[0].endswith(":"):
                name = parts[5] if len(parts) >= 6 else ""
                if name == "[heap]":
                    cur = "heap"
                elif name == "[stack]":
                    cur = "stack"
                elif name.startswith("["):
                    cur = "kernel (vdso, vvar)"
                elif name.endswith("/warroom"):
                    cur = "the binary"
                elif ".so" in name:
                    cur = "libraries"
                elif name:
                    cur = "other files"
                else:
                    cur = "anonymous (arenas, mmap)"
                groups.setdefault(cur, {"Rss": 0, "Private": 0, "libs": {}})
                if cur == "libraries":
                    lib = os.path.basename(name)
                    groups[cur]["libs"].setdefault(lib, 0)
                continue
            if cur is None:
                continue
            key = parts[0].rstrip(":")
            if key == "Rss":
                groups[cur]["Rss"] += int(parts[1])
                if cur == "libraries":
                    groups[cur]["libs"][lib] += int(parts[1])
            elif key in ("Private_Clean", "Private_Dirty"):
                groups[cur]["Private"] += int(parts[1])
    return groups
