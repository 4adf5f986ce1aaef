"""A local stand-in for GitHub's REST API (version 2022-11-28), for tests.

Speaks GitHub's wire format for the routes reviewgate's GitHub client uses:

  GET   /repos/{o}/{r}/pulls/{n}                 the pull request: number, state,
                                                 head {sha, ref}, base {sha, ref},
                                                 changed_files
  GET   /repos/{o}/{r}/pulls/{n}/files           paginated (per_page <= 100, page),
                                                 at most 3000 files, like GitHub
  GET   /repos/{o}/{r}/contents/{path}?ref=REF   raw text with
                                                 Accept: application/vnd.github.raw+json,
                                                 else the JSON object (base64 content)
  GET   /repos/{o}/{r}/issues/{n}/comments       paginated (per_page <= 100, default 30)
  POST  /repos/{o}/{r}/issues/{n}/comments       {"body"} -> 201 comment, its `user` the
                                                 caller (see below)
  PATCH /repos/{o}/{r}/issues/comments/{id}      {"body"} -> 200 comment; someone
                                                 else's comment is 403 "Resource not
                                                 accessible by integration" to an
                                                 installation token (a user's token
                                                 may edit it, as a maintainer can)
  DELETE /repos/{o}/{r}/issues/comments/{id}     -> 204, the same permission as PATCH
  GET   /user                                    the token's user (`token_user`); an
                                                 installation token is 403 "Resource
                                                 not accessible by integration"
  GET   /app                                     App JWT only -> {"id", "slug", "name"}
  POST  /repos/{o}/{r}/check-runs                -> 201 check run; 422 without
                                                 name/head_sha or with > 50 annotations
  PATCH /repos/{o}/{r}/check-runs/{id}           -> 200; appends annotations (<= 50),
                                                 output needs title and summary
  POST  /repos/{o}/{r}/statuses/{sha}            {"state", "target_url", "description",
                                                 "context"} -> 201; kept in the repo's
                                                 "statuses": {sha: [...]}
  GET   /repos/{o}/{r}/installation              App JWT only -> the App's installation
                                                 on the repository, or 404
  POST  /app/installations/{id}/access_tokens    App JWT only -> 201 {"token": "ghs_…",
                                                 "expires_at"}; the token is accepted
                                                 until then

A check run made with a personal access token (`ghp_…`, `github_pat_…`) is 403
"Resource not accessible by personal access token": only Apps may write checks.
The caller of a write is who GitHub would name as its author: an installation
token (`ghs_…`, configured or minted) acts as the App's bot user, `<slug>[bot]`;
any other token as `token_user`. App
JWTs are checked as GitHub does: RS256 by the App's key, `iss` the App id, `iat` not
in the future, `exp` after now and at most ten minutes after `iat`; anything else is
401 with GitHub's message.

Every answer carries x-ratelimit-limit/remaining/reset/used/resource. Lists carry
`Link` headers with rel="prev"/"next"/"first"/"last". Errors use GitHub's bodies:
401 {"message": "Bad credentials", "documentation_url": ...}, 404 {"message":
"Not Found", ...}, 422 {"message": "Validation Failed", "errors": [...]}, 403 for an
exhausted rate limit.

Usage: python3 github_fake.py HOST PORT STATE.json

State (JSON; every key optional):

  {
    "token": "t0ken",            # requests must send `Authorization: Bearer t0ken`
                                 # (or `token t0ken`); null (and no "app") accepts any
    "token_user": {"login": "reviewgate-bot", "id": 9001, "type": "User"},
                                 # who a token that is not an installation token is
    "app": {                     # a GitHub App, whose installation tokens are accepted
      "id": "123456",
      "slug": "reviewgate",      # its bot user is `<slug>[bot]`
      "modulus_hex": "c0ffee…",  # the public half of its key
      "exponent_hex": "010001",
      "installations": {"acme/infra": 77},
      "token_ttl_secs": 3600     # how long a minted installation token lives
    },
    "rate_limit": {
      "limit": 5000,             # the budget per window
      "remaining": 5000,         # left now; 0 = exhausted: answers 403 until the reset
      "window_secs": 3600        # the reset is this far ahead (rounded up to a second)
    },
    "secondary_rate_limit": {"times": 0, "retry_after": 1, "status": 403},
                                 # the next `times` requests get `status` with
                                 # `retry-after: retry_after`
    "fail_next": {"times": 0, "status": 502},
                                 # the next `times` requests get this 5xx
    "repos": {
      "acme/infra": {
        "default_branch": "main",
        "pulls": {
          "7": {
            "head_sha": "0123abc...",
            "base_sha": "4567def...",  # default: derived from the repository and number
            "changed_files": 1,        # default: the number of files
            "files": [           # pull-request file objects; sha, changes, blob_url,
                                 # raw_url, contents_url and missing counts are filled in
              {"filename": "main.tf", "status": "modified", "patch": "@@ ...",
               "previous_filename": null, "additions": 1, "deletions": 0}
            ]
          }
        },
        "contents": {"<ref>": {"<path>": "<text>"}},
        "comments": {"7": [{"id": 1, "body": "...", "user": {"login": "someone"}}]},
                                 # a comment without "user" is by "someone"
        "check_runs": []         # filled by POST; each keeps all its annotations
      }
    }
  }

Comments and check runs the client creates are added to the state; ids come from
one counter starting at 1000 (or above the largest id in the state).

Test routes (not recorded; the plumbing is fake_base.py's):
  GET    /_fake/calls   every API call so far: [{"method", "path", "query" (a dict of
                        lists), "body" (parsed JSON or null), "status", "time" (Unix
                        seconds, float), "headers" (accept, authorization,
                        user-agent, x-github-api-version)}]
  DELETE /_fake/calls   forgets them
  GET    /_fake/state   the current state (with the comments and check runs made)
  POST   /_fake/state   replaces the state with the JSON body
"""

