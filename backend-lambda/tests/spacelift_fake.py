"""A local stand-in for Spacelift's GraphQL API, for tests.

Speaks GraphQL over HTTP as Spacelift does: `POST /graphql` with a JSON body
`{"query", "variables", "operationName"?}`, answers `{"data": ...}`, and
`{"errors": [{"message", "path"?, "locations"?}]}` for what it refuses. It knows the
two operations reviewgate's Spacelift client sends, recognised by their root field:

  mutation { apiKeyUser(id: ID!, secret: String!) { jwt } }
      no credentials needed; the right id and secret get {"apiKeyUser": {"jwt"}},
      wrong ones get {"data": {"apiKeyUser": null}, "errors": [{"message":
      "unauthorized", "path": ["apiKeyUser"]}]}
  query { stack(id: ID!) { run(id: ID!) { id state changesV3(input: {}) {
          resources { address previousAddress metadata { type } } } } } }
      needs `Authorization: Bearer <jwt>` with the token last issued: else 401
      {"errors": [{"message": "unauthorized"}]}. An unknown stack is
      {"stack": null}, an unknown run {"stack": {"run": null}}.

Any other operation gets 400 with a validation error, as a GraphQL server answers
a query naming a field its schema does not have. A body that is not JSON gets 400.

Usage: python3 spacelift_fake.py HOST PORT STATE.json

State (JSON; every key optional):

  {
    "api_key": {"id": "01KEY", "secret": "s3cret"},
    "jwt": "eyJ...",             # the token apiKeyUser issues; a new state with a
                                 # different one "revokes" tokens issued before
    "fail_next": {"times": 0, "status": 502},
                                 # the next `times` requests get this status
    "stacks": {
      "infra-prod": {
        "runs": {
          "01RUN": {
            "state": "UNCONFIRMED",
            "changes": [         # changesV3 resources
              {"address": "aws_db_instance.main", "previousAddress": null,
               "metadata": {"type": "DELETE"}}
            ]
          }
        }
      }
    }
  }

Test routes (not recorded):
  GET    /_fake/calls   every API call so far: [{"path", "operation" (apiKeyUser,
                        stack or null), "variables", "status", "headers"
                        (authorization, content-type, user-agent)}]
  DELETE /_fake/calls   forgets them
  GET    /_fake/state   the current state
  POST   /_fake/state   replaces the state with the JSON body
"""

import copy
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

RECORDED_HEADERS = ("authorization", "content-type", "user-agent")
DEFAULT_JWT = "eyJhbGciOiJIUzI1NiJ9.fake-spacelift-token.signature"

LOCK = threading.Lock()
STATE = {}
CALLS = []


def load_state(state):
    global STATE
    STATE = copy.deepcopy(state)
    STATE.setdefault("api_key", {"id": "01KEY", "secret": "s3cret"})
    STATE.setdefault("jwt", DEFAULT_JWT)
    STATE.setdefault("stacks", {})
    STATE.setdefault("fail_next", {"times": 0, "status": 502})


def root_field(query):
    """The first field selected by the operation: what the request asks for."""
    body = query[query.find("{") + 1 :] if "{" in query else ""
    match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", body)
    return match.group(1) if match else None


class Spacelift(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, a kept-alive
    # client's delayed ACK stalls each answer ~40 ms, which GitHub never does.
    disable_nagle_algorithm = True

    def do_GET(self):  # noqa: N802
        self.handle_any("GET")

    def do_POST(self):  # noqa: N802
        self.handle_any("POST")

    def do_DELETE(self):  # noqa: N802
        self.handle_any("DELETE")

    def log_message(self, *args):
        pass

    def handle_any(self, method):
        url = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith("/_fake/"):
            body = json.loads(raw) if raw else None
            self.fake_route(method, url.path, body)
            return
        if method != "POST" or url.path != "/graphql":
            self.answer(404, {"errors": [{"message": "not found"}]})
            return
        try:
            request = json.loads(raw)
        except ValueError:
            request = None
        with LOCK:
            query = request.get("query", "") if isinstance(request, dict) else ""
            call = {
                "path": url.path,
                "operation": root_field(query),
                "variables": request.get("variables") if isinstance(request, dict) else None,
                "headers": {
                    h: self.headers.get(h) for h in RECORDED_HEADERS if self.headers.get(h)
                },
            }
            CALLS.append(call)
            if request is None or not isinstance(request, dict):
                status, payload = 400, {"errors": [{"message": "invalid JSON body"}]}
            else:
                status, payload = self.api(call["operation"], query, call["variables"] or {})
            call["status"] = status
        self.answer(status, payload)

    def fake_route(self, method, path, body):
        with LOCK:
            if path == "/_fake/calls" and method == "GET":
                self.answer(200, CALLS)
            elif path == "/_fake/calls" and method == "DELETE":
                CALLS.clear()
                self.answer(204, None)
            elif path == "/_fake/state" and method == "GET":
                self.answer(200, STATE)
            elif path == "/_fake/state" and method == "POST":
                load_state(body or {})
                self.answer(204, None)
            else:
                self.answer(404, {"errors": [{"message": "no such fake route"}]})

    def api(self, operation, query, variables):
        fail = STATE["fail_next"]
        if fail.get("times", 0) > 0:
            fail["times"] -= 1
            return fail.get("status", 502), {"errors": [{"message": "service unavailable"}]}
        if operation == "apiKeyUser":
            return self.api_key_user(variables)
        if self.headers.get("authorization") != f"Bearer {STATE['jwt']}":
            return 401, {"errors": [{"message": "unauthorized"}]}
        if operation == "stack" and "changesV3" in query:
            return self.run_changes(variables)
        return 400, {
            "errors": [
                {
                    "message": f'Cannot query field "{operation}" on type "Query".',
                    "locations": [{"line": 1, "column": 1}],
                }
            ]
        }

    def api_key_user(self, variables):
        key = STATE["api_key"]
        if variables.get("id") != key["id"] or variables.get("secret") != key["secret"]:
            return 200, {
                "data": {"apiKeyUser": None},
                "errors": [{"message": "unauthorized", "path": ["apiKeyUser"]}],
            }
        return 200, {"data": {"apiKeyUser": {"jwt": STATE["jwt"]}}}

    def run_changes(self, variables):
        for name in ("stack", "run"):
            if not isinstance(variables.get(name), str):
                return 400, {
                    "errors": [
                        {"message": f'Variable "${name}" of required type "ID!" was not provided.'}
                    ]
                }
        stack = STATE["stacks"].get(variables["stack"])
        if stack is None:
            return 200, {"data": {"stack": None}}
        run = stack.get("runs", {}).get(variables["run"])
        if run is None:
            return 200, {"data": {"stack": {"run": None}}}
        resources = [
            {
                "address": c["address"],
                "previousAddress": c.get("previousAddress"),
                "metadata": {"type": c["metadata"]["type"]},
            }
            for c in run.get("changes", [])
        ]
        return 200, {
            "data": {
                "stack": {
                    "run": {
                        "id": variables["run"],
                        "state": run.get("state", "FINISHED"),
                        "changesV3": [{"resources": resources}],
                    }
                }
            }
        }

    def answer(self, status, payload):
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


if __name__ == "__main__":
    with open(sys.argv[3], encoding="utf-8") as f:
        load_state(json.load(f))
    server = ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), Spacelift)
    server.daemon_threads = True
    server.serve_forever()
