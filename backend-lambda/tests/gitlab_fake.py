"""A local stand-in for GitLab's REST API (v4), for tests.

The client's base URL is http://HOST:PORT/api/v4. Speaks GitLab's wire format for
the routes a merge-request reviewer uses. `:id` is a project's numeric id or its
URL-encoded path (`group%2Fsub%2Fproj`, %2F in either case; the path matches
case-insensitively, as on GitLab); an unknown project is 404 {"message": "404
Project Not Found"}.

  GET  /api/v4/user     the token's user ("user" in the state)
  GET  /api/v4/projects/:id/merge_requests/:iid           the merge request: iid,
         sha (its head), diff_refs {base_sha, start_sha, head_sha}, changes_count (a
         string, "1000+" past 1000), overflow
  GET  /api/v4/projects/:id/merge_requests/:iid/diffs     paginated (per_page
         default 20, max 100): [{"old_path", "new_path", "a_mode", "b_mode", "diff",
         "new_file", "renamed_file", "deleted_file", "generated_file", "collapsed",
         "too_large"}]; an unknown MR is 404 {"message": "404 Not found"}
  GET  /api/v4/projects/:id/repository/files/:file_path/raw?ref=REF
         the file as text/plain; `:file_path` is one segment (slashes as %2F). No ref:
         400 {"error": "ref is missing"}; no such file: 404 {"message": "404 File Not
         Found"}
  GET  /api/v4/projects/:id/merge_requests/:iid/notes     paginated (per_page default
         20, max 100), newest first (by id, descending)
  POST /api/v4/projects/:id/merge_requests/:iid/notes     {"body"} -> 201 note. No or
         an empty body: 400 {"message": "400 Bad request - body is missing"}; over
         1,000,000 characters: 400 {"message": {"note": ["is too long (maximum is
         1000000 characters)"]}}
  PUT  /api/v4/projects/:id/merge_requests/:iid/notes/:note_id  {"body"} -> 200 note;
         an unknown note is 404 {"message": "404 Not found"}; a note another user
         wrote is 403 {"message": "403 Forbidden"} (only its author edits a note)
  POST /api/v4/projects/:id/statuses/:sha   state, name (or context; default
         "default"), description (cut to 255 characters), target_url, ref, coverage,
         in the JSON body, a form body or the query -> 201 status. A state other than
         pending, running, success, failed, canceled, skipped: 400 {"error": "state
         does not have a valid value"}.
         As GitLab does, the latest status of the same sha, name and ref is updated in
         place while it is pending or running (same id); otherwise a new status is
         added. The update follows GitLab's state machine, so repeating `pending` or
         `running`, or `pending`/`skipped` after `running`, is 400 {"message": "Cannot
         transition status via :enqueue from :pending (Reason(s): Status cannot
         transition via \"enqueue\")"} (events: pending enqueue, running run, success
         success, failed drop, canceled cancel, skipped skip). A finished status
         (success, failed, canceled, skipped) is never updated: posting any state
         again adds a new status.

Pagination headers, as GitLab's offset pagination sends them: Link (rel="prev",
"next", "first", "last"; absolute URLs on the host the client called, with every
query parameter plus page and per_page), X-Page, X-Per-Page, X-Total, X-Total-Pages
(at least 1), X-Next-Page, X-Prev-Page (empty when there is none). per_page above 100
is 100; a page or per_page that is not a number: 400 {"error": "page is invalid"}.

Every answer carries RateLimit-Limit, RateLimit-Observed (requests in this window),
RateLimit-Remaining, RateLimit-Reset (Unix seconds) and RateLimit-ResetTime (an HTTP
date). Each API call counts, whatever its answer. Past the limit the answer is 429
with Retry-After (whole seconds to the reset) and GitLab's throttle body, the
text/plain "Retry later\\n". An unknown route is 404 {"error": "404 Not Found"}.

Checks run in this order: rate limit, credentials, fail_next, the route.

Usage: python3 gitlab_fake.py HOST PORT STATE.json

State (JSON; every key optional):

  {
    "token": "glpat-t0ken",      # requests must send `PRIVATE-TOKEN: glpat-t0ken` or
                                 # `Authorization: Bearer glpat-t0ken`, else 401
                                 # {"message": "401 Unauthorized"}; null accepts any
    "rate_limit": {
      "limit": 2000,             # requests per window
      "remaining": 2000,         # left now; 0 = the next call is refused
      "window_secs": 60          # the reset is this far ahead; then the budget is full
    },                           # ("observed" and "reset" are derived: do not set)
    "fail_next": {"times": 0, "status": 502},
                                 # the next `times` calls get this status
    "user": {"id": 1, "username": "reviewgate-bot", "name": "reviewgate"},
                                 # the author of notes and statuses the client makes
    "projects": {
      "group/sub/proj": {
        "id": 42,
        "default_branch": "main",  # a status posted without ref gets the ref of the
                                   # sha's earlier statuses, else this
        "commits": ["<40 hex>"],   # optional: when given, a status for another sha is
                                   # 404 {"message": "404 Commit Not Found"}; a prefix
                                   # of 7+ characters names its commit
        "merge_requests": {
          "3": {
            "head_sha": "<40 hex>",    # default: the last of "commits", else derived
            "base_sha": "<40 hex>",    # default: derived from the project and iid;
                                       # null: diff_refs is null (not computed yet)
            "overflow": false,
            "diffs": [           # only new_path (or old_path) is needed; defaults:
                                 # old_path = new_path, modes "100644" ("0" for the
                                 # missing side of a new or deleted file), diff "",
                                 # renamed_file = (old_path != new_path), others false
              {"new_path": "main.tf", "diff": "@@ -1 +1 @@\\n-a\\n+b\\n"}
            ]
          }
        },
        "files": {"<ref>": {"<path>": "<text>"}},
        "notes": {"3": [{"id": 1, "body": "...", "author": {"username": "dev"},
                         "system": false}]},
        "statuses": []           # filled by POST, oldest first
      }
    }
  }

Notes and statuses the client creates are added to the state; ids come from one
counter starting at 1000 (or above the largest id in the state).

Test routes (not recorded): see fake_base.py. Recorded headers: private-token (its
value: tests check what was sent), authorization, user-agent, accept, content-type.
"""

