#!/usr/bin/env python3
"""Bytes a program writes to its terminal per minute: each program runs on a
pty of the given size that this script reads (and answers nothing).

    scripts/term-bytes.py SECONDS COLSxROWS -- PROGRAM ARGS...
"""
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time


def measure(seconds, cols, rows, argv, env=None):
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                         env=env or os.environ)
    os.close(slave)
    total, warm = 0, None
    t0 = time.monotonic()
    # the first 5 s (start-up, the first full frame) are not counted
    while time.monotonic() - t0 < seconds + 5:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                n = len(os.read(master, 65536))
            except OSError:
                break
            if time.monotonic() - t0 >= 5:
                total += n
    p.terminate()
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
    os.close(master)
    return total * 60.0 / seconds


if __name__ == "__main__":
    secs = float(sys.argv[1])
    cols, rows = (int(x) for x in sys.argv[2].split("x"))
    argv = sys.argv[sys.argv.index("--") + 1:]
    print("%.0f" % measure(secs, cols, rows, argv))
