"""A fault proxy on loopback between the console and one lab server.

    p = FaultProxy(upstream_port, tls=(cert, key))   # or tls=None, raw=True for sshd
    p.port                  # what the console's config points at
    p.set_mode("html")      # every connection from now on, live ones cut
    p.close()

Run as a program it serves several, so that their threads do not share an
interpreter (and its lock) with a test that measures key latency:

    faultproxy.py --cert C --key K NAME=PORT[:tls|:raw]...
    -> one line of JSON, {"NAME": proxy port, ...}; then on stdin
    "KIND" (every proxy) or "KIND NAME..." answered "ok", EOF ends it.

Modes: pass (forwarded as is), slow (forwarded, each request held
SLOW_MS first: a server across a network, or a busy one), refuse (nothing listens: connection
refused), 500, html (an ingress' 502 error page), garbage (200 with random
bytes), big (200 with a 50 MB body), cut (a chunked answer that stops half
way). A raw proxy (sshd) speaks no HTTP: its faults are the same bytes sent
at once, and cut forwards the handshake and stops after a few kilobytes.
For TLS servers the proxy terminates TLS with the lab's certificate, so the
console's verification still holds, and speaks TLS to the server."""

import argparse
import json
import os
import socket
import ssl
import sys
import threading

MODES = ("pass", "slow", "refuse", "500", "html", "garbage", "big", "cut")
BIG_BYTES = 50 * 1024 * 1024
CUT_RAW_BYTES = 3000
SLOW_MS = 25

HTML = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
HALF_JSON = (b'{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"detection-api"},'
             b'"value":[1700000000.0,"0.5"]},{"metric":{"job":')


def head(status, ctype, length=None, chunked=False):
    h = ["HTTP/1.1 %s" % status, "Content-Type: %s" % ctype, "Connection: close"]
    if chunked:
        h.append("Transfer-Encoding: chunked")
    elif length is not None:
        h.append("Content-Length: %d" % length)
    return ("\r\n".join(h) + "\r\n\r\n").encode()


class FaultProxy:
    def __init__(self, upstream_port, tls=None, raw=False):
        self.upstream = ("127.0.0.1", upstream_port)
        self.raw = raw
        self.server_ctx = None
        if tls:
            self.server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.server_ctx.load_cert_chain(*tls)
            self.client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            self.client_ctx.check_hostname = False
            self.client_ctx.verify_mode = ssl.CERT_NONE
        self.mode = "pass"
        self.lock = threading.Lock()
        self.conns = set()
        self.closed = False
        self.listener = None
        self.port = 0
        self.listen()
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    # ---- control ----------------------------------------------------------
    def listen(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        s.settimeout(0.05)
        self.port = s.getsockname()[1]
        self.listener = s

    def set_mode(self, mode):
        if mode not in MODES:
            raise ValueError("mode %r: one of %s" % (mode, ", ".join(MODES)))
        with self.lock:
            self.mode = mode
            live, self.conns = self.conns, set()
        for c in live:   # a kept-alive connection must not dodge the fault
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.set_mode("pass")
        self.thread.join(2)
        if self.listener:
            self.listener.close()

    # ---- serving ----------------------------------------------------------
    def track(self, s):
        with self.lock:
            self.conns.add(s)

    def accept_loop(self):
        while not self.closed:
            if self.mode == "refuse":
                if self.listener:
                    self.listener.close()
                    self.listener = None
                threading.Event().wait(0.05)
                continue
            if not self.listener:
                try:
                    self.listen()
                except OSError:
                    threading.Event().wait(0.05)
                    continue
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                continue
            conn.settimeout(10)
            self.track(conn)
            threading.Thread(target=self.serve, args=(conn, self.mode), daemon=True).start()

    def serve(self, conn, mode):
        up = None
        try:
            if self.server_ctx:
                conn = self.server_ctx.wrap_socket(conn, server_side=True)
                self.track(conn)
            if mode in ("pass", "slow") or (self.raw and mode == "cut"):
                up = socket.create_connection(self.upstream, 5)
                if self.server_ctx:
                    up = self.client_ctx.wrap_socket(up)
                self.track(up)
                limit = CUT_RAW_BYTES if mode == "cut" else None
                hold = SLOW_MS / 1000.0 if mode == "slow" else 0
                t = threading.Thread(target=self.pump, args=(conn, up, None, hold), daemon=True)
                t.start()
                self.pump(up, conn, limit)
                return
            if not self.raw:
                self.read_request(conn)
            self.fault(conn, mode)
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            for s in (conn, up):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass

    @staticmethod
    def pump(src, dst, limit, hold=0):
        sent = 0
        try:
            while True:
                b = src.recv(65536)
                if not b:
                    break
                if hold:
                    threading.Event().wait(hold)
                if limit is not None and sent + len(b) > limit:
                    dst.sendall(b[:limit - sent])
                    break
                dst.sendall(b)
                sent += len(b)
        except (OSError, ssl.SSLError, ValueError):
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass

    @staticmethod
    def read_request(conn):
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            b = conn.recv(65536)
            if not b:
                return
            data += b
        hdr, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in hdr.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v.strip() or 0)
        while len(body) < length:
            b = conn.recv(65536)
            if not b:
                break
            body += b

    def fault(self, conn, mode):
        raw = self.raw
        if mode == "500":
            body = b"internal server error\n"
            conn.sendall(head("500 Internal Server Error", "text/plain", len(body)) + body)
        elif mode == "html":
            conn.sendall(head("502 Bad Gateway", "text/html", len(HTML)) + HTML)
        elif mode == "garbage":
            body = os.urandom(4096)
            conn.sendall(body if raw else head("200 OK", "application/json", len(body)) + body)
        elif mode == "big":
            if not raw:
                conn.sendall(head("200 OK", "application/json", BIG_BYTES))
            chunk = b"[" + b"1," * 32767 + b"1"
            left = BIG_BYTES
            while left > 0:
                n = min(left, len(chunk))
                conn.sendall(chunk[:n])
                left -= n
        elif mode == "cut":
            conn.sendall(head("200 OK", "application/json", chunked=True) +
                         b"%x\r\n" % len(HALF_JSON) + HALF_JSON + b"\r\n")
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description="fault proxies in front of lab servers")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("servers", nargs="+", metavar="NAME=PORT[:tls|:raw]")
    args = ap.parse_args()
    proxies = {}
    for spec in args.servers:
        name, _, rest = spec.partition("=")
        port, _, how = rest.partition(":")
        proxies[name] = FaultProxy(int(port), tls=(args.cert, args.key) if how == "tls" else None, raw=how == "raw")
    print(json.dumps({n: p.port for n, p in proxies.items()}), flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            for name in words[1:] or list(proxies):
                proxies[name].set_mode(words[0])
            print("ok", flush=True)
        except (KeyError, ValueError) as e:
            print("error %s" % e, flush=True)
    for p in proxies.values():
        p.close()


if __name__ == "__main__":
    main()