import copy
import hashlib
import math
import time
from email.utils import formatdate
from urllib.parse import parse_qs, unquote, urlencode

from fake_base import FakeHandler, Ids, serve

MAX_PER_PAGE = 100
MAX_NOTE_CHARS = 1_000_000
MAX_DESCRIPTION_CHARS = 255
STATES = ("pending", "running", "success", "failed", "canceled", "skipped")
# The state machine event each posted state fires, and where that event may start,
# as in GitLab's CommitStatus. A new status starts at "created".
EVENTS = {
    "pending": "enqueue",
    "running": "run",
    "success": "success",
    "failed": "drop",
    "canceled": "cancel",
    "skipped": "skip",
}
FROM = {
    "enqueue": {"created", "skipped"},
    "run": {"pending"},
    "success": {"created", "pending", "running"},
    "drop": {"created", "pending", "running"},
    "cancel": {"created", "pending", "running"},
    "skip": {"created", "pending"},
}
ACTIVE = {"pending", "running"}

IDS = Ids()


def load_state(state):
    state = copy.deepcopy(state)
    limit = state.setdefault("rate_limit", {})
    limit.setdefault("limit", 2000)
    limit.setdefault("remaining", limit["limit"])
    limit.setdefault("window_secs", 60)
    # Derived from what the test set, so a state read, edited and posted back
    # means what it says.
    limit["observed"] = limit["limit"] - limit["remaining"]
    limit["reset"] = math.ceil(time.time() + limit["window_secs"])
    state.setdefault("fail_next", {"times": 0, "status": 502})
    state.setdefault("user", {"id": 1, "username": "reviewgate-bot", "name": "reviewgate"})
    state.setdefault("projects", {})
    ids = []
    for project in state["projects"].values():
        for notes in project.get("notes", {}).values():
            ids += [n.get("id", 0) for n in notes]
        ids += [s.get("id", 0) for s in project.get("statuses", [])]
    IDS.keep_above(ids)
    return state


def now_iso():
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def not_found(what="Not found"):
    return 404, {"message": f"404 {what}"}, {}


def route_not_found():
    return 404, {"error": "404 Not Found"}, {}


