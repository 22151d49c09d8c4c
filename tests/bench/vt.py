"""A small terminal emulator: enough of xterm for what ncurses sends, so the
benchmarks can tell from the exact byte stream when a frame is complete
(tmux would add its own redraws and its own latency)."""

import re

CSI = re.compile(rb"\x1b\[([?>=!]?)([0-9;:]*)([ -/]*)([@-~])")


class Screen:
    def __init__(self, cols, rows):
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self.top, self.bottom = 0, rows - 1
        self.saved = (0, 0)
        self.last = " "
        self.pending = b""
        self.wrap_next = False

    # ---- output ----------------------------------------------------------
    def text(self):
        return "\n".join("".join(r).rstrip() for r in self.grid)

    def feed(self, data):
        data = self.pending + data
        self.pending = b""
        i, n = 0, len(data)
        while i < n:
            c = data[i]
            if c == 0x1b:
                if i + 1 >= n:
                    self.pending = data[i:]
                    return
                nxt = data[i + 1]
                if nxt == 0x5b:  # CSI
                    m = CSI.match(data, i)
                    if not m:
                        if n - i < 64:
                            self.pending = data[i:]
                            return
                        i += 2
                        continue
                    self.csi(m.group(1), m.group(2), m.group(4))
                    i = m.end()
                    continue
                if nxt == 0x5d:  # OSC: up to BEL or ST
                    end = data.find(b"\x07", i)
                    st = data.find(b"\x1b\\", i)
                    ends = [e for e in (end, st) if e >= 0]
                    if not ends:
                        self.pending = data[i:]
                        return
                    e = min(ends)
                    i = e + (1 if e == end else 2)
                    continue
                if nxt in b"()*+":  # charset designation
                    if i + 2 >= n:
                        self.pending = data[i:]
                        return
                    i += 3
                    continue
                if nxt == 0x37:
                    self.saved = (self.x, self.y)
                elif nxt == 0x38:
                    self.x, self.y = self.saved
                elif nxt == 0x4d:  # RI
                    if self.y == self.top:
                        self.scroll(-1)
                    else:
                        self.y = max(self.y - 1, 0)
                elif nxt == 0x44:  # IND
                    self.linefeed()
                elif nxt == 0x45:
                    self.x = 0
                    self.linefeed()
                elif nxt == 0x63:
                    self.__init__(self.cols, self.rows)
                i += 2
                continue
            if c < 0x20 or c == 0x7f:
                if c == 0x0d:
                    self.x = 0
                    self.wrap_next = False
                elif c == 0x0a or c == 0x0b or c == 0x0c:
                    self.linefeed()
                elif c == 0x08:
                    self.x = max(self.x - 1, 0)
                    self.wrap_next = False
                elif c == 0x09:
                    self.x = min((self.x // 8 + 1) * 8, self.cols - 1)
                i += 1
                continue
            # UTF-8 text
            if c < 0x80:
                ch, ln = chr(c), 1
            else:
                ln = 2 if c >> 5 == 6 else 3 if c >> 4 == 14 else 4 if c >> 3 == 30 else 1
                if i + ln > n:
                    self.pending = data[i:]
                    return
                ch = data[i:i + ln].decode("utf-8", errors="replace")
            self.put(ch)
            i += ln

    def put(self, ch):
        if self.wrap_next:
            self.x = 0
            self.linefeed()
            self.wrap_next = False
        self.grid[self.y][self.x] = ch
        self.last = ch
        if self.x == self.cols - 1:
            self.wrap_next = True
        else:
            self.x += 1

    def linefeed(self):
        self.wrap_next = False
        if self.y == self.bottom:
            self.scroll(1)
        elif self.y < self.rows - 1:
            self.y += 1

    def scroll(self, n):
        for _ in range(abs(n)):
            blank = [" "] * self.cols
            if n > 0:
                del self.grid[self.top]
                self.grid.insert(self.bottom, blank)
            else:
                del self.grid[self.bottom]
                self.grid.insert(self.top, blank)

    def csi(self, priv, params, final):
        f = chr(final[0])
        ps = [int(p) if p.isdigit() else 0 for p in params.decode().replace(":", ";").split(";")] \
            if params else []
        a = ps[0] if ps else 0
        one = a or 1
        self.wrap_next = False
        if priv:
            return  # modes (?1049h ...) change nothing on the grid we keep
        if f in "Hf":
            self.y = min(max(one - 1, 0), self.rows - 1)
            self.x = min(max((ps[1] if len(ps) > 1 and ps[1] else 1) - 1, 0), self.cols - 1)
        elif f == "A":
            self.y = max(self.y - one, 0)
        elif f == "B":
            self.y = min(self.y + one, self.rows - 1)
        elif f == "C":
            self.x = min(self.x + one, self.cols - 1)
        elif f == "D":
            self.x = max(self.x - one, 0)
        elif f == "G" or f == "`":
            self.x = min(one - 1, self.cols - 1)
        elif f == "d":
            self.y = min(one - 1, self.rows - 1)
        elif f == "K":
            row = self.grid[self.y]
            lo, hi = {0: (self.x, self.cols), 1: (0, self.x + 1), 2: (0, self.cols)}.get(a, (0, 0))
            for k in range(lo, hi):
                row[k] = " "
        elif f == "J":
            if a == 0:
                self.csi(b"", b"0", b"K")
                rng = range(self.y + 1, self.rows)
            elif a == 1:
                self.csi(b"", b"1", b"K")
                rng = range(0, self.y)
            else:
                rng = range(self.rows)
            for r in rng:
                self.grid[r] = [" "] * self.cols
        elif f == "X":
            for k in range(self.x, min(self.x + one, self.cols)):
                self.grid[self.y][k] = " "
        elif f == "b":
            for _ in range(one):
                self.put(self.last)
        elif f == "@":
            row = self.grid[self.y]
            row[self.x:self.x] = [" "] * one
            del row[self.cols:]
        elif f == "P":
            row = self.grid[self.y]
            del row[self.x:self.x + one]
            row.extend([" "] * (self.cols - len(row)))
        elif f == "L" or f == "M":
            if self.top <= self.y <= self.bottom:
                saved = self.top
                self.top = self.y
                self.scroll(one if f == "M" else -one)
                self.top = saved
        elif f == "S":
            self.scroll(one)
        elif f == "T":
            self.scroll(-one)
        elif f == "r":
            self.top = (ps[0] - 1) if ps and ps[0] else 0
            self.bottom = (ps[1] - 1) if len(ps) > 1 and ps[1] else self.rows - 1
            self.x = self.y = 0
        elif f == "s":
            self.saved = (self.x, self.y)
        elif f == "u":
            self.x, self.y = self.saved
        # m (colours), h/l, n, t and the rest leave the grid alone
