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

Test routes (not recorded; the plumbing is fake_base.py's):
  GET    /_fake/calls   every API call so far: [{"path", "operation" (apiKeyUser,
                        stack or null), "variables", "status", "headers"
                        (authorization, content-type, user-agent), and
                        fake_base's "method", "query", "body", "time"}]
  DELETE /_fake/calls   forgets them
  GET    /_fake/state   the current state
  POST   /_fake/state   replaces the state with the JSON body
"""

import copy
import re

from fake_base import FakeHandler, serve

RECORDED_HEADERS = ("authorization", "content-type", "user-agent")
DEFAULT_JWT = "eyJhbGciOiJIUzI1NiJ9.fake-spacelift-token.signature"


def load_state(state):
    state = copy.deepcopy(state)
    state.setdefault("api_key", {"id": "01KEY", "secret": "s3cret"})
    state.setdefault("jwt", DEFAULT_JWT)
    state.setdefault("stacks", {})
    state.setdefault("fail_next", {"times": 0, "status": 502})
    return state


def root_field(query):
    """The first field selected by the operation: what the request asks for."""
    body = query[query.find("{") + 1 :] if "{" in query else ""
    match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)", body)
    return match.group(1) if match else None


class Spacelift(FakeHandler):
    methods = ("GET", "POST", "DELETE")
    recorded_headers = RECORDED_HEADERS
    json_content_type = "application/json"
    fake_not_found = {"errors": [{"message": "no such fake route"}]}

    def unrecorded(self, method, url, body, raw):
        if method != "POST" or url.path != "/graphql":
            return 404, {"errors": [{"message": "not found"}]}, {}
        return None

    def describe_call(self, call, url, body, raw):
        request = body if isinstance(body, dict) else {}
        call["operation"] = root_field(request.get("query", ""))
        call["variables"] = request.get("variables")

    def api(self, method, url, body, raw):
        # Not JSON, or JSON but not an object: no GraphQL request.
        if not isinstance(body, dict):
            return 400, {"errors": [{"message": "invalid JSON body"}]}, {}
        query = body.get("query", "")
        status, payload = self.graphql(root_field(query), query, body.get("variables") or {})
        return status, payload, {}

    def graphql(self, operation, query, variables):
        fail = self.state["fail_next"]
        if fail.get("times", 0) > 0:
            fail["times"] -= 1
            return fail.get("status", 502), {"errors": [{"message": "service unavailable"}]}
        if operation == "apiKeyUser":
            return self.api_key_user(variables)
        if self.headers.get("authorization") != f"Bearer {self.state['jwt']}":
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
        key = self.state["api_key"]
        if variables.get("id") != key["id"] or variables.get("secret") != key["secret"]:
            return 200, {
                "data": {"apiKeyUser": None},
                "errors": [{"message": "unauthorized", "path": ["apiKeyUser"]}],
            }
        return 200, {"data": {"apiKeyUser": {"jwt": self.state["jwt"]}}}

    def run_changes(self, variables):
        for name in ("stack", "run"):
            if not isinstance(variables.get(name), str):
                return 400, {
                    "errors": [
                        {"message": f'Variable "${name}" of required type "ID!" was not provided.'}
                    ]
                }
        stack = self.state["stacks"].get(variables["stack"])
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


if __name__ == "__main__":
    serve(Spacelift, load_state)