class GitLab(FakeHandler):
    recorded_headers = ("private-token", "authorization", "user-agent", "accept", "content-type")
    json_content_type = "application/json"
    fake_not_found = {"error": "404 Not Found"}

    def error_body(self, status):
        return {"message": f"{status} Fake failure"}

    def api(self, method, url, body, raw):
        limit = self.state["rate_limit"]
        now = time.time()
        if now >= limit["reset"]:
            limit["observed"] = 0
            limit["reset"] = math.ceil(now + limit["window_secs"])
        limit["observed"] += 1
        limit["remaining"] = max(limit["limit"] - limit["observed"], 0)
        headers = {
            "RateLimit-Limit": limit["limit"],
            "RateLimit-Observed": limit["observed"],
            "RateLimit-Remaining": limit["remaining"],
            "RateLimit-Reset": limit["reset"],
            "RateLimit-ResetTime": formatdate(limit["reset"], usegmt=True),
        }
        if limit["observed"] > limit["limit"]:
            headers["Retry-After"] = max(math.ceil(limit["reset"] - now), 0)
            # GitLab's throttle answer (Rack::Attack's responder): plain text, not JSON.
            headers["Content-Type"] = "text/plain"
            return 429, "Retry later\n", headers
        status, payload, extra = self.route(method, url, body)
        return status, payload, {**headers, **extra}

    def route(self, method, url, body):
        token = self.state.get("token")
        if token is not None:
            sent = self.headers.get("private-token")
            auth = self.headers.get("authorization") or ""
            if sent != token and auth != f"Bearer {token}":
                return 401, {"message": "401 Unauthorized"}, {}

        fail = self.state["fail_next"]
        if fail.get("times", 0) > 0:
            fail["times"] -= 1
            status = fail.get("status", 502)
            return status, {"message": f"{status} Server Error"}, {}

        # Split before decoding: an encoded project or file path is one segment.
        parts = [unquote(p) for p in url.path.split("/")[1:]]
        if parts == ["api", "v4", "user"] and method == "GET":
            return 200, user_json(self.state["user"]), {}
        if parts[:3] != ["api", "v4", "projects"] or len(parts) < 5:
            return route_not_found()
        project = self.project(parts[3])
        if project is None:
            return not_found("Project Not Found")
        rest = parts[4:]
        query = parse_qs(url.query)

        if method == "GET" and len(rest) == 2 and rest[0] == "merge_requests":
            mr = project.get("merge_requests", {}).get(rest[1])
            if mr is None:
                return not_found()
            return 200, merge_request_json(project, rest[1], mr), {}

        if len(rest) >= 3 and rest[0] == "merge_requests":
            iid = rest[1]
            if method == "GET" and rest[2:] == ["diffs"]:
                mr = project.get("merge_requests", {}).get(iid)
                if mr is None:
                    return not_found()
                diffs = [diff_json(d) for d in mr.get("diffs", [])]
                return self.page(url, query, diffs)
            if rest[2] == "notes":
                if iid not in project.get("merge_requests", {}) and iid not in project.get(
                    "notes", {}
                ):
                    return not_found()
                notes = project.setdefault("notes", {}).setdefault(iid, [])
                if method == "GET" and len(rest) == 3:
                    ordered = sorted(notes, key=lambda n: n.get("id", 0), reverse=True)
                    return self.page(url, query, [self.note_json(project, iid, n) for n in ordered])
                if method == "POST" and len(rest) == 3:
                    problem = note_body_problem(body)
                    if problem:
                        return problem
                    note = {
                        "id": IDS.new(),
                        "body": body["body"],
                        "author": copy.deepcopy(self.state["user"]),
                        "system": False,
                        "created_at": now_iso(),
                        "updated_at": now_iso(),
                    }
                    notes.append(note)
                    return 201, self.note_json(project, iid, note), {}
                if method == "PUT" and len(rest) == 4:
                    for note in notes:
                        if str(note.get("id")) == rest[3]:
                            author = (note.get("author") or {}).get("id", 2)
                            if author != self.state["user"].get("id"):
                                return 403, {"message": "403 Forbidden"}, {}
                            problem = note_body_problem(body)
                            if problem:
                                return problem
                            note["body"] = body["body"]
                            note["updated_at"] = now_iso()
                            return 200, self.note_json(project, iid, note), {}
                    return not_found()

        if (
            method == "GET"
            and len(rest) == 4
            and rest[:2] == ["repository", "files"]
            and rest[3] == "raw"
        ):
            ref = query.get("ref", [""])[0]
            if not ref:
                return 400, {"error": "ref is missing"}, {}
            text = project.get("files", {}).get(ref, {}).get(rest[2])
            if text is None:
                return not_found("File Not Found")
            return 200, text, {}

        if method == "POST" and len(rest) == 2 and rest[0] == "statuses":
            return self.post_status(project, rest[1], query, body)

        return route_not_found()

    def project(self, key):
        for path, project in self.state["projects"].items():
            if key.isdigit() and str(project.get("id")) == key:
                return project
            if path.lower() == key.lower():
                return project
        return None

    def page(self, url, query, items):
        """One page of `items` with GitLab's offset-pagination headers."""
        try:
            per_page = int(query.get("per_page", ["20"])[0])
            page = int(query.get("page", ["1"])[0])
        except ValueError:
            return 400, {"error": "page is invalid"}, {}
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        page = max(page, 1)
        total_pages = max(math.ceil(len(items) / per_page), 1)
        # Kaminari's: no neighbours for a page past the end.
        in_range = page <= total_pages
        prev_page = page - 1 if in_range and page > 1 else None
        next_page = page + 1 if in_range and page < total_pages else None
        base = f"http://{self.headers.get('host')}{url.path}"

        def href(number):
            params = {k: v[0] for k, v in query.items()}
            params["page"] = number
            params["per_page"] = per_page
            return f"<{base}?{urlencode(sorted(params.items()))}>"

        links = []
        if prev_page:
            links.append(f'{href(prev_page)}; rel="prev"')
        if next_page:
            links.append(f'{href(next_page)}; rel="next"')
        links.append(f'{href(1)}; rel="first"')
        links.append(f'{href(total_pages)}; rel="last"')
        headers = {
            "X-Per-Page": per_page,
            "X-Page": page,
            "X-Next-Page": next_page or "",
            "X-Prev-Page": prev_page or "",
            "Link": ", ".join(links),
            "X-Total": len(items),
            "X-Total-Pages": total_pages,
        }
        start = (page - 1) * per_page
        return 200, items[start : start + per_page], headers

    def note_json(self, project, iid, note):
        author = {
            "id": 2,
            "username": "someone",
            "name": "Someone",
            "state": "active",
            "avatar_url": None,
        }
        author.update(note.get("author") or {})
        author.setdefault("web_url", f"https://gitlab.example.com/{author['username']}")
        created = note.get("created_at", "2026-01-01T00:00:00.000Z")
        return {
            "id": note["id"],
            "type": note.get("type"),
            "body": note.get("body", ""),
            "attachment": None,
            "author": author,
            "created_at": created,
            "updated_at": note.get("updated_at", created),
            "system": note.get("system", False),
            "noteable_id": int(iid) + 10000 if iid.isdigit() else None,
            "noteable_type": "MergeRequest",
            "project_id": project.get("id"),
            "resolvable": False,
            "confidential": False,
            "internal": False,
            "noteable_iid": int(iid) if iid.isdigit() else iid,
            "commands_changes": {},
        }

    def post_status(self, project, sha, query, body):
        params = {k: v[0] for k, v in query.items()}
        if isinstance(body, dict):
            params.update(body)
        elif isinstance(body, str):
            # GitLab takes form-encoded parameters too.
            params.update({k: v[0] for k, v in parse_qs(body).items()})
        state = params.get("state")
        if state is None:
            return 400, {"error": "state is missing"}, {}
        if state not in STATES:
            return 400, {"error": "state does not have a valid value"}, {}
        commits = project.get("commits")
        if commits is not None:
            full = [c for c in commits if len(sha) >= 7 and c.startswith(sha)]
            if len(full) != 1:
                return not_found("Commit Not Found")
            sha = full[0]
        statuses = project.setdefault("statuses", [])
        name = params.get("name") or params.get("context") or "default"
        ref = params.get("ref")
        if not ref:
            earlier = [s for s in statuses if s["sha"] == sha and s.get("ref")]
            ref = earlier[0]["ref"] if earlier else project.get("default_branch", "main")

        current = None
        for status in reversed(statuses):
            if status["sha"] == sha and status["name"] == name and status["ref"] == ref:
                if status["status"] in ACTIVE:
                    current = status
                break
        from_state = current["status"] if current else "created"
        event = EVENTS[state]
        # `running` fires enqueue first (ignoring its failure), as GitLab does, so a
        # new status can go straight to running.
        if event == "run" and from_state in FROM["enqueue"]:
            from_state = "pending"
        if from_state not in FROM[event]:
            return (
                400,
                {
                    "message": f"Cannot transition status via :{event} from :{from_state} "
                    f'(Reason(s): Status cannot transition via "{event}")'
                },
                {},
            )

        if current is None:
            current = {
                "id": IDS.new(),
                "sha": sha,
                "ref": ref,
                "name": name,
                "description": None,
                "target_url": None,
                "coverage": None,
                "created_at": now_iso(),
                "started_at": None,
                "finished_at": None,
                "author": copy.deepcopy(self.state["user"]),
                "pipeline_id": pipeline_id(project, sha, ref),
            }
            statuses.append(current)
        for field in ("description", "target_url", "coverage"):
            if params.get(field) is not None:
                current[field] = params[field]
        if isinstance(current["description"], str):
            # GitLab cuts a long description rather than refusing it.
            current["description"] = current["description"][:MAX_DESCRIPTION_CHARS]
        if state == "running":
            current["started_at"] = now_iso()
        if state in ("success", "failed", "canceled"):
            current["finished_at"] = now_iso()
        current["status"] = state
        return 201, status_json(current), {}


