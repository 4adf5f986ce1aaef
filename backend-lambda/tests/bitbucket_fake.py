"""A local stand-in for Bitbucket Cloud's REST API (2.0), for tests.

The client's base URL is http://HOST:PORT/2.0. Speaks Bitbucket's wire format for
the routes a pull-request reviewer uses. Errors are Bitbucket's
{"type": "error", "error": {"message", "fields"?}}; `fields` maps a field to its
problems, e.g. {"title": ["This field is required."]}.

A `{commit}` segment is a full hash or a prefix of 7+ characters of one the
repository knows (its pull requests' source and destination commits, "commits" and
the keys of "src"); an unknown or ambiguous one is 404 "Commit not found". An
unknown repository is 404 "Repository {ws}/{slug} not found", an unknown pull
request 404 "Pull request not found", an unknown route 404 "Resource not found".

Paginated lists are {"pagelen", "size", "page", "values": [...], "previous"?,
"next"?}: `next` (an absolute URL on the host the client called, every query
parameter kept) is left out on the last page, `previous` on the first. `pagelen`
is honoured up to the route's maximum; `page` starts at 1. A pagelen or page that
is not a number: 400 "Invalid pagelen" / "Invalid page".

  GET  /2.0/user    the current user ("user" in the state) with Basic credentials; an
         access token (Bearer) is refused, 401 "Token is invalid or not supported
         for this endpoint.", as Bitbucket refuses its bot user this endpoint

Routes (all under /2.0/repositories/{ws}/{slug}):
  GET  /pullrequests/{id}                   {"id", "state", "source": {"branch",
         "commit": {"hash": 12 characters}}, "destination": {...the same}}
  GET  /pullrequests/{id}/diffstat          paginated (pagelen default and max 500):
         {"type": "diffstat", "status", "lines_added", "lines_removed", "old", "new"}
  GET  /pullrequests/{id}/diff              302, Location: (absolute)
         /2.0/repositories/{ws}/{slug}/diff/{ws}/{slug}:{source[:12]}%0D{dest[:12]}
         ?from_pullrequest_id={id}&topic=true
  GET  /diff/{ws}/{slug}:{source}%0D{dest}  the pull request's diff, text/plain (the
         pull request named by from_pullrequest_id, else the one with these commits);
         both calls are recorded
  GET  /commit/{commit}                     {"type": "commit", "hash", "date",
         "message", "author", "parents", "links"}
  GET  /src/{commit}/{path...}              the file as text/plain; missing: 404
         "No such file or directory: {path}"
  GET  /pullrequests/{id}/comments          paginated (pagelen default 10, max 100),
         oldest first
  POST /pullrequests/{id}/comments          {"content": {"raw"}} -> 201 comment
  PUT  /pullrequests/{id}/comments/{cid}    {"content": {"raw"}} -> 200 comment
         (no or an empty raw: 400 with fields {"content.raw": [...]}; unknown: 404;
         another user's comment: 403 "You can only edit your own comments.")
  DELETE /pullrequests/{id}/comments/{cid}  -> 204, the comment kept with "deleted":
         true, as Bitbucket does; another user's: 403
  GET  /commit/{commit}/reports/{report_id} -> 200 report, or 404 "Report not found"
  PUT  /commit/{commit}/reports/{report_id} {"title" (required), "details" (<= 2000
         characters), "report_type" (SECURITY, COVERAGE, TEST or BUG; required),
         "reporter", "result" (PASSED, FAILED or PENDING), "link", "logo_url",
         "data": [{"title", "type", "value"}] (<= 10; type BOOLEAN, DATE, DURATION,
         LINK, NUMBER, PERCENTAGE or TEXT)} -> 200 report with "uuid", "external_id"
         (= report_id), "created_on", "updated_on"; a violation is 400 with fields.
         Replacing a report keeps its uuid, created_on and annotations.
  DELETE /commit/{commit}/reports/{report_id}  -> 204, its annotations with it;
         unknown: 404 "Report not found"
  GET  /commit/{commit}/reports/{report_id}/annotations  paginated (pagelen default
         and max 100)
  POST /commit/{commit}/reports/{report_id}/annotations  a JSON array of at most 100
         {"external_id" (required), "annotation_type" (VULNERABILITY, CODE_SMELL or
         BUG; required), "summary" (required, <= 450 characters), "details", "path",
         "line" (>= 1), "severity" (CRITICAL, HIGH, MEDIUM or LOW), "result" (PASSED,
         FAILED, SKIPPED or IGNORED), "link"} -> 200 the array as stored (with
         "uuid"); created or updated by external_id. More than 100 in the request,
         more than 1000 on the report, or a bad item: 400 (nothing is stored); an
         unknown report: 404.
  POST /commit/{commit}/statuses/build      {"key", "state" (SUCCESSFUL, FAILED,
         INPROGRESS or STOPPED), "url" (all three required), "name", "description",
         "refname"} -> 201 for a new key, 200 when it replaces that key's status

Checks run in this order: credentials, rate limit, fail_next, the route.

Usage: python3 bitbucket_fake.py HOST PORT STATE.json

State (JSON; every key optional):

  {
    "token": "t0ken",            # `Authorization: Bearer t0ken` is accepted
    "basic": {"username": "bot", "password": "app-password"},
                                 # `Authorization: Basic base64(bot:app-password)` is
                                 # accepted. With neither set any credentials pass;
                                 # else a wrong Bearer token is 401 "Access token
                                 # expired.", anything else 401 "Invalid credentials"
    "rate_limit": {
      "remaining": 1000,         # calls left; at 0 the answer is 429 "Rate limit for
                                 # this resource has been exceeded". Absent: no limit
      "retry_after": null,       # seconds: sent as Retry-After with the 429 (Bitbucket
                                 # sends none, so by default there is none)
      "window_secs": null,       # when set, the budget refills to `limit` this long
      "limit": 1000              # after it was loaded or last refilled (default: the
    },                           # first `remaining`)
    "fail_next": {"times": 0, "status": 502},
                                 # the next `times` calls get this status
    "user": {"display_name": "reviewgate", "uuid": "{...}", "account_id": "..."},
                                 # the author of comments the client makes
    "repositories": {
      "ws/slug": {
        "pullrequests": {
          "5": {
            "source_commit": "<40 hex>",
            "destination_commit": "<40 hex>",   # default: derived from the id
            "diffstat": [        # defaults: status "modified", lines 0, "old" = "new"
                                 # for a modified file, the "type"s filled in
              {"status": "modified", "lines_added": 1, "lines_removed": 1,
               "old": {"path": "main.tf"}, "new": {"path": "main.tf"}}
            ],
            "diff": "diff --git a/main.tf b/main.tf\\n..."
          }
        },
        "commits": ["<40 hex>"],
        "src": {"<40 hex>": {"<path>": "<text>"}},
        "comments": {"5": [{"id": 1, "content": {"raw": "..."},
                            "user": {"display_name": "dev"}}]},
        "reports": {"<40 hex>": {"<report_id>": {"title": "...", "report_type": "BUG",
                                                 "annotations": [{...}]}}},
        "statuses": {"<40 hex>": {"<key>": {"state": "SUCCESSFUL", "url": "..."}}}
      }                          # reports and statuses are filled by the client
    }
  }

Comment ids come from one counter starting at 1000 (or above the largest in the
state).

Test routes (not recorded): see fake_base.py. Recorded headers: authorization,
user-agent, accept, content-type.
"""

