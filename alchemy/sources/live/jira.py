"""Live Jira: issues matching a JQL query, one ``issues/<KEY>.json`` per issue.

Cloud (e-mail + API token) pages ``/rest/api/3/search/jql`` by ``nextPageToken``; Server and
Data Center (personal access token) page ``/rest/api/2/search`` by ``startAt``. Incremental
runs add ``updated >= -<N>m`` to the JQL, N being the minutes since the last pull started
plus a margin: a relative date needs no knowledge of the server's or the user's time zone.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from . import client, credentials
from .http import HttpClient
from .mirror import Mirror, scope_key

MARGIN_MIN = 10  # covers clock skew between this machine and the server
_ORDER = re.compile(r"^(.*?)\s*\border\s+by\b(.*)$", re.I | re.S)


def scopes(scfg: Mapping[str, Any], state_dir: Path) -> list[tuple[str, Path, str]]:
    url = str(scfg["url"]).rstrip("/")
    key = scope_key(url=url, jql=scfg["jql"], version=scfg["api_version"],
                    deployment=scfg["deployment"])
    return [("", state_dir / key, url)]


def incremental_jql(jql: str, since: float | None, now: float) -> str:
    """The user's JQL restricted to issues updated since ``since`` (epoch seconds)."""
    if since is None:
        return jql
    minutes = math.ceil(max(0.0, now - since) / 60) + MARGIN_MIN
    m = _ORDER.match(jql.strip())
    where, order = (m.group(1), m.group(2).strip()) if m else (jql.strip(), "")
    cond = f"updated >= -{minutes}m"
    where = f"({where}) AND {cond}" if where.strip() else cond
    return where + (f" ORDER BY {order}" if order else "")


def pull(mirror: Mirror, url: str, scfg: Mapping[str, Any], setting: str) -> dict[str, int]:
    auth, cloud = credentials(scfg, setting, url)
    token_env, email_env = scfg["token_env"], scfg["email_env"]
    hints = {401: f"check the token in ${token_env} ({setting}.token_env)"
                  + (f" and the e-mail in ${email_env}" if cloud else " (a Server/DC PAT)"),
             403: "the token's user may not browse these projects, or CAPTCHA is required",
             404: f"check {setting}.url (the site root, e.g. https://company.atlassian.net)"}
    http = client(scfg, setting, url, auth, hints)
    version = int(scfg["api_version"] or (3 if cloud else 2))
    started = time.time()
    jql = incremental_jql(str(scfg["jql"] or ""), mirror.cursor.get("since"), started)
    fields = ["*navigable", "comment"] if scfg["include_comments"] else ["*navigable"]
    size = int(scfg["page_size"])
    pages = (_token_pages(http, version, jql, fields, size) if cloud
             else _offset_pages(http, version, jql, fields, size))
    fetched = 0
    for issue in pages:
        if not isinstance(issue, dict) or not issue.get("key"):
            continue
        if scfg["include_comments"]:
            _all_comments(http, version, issue)
        mirror.write_json(f"issues/{issue['key']}.json", issue)
        fetched += 1
    mirror.cursor["since"] = started
    return {"requests": http.requests, "fetched": fetched, "written": mirror.written}


def _token_pages(http: HttpClient, version: int, jql: str, fields: list[str],
                 size: int) -> Iterator[Any]:
    """Jira Cloud's enhanced search: POST /search/jql, pages chained by nextPageToken."""
    token = None
    while True:
        body: dict[str, Any] = {"jql": jql, "maxResults": size, "fields": fields}
        if token:
            body["nextPageToken"] = token
        data, _ = http.post_json(f"/rest/api/{version}/search/jql", body)
        data = data or {}
        yield from data.get("issues") or []
        token = data.get("nextPageToken")
        if not token or data.get("isLast") or not data.get("issues"):
            return


def _offset_pages(http: HttpClient, version: int, jql: str, fields: list[str],
                  size: int) -> Iterator[Any]:
    """Server/Data Center search: GET /search with startAt until total is reached."""
    start = 0
    while True:
        data, _ = http.get_json(f"/rest/api/{version}/search",
                                {"jql": jql, "startAt": start, "maxResults": size,
                                 "fields": ",".join(fields)})
        issues = (data or {}).get("issues") or []
        yield from issues
        start += len(issues)
        if not issues or start >= int((data or {}).get("total") or 0):
            return


def _all_comments(http: HttpClient, version: int, issue: dict[str, Any]) -> None:
    """Search results cut comment lists short; fetch the rest so the issue is whole."""
    block = (issue.get("fields") or {}).get("comment")
    if not isinstance(block, dict):
        return
    comments = list(block.get("comments") or [])
    total = int(block.get("total") or len(comments))
    while len(comments) < total:
        data, _ = http.get_json(f"/rest/api/{version}/issue/{issue['key']}/comment",
                                {"startAt": len(comments), "maxResults": 100})
        more = (data or {}).get("comments") or []
        if not more:
            break
        comments += more
    block.update(comments=comments, startAt=0, maxResults=len(comments), total=len(comments))