import base64
import copy
import hashlib
import json
import math
import time
from urllib.parse import parse_qs, quote, unquote, urlencode

from fake_base import FakeHandler, Ids, serve

DOCS = "https://docs.github.com/rest"
MAX_PULL_FILES = 3000
MAX_ANNOTATIONS = 50
ANNOTATION_LEVELS = {"notice", "warning", "failure"}
CONCLUSIONS = {
    "action_required",
    "cancelled",
    "failure",
    "neutral",
    "success",
    "skipped",
    "stale",
    "timed_out",
}
STATUS_STATES = {"error", "failure", "pending", "success"}
# Personal access tokens, classic and fine-grained: GitHub refuses them check runs.
PAT_PREFIXES = ("ghp_", "github_pat_")
# DER prefix of a SHA-256 DigestInfo, as PKCS#1 v1.5 signatures wrap the digest.
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")

RECORDED_HEADERS = ("accept", "authorization", "user-agent", "x-github-api-version")

IDS = Ids()


def load_state(state):
    """The state to serve (run under the lock), with a new rate-limit window."""
    state = copy.deepcopy(state)
    limit = state.setdefault("rate_limit", {})
    limit.setdefault("limit", 5000)
    limit.setdefault("remaining", limit["limit"])
    limit.setdefault("window_secs", 3600)
    limit["reset"] = math.ceil(time.time() + limit["window_secs"])
    state.setdefault("repos", {})
    ids = []
    for repo in state["repos"].values():
        for comments in repo.get("comments", {}).values():
            ids += [c.get("id", 0) for c in comments]
        ids += [run.get("id", 0) for run in repo.get("check_runs", [])]
    IDS.keep_above(ids)
    return state


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def user():
    return {"login": "reviewgate[bot]", "id": 41898282, "type": "Bot"}


DEFAULT_TOKEN_USER = {"login": "reviewgate-bot", "id": 9001, "type": "User"}


def bearer_token(auth):
    return auth.split(" ", 1)[-1] if auth.startswith(("Bearer ", "token ")) else None


def base_sha(owner_repo, number, pull):
    return pull.get("base_sha") or hashlib.sha1(f"base of {owner_repo}#{number}".encode()).hexdigest()


