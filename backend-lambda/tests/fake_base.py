"""What the provider fakes in this directory share: the HTTP plumbing, the record of
calls and the test routes. Each fake (github_fake.py, gitlab_fake.py, ...) is a
subclass of `FakeHandler` that knows only its provider's routes and wire format.

A fake is one process per test: `python3 X_fake.py HOST PORT STATE.json` answers on
HOST:PORT only, with HTTP/1.1 keep-alive (clients reuse connections as they do with
the real host) and without Nagle's delay. Requests are served on threads; the state,
the calls and the API handler run under one lock, so a test sees each call whole.

Test routes (not recorded), the same in every fake:
  GET    /_fake/calls   every API call so far: [{"method", "path" (raw, still
                        percent-encoded as sent), "query" (a dict of lists), "body"
                        (parsed JSON, else the raw text, else null), "status",
                        "time" (Unix seconds, float), "headers" (the subset the fake
                        names in `recorded_headers`, only those sent)}]
  DELETE /_fake/calls   forgets them
  GET    /_fake/state   the current state, with what the client created
  POST   /_fake/state   replaces the state with the JSON body

Every fake's state may hold "latency_ms": each API answer is then sent that much
later (a real host's round trip), without holding the lock.

Every fake's state may hold "fail_routes": [{"method": "POST", "path": "REGEX",
"status": 403, "times": 1, "headers": {...}}]: an API call whose method matches
(absent: any) and whose raw path the regular expression finds is answered with
`status`, the fake's error body for it (`error_body`) and `headers` instead of
its route's answer, `times` times (absent: every time). It is recorded like any
call. Tests use it to make one kind of write fail while the others succeed.

A fake module has a `load_state(state) -> dict` function (the state to serve, its
defaults filled in; run at start and for POST /_fake/state) and ends with
`serve(ItsHandler, load_state)`. Its handler sets `recorded_headers`, may set
`methods` (others get 501), `json_content_type` and `fake_not_found` (the body of
an unknown test route), and implements:
  api(method, url, body, raw)     -> (status, payload, headers) for one API call,
                                  under LOCK; `self.state` is the state. `url` is
                                  urlsplit(raw request target), `body` as recorded,
                                  `raw` the request body's bytes; payload as
                                  `answer` takes it
and may override:
  unrecorded(method, url, body, raw)  an answer given without recording the call
                                  (None: record it and ask `api`)
  describe_call(call, url, body, raw) adds provider-specific fields to a record
  error_body(status)              the host's error body for a failed route
"""

import json
import re
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
CALLS = []


class FakeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, a kept-alive
    # client's delayed ACK stalls each answer ~40 ms, which no real host does.
    disable_nagle_algorithm = True

    # Methods the fake answers; any other gets http.server's 501, as a host that
    # has no such method would refuse it.
    methods = ("GET", "POST", "PUT", "PATCH", "DELETE")
    recorded_headers = ()
    json_content_type = "application/json; charset=utf-8"
    fake_not_found = {"message": "Not Found"}
    # The state being served, shared by every connection's handler; set by `serve`
    # and by POST /_fake/state through `set_state`.
    state = {}
    load_state = None

    # http.server's naming.
    def do_GET(self):  # noqa: N802
        self.handle_any("GET")

    def do_POST(self):  # noqa: N802
        self.handle_any("POST")

    def do_PUT(self):  # noqa: N802
        self.handle_any("PUT")

    def do_PATCH(self):  # noqa: N802
        self.handle_any("PATCH")

    def do_DELETE(self):  # noqa: N802
        self.handle_any("DELETE")

    def log_message(self, *args):
        pass

    @classmethod
    def set_state(cls, state):
        cls.state = cls.load_state(state)

    # -- hooks ----------------------------------------------------------------

    def api(self, method, url, body, raw):
        raise NotImplementedError

    def unrecorded(self, method, url, body, raw):
        return None

    def describe_call(self, call, url, body, raw):
        pass

    def error_body(self, status):
        return {"message": f"{status} error"}

    def forced_failure(self, method, url):
        """The answer of the first `fail_routes` rule this call matches, if any."""
        for rule in type(self).state.get("fail_routes") or []:
            if rule.get("method") not in (None, method):
                continue
            if not re.search(rule.get("path", ""), url.path):
                continue
            times = rule.get("times")
            if times is not None:
                if times <= 0:
                    continue
                rule["times"] = times - 1
            status = rule.get("status", 500)
            return status, self.error_body(status), dict(rule.get("headers") or {})
        return None

    # -- plumbing -------------------------------------------------------------

    def handle_any(self, method):
        if method not in self.methods:
            self.send_error(501, f"Unsupported method ({method!r})")
            return
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = parse_body(raw)
        if url.path.startswith("/_fake/"):
            self.fake_route(method, url.path, body)
            return
        with LOCK:
            early = self.unrecorded(method, url, body, raw)
            if early is None:
                call = {
                    "method": method,
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "body": body,
                    "time": time.time(),
                    "headers": {
                        h: self.headers.get(h)
                        for h in self.recorded_headers
                        if self.headers.get(h)
                    },
                }
                self.describe_call(call, url, body, raw)
                CALLS.append(call)
                try:
                    forced = self.forced_failure(method, url)
                    if forced is not None:
                        status, payload, headers = forced
                    else:
                        status, payload, headers = self.api(method, url, body, raw)
                except Exception:  # noqa: BLE001 - a fake's bug must not hang the client
                    traceback.print_exc()
                    status, payload, headers = 500, {"message": "the fake failed"}, {}
                call["status"] = status
        if early is not None:
            status, payload, headers = early
        # A real host answers tens of milliseconds later; benchmarks set this to see
        # how a client overlaps that. Slept outside the lock, as the host's own time.
        latency_ms = type(self).state.get("latency_ms") or 0
        if latency_ms > 0:
            time.sleep(latency_ms / 1000)
        self.answer(status, payload, headers)

    def fake_route(self, method, path, body):
        with LOCK:
            if path == "/_fake/calls" and method == "GET":
                self.answer(200, CALLS)
            elif path == "/_fake/calls" and method == "DELETE":
                CALLS.clear()
                self.answer(204, None)
            elif path == "/_fake/state" and method == "GET":
                self.answer(200, type(self).state)
            elif path == "/_fake/state" and method == "POST":
                type(self).set_state(body if isinstance(body, dict) else {})
                self.answer(204, None)
            else:
                self.answer(404, self.fake_not_found)

    def answer(self, status, payload, headers=None):
        """Sends `payload`: bytes as they are, a str as UTF-8 text/plain, None as an
        empty body, anything else as JSON. `headers` win over the defaults."""
        headers = dict(headers or {})
        if isinstance(payload, bytes):
            data, content_type = payload, None
        elif isinstance(payload, str):
            data, content_type = payload.encode(), "text/plain; charset=utf-8"
        elif payload is None:
            data, content_type = b"", None
        else:
            data, content_type = json.dumps(payload).encode(), self.json_content_type
        if content_type and not any(k.lower() == "content-type" for k in headers):
            headers["content-type"] = content_type
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, str(value))
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Ids:
    """Ids for what a fake creates: one counter from 1000, kept above every id a
    loaded state already holds (so ids never repeat, even across reloads)."""

    def __init__(self):
        self.next_id = 1000

    def keep_above(self, ids):
        self.next_id = max([self.next_id - 1, *ids]) + 1

    def new(self):
        self.next_id += 1
        return self.next_id - 1


def parse_body(raw):
    """The request body as recorded: parsed JSON, else the text, else None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def serve(handler_class, load_state):
    """The fake's main: `python3 X_fake.py HOST PORT STATE.json`."""
    host, port, state_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    handler_class.load_state = staticmethod(load_state)
    with open(state_path, encoding="utf-8") as f:
        handler_class.set_state(json.load(f))
    server = ThreadingHTTPServer((host, port), handler_class)
    server.daemon_threads = True
    server.serve_forever()
