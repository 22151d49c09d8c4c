"""HTTP plumbing for the lab's servers: threads per connection, TLS with the
handshake done in the connection's thread (a stalled client never blocks the
accept loop), keep-alive, JSON and chunked answers, and an access log that
never records headers (tokens stay out of it)."""

import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class LabServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler, lab, name, tls=None):
        self.lab = lab
        self.name = name
        self.tls = tls
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError)):
            return
        self.lab.log("%s: error serving %s: %r" % (self.name, client_address[0], exc))

    @property
    def port(self):
        return self.server_address[1]


def tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    # kubectl and libcurl negotiate HTTP/1.1 through ALPN.
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lab"
    sys_version = ""
    timeout = 60

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.settimeout(10)
            self.connection.do_handshake()
            self.connection.settimeout(self.timeout)

    @property
    def lab(self):
        return self.server.lab

    def log_message(self, fmt, *args):
        pass

    def log_request(self, code="-", size="-"):
        path = urlsplit(self.path).path
        if path.endswith("/metrics") and str(code) == "200":
            return  # a scrape a second would drown the rest
        self.lab.log("%s %s %s %s" % (self.server.name, self.command, path, code))

    # ---- request helpers --------------------------------------------------
    def parse(self):
        u = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        return u.path, q

    def body(self, limit=4 << 20):
        self._body_read = True
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline(64)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    self.rfile.readline(64)
                    break
                data += self.rfile.read(n)
                self.rfile.readline(8)
                if len(data) > limit:
                    raise ValueError("request body too large")
            return data
        n = int(self.headers.get("Content-Length") or 0)
        if n > limit:
            raise ValueError("request body too large")
        return self.rfile.read(n) if n else b""

    def drain(self):
        """Reads a body the handler left unread, so keep-alive stays in step."""
        if getattr(self, "_body_read", False):
            return
        self._body_read = True
        n = int(self.headers.get("Content-Length") or 0)
        if 0 < n < (4 << 20):
            self.rfile.read(n)
        elif n:
            self.close_connection = True

    def json_body(self):
        raw = self.body()
        return json.loads(raw.decode("utf-8")) if raw.strip() else None

    def bearer(self):
        h = self.headers.get("Authorization", "")
        if h[:7].lower() == "bearer ":
            return h[7:].strip()
        return None

    # ---- answers ----------------------------------------------------------
    def send(self, code, data, ctype, headers=None):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, code, obj, headers=None):
        self.send(code, json.dumps(obj, separators=(",", ":")) + "\n", "application/json", headers)

    def send_text(self, code, text, ctype="text/plain; charset=utf-8", headers=None):
        self.send(code, text, ctype, headers)

    def start_chunked(self, code, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()

    def chunk(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def end_chunked(self):
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def serve(server):
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                         name=server.name, daemon=True)
    t.start()
    return t


def wait_port(host, port, timeout):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection((host, port), 0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False