class GitHub(FakeHandler):
    methods = ("GET", "POST", "PATCH", "DELETE")
    recorded_headers = RECORDED_HEADERS

    def error_body(self, status):
        return {"message": f"fake failure {status}", "documentation_url": DOCS, "status": str(status)}

    def unrecorded(self, method, url, body, raw):
        try:
            json.loads(raw or b"null")
        except ValueError:
            return 400, {"message": "Problems parsing JSON", "documentation_url": DOCS}, {}
        return None

    def api(self, method, url, body, raw):
        status, payload, headers = self.github(method, url, body)
        # After the call: the headers show the budget it left.
        return status, payload, {**self.rate_limit_headers(), **headers}

    def rate_limit_headers(self):
        limit = self.state["rate_limit"]
        return {
            "x-ratelimit-limit": limit["limit"],
            "x-ratelimit-remaining": limit["remaining"],
            "x-ratelimit-reset": limit["reset"],
            "x-ratelimit-used": limit["limit"] - limit["remaining"],
            "x-ratelimit-resource": "core",
        }

    # -- GitHub ---------------------------------------------------------------

    def github(self, method, url, body):
        """(status, payload, extra headers) for one API call; runs under the lock."""
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        auth = self.headers.get("authorization") or ""
        app = self.state.get("app")
        app_route = (
            (len(parts) == 4 and parts[0] == "repos" and parts[3] == "installation")
            or (len(parts) == 4 and parts[:2] == ["app", "installations"] and parts[3] == "access_tokens")
            or parts == ["app"]
        )
        if app_route:
            # App routes take the App's JWT and nothing else.
            problem = jwt_problem(app, auth)
            if problem:
                return 401, {"message": problem, "documentation_url": DOCS}, {}
            return self.app_route(method, parts)
        if not self.token_accepted(auth):
            return 401, {"message": "Bad credentials", "documentation_url": DOCS}, {}

        # The primary limit: a budget per window, refilled at the reset.
        limit = self.state["rate_limit"]
        if time.time() >= limit["reset"]:
            limit["remaining"] = limit["limit"]
            limit["reset"] = math.ceil(time.time() + limit["window_secs"])
        if limit["remaining"] <= 0:
            return (
                403,
                {
                    "message": "API rate limit exceeded for installation ID 1.",
                    "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
                },
                {},
            )
        limit["remaining"] -= 1

        secondary = self.state.get("secondary_rate_limit") or {}
        if secondary.get("times", 0) > 0:
            secondary["times"] -= 1
            return (
                secondary.get("status", 403),
                {
                    "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                },
                {"retry-after": secondary.get("retry_after", 1)},
            )

        fail = self.state.get("fail_next") or {}
        if fail.get("times", 0) > 0:
            fail["times"] -= 1
            return fail.get("status", 502), {"message": "Server Error"}, {}

        query = parse_qs(url.query)
        if parts == ["user"] and method == "GET":
            if self.is_installation_token(auth):
                return (
                    403,
                    {
                        "message": "Resource not accessible by integration",
                        "documentation_url": f"{DOCS}/users/users#get-the-authenticated-user",
                        "status": "403",
                    },
                    {},
                )
            return 200, self.caller(auth), {}
        if len(parts) < 4 or parts[0] != "repos":
            return not_found()
        repo = self.state["repos"].get(f"{parts[1]}/{parts[2]}")
        if repo is None:
            return not_found()
        owner_repo = f"{parts[1]}/{parts[2]}"
        rest = parts[3:]

        if method == "GET" and len(rest) == 2 and rest[0] == "pulls":
            pull = repo.get("pulls", {}).get(rest[1])
            if pull is None:
                return not_found()
            return 200, self.pull_json(owner_repo, repo, rest[1], pull), {}

        if method == "GET" and len(rest) == 3 and rest[0] == "pulls" and rest[2] == "files":
            pull = repo.get("pulls", {}).get(rest[1])
            if pull is None:
                return not_found()
            files = [self.pull_file(owner_repo, pull, f) for f in pull.get("files", [])]
            return self.page(url, query, files[:MAX_PULL_FILES], default_per_page=30)

        if method == "GET" and rest[0] == "contents" and len(rest) >= 2:
            return self.contents(owner_repo, repo, "/".join(rest[1:]), query)

        if rest[0] == "issues" and len(rest) == 3 and rest[2] == "comments":
            number = rest[1]
            if number not in repo.get("pulls", {}) and number not in repo.get("comments", {}):
                return not_found()
            comments = repo.setdefault("comments", {}).setdefault(number, [])
            if method == "GET":
                shown = [self.comment(owner_repo, number, c) for c in comments]
                return self.page(url, query, shown, default_per_page=30)
            if method == "POST":
                problem = body_problem(body)
                if problem:
                    return validation_failed([problem])
                comment = {
                    "id": IDS.new(),
                    "body": body["body"],
                    "user": self.caller(auth),
                    "created_at": now_iso(),
                    "updated_at": now_iso(),
                }
                comments.append(comment)
                return 201, self.comment(owner_repo, number, comment), {}

        if method in ("PATCH", "DELETE") and len(rest) == 3 and rest[:2] == ["issues", "comments"]:
            for number, comments in repo.get("comments", {}).items():
                for comment in comments:
                    if str(comment.get("id")) != rest[2]:
                        continue
                    author = (comment.get("user") or {"login": "someone"}).get("login")
                    if self.is_installation_token(auth) and author != self.caller(auth)["login"]:
                        return (
                            403,
                            {
                                "message": "Resource not accessible by integration",
                                "documentation_url": f"{DOCS}/issues/comments#update-an-issue-comment",
                                "status": "403",
                            },
                            {},
                        )
                    if method == "DELETE":
                        comments.remove(comment)
                        return 204, None, {}
                    problem = body_problem(body)
                    if problem:
                        return validation_failed([problem])
                    comment["body"] = body["body"]
                    comment["updated_at"] = now_iso()
                    return 200, self.comment(owner_repo, number, comment), {}
            return not_found()

        if method == "POST" and rest == ["check-runs"]:
            if auth.split(" ")[-1].startswith(PAT_PREFIXES):
                # Only GitHub Apps (and their installation tokens) may write checks.
                return (
                    403,
                    {
                        "message": "Resource not accessible by personal access token",
                        "documentation_url": f"{DOCS}/checks/runs#create-a-check-run",
                        "status": "403",
                    },
                    {},
                )
            return self.create_check_run(owner_repo, repo, body or {})

        if method == "POST" and len(rest) == 2 and rest[0] == "statuses":
            return self.create_status(repo, rest[1], body or {})

        if method == "PATCH" and len(rest) == 2 and rest[0] == "check-runs":
            for run in repo.get("check_runs", []):
                if str(run["id"]) == rest[1]:
                    return self.update_check_run(owner_repo, run, body or {})
            return not_found()

        return not_found()

    def is_installation_token(self, auth):
        return (bearer_token(auth) or "").startswith("ghs_")

    def caller(self, auth):
        """Who GitHub names as the author of what this token writes: the App's bot
        user for an installation token, else `token_user`."""
        if self.is_installation_token(auth):
            slug = (self.state.get("app") or {}).get("slug", "reviewgate")
            return {"login": f"{slug}[bot]", "id": 41898282, "type": "Bot"}
        return copy.deepcopy(self.state.get("token_user") or DEFAULT_TOKEN_USER)

    def pull_json(self, owner_repo, repo, number, pull):
        branch = repo.get("default_branch", "main")
        return {
            "number": int(number) if number.isdigit() else number,
            "state": pull.get("state", "open"),
            "head": {"sha": pull.get("head_sha", "0" * 40), "ref": pull.get("head_ref", "feature")},
            "base": {"sha": base_sha(owner_repo, number, pull), "ref": pull.get("base_ref", branch)},
            "changed_files": pull.get("changed_files", len(pull.get("files", []))),
        }

    def token_accepted(self, auth):
        """The configured token, or an unexpired installation token the App minted;
        with neither configured, anything."""
        token = self.state.get("token")
        app = self.state.get("app")
        if token is None and app is None:
            return True
        given = auth.split(" ", 1)[-1] if auth.startswith(("Bearer ", "token ")) else None
        if given is None:
            return False
        if token is not None and given == token:
            return True
        expires = (app or {}).get("issued", {}).get(given)
        return expires is not None and time.time() < expires

    def app_route(self, method, parts):
        """GET /app, GET /repos/{o}/{r}/installation and POST
        /app/installations/{id}/access_tokens."""
        app = self.state["app"]
        installations = app.get("installations", {})
        if parts == ["app"] and method == "GET":
            slug = app.get("slug", "reviewgate")
            return 200, {"id": int(app["id"]), "slug": slug, "name": slug}, {}
        if parts[0] == "repos" and method == "GET":
            installation = installations.get(f"{parts[1]}/{parts[2]}")
            if installation is None:
                return not_found()
            return (
                200,
                {
                    "id": installation,
                    "app_id": app["id"],
                    "account": {"login": parts[1]},
                    "repository_selection": "selected",
                    "access_tokens_url": f"/app/installations/{installation}/access_tokens",
                },
                {},
            )
        if parts[0] == "app" and method == "POST":
            if parts[2] not in {str(i) for i in installations.values()}:
                return not_found()
            token = "ghs_" + hashlib.sha256(str(IDS.new()).encode()).hexdigest()[:36]
            expires = time.time() + app.get("token_ttl_secs", 3600)
            app.setdefault("issued", {})[token] = expires
            return (
                201,
                {
                    "token": token,
                    "expires_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
                    "permissions": {"checks": "write", "contents": "read", "pull_requests": "write"},
                    "repository_selection": "selected",
                },
                {},
            )
        return not_found()

    def create_status(self, repo, sha, body):
        """POST /repos/{o}/{r}/statuses/{sha}: kept per sha in `statuses`."""
        if body.get("state") not in STATUS_STATES:
            return validation_failed(
                [{"resource": "Status", "field": "state", "code": "invalid"}]
            )
        status = {
            "id": IDS.new(),
            "state": body["state"],
            "target_url": body.get("target_url"),
            "description": body.get("description"),
            "context": body.get("context") or "default",
            "created_at": now_iso(),
            "creator": user(),
        }
        repo.setdefault("statuses", {}).setdefault(sha, []).append(status)
        return 201, status, {}

    def page(self, url, query, items, default_per_page):
        """One page of `items` with GitHub's Link header."""
        try:
            per_page = min(int(query.get("per_page", [default_per_page])[0]), 100)
            page = max(int(query.get("page", ["1"])[0]), 1)
        except ValueError:
            return 422, {"message": "Invalid page", "documentation_url": DOCS}, {}
        per_page = max(per_page, 1)
        last = max(math.ceil(len(items) / per_page), 1)
        host = self.headers.get("host")

        def link(number):
            params = {k: v[0] for k, v in query.items()}
            params["page"] = number
            return f"<http://{host}{url.path}?{urlencode(params)}>"

        links = []
        if page > 1:
            links += [f'{link(page - 1)}; rel="prev"']
        if page < last:
            links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            links += [f'{link(1)}; rel="first"']
        headers = {"link": ", ".join(links)} if links else {}
        start = (page - 1) * per_page
        return 200, items[start : start + per_page], headers

    def pull_file(self, owner_repo, pull, spec):
        patch = spec.get("patch")
        added = removed = 0
        for line in (patch or "").split("\n"):
            if line.startswith("+"):
                added += 1
            elif line.startswith("-"):
                removed += 1
        name = spec["filename"]
        sha = spec.get("sha") or hashlib.sha1(f"{name}\0{patch}".encode()).hexdigest()
        head = pull.get("head_sha", "0" * 40)
        encoded = quote(name)
        shown = {
            "sha": sha,
            "filename": name,
            "status": spec.get("status", "modified"),
            "additions": spec.get("additions", added),
            "deletions": spec.get("deletions", removed),
            "changes": spec.get("additions", added) + spec.get("deletions", removed),
            "blob_url": f"https://github.com/{owner_repo}/blob/{head}/{encoded}",
            "raw_url": f"https://github.com/{owner_repo}/raw/{head}/{encoded}",
            "contents_url": f"https://api.github.com/repos/{owner_repo}/contents/{encoded}?ref={head}",
        }
        # GitHub leaves `patch` out for binary and oversized diffs.
        if patch is not None:
            shown["patch"] = patch
        if spec.get("previous_filename"):
            shown["previous_filename"] = spec["previous_filename"]
        return shown

    def contents(self, owner_repo, repo, path, query):
        ref = query.get("ref", [repo.get("default_branch", "main")])[0]
        text = repo.get("contents", {}).get(ref, {}).get(path)
        if text is None:
            return not_found()
        data = text.encode()
        if "application/vnd.github.raw" in (self.headers.get("accept") or ""):
            return 200, data, {"content-type": "application/vnd.github.raw; charset=utf-8"}
        sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        api = f"https://api.github.com/repos/{owner_repo}/contents/{quote(path)}?ref={ref}"
        return (
            200,
            {
                "type": "file",
                "encoding": "base64",
                "size": len(data),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": base64.encodebytes(data).decode(),
                "sha": sha,
                "url": api,
                "git_url": f"https://api.github.com/repos/{owner_repo}/git/blobs/{sha}",
                "html_url": f"https://github.com/{owner_repo}/blob/{ref}/{quote(path)}",
                "download_url": f"https://raw.githubusercontent.com/{owner_repo}/{ref}/{quote(path)}",
            },
            {},
        )

    def comment(self, owner_repo, number, comment):
        cid = comment["id"]
        return {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"https://api.github.com/repos/{owner_repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/{owner_repo}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"https://api.github.com/repos/{owner_repo}/issues/{number}",
            "body": comment.get("body"),
            "user": comment.get("user") or {"login": "someone", "id": 1, "type": "User"},
            "created_at": comment.get("created_at", now_iso()),
            "updated_at": comment.get("updated_at", now_iso()),
            "author_association": "NONE",
        }

    def create_check_run(self, owner_repo, repo, body):
        errors = []
        for field in ("name", "head_sha"):
            if not body.get(field):
                errors.append({"resource": "CheckRun", "code": "missing_field", "field": field})
        output = body.get("output")
        errors += output_problems(output, require_text=output is not None)
        if body.get("conclusion") is not None and body["conclusion"] not in CONCLUSIONS:
            errors.append({"resource": "CheckRun", "code": "invalid", "field": "conclusion"})
        if body.get("status") == "completed" and body.get("conclusion") is None:
            errors.append({"resource": "CheckRun", "code": "missing_field", "field": "conclusion"})
        if errors:
            return validation_failed(errors)
        run = {
            "id": IDS.new(),
            "name": body["name"],
            "head_sha": body["head_sha"],
            "status": body.get("status", "queued"),
            "conclusion": body.get("conclusion"),
            "started_at": body.get("started_at", now_iso()),
            "completed_at": body.get("completed_at"),
            "output": {
                "title": (output or {}).get("title"),
                "summary": (output or {}).get("summary"),
                "text": (output or {}).get("text"),
                "annotations": list((output or {}).get("annotations", [])),
            },
        }
        repo.setdefault("check_runs", []).append(run)
        return 201, check_run_json(owner_repo, run), {}

    def update_check_run(self, owner_repo, run, body):
        output = body.get("output")
        errors = output_problems(output, require_text=output is not None)
        if errors:
            return validation_failed(errors)
        for field in ("name", "status", "conclusion", "completed_at"):
            if field in body:
                run[field] = body[field]
        if output is not None:
            run["output"]["title"] = output["title"]
            run["output"]["summary"] = output["summary"]
            # GitHub appends annotations on update instead of replacing them.
            run["output"]["annotations"] += output.get("annotations", [])
        return 200, check_run_json(owner_repo, run), {}


def output_problems(output, require_text):
    if output is None:
        return []
    errors = []
    if require_text:
        for field in ("title", "summary"):
            if not output.get(field):
                errors.append(
                    {"resource": "CheckRun", "code": "missing_field", "field": f"output.{field}"}
                )
    summary = output.get("summary") or ""
    if len(summary) > 65535:
        errors.append(
            {
                "resource": "CheckRun",
                "code": "custom",
                "field": "output.summary",
                "message": "output.summary is too long (maximum is 65535 characters)",
            }
        )
    annotations = output.get("annotations") or []
    if len(annotations) > MAX_ANNOTATIONS:
        errors.append(
            {
                "resource": "CheckRun",
                "code": "custom",
                "field": "output.annotations",
                "message": f"Only {MAX_ANNOTATIONS} annotations are allowed per request ({len(annotations)} sent)",
            }
        )
    for index, note in enumerate(annotations):
        for field in ("path", "start_line", "end_line", "annotation_level", "message"):
            if note.get(field) in (None, ""):
                errors.append(
                    {
                        "resource": "CheckRun",
                        "code": "missing_field",
                        "field": f"output.annotations[{index}].{field}",
                    }
                )
        if note.get("annotation_level") not in ANNOTATION_LEVELS | {None}:
            errors.append(
                {
                    "resource": "CheckRun",
                    "code": "invalid",
                    "field": f"output.annotations[{index}].annotation_level",
                }
            )
    return errors


def check_run_json(owner_repo, run):
    rid = run["id"]
    return {
        "id": rid,
        "node_id": f"CR_{rid}",
        "head_sha": run["head_sha"],
        "external_id": "",
        "url": f"https://api.github.com/repos/{owner_repo}/check-runs/{rid}",
        "html_url": f"https://github.com/{owner_repo}/runs/{rid}",
        "details_url": f"https://github.com/{owner_repo}/runs/{rid}",
        "status": run["status"],
        "conclusion": run["conclusion"],
        "started_at": run["started_at"],
        "completed_at": run["completed_at"],
        "output": {
            "title": run["output"]["title"],
            "summary": run["output"]["summary"],
            "text": run["output"]["text"],
            "annotations_count": len(run["output"]["annotations"]),
            "annotations_url": f"https://api.github.com/repos/{owner_repo}/check-runs/{rid}/annotations",
        },
        "name": run["name"],
        "check_suite": {"id": 1},
        "app": {"id": 1, "slug": "reviewgate", "name": "reviewgate"},
        "pull_requests": [],
    }


def body_problem(body):
    if not isinstance(body, dict) or not isinstance(body.get("body"), str) or not body["body"]:
        return {"resource": "IssueComment", "code": "missing_field", "field": "body"}
    if len(body["body"]) > 65536:
        return {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": "Body is too long (maximum is 65536 characters)",
        }
    return None


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_problem(app, auth):
    """Why `Authorization: Bearer <jwt>` is not this App's valid JWT, or None: an
    RS256 signature by the App's key (checked against its public modulus and
    exponent), `iss` the App id, issued no later than now and expiring within ten
    minutes, as GitHub requires."""
    if app is None:
        return "A JSON web token could not be decoded"
    if not auth.startswith("Bearer "):
        return "A JSON web token could not be decoded"
    try:
        header_b64, claims_b64, signature_b64 = auth[len("Bearer "):].split(".")
        header = json.loads(b64url(header_b64))
        claims = json.loads(b64url(claims_b64))
        signature = int.from_bytes(b64url(signature_b64), "big")
    except (ValueError, TypeError):
        return "A JSON web token could not be decoded"
    if header.get("alg") != "RS256":
        return "A JSON web token could not be decoded"
    modulus = int(app["modulus_hex"], 16)
    exponent = int(app.get("exponent_hex", "010001"), 16)
    size = (modulus.bit_length() + 7) // 8
    digest = hashlib.sha256(f"{header_b64}.{claims_b64}".encode()).digest()
    padding = b"\xff" * (size - 3 - len(SHA256_DIGEST_INFO) - len(digest))
    expected = b"\x00\x01" + padding + b"\x00" + SHA256_DIGEST_INFO + digest
    if signature >= modulus or pow(signature, exponent, modulus).to_bytes(size, "big") != expected:
        return "A JSON web token could not be decoded"
    now = time.time()
    if str(claims.get("iss")) != str(app["id"]):
        return "Integration not found"
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int) or iat > now + 60:
        return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
    if not isinstance(exp, int) or exp <= now or exp - iat > 600:
        return "'Expiration time' claim ('exp') is too far in the future"
    return None


def not_found():
    return 404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, {}


def validation_failed(errors):
    return (
        422,
        {"message": "Validation Failed", "errors": errors, "documentation_url": DOCS, "status": "422"},
        {},
    )


if __name__ == "__main__":
    serve(GitHub, load_state)
