"""A fake GitHub REST API with state, for serving on 127.0.0.1 with ``loopback.serve``.

It answers the endpoints ttabot uses with the JSON shapes and status codes GitHub
documents: issue comments, reactions (on comments and on issues), labels, pulls
(get, files, reviews, review comments), git refs/commits/trees/blobs, collaborator
permission. Writes are authored by the token's account (``login``, GITHUB_TOKEN's
``github-actions[bot]`` unless a test says otherwise). Faults (a secondary rate
limit, a 5xx) are injected per method and path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.loopback import Reply, Request

BOT_LOGIN = "github-actions[bot]"


@dataclass
class Fault:
    """Answer ``reply`` instead of the real thing, ``times`` times, for matching requests."""

    method: str
    path: str  # regex, fully matched against the request path
    reply: Reply
    times: int = 1
    after: bool = False  # True: do the real work first, then answer ``reply`` (lost reply)


@dataclass
class PullState:
    """One PR: its payload fields and its files' patches (``{path: patch}``)."""

    number: int
    head_sha: str
    head_ref: str
    base_sha: str
    base_ref: str = "main"
    head_repo: str = ""
    patches: dict[str, str] = field(default_factory=dict)


def secondary_rate_limit(retry_after: int = 1) -> Reply:
    """GitHub's 403 for a secondary rate limit."""
    return Reply(
        403,
        {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        {"retry-after": str(retry_after)},
    )


class FakeGitHub:
    """State plus a loopback handler; ``token`` is the only credential accepted."""

    def __init__(self, repo: str = "octo/proj", token: str = "ghs_faketoken123") -> None:
        self.repo = repo
        self.token = token
        self.read_only = False
        self.prefix = ""  # e.g. "/api/v3", as GitHub Enterprise Server serves it
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.review_comments: dict[int, list[dict[str, Any]]] = {}
        self.reviews: dict[int, list[dict[str, Any]]] = {}
        self.reactions: list[tuple[int, str]] = []
        #: Reactions on issues, as GET /issues/N/reactions lists them (oldest first).
        self.issue_reactions: dict[int, list[dict[str, Any]]] = {}
        #: Heads pushed while a run works: each GET of a pull hands out its head, then
        #: moves it to the next of these (a push landing between two reads).
        self.pushes: list[str] = []
        #: The account the token writes as (GITHUB_TOKEN's; an App's is ``slug[bot]``).
        self.login = BOT_LOGIN
        self.login_type = "Bot"
        self.labels: dict[int, list[str]] = {}
        self.pulls: dict[int, PullState] = {}
        self.refs: dict[str, str] = {}
        self.commits: dict[str, dict[str, Any]] = {}
        self.trees: dict[str, dict[str, Any]] = {}
        self.permissions: dict[str, str] = {}
        #: Issues as GET /issues/N answers them now (``{number: {"title", "body"}}``).
        self.issues: dict[int, dict[str, Any]] = {}
        self.permission_asks: list[str] = []
        self.default_branch = "main"
        #: Issue events (``labeled``/``unlabeled`` with ``actor``, ``label``, ``created_at``).
        self.issue_events: dict[int, list[dict[str, Any]]] = {}
        self.protected: set[str] = set()  # branch protection
        #: Other tokens accepted (a push token), and which token made each write.
        self.extra_tokens: set[str] = set()
        self.write_tokens: list[tuple[str, str, str]] = []
        self.opened: list[dict[str, Any]] = []  # pull requests created through the API
        self.can_open_pulls = True  # the repository setting for GitHub Actions
        self.faults: list[Fault] = []
        # Called after each request is served: lets a test change state mid-run (a push).
        self.hooks: list[Callable[[Request], None]] = []
        self.writes: list[tuple[str, str]] = []
        self._ids = itertools.count(1000)
        self._lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Reply]]] = []
        base = re.escape(f"/repos/{repo}")
        for method, pattern, fn in (
            ("GET", r"/issues/(\d+)", self._get_issue),
            ("GET", r"/issues/(\d+)/comments", self._list_comments),
            ("POST", r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", r"/issues/comments/(\d+)", self._update_comment),
            ("DELETE", r"/issues/comments/(\d+)", self._delete_comment),
            ("POST", r"/issues/comments/(\d+)/reactions", self._react),
            ("GET", r"/issues/(\d+)/reactions", self._list_issue_reactions),
            ("POST", r"/issues/(\d+)/reactions", self._react_to_issue),
            ("DELETE", r"/issues/(\d+)/reactions/(\d+)", self._delete_issue_reaction),
            ("POST", r"/issues/(\d+)/labels", self._add_labels),
            ("GET", r"/issues/(\d+)/events", self._list_events),
            ("GET", r"/pulls/(\d+)", self._get_pull),
            ("GET", r"/pulls/(\d+)/files", self._pull_files),
            ("GET", r"/pulls/(\d+)/reviews", self._list_reviews),
            ("POST", r"/pulls/(\d+)/reviews", self._create_review),
            ("GET", r"/pulls/(\d+)/comments", self._list_review_comments),
            ("GET", r"/git/ref/heads/(.+)", self._get_ref),
            ("PATCH", r"/git/refs/heads/(.+)", self._update_ref),
            ("GET", r"/git/commits/([0-9a-f]+)", self._get_commit),
            ("POST", r"/git/commits", self._create_commit),
            ("POST", r"/git/trees", self._create_tree),
            ("POST", r"/git/blobs", self._create_blob),
            ("GET", r"/collaborators/([^/]+)/permission", self._permission),
            ("GET", r"", self._get_repo),
            ("GET", r"/branches/([^/]+)", self._get_branch),
            ("POST", r"/git/refs", self._create_ref),
            ("GET", r"/pulls", self._list_pulls),
            ("POST", r"/pulls", self._create_pull),
        ):
            self._routes.append((method, re.compile(base + pattern), fn))

    # --- set-up helpers -------------------------------------------------------

    def add_pull(self, pull: PullState) -> None:
        """Register a PR and point its branch at its head SHA."""
        pull.head_repo = pull.head_repo or self.repo
        self.pulls[pull.number] = pull
        if pull.head_repo == self.repo:
            self.refs[pull.head_ref] = pull.head_sha
        self.commits.setdefault(pull.head_sha, {"sha": pull.head_sha, "tree": "t0", "parents": []})

    def add_comment(
        self, number: int, body: str, login: str = "alice", user_type: str = "User"
    ) -> dict[str, Any]:
        """Add a conversation comment as if a user wrote it."""
        with self._lock:
            return self._new_comment(number, body, login, user_type)

    def add_issue_reaction(
        self,
        number: int,
        content: str,
        login: str = "alice",
        user_type: str = "User",
        created_at: str | None = None,
    ) -> dict[str, Any]:
        """Add a reaction on issue ``number`` as if ``login`` made it (now, or ``created_at``)."""
        with self._lock:
            return self._new_issue_reaction(number, content, login, user_type, created_at)

    def me(self) -> dict[str, Any]:
        """The user object GitHub shows as the author of the token's writes."""
        return {"login": self.login, "id": 41898282, "type": self.login_type}

    def sticky_comments(self, number: int) -> list[dict[str, Any]]:
        """Comments on ``number`` carrying ttabot's sticky marker."""
        return [c for c in self.comments.get(number, []) if "<!-- ttabot:sticky -->" in c["body"]]

    # --- the handler ----------------------------------------------------------

    def __call__(self, request: Request) -> Reply:
        auth = request.headers.get("authorization", "")
        used = auth.split(" ", 1)[-1]
        if auth.split(" ", 1)[0] not in ("token", "Bearer") or used not in {
            self.token,
            *self.extra_tokens,
        }:
            return Reply(
                401,
                {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
            )
        if self.prefix:
            if not request.path.startswith(self.prefix + "/"):
                return Reply(404, {"message": "Not Found"})
            request = dataclasses.replace(request, path=request.path[len(self.prefix) :])
        with self._lock:
            fault = self._fault(request)
            if fault is not None and not fault.after:
                return fault.reply
            reply = self._route(request)
            for hook in self.hooks:
                hook(request)
            if fault is not None:
                return fault.reply
            return reply

    def _fault(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if (
                fault.times > 0
                and fault.method == request.method
                and re.fullmatch(fault.path, request.path)
            ):
                fault.times -= 1
                return fault
        return None

    def _route(self, request: Request) -> Reply:
        for method, pattern, fn in self._routes:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                if method != "GET":
                    if self.read_only:
                        return Reply(403, {"message": "Resource not accessible by integration"})
                    self.writes.append((method, request.path))
                    auth = request.headers.get("authorization", "")
                    self.write_tokens.append((method, request.path, auth.split(" ", 1)[-1]))
                return fn(request, *match.groups())
        return Reply(
            404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        )

    # --- endpoints --------------------------------------------------------------

    def _page(self, request: Request, items: list[dict[str, Any]]) -> Reply:
        per_page = int(request.query.get("per_page", ["30"])[0])
        page = int(request.query.get("page", ["1"])[0])
        return Reply(200, items[(page - 1) * per_page : page * per_page])

    def _new_comment(self, number: int, body: str, login: str, user_type: str) -> dict[str, Any]:
        cid = next(self._ids)
        comment = {
            "id": cid,
            "node_id": f"IC_{cid}",
            "url": f"https://api.github.com/repos/{self.repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/{self.repo}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"https://api.github.com/repos/{self.repo}/issues/{number}",
            "body": body,
            "user": {"login": login, "id": 1, "type": user_type},
            "author_association": "NONE" if user_type == "Bot" else "OWNER",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }
        self.comments.setdefault(number, []).append(comment)
        return comment

    def _list_comments(self, request: Request, number: str) -> Reply:
        return self._page(request, self.comments.get(int(number), []))

    def _create_comment(self, request: Request, number: str) -> Reply:
        body = request.json().get("body")
        if not isinstance(body, str) or not body:
            return Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"field": "body", "code": "missing_field"}],
                },
            )
        return Reply(201, self._new_comment(int(number), body, self.login, self.login_type))

    def _update_comment(self, request: Request, cid: str) -> Reply:
        for comment in itertools.chain.from_iterable(self.comments.values()):
            if comment["id"] == int(cid):
                comment["body"] = request.json()["body"]
                comment["updated_at"] = "2026-01-02T00:00:00Z"
                return Reply(200, comment)
        return Reply(404, {"message": "Not Found"})

    def _delete_comment(self, request: Request, cid: str) -> Reply:
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == int(cid):
                    comments.remove(comment)
                    return Reply(204)
        return Reply(404, {"message": "Not Found"})

    def _react(self, request: Request, cid: str) -> Reply:
        content = request.json()["content"]
        self.reactions.append((int(cid), content))
        return Reply(
            201,
            {
                "id": next(self._ids),
                "content": content,
                "user": self.me(),
            },
        )

    def _new_issue_reaction(
        self, number: int, content: str, login: str, user_type: str, created_at: str | None
    ) -> dict[str, Any]:
        rid = next(self._ids)
        reaction = {
            "id": rid,
            "node_id": f"REA_{rid}",
            "user": {"login": login, "id": 1, "type": user_type},
            "content": content,
            "created_at": created_at or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        self.issue_reactions.setdefault(number, []).append(reaction)
        return reaction

    def _list_issue_reactions(self, request: Request, number: str) -> Reply:
        content = request.query.get("content", [""])[0]
        found = [
            r
            for r in self.issue_reactions.get(int(number), [])
            if not content or r["content"] == content
        ]
        return self._page(request, found)

    def _react_to_issue(self, request: Request, number: str) -> Reply:
        content = request.json().get("content")
        if content not in ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"):
            return Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [{"field": "content", "code": "invalid"}],
                },
            )
        for r in self.issue_reactions.get(int(number), []):
            if r["content"] == content and r["user"]["login"] == self.login:
                # GitHub: 200 and the existing reaction (its created_at unchanged).
                return Reply(200, r)
        reaction = self._new_issue_reaction(int(number), content, self.login, self.login_type, None)
        return Reply(201, reaction)

    def _delete_issue_reaction(self, request: Request, number: str, rid: str) -> Reply:
        reactions = self.issue_reactions.get(int(number), [])
        for r in reactions:
            # Only the reaction's own author may delete it.
            if r["id"] == int(rid) and r["user"]["login"] == self.login:
                reactions.remove(r)
                return Reply(204, b"")
        return Reply(404, {"message": "Not Found"})

    def _list_events(self, request: Request, number: str) -> Reply:
        return self._page(request, self.issue_events.get(int(number), []))

    def _add_labels(self, request: Request, number: str) -> Reply:
        labels = self.labels.setdefault(int(number), [])
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        for name in request.json()["labels"]:
            if name not in labels:
                labels.append(name)
                self.issue_events.setdefault(int(number), []).append(
                    {
                        "event": "labeled",
                        "actor": self.me(),
                        "label": {"name": name},
                        "created_at": now,
                    }
                )
        return Reply(
            200,
            [
                {"id": i, "name": n, "color": "ededed", "default": False}
                for i, n in enumerate(labels)
            ],
        )

    def _pull(self, number: str) -> PullState | None:
        return self.pulls.get(int(number))

    def _get_pull(self, request: Request, number: str) -> Reply:
        pull = self._pull(number)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        payload = pull_payload(pull, self.repo)
        if self.pushes:
            pull.head_sha = self.pushes.pop(0)
        return Reply(200, payload)

    def _pull_files(self, request: Request, number: str) -> Reply:
        pull = self._pull(number)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        files = [
            {
                "sha": "0" * 40,
                "filename": path,
                "status": "modified",
                "additions": patch.count("\n+"),
                "deletions": patch.count("\n-"),
                "changes": 0,
                "patch": patch,
            }
            for path, patch in pull.patches.items()
        ]
        return self._page(request, files)

    def _list_reviews(self, request: Request, number: str) -> Reply:
        return self._page(request, self.reviews.get(int(number), []))

    def _list_review_comments(self, request: Request, number: str) -> Reply:
        return self._page(request, self.review_comments.get(int(number), []))

    def _create_review(self, request: Request, number: str) -> Reply:
        pull = self._pull(number)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        data = request.json()
        from ttabot.review.suggestions import commentable_lines  # the fake shares GitHub's rule

        for c in data.get("comments", []):
            lines = commentable_lines(pull.patches.get(c["path"], ""))
            wanted = range(c.get("start_line", c["line"]), c["line"] + 1)
            if not all(n in lines for n in wanted):
                return Reply(
                    422,
                    {
                        "message": "Unprocessable Entity",
                        "errors": ["Line could not be resolved"],
                        "status": "422",
                    },
                )
        rid = next(self._ids)
        review = {
            "id": rid,
            "body": data.get("body", ""),
            "state": "COMMENTED",
            "commit_id": data.get("commit_id"),
            "user": self.me(),
            "html_url": f"https://github.com/{self.repo}/pull/{number}#pullrequestreview-{rid}",
        }
        self.reviews.setdefault(int(number), []).append(review)
        for c in data.get("comments", []):
            self.review_comments.setdefault(int(number), []).append(
                {
                    "id": next(self._ids),
                    "pull_request_review_id": rid,
                    "path": c["path"],
                    "line": c["line"],
                    "start_line": c.get("start_line"),
                    "side": "RIGHT",
                    "body": c["body"],
                    "user": self.me(),
                }
            )
        return Reply(200, review)

    def _get_ref(self, request: Request, branch: str) -> Reply:
        sha = self.refs.get(branch)
        if sha is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(200, {"ref": f"refs/heads/{branch}", "object": {"sha": sha, "type": "commit"}})

    def _update_ref(self, request: Request, branch: str) -> Reply:
        data = request.json()
        current = self.refs.get(branch)
        if current is None:
            return Reply(422, {"message": "Reference does not exist"})
        new = data["sha"]
        parents = self.commits.get(new, {}).get("parents", [])
        if not data.get("force") and current not in parents and current != new:
            return Reply(422, {"message": "Update is not a fast forward"})
        self.refs[branch] = new
        return Reply(200, {"ref": f"refs/heads/{branch}", "object": {"sha": new, "type": "commit"}})

    def _get_commit(self, request: Request, sha: str) -> Reply:
        commit = self.commits.get(sha)
        if commit is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(
            200,
            {
                "sha": sha,
                "tree": {"sha": commit["tree"]},
                "message": commit.get("message", ""),
                "parents": [{"sha": p} for p in commit["parents"]],
            },
        )

    def _create_tree(self, request: Request) -> Reply:
        data = request.json()
        sha = _digest(data)
        self.trees[sha] = data
        return Reply(201, {"sha": sha, "tree": data["tree"], "truncated": False})

    def _create_commit(self, request: Request) -> Reply:
        data = request.json()
        sha = _digest(data)
        self.commits[sha] = {
            "sha": sha,
            "tree": data["tree"],
            "parents": data["parents"],
            "message": data["message"],
        }
        return Reply(
            201,
            {
                "sha": sha,
                "tree": {"sha": data["tree"]},
                "message": data["message"],
                "parents": [{"sha": p} for p in data["parents"]],
            },
        )

    def _create_blob(self, request: Request) -> Reply:
        return Reply(201, {"sha": _digest(request.json())})

    def _get_repo(self, request: Request) -> Reply:
        return Reply(
            200, {"full_name": self.repo, "default_branch": self.default_branch, "private": False}
        )

    def _get_branch(self, request: Request, branch: str) -> Reply:
        if branch not in self.refs and branch != self.default_branch:
            return Reply(404, {"message": "Branch not found"})
        return Reply(200, {"name": branch, "protected": branch in self.protected})

    def _create_ref(self, request: Request) -> Reply:
        data = request.json()
        branch = str(data["ref"]).removeprefix("refs/heads/")
        if branch in self.refs:
            return Reply(422, {"message": "Reference already exists"})
        self.refs[branch] = data["sha"]
        return Reply(201, {"ref": data["ref"], "object": {"sha": data["sha"], "type": "commit"}})

    def _list_pulls(self, request: Request) -> Reply:
        head = request.query.get("head", [""])[0]
        found = [p for p in self.opened if not head or head.endswith(":" + p["head"]["ref"])]
        # Registered PRs match ``head=OWNER:BRANCH`` by their head repository's owner.
        found += [
            pull_payload(p, self.repo)
            for p in self.pulls.values()
            if not head or head == f"{p.head_repo.split('/')[0]}:{p.head_ref}"
        ]
        return self._page(request, found)

    def _create_pull(self, request: Request) -> Reply:
        if not self.can_open_pulls:
            return Reply(
                403,
                {"message": "GitHub Actions is not permitted to create or approve pull requests."},
            )
        data = request.json()
        if data["head"] not in self.refs:
            return Reply(
                422,
                {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]},
            )
        number = 100 + len(self.opened)
        pull = {
            "number": number,
            "title": data["title"],
            "body": data["body"],
            "html_url": f"https://github.com/{self.repo}/pull/{number}",
            "head": {"ref": data["head"], "sha": self.refs[data["head"]]},
            "base": {"ref": data["base"]},
            "user": {"login": self.login, "type": self.login_type},
        }
        self.opened.append(pull)
        return Reply(201, pull)

    def _permission(self, request: Request, user: str) -> Reply:
        self.permission_asks.append(user)
        role = self.permissions.get(user, "read")
        # GitHub's legacy ``permission`` folds maintain into write and triage into read.
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return Reply(200, {"permission": legacy, "role_name": role, "user": {"login": user}})

    def _get_issue(self, request: Request, number: str) -> Reply:
        issue = self.issues.get(int(number))
        if issue is None:
            return Reply(404, {"message": "Not Found"})
        return Reply(200, {"number": int(number), "state": "open", **issue})


def _digest(data: Any) -> str:
    return hashlib.sha1(
        repr(sorted(data.items()) if isinstance(data, dict) else data).encode()
    ).hexdigest()


def pull_payload(pull: PullState, repo: str) -> dict[str, Any]:
    """A pull request object shaped like GitHub's (the fields ttabot reads, and some more)."""
    owner = repo.split("/")[0]
    return {
        "url": f"https://api.github.com/repos/{repo}/pulls/{pull.number}",
        "html_url": f"https://github.com/{repo}/pull/{pull.number}",
        "number": pull.number,
        "state": "open",
        "title": "A change",
        "draft": False,
        "user": {"login": "alice", "type": "User"},
        "head": {
            "label": f"{pull.head_repo.split('/')[0]}:{pull.head_ref}",
            "ref": pull.head_ref,
            "sha": pull.head_sha,
            "repo": {"full_name": pull.head_repo, "fork": pull.head_repo != repo},
        },
        "base": {
            "label": f"{owner}:{pull.base_ref}",
            "ref": pull.base_ref,
            "sha": pull.base_sha,
            "repo": {"full_name": repo, "fork": False},
        },
    }
