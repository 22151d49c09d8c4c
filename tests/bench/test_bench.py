"""Tests of what the benchmarks stand on: the pty harness counts exactly the
bytes a program writes and reads its screen right, and `lab pods N` fills the
namespace without touching the service's own pods.

  python3 -m unittest discover -s tests/bench -p 'test_*.py'"""

import os
import sys
import time
import unittest
from urllib.parse import quote

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from labfixture import NS, LabTestCase, missing  # noqa: E402
from ptyrun import PtyProc, cpu_seconds, rollup  # noqa: E402
from vt import Screen  # noqa: E402


class ScreenTest(unittest.TestCase):
    def test_cursor_moves_erase_and_utf8(self):
        s = Screen(20, 4)
        s.feed(b"\x1b[2J\x1b[1;1Hhello \xe2\x94\x8c\xe2\x94\x80 world")
        s.feed(b"\x1b[3;5Habc\x1b[1;7H\x1b[K")
        self.assertEqual(s.text().split("\n")[0], "hello")
        self.assertEqual(s.text().split("\n")[2], "    abc")

    def test_a_sequence_split_across_reads(self):
        s = Screen(10, 2)
        s.feed(b"ab\x1b[2")
        s.feed(b";3Hx\xe2\x9c")
        s.feed(b"\x93")
        self.assertEqual(s.text(), "ab\n  x✓")

    def test_scroll_region_and_repeat(self):
        s = Screen(5, 3)
        s.feed(b"top\r\nmid\r\nlow\x1b[2;3r\x1b[3;1H\n")
        self.assertEqual(s.text(), "top\nlow\n")
        s.feed(b"\x1b[1;1Hz\x1b[3b")
        self.assertEqual(s.text().split("\n")[0], "zzzz")


class PtyTest(unittest.TestCase):
    def test_counts_every_byte_and_reads_the_screen(self):
        # thousands of bytes that move the cursor and draw nothing, so nothing scrolls
        payload = "\x1b[2J\x1b[3;2Hwarroom ✓" + "x" * 70 + "\x1b[1;1H" * 1000
        p = PtyProc(["printf", "%s", payload], 80, 24)
        try:
            p.wait_for(lambda s: "warroom ✓" in s, 5, "the text")
            end = time.monotonic() + 5
            while not p.eof and time.monotonic() < end:
                time.sleep(0.01)
            self.assertEqual(p.bytes_written(), len(payload.encode()))
            self.assertEqual(p.text().split("\n")[2], " warroom ✓" + "x" * 70)
        finally:
            p.close()

    def test_the_program_sees_the_size_asked_for(self):
        p = PtyProc(["stty", "size"], 120, 40)
        try:
            p.wait_for(lambda s: "40 120" in s, 5, "stty's answer")
        finally:
            p.close()

    def test_cpu_and_memory_of_a_live_process(self):
        p = PtyProc(["sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; sleep 5"],
                    80, 24)
        try:
            p.wait_for(lambda s: "done" in s, 20, "the busy loop's end")
            self.assertGreater(cpu_seconds(p.pid), 0.05)
            r = rollup(p.pid)
            self.assertGreater(r["Rss"], 100)
            self.assertLessEqual(r["Private"], r["Rss"])
        finally:
            p.close()


@unittest.skipIf(missing("kubectl"), "needs %s" % ", ".join(missing("kubectl")))
class LabPodsTest(LabTestCase):
    lab_name = "bench-pods"

    def count(self, *selector):
        out = self.lab.kubectl("get", "pods", "-n", NS, "--no-headers", *selector).stdout
        return len(out.splitlines())

    def test_pods_fill_the_namespace_and_clear(self):
        base = self.count()
        ours = self.count("-l", "app=detection-api")
        self.assertEqual(self.lab.run_lab("pods", "300").stdout.strip(), "300 bulk pods")
        self.assertEqual(self.count(), base + 300)
        self.assertEqual(self.count("-l", "app=detection-api"), ours)
        self.assertEqual(self.count("-l", "app=batch-worker"), 300)
        # they stay through the simulation's ticks, Running and ready
        time.sleep(1)
        pods = self.lab.pods("app=batch-worker")
        self.assertEqual(len(pods), 300)
        self.assertTrue(all(p["status"]["phase"] == "Running" for p in pods))
        self.assertEqual(len({p["metadata"]["name"] for p in pods}), 300)
        self.lab.run_lab("pods", "20", "app=detection-api")
        self.assertEqual(self.count("-l", "app=detection-api"), ours + 20)
        self.lab.run_lab("pods", "clear")
        self.assertEqual(self.count(), base)
        self.assertNotEqual(self.lab.run_lab("pods", "many", check=False).returncode, 0)

    def test_lists_page_with_limit_and_continue(self):
        # what the slot poller relies on: the API answers one page and says
        # there is more, and the pages together hold every pod once
        self.lab.run_lab("pods", "70", "app=detection-api", "slot=blue")
        try:
            sel = "labelSelector=app%3Ddetection-api%2Cslot%3Dblue"
            path = "/api/v1/namespaces/%s/pods?%s&limit=32" % (NS, sel)
            names, pages = [], 0
            while True:
                r = self.lab.kube("GET", path).json()
                pages += 1
                self.assertLessEqual(len(r["items"]), 32)
                self.assertTrue(all(p["metadata"]["labels"]["slot"] == "blue" for p in r["items"]))
                self.assertNotIn("remainingItemCount", r["metadata"])   # not with a selector
                names += [p["metadata"]["name"] for p in r["items"]]
                cont = r["metadata"].get("continue")
                if not cont:
                    break
                path = "/api/v1/namespaces/%s/pods?%s&limit=32&continue=%s" % (NS, sel, quote(cont, safe=""))
            ours = len(self.lab.pods("app=detection-api,slot=blue"))
            self.assertEqual(len(names), ours)
            self.assertEqual(len(set(names)), ours)
            self.assertGreaterEqual(ours, 70)
            self.assertEqual(pages, (ours + 31) // 32)
            # without a selector the rest is counted
            r = self.lab.kube("GET", "/api/v1/namespaces/%s/pods?limit=5" % NS).json()
            self.assertEqual(len(r["items"]), 5)
            self.assertEqual(r["metadata"]["remainingItemCount"], len(self.lab.pods()) - 5)
            self.assertEqual(self.lab.kube("GET", "/api/v1/namespaces/%s/pods?limit=5&continue=bogus" % NS)
                             .status, 400)
        finally:
            self.lab.run_lab("pods", "clear")


if __name__ == "__main__":
    unittest.main()