import base64
import copy
import hashlib
import html
import math
import time
import uuid
from urllib.parse import parse_qs, quote, unquote, urlencode

from fake_base import FakeHandler, Ids, serve

REPORT_TYPES = {"SECURITY", "COVERAGE", "TEST", "BUG"}
REPORT_RESULTS = {"PASSED", "FAILED", "PENDING"}
DATA_TYPES = {"BOOLEAN", "DATE", "DURATION", "LINK", "NUMBER", "PERCENTAGE", "TEXT"}
ANNOTATION_TYPES = {"VULNERABILITY", "CODE_SMELL", "BUG"}
SEVERITIES = {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
ANNOTATION_RESULTS = {"PASSED", "FAILED", "SKIPPED", "IGNORED"}
BUILD_STATES = {"SUCCESSFUL", "FAILED", "INPROGRESS", "STOPPED"}
MAX_DETAILS = 2000
MAX_DATA = 10
MAX_SUMMARY = 450
MAX_ANNOTATIONS_PER_REQUEST = 100
MAX_ANNOTATIONS_PER_REPORT = 1000
REQUIRED = "This field is required."

IDS = Ids()


def load_state(state):
    state = copy.deepcopy(state)
    limit = state.get("rate_limit")
    if limit is not None:
        limit.setdefault("remaining", 1000)
        limit.setdefault("limit", limit["remaining"])
        limit.setdefault("retry_after", None)
        limit.setdefault("window_secs", None)
        if limit["window_secs"] is not None:
            limit["reset"] = math.ceil(time.time() + limit["window_secs"])
    state.setdefault("fail_next", {"times": 0, "status": 502})
    state.setdefault(
        "user",
        {
            "display_name": "reviewgate",
            "uuid": "{00000000-0000-4000-8000-000000000001}",
            "account_id": "557058:reviewgate",
            "type": "user",
        },
    )
    state.setdefault("repositories", {})
    ids = []
    for repo in state["repositories"].values():
        for comments in repo.get("comments", {}).values():
            ids += [c.get("id", 0) for c in comments]
    IDS.keep_above(ids)
    return state


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


def new_uuid():
    return "{" + str(uuid.uuid4()) + "}"


def error(status, message, fields=None):
    body = {"type": "error", "error": {"message": message}}
    if fields:
        body["error"]["fields"] = fields
    return status, body, {}


def bad_request(fields):
    return error(400, "Bad request", fields)


def destination_commit(repo_key, pr_id, pr):
    return (
        pr.get("destination_commit")
        or hashlib.sha1(f"destination of {repo_key}#{pr_id}".encode()).hexdigest()
    )


class Bitbucket(FakeHandler):
    recorded_headers = ("authorization", "user-agent", "accept", "content-type")
    fake_not_found = {"type": "error", "error": {"message": "Resource not found"}}

    def api(self, method, url, body, raw):
        refused = self.credentials_problem()
        if refused:
            return refused

        limit = self.state.get("rate_limit")
        if limit is not None:
            if limit.get("window_secs") is not None and time.time() >= limit["reset"]:
                limit["remaining"] = limit["limit"]
                limit["reset"] = math.ceil(time.time() + limit["window_secs"])
            if limit["remaining"] <= 0:
                status, payload, _ = error(
                    429, "Rate limit for this resource has been exceeded"
                )
                headers = {}
                if limit.get("retry_after") is not None:
                    headers["Retry-After"] = limit["retry_after"]
                return status, payload, headers
            limit["remaining"] -= 1

        fail = self.state["fail_next"]
        if fail.get("times", 0) > 0:
            fail["times"] -= 1
            return error(fail.get("status", 502), "Something went wrong")

        return self.route(method, url, body)

    def credentials_problem(self):
        token = self.state.get("token")
        basic = self.state.get("basic")
        if token is None and basic is None:
            return None
        auth = self.headers.get("authorization") or ""
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer":
            if token is not None and value == token:
                return None
            return error(401, "Access token expired.")
        if scheme.lower() == "basic" and basic is not None:
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                user = password = None
            if user == basic.get("username") and password == basic.get("password"):
                return None
        return error(401, "Invalid credentials")

    def error_body(self, status):
        return {"type": "error", "error": {"message": f"Fake failure {status}"}}

    def route(self, method, url, body):
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        if parts == ["2.0", "user"] and method == "GET":
            scheme = (self.headers.get("authorization") or "").partition(" ")[0]
            if scheme.lower() == "bearer":
                return error(401, "Token is invalid or not supported for this endpoint.")
            shown = {"type": "user", "display_name": "Someone"}
            shown.update(self.state["user"])
            return 200, shown, {}
        if parts[:2] != ["2.0", "repositories"] or len(parts) < 5:
            return error(404, "Resource not found")
        ws, slug = parts[2], parts[3]
        repo_key, repo = self.repository(ws, slug)
        if repo is None:
            return error(404, f"Repository {ws}/{slug} not found")
        rest = parts[4:]
        query = parse_qs(url.query)

        if method == "GET" and rest[0] == "pullrequests" and len(rest) == 2:
            pr = repo.get("pullrequests", {}).get(rest[1])
            if pr is None:
                return error(404, "Pull request not found")
            return 200, pullrequest_json(repo_key, rest[1], pr), {}

        if rest[0] == "pullrequests" and len(rest) >= 3:
            pr_id = rest[1]
            pr = repo.get("pullrequests", {}).get(pr_id)
            if pr is None:
                return error(404, "Pull request not found")
            if method == "GET" and rest[2:] == ["diffstat"]:
                entries = [diffstat_json(e) for e in pr.get("diffstat", [])]
                return self.page(url, query, entries, default=500, maximum=500)
            if method == "GET" and rest[2:] == ["diff"]:
                src = pr["source_commit"][:12]
                dst = destination_commit(repo_key, pr_id, pr)[:12]
                w, s = quote(ws, safe=""), quote(slug, safe="")
                location = (
                    f"http://{self.headers.get('host')}/2.0/repositories/{w}/{s}/diff/"
                    f"{w}/{s}:{src}%0D{dst}?from_pullrequest_id={pr_id}&topic=true"
                )
                return 302, None, {"Location": location}
            if rest[2] == "comments":
                return self.comments(method, repo_key, repo, pr_id, rest[3:], query, url, body)

        if method == "GET" and rest[0] == "diff" and len(rest) >= 2:
            return self.diff(repo_key, repo, "/".join(rest[1:]), query)

        if rest[0] == "commit" and len(rest) >= 2:
            full = self.commit(repo_key, repo, rest[1])
            if full is None:
                return error(404, "Commit not found")
            tail = rest[2:]
            if method == "GET" and not tail:
                return 200, commit_json(ws, slug, full), {}
            if len(tail) >= 2 and tail[0] == "reports":
                return self.reports(method, repo, full, tail[1], tail[2:], query, url, body)
            if method == "POST" and tail == ["statuses", "build"]:
                return self.build_status(repo, ws, slug, full, body)

        if method == "GET" and rest[0] == "src" and len(rest) >= 3:
            full = self.commit(repo_key, repo, rest[1])
            if full is None:
                return error(404, "Commit not found")
            path = "/".join(rest[2:])
            text = repo.get("src", {}).get(full, {}).get(path)
            if text is None:
                return error(404, f"No such file or directory: {path}")
            return 200, text, {}

        return error(404, "Resource not found")

    # -- lookups ----------------------------------------------------------------

    def repository(self, ws, slug):
        wanted = f"{ws}/{slug}".lower()
        for key, repo in self.state["repositories"].items():
            if key.lower() == wanted:
                return key, repo
        return None, None

    def known_commits(self, repo_key, repo):
        known = set(repo.get("commits", [])) | set(repo.get("src", {}))
        for pr_id, pr in repo.get("pullrequests", {}).items():
            if pr.get("source_commit"):
                known.add(pr["source_commit"])
            known.add(destination_commit(repo_key, pr_id, pr))
        return known

    def commit(self, repo_key, repo, prefix):
        if len(prefix) < 7:
            return None
        found = [c for c in self.known_commits(repo_key, repo) if c.startswith(prefix)]
        return found[0] if len(found) == 1 else None

    # -- lists --------------------------------------------------------------------

    def page(self, url, query, items, default, maximum):
        try:
            pagelen = int(query.get("pagelen", [default])[0])
        except ValueError:
            return error(400, "Invalid pagelen")
        try:
            page = int(query.get("page", ["1"])[0])
        except ValueError:
            return error(400, "Invalid page")
        pagelen = min(max(pagelen, 1), maximum)
        page = max(page, 1)
        base = f"http://{self.headers.get('host')}{url.path}"

        def link(number):
            params = {k: v[0] for k, v in query.items()}
            params["page"] = number
            return f"{base}?{urlencode(params)}"

        start = (page - 1) * pagelen
        body = {
            "pagelen": pagelen,
            "size": len(items),
            "page": page,
            "values": items[start : start + pagelen],
        }
        if page > 1:
            body["previous"] = link(page - 1)
        if start + pagelen < len(items):
            body["next"] = link(page + 1)
        return 200, body, {}

    # -- routes -------------------------------------------------------------------

    def diff(self, repo_key, repo, spec, query):
        # `{ws}/{slug}:{source}\r{dest}`: the repository part names the source
        # repository (a fork's, for a fork's pull request).
        commits = spec.rsplit(":", 1)[-1]
        source, _, dest = commits.replace("..", "\r").partition("\r")
        wanted = query.get("from_pullrequest_id", [None])[0]
        for pr_id, pr in repo.get("pullrequests", {}).items():
            if wanted is not None and pr_id != wanted:
                continue
            dst = destination_commit(repo_key, pr_id, pr)
            if (
                len(source) >= 7
                and pr.get("source_commit", "").startswith(source)
                and (not dest or (len(dest) >= 7 and dst.startswith(dest)))
            ):
                return 200, pr.get("diff", ""), {}
        return error(404, "Commit not found")

    def comments(self, method, repo_key, repo, pr_id, tail, query, url, body):
        comments = repo.setdefault("comments", {}).setdefault(pr_id, [])
        ws, slug = repo_key.split("/", 1)
        if method == "GET" and not tail:
            shown = [comment_json(ws, slug, pr_id, c) for c in comments]
            return self.page(url, query, shown, default=10, maximum=100)
        if method == "POST" and not tail:
            raw = comment_raw(body)
            if raw is None:
                return bad_request({"content.raw": [REQUIRED]})
            comment = {
                "id": IDS.new(),
                "content": {"raw": raw},
                "user": copy.deepcopy(self.state["user"]),
                "created_on": now_iso(),
                "updated_on": now_iso(),
            }
            comments.append(comment)
            return 201, comment_json(ws, slug, pr_id, comment), {}
        if len(tail) == 1 and method in ("GET", "PUT", "DELETE"):
            for comment in comments:
                if str(comment.get("id")) == tail[0]:
                    own = self.state["user"].get("uuid")
                    if method != "GET" and (comment.get("user") or {}).get("uuid") != own:
                        return error(403, "You can only edit your own comments.")
                    if method == "DELETE":
                        comment["deleted"] = True
                        return 204, None, {}
                    if method == "PUT":
                        raw = comment_raw(body)
                        if raw is None:
                            return bad_request({"content.raw": [REQUIRED]})
                        comment["content"] = {"raw": raw}
                        comment["updated_on"] = now_iso()
                    return 200, comment_json(ws, slug, pr_id, comment), {}
            return error(404, "Comment not found")
        return error(404, "Resource not found")

    def reports(self, method, repo, full, report_id, tail, query, url, body):
        reports = repo.setdefault("reports", {}).setdefault(full, {})
        report = reports.get(report_id)
        if not tail:
            if method == "GET":
                if report is None:
                    return error(404, "Report not found")
                return 200, report_json(full, report_id, report), {}
            if method == "PUT":
                fields = report_problems(body)
                if fields:
                    return bad_request(fields)
                kept = report or {"uuid": new_uuid(), "created_on": now_iso(), "annotations": []}
                stored = {
                    k: body[k]
                    for k in ("title", "details", "report_type", "reporter", "result",
                              "link", "logo_url", "data")
                    if body.get(k) is not None
                }
                stored.update(
                    uuid=kept.get("uuid") or new_uuid(),
                    created_on=kept.get("created_on") or now_iso(),
                    updated_on=now_iso(),
                    annotations=kept.get("annotations", []),
                )
                reports[report_id] = stored
                return 200, report_json(full, report_id, stored), {}
            if method == "DELETE":
                if report is None:
                    return error(404, "Report not found")
                del reports[report_id]
                return 204, None, {}
        if tail == ["annotations"] and method in ("GET", "POST"):
            if report is None:
                return error(404, "Report not found")
            annotations = report.setdefault("annotations", [])
            if method == "GET":
                shown = [annotation_json(a) for a in annotations]
                return self.page(url, query, shown, default=100, maximum=100)
            return self.add_annotations(annotations, body)
        return error(404, "Resource not found")

    def add_annotations(self, annotations, body):
        if not isinstance(body, list):
            return bad_request({"annotations": ["Expected a list of annotations."]})
        if len(body) > MAX_ANNOTATIONS_PER_REQUEST:
            most = MAX_ANNOTATIONS_PER_REQUEST
            return bad_request(
                {"annotations": [f"Ensure this field has no more than {most} elements."]}
            )
        fields = {}
        for index, item in enumerate(body):
            for field, problems in annotation_problems(item).items():
                fields[f"[{index}].{field}"] = problems
        if fields:
            return bad_request(fields)
        by_id = {a["external_id"]: a for a in annotations}
        new_ids = {item["external_id"] for item in body} - set(by_id)
        if len(by_id) + len(new_ids) > MAX_ANNOTATIONS_PER_REPORT:
            return error(
                400,
                f"A report can have at most {MAX_ANNOTATIONS_PER_REPORT} annotations.",
            )
        stored = []
        for item in body:
            annotation = by_id.get(item["external_id"])
            if annotation is None:
                annotation = {"uuid": new_uuid(), "created_on": now_iso()}
                annotations.append(annotation)
                by_id[item["external_id"]] = annotation
            for key in ("external_id", "annotation_type", "summary", "details", "path",
                        "line", "severity", "result", "link"):
                if key in item:
                    annotation[key] = item[key]
            annotation["updated_on"] = now_iso()
            stored.append(annotation_json(annotation))
        return 200, stored, {}

    def build_status(self, repo, ws, slug, full, body):
        body = body if isinstance(body, dict) else {}
        fields = {}
        for field in ("key", "state", "url"):
            if not isinstance(body.get(field), str) or not body[field]:
                fields[field] = [REQUIRED]
        if "state" not in fields and body["state"] not in BUILD_STATES:
            fields["state"] = [f"\"{body['state']}\" is not a valid choice."]
        if fields:
            return bad_request(fields)
        statuses = repo.setdefault("statuses", {}).setdefault(full, {})
        old = statuses.get(body["key"])
        status = {
            "uuid": old["uuid"] if old and old.get("uuid") else new_uuid(),
            "key": body["key"],
            "state": body["state"],
            "url": body["url"],
            "name": body.get("name"),
            "description": body.get("description"),
            "refname": body.get("refname"),
            "created_on": old.get("created_on", now_iso()) if old else now_iso(),
            "updated_on": now_iso(),
        }
        statuses[body["key"]] = status
        shown = {
            "type": "build",
            **status,
            "commit": {"type": "commit", "hash": full},
            "links": {
                "self": {
                    "href": f"https://api.bitbucket.org/2.0/repositories/{ws}/{slug}"
                    f"/commit/{full}/statuses/build/{quote(body['key'], safe='')}"
                },
                "commit": {
                    "href": f"https://api.bitbucket.org/2.0/repositories/{ws}/{slug}/commit/{full}"
                },
            },
        }
        return (200 if old else 201), shown, {}


def comment_raw(body):
    content = body.get("content") if isinstance(body, dict) else None
    raw = content.get("raw") if isinstance(content, dict) else None
    return raw if isinstance(raw, str) and raw.strip() else None


def comment_json(ws, slug, pr_id, comment):
    cid = comment["id"]
    raw = (comment.get("content") or {}).get("raw", "")
    user = {"display_name": "Someone", "type": "user"}
    user.update(comment.get("user") or {})
    created = comment.get("created_on", "2026-01-01T00:00:00.000000+00:00")
    shown = {
        "id": cid,
        "type": "pullrequest_comment",
        "content": {
            "raw": raw,
            "markup": "markdown",
            "html": f"<p>{html.escape(raw)}</p>",
            "type": "rendered",
        },
        "deleted": comment.get("deleted", False),
        "user": user,
        "created_on": created,
        "updated_on": comment.get("updated_on", created),
        "pullrequest": {"type": "pullrequest", "id": int(pr_id) if pr_id.isdigit() else pr_id},
        "links": {
            "self": {
                "href": f"https://api.bitbucket.org/2.0/repositories/{ws}/{slug}"
                f"/pullrequests/{pr_id}/comments/{cid}"
            },
            "html": {
                "href": f"https://bitbucket.org/{ws}/{slug}/pull-requests/{pr_id}#comment-{cid}"
            },
        },
    }
    for key in ("inline", "parent"):
        if key in comment:
            shown[key] = comment[key]
    return shown


def pullrequest_json(repo_key, pr_id, pr):
    def side(commit, branch):
        return {"branch": {"name": branch}, "commit": {"type": "commit", "hash": commit[:12]},
                "repository": {"full_name": repo_key, "type": "repository"}}

    return {
        "type": "pullrequest",
        "id": int(pr_id) if pr_id.isdigit() else pr_id,
        "state": pr.get("state", "OPEN"),
        "source": side(pr.get("source_commit", "0" * 40), pr.get("source_branch", "feature")),
        "destination": side(
            destination_commit(repo_key, pr_id, pr), pr.get("destination_branch", "main")
        ),
    }


def commit_json(ws, slug, full):
    api = f"https://api.bitbucket.org/2.0/repositories/{ws}/{slug}"
    return {
        "type": "commit",
        "hash": full,
        "date": "2026-01-01T00:00:00+00:00",
        "message": f"commit {full[:12]}\n",
        "author": {"type": "author", "raw": "Someone <someone@example.com>"},
        "parents": [],
        "links": {
            "self": {"href": f"{api}/commit/{full}"},
            "html": {"href": f"https://bitbucket.org/{ws}/{slug}/commits/{full}"},
        },
    }


def diffstat_json(entry):
    status = entry.get("status", "modified")
    old = entry.get("old")
    new = entry.get("new")
    if status == "modified" and old is None and new is not None:
        old = new
    shown = {
        "type": "diffstat",
        "status": status,
        "lines_added": entry.get("lines_added", 0),
        "lines_removed": entry.get("lines_removed", 0),
        "old": file_json(old),
        "new": file_json(new),
    }
    return shown


def file_json(spec):
    if spec is None:
        return None
    path = spec["path"]
    return {"path": path, "type": "commit_file", "escaped_path": spec.get("escaped_path", path)}


def report_problems(body):
    if not isinstance(body, dict):
        return {"title": [REQUIRED], "report_type": [REQUIRED]}
    fields = {}
    if not isinstance(body.get("title"), str) or not body["title"]:
        fields["title"] = [REQUIRED]
    if body.get("report_type") is None:
        fields["report_type"] = [REQUIRED]
    elif body["report_type"] not in REPORT_TYPES:
        fields["report_type"] = [f"\"{body['report_type']}\" is not a valid choice."]
    details = body.get("details")
    if details is not None and (not isinstance(details, str) or len(details) > MAX_DETAILS):
        fields["details"] = [f"Ensure this field has no more than {MAX_DETAILS} characters."]
    if body.get("result") is not None and body["result"] not in REPORT_RESULTS:
        fields["result"] = [f"\"{body['result']}\" is not a valid choice."]
    data = body.get("data")
    if data is not None:
        if not isinstance(data, list):
            fields["data"] = ["Expected a list."]
        elif len(data) > MAX_DATA:
            fields["data"] = [f"Ensure this field has no more than {MAX_DATA} elements."]
        else:
            for index, item in enumerate(data):
                item = item if isinstance(item, dict) else {}
                for key in ("title", "type", "value"):
                    if item.get(key) is None:
                        fields[f"data[{index}].{key}"] = [REQUIRED]
                if item.get("type") is not None and item["type"] not in DATA_TYPES:
                    fields[f"data[{index}].type"] = [f"\"{item['type']}\" is not a valid choice."]
    return fields


def report_json(full, report_id, report):
    shown = {"type": "report", "external_id": report_id, "commit_hash": full}
    shown.update({k: v for k, v in report.items() if k != "annotations"})
    return shown


def annotation_problems(item):
    if not isinstance(item, dict):
        return {"external_id": [REQUIRED]}
    fields = {}
    for key in ("external_id", "annotation_type", "summary"):
        if not isinstance(item.get(key), str) or not item[key]:
            fields[key] = [REQUIRED]
    if "annotation_type" not in fields and item["annotation_type"] not in ANNOTATION_TYPES:
        fields["annotation_type"] = [f"\"{item['annotation_type']}\" is not a valid choice."]
    if "summary" not in fields and len(item["summary"]) > MAX_SUMMARY:
        fields["summary"] = [f"Ensure this field has no more than {MAX_SUMMARY} characters."]
    line = item.get("line")
    if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 1):
        fields["line"] = ["Ensure this value is greater than or equal to 1."]
    if item.get("severity") is not None and item["severity"] not in SEVERITIES:
        fields["severity"] = [f"\"{item['severity']}\" is not a valid choice."]
    if item.get("result") is not None and item["result"] not in ANNOTATION_RESULTS:
        fields["result"] = [f"\"{item['result']}\" is not a valid choice."]
    return fields


def annotation_json(annotation):
    return {"type": "report_annotation", **annotation}


if __name__ == "__main__":
    serve(Bitbucket, load_state)
