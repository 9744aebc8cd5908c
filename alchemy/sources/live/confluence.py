"""Live Confluence: pages by space key, by CQL, or a page with all its child pages.

Each page is written as ``pages/<id>.json`` (the content object, storage body expanded) and
every user the bodies or versions name goes into ``users.json``, because storage format
refers to people by account id only. Incremental runs switch to CQL search with
``lastmodified >= now("-<N>m")``, a relative date that needs no time-zone knowledge.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from . import client, credentials
from .http import AccessError, HttpClient
from .mirror import Mirror, scope_key

EXPAND = "body.storage,version,ancestors,metadata.labels,space,history"
MARGIN_MIN = 10
_USER_REF = re.compile(r'ri:(account-id|userkey|username)="([^"]+)"')
_PARAM = {"account-id": "accountId", "userkey": "key", "username": "username"}


def scopes(scfg: Mapping[str, Any], state_dir: Path) -> list[tuple[str, Path, str]]:
    url = str(scfg["url"]).rstrip("/")
    key = scope_key(url=url, spaces=sorted(scfg["spaces"]), cql=scfg["cql"],
                    pages=sorted(str(p) for p in scfg["pages"]))
    return [("", state_dir / key, url)]


def _queries(scfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) per thing to pull: ("space", KEY), ("cql", CQL), ("tree", page id)."""
    out = [("space", str(s)) for s in scfg["spaces"]]
    out += [("cql", str(scfg["cql"]))] if scfg["cql"] else []
    out += [("tree", str(p)) for p in scfg["pages"]]
    return out


def _as_cql(kind: str, value: str) -> str:
    if kind == "space":
        return f'space = "{value}" and type = page'
    if kind == "tree":
        return f"(id = {value} or ancestor = {value})"
    return value


def pull(mirror: Mirror, url: str, scfg: Mapping[str, Any], setting: str) -> dict[str, int]:
    queries = _queries(scfg)
    if not queries:
        raise AccessError(f"{setting}: nothing to pull: set {setting}.spaces=[KEY], "
                          f"{setting}.cql='...' or {setting}.pages=[ID]")
    auth, _ = credentials(scfg, setting, url)
    hints = {401: f"check the token in ${scfg['token_env']} ({setting}.token_env)",
             403: "the token's user may not view this space or page",
             404: f"check {setting}.url (with its context path, e.g. https://x.atlassian.net/"
                  f"wiki) and the space keys / page ids"}
    http = client(scfg, setting, url, auth, hints)
    size = int(scfg["page_size"])
    started = time.time()
    since = mirror.cursor.get("since")
    users: dict[str, str] = mirror.read_json("users.json", {}) or {}
    refs: set[tuple[str, str]] = set()
    fetched = 0
    for kind, value in queries:
        if since is not None:
            minutes = math.ceil(max(0.0, started - since) / 60) + MARGIN_MIN
            cql = f'({_as_cql(kind, value)}) and lastmodified >= now("-{minutes}m")'
            pages = _paged(http, "/rest/api/content/search", {"cql": cql, "expand": EXPAND,
                                                              "limit": size})
        elif kind == "space":
            pages = _paged(http, "/rest/api/content", {"spaceKey": value, "type": "page",
                                                       "expand": EXPAND, "limit": size})
        elif kind == "cql":
            pages = _paged(http, "/rest/api/content/search", {"cql": value, "expand": EXPAND,
                                                              "limit": size})
        else:
            pages = _tree(http, value, size)
        for page in pages:
            if not isinstance(page, dict) or not page.get("id"):
                continue
            page.setdefault("_links", {})["base"] = url  # as GET /content/{id} gives it
            mirror.write_json(f"pages/{page['id']}.json", page)
            fetched += 1
            _people(page, users, refs)
    looked_up = _lookup(http, users, refs, mirror)
    mirror.write_json("users.json", dict(sorted(users.items())))
    mirror.cursor["since"] = started
    return {"requests": http.requests, "fetched": fetched, "users_looked_up": looked_up,
            "written": mirror.written}


def _paged(http: HttpClient, path: str, params: dict[str, Any]) -> Iterator[Any]:
    """Follow ``_links.next`` (relative to the configured base, context path included)."""
    url: str | None = http.url(path, params)
    while url:
        data, _ = http.get_json(url)
        data = data or {}
        yield from data.get("results") or []
        nxt = (data.get("_links") or {}).get("next")
        url = (nxt if nxt.startswith("http") else http.base_url + nxt) if nxt else None


def _tree(http: HttpClient, page_id: str, size: int) -> Iterator[Any]:
    """A page and, depth first, every page below it."""
    root, _ = http.get_json(f"/rest/api/content/{page_id}", {"expand": EXPAND})
    todo = [root] if isinstance(root, dict) else []
    while todo:
        page = todo.pop()
        yield page
        children = list(_paged(http, f"/rest/api/content/{page['id']}/child/page",
                               {"expand": EXPAND, "limit": size}))
        todo.extend(reversed(children))


def _people(page: Mapping[str, Any], users: dict[str, str], refs: set[tuple[str, str]]) -> None:
    """Users named with a display name go straight to users; bare references are looked up."""
    for block in (page.get("version") or {}).get("by"), (page.get("history") or {}).get("createdBy"):
        if isinstance(block, dict) and block.get("displayName"):
            for ident in ("accountId", "userKey", "username"):
                if block.get(ident):
                    users[str(block[ident])] = str(block["displayName"])
    body = str(((page.get("body") or {}).get("storage") or {}).get("value") or "")
    refs.update(_USER_REF.findall(body))


def _lookup(http: HttpClient, users: dict[str, str], refs: set[tuple[str, str]],
            mirror: Mirror) -> int:
    missing = set(mirror.state.get("unknown_users") or [])
    count = 0
    for attr, ident in sorted(refs):
        if ident in users or ident in missing:
            continue
        count += 1
        try:
            data, _ = http.get_json("/rest/api/user", {_PARAM[attr]: ident})
        except AccessError as exc:  # deleted or hidden user: the text keeps the bare mention
            if exc.status == 401:
                raise
            missing.add(ident)
            continue
        if isinstance(data, dict) and data.get("displayName"):
            users[ident] = str(data["displayName"])
    mirror.state["unknown_users"] = sorted(missing)
    return count