def user_json(user):
    shown = {"id": 1, "username": "reviewgate-bot", "name": "reviewgate", "state": "active",
             "bot": True}
    shown.update(user)
    shown.setdefault("web_url", f"https://gitlab.example.com/{shown['username']}")
    return shown


def merge_request_json(project, iid, mr):
    key = f"{project.get('id')}!{iid}"
    commits = project.get("commits") or []
    head = mr.get("head_sha") or (commits[-1] if commits else hashlib.sha1(f"head of {key}".encode()).hexdigest())
    if "base_sha" in mr and mr["base_sha"] is None:
        diff_refs = None
    else:
        base = mr.get("base_sha") or hashlib.sha1(f"base of {key}".encode()).hexdigest()
        diff_refs = {"base_sha": base, "start_sha": base, "head_sha": head}
    count = len(mr.get("diffs", []))
    return {
        "id": int(iid) + 10000 if iid.isdigit() else None,
        "iid": int(iid) if iid.isdigit() else iid,
        "project_id": project.get("id"),
        "state": mr.get("state", "opened"),
        "sha": head,
        "diff_refs": diff_refs,
        "changes_count": f"{count}" if count <= 1000 else "1000+",
        "overflow": mr.get("overflow", False),
    }


def pipeline_id(project, sha, ref):
    for status in project.get("statuses", []):
        if status["sha"] == sha and status["ref"] == ref:
            return status["pipeline_id"]
    return IDS.new()


def status_json(status):
    shown = {k: v for k, v in status.items()}
    shown["allow_failure"] = False
    return shown


def diff_json(spec):
    new_path = spec.get("new_path") or spec.get("old_path")
    old_path = spec.get("old_path") or new_path
    new_file = spec.get("new_file", False)
    deleted_file = spec.get("deleted_file", False)
    shown = {
        "old_path": old_path,
        "new_path": new_path,
        "a_mode": "0" if new_file else "100644",
        "b_mode": "0" if deleted_file else "100644",
        "diff": "",
        "new_file": new_file,
        "renamed_file": old_path != new_path,
        "deleted_file": deleted_file,
        "generated_file": False,
        "collapsed": False,
        "too_large": False,
    }
    shown.update({k: v for k, v in spec.items() if k in shown})
    return shown


def note_body_problem(body):
    text = body.get("body") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return 400, {"message": "400 Bad request - body is missing"}, {}
    if len(text) > MAX_NOTE_CHARS:
        return (
            400,
            {"message": {"note": [f"is too long (maximum is {MAX_NOTE_CHARS} characters)"]}},
            {},
        )
    return None


if __name__ == "__main__":
    serve(GitLab, load_state)
