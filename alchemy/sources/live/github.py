"""Live GitHub (or GitHub Enterprise): pull requests with reviews, review and issue comments.

One mirror per repository, laid out like an export the github parser joins by PR number:
``pulls/<n>.json`` (a PR object), ``reviews/<n>.json``, ``review_comments/<n>.json`` and
``issue_comments/<n>.json`` (lists). Pages follow ``Link: rel="next"``; the shared client
waits out rate limits. Incremental runs use ``since`` = the newest ``updated_at`` seen: PRs
come newest-updated first and the listing stops at the first older one; both comment
endpoints take ``since`` directly; reviews are re-read only for PRs that changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from . import client, log
from .http import AccessError, HttpClient
from .mirror import Mirror, scope_key

_NUMBER = re.compile(r"/(?:pulls|issues)/(\d+)$")
_REPO = re.compile(r"^[\w.-]+/[\w.-]+$")


def scopes(scfg: Mapping[str, Any], state_dir: Path) -> list[tuple[str, Path, str]]:
    api = str(scfg["api_url"]).rstrip("/")
    out = []
    for repo in scfg["repos"]:
        repo = str(repo).strip().strip("/")
        if not _REPO.match(repo):
            raise AccessError(f"source.github.repos: {repo!r} is not owner/name")
        key = scope_key(api=api, repo=repo, since=scfg["since"])
        out.append((repo.replace("/", "__"), state_dir / key, repo))
    return out


def pull(mirror: Mirror, repo: str, scfg: Mapping[str, Any], setting: str) -> dict[str, int]:
    api = str(scfg["api_url"]).rstrip("/")
    token_env = str(scfg["token_env"])
    token = os.environ.get(token_env, "")
    if not token:
        log.warning("%s: $%s is not set; pulling %s unauthenticated (60 requests/hour)",
                    setting, token_env, repo)
    hints = {401: f"check the token in ${token_env} ({setting}.token_env)",
             403: f"the token in ${token_env} lacks access to {repo} (needs pull requests: read)",
             404: f"check {setting}.repos entry {repo!r} and {setting}.api_url (GitHub "
                  "Enterprise: https://HOST/api/v3); a private repo answers 404 without access"}
    http = client(scfg, setting, api, f"Bearer {token}" if token else None, hints,
                  headers={"Accept": "application/vnd.github+json",
                           "X-GitHub-Api-Version": "2022-11-28"})
    since = mirror.cursor.get("updated") or scfg["since"] or None
    per_page = int(scfg["per_page"])
    newest = str(since or "")
    changed: list[int] = []
    for pr in _paged(http, f"/repos/{repo}/pulls", {"state": "all", "sort": "updated",
                                                    "direction": "desc", "per_page": per_page}):
        updated = str(pr.get("updated_at") or "")
        if since and updated and updated < since:
            break  # sorted newest first: everything after this is older still
        newest = max(newest, updated)
        if mirror.write_json(f"pulls/{pr['number']}.json", pr):  # unchanged: reviews too
            changed.append(int(pr["number"]))
    for number in changed:
        reviews = list(_paged(http, f"/repos/{repo}/pulls/{number}/reviews",
                              {"per_page": per_page}))
        if reviews:
            mirror.write_json(f"reviews/{number}.json", reviews)
    comments = 0
    for kind, path in (("review_comments", f"/repos/{repo}/pulls/comments"),
                       ("issue_comments", f"/repos/{repo}/issues/comments")):
        params = {"sort": "updated", "direction": "asc", "since": since, "per_page": per_page}
        for number, items in _by_pr(_paged(http, path, params), kind).items():
            old = {c.get("id"): c for c in mirror.read_json(f"{kind}/{number}.json", []) or []}
            old.update({c.get("id"): c for c in items})
            mirror.write_json(f"{kind}/{number}.json", sorted(old.values(), key=_order))
            comments += len(items)
            newest = max([newest] + [str(c.get("updated_at") or "") for c in items])
    if newest:
        mirror.cursor["updated"] = newest
    mirror.cursor.setdefault("repo", repo)
    return {"requests": http.requests, "fetched": len(changed), "comments": comments,
            "written": mirror.written}


def _paged(http: HttpClient, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    url: str | None = http.url(path, params)
    while url:
        data, resp = http.get_json(url)
        yield from (x for x in data or [] if isinstance(x, dict))
        url = resp.next_link()


def _by_pr(items: Iterator[dict[str, Any]], kind: str) -> dict[int, list[dict[str, Any]]]:
    """Comments grouped by PR number; issue comments on plain issues are left out."""
    out: dict[int, list[dict[str, Any]]] = {}
    for c in items:
        link = str(c.get("pull_request_url") or c.get("issue_url") or "")
        m = _NUMBER.search(link)
        if not m or (kind == "issue_comments" and "/issues/" in str(c.get("html_url") or "")):
            continue
        out.setdefault(int(m.group(1)), []).append(c)
    return out


def _order(c: Mapping[str, Any]) -> tuple[str, int]:
    return str(c.get("created_at") or ""), int(c.get("id") or 0)
