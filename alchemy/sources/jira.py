"""Jira exports to Records: one Record per issue, description and comments as Markdown.

Accepts what Jira actually emits: REST search pages (v2 wiki markup and v3 ADF, offset or
nextPageToken paging), single issue objects, lists of issues and webhook payloads. Every user
object seen anywhere in an issue feeds meta.people/emails so the sanitizer can mask names in
the text, including the ones that only appear as [~mentions].
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..records import Quarantine, Record
from . import bounded
from .markup.adf import adf_to_text
from .markup.common import demote, iso_date, load_json, rel_path, uniq
from .markup.wiki import name_index, wiki_to_text

PATTERNS = ("**/*.json",)
SOURCE = "jira"
Item = tuple[Any, list[Any], list[Any]]  # (issue, extra comments, extra user objects)


@bounded
def parse_file(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """Yield one Record per issue in the file; bad files and issues become Quarantine."""
    yield from _parse(Path(path), cfg)  # bounded() quarantines anything it raises


def _parse(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    rel = rel_path(path, cfg)
    data, err = load_json(Path(path))
    if err:
        yield Quarantine(SOURCE, rel, err)
        return
    items = _items(data)
    if items is None:
        yield Quarantine(SOURCE, rel, "no Jira issue found (expected a search page, an issue, "
                         "a list of issues or a webhook payload)")
        return
    for issue, comments, actors in items:
        key = issue.get("key") if isinstance(issue, dict) else None
        qid = f"{SOURCE}:{key}" if isinstance(key, str) and key else ""
        if not qid or not isinstance(issue.get("fields"), dict):
            yield Quarantine(SOURCE, rel, "issue without key/fields", id=qid)
            continue
        try:
            yield _record(issue, comments, actors, rel, cfg)
        except Exception as exc:  # a malformed field must not stop the other issues
            yield Quarantine(SOURCE, rel, f"unparseable issue: {type(exc).__name__}: {exc}", qid)


def _items(data: Any) -> list[Item] | None:
    if isinstance(data, list):
        return [(i, [], []) for i in data]
    if not isinstance(data, dict):
        return None
    if "webhookEvent" in data:
        comment = data.get("comment")
        return [(data.get("issue"), [comment] if isinstance(comment, dict) else [],
                 [data.get("user")])]
    if isinstance(data.get("issues"), list):
        return [(i, [], []) for i in data["issues"]]
    if "key" in data and "fields" in data:
        return [(data, [], [])]
    return None


def _users(obj: Any, out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every Jira user object (anything with a displayName) anywhere inside obj, in order."""
    if isinstance(obj, dict):
        name = obj.get("displayName")
        if isinstance(name, str) and name.strip():
            out.append(obj)
        values: Any = obj.values()
    elif isinstance(obj, list):
        values = obj
    else:
        return out
    for value in values:
        if isinstance(value, (dict, list)):  # scalars hold no users: skip the call
            _users(value, out)
    return out


def _name(user: Any) -> str:
    if not isinstance(user, dict):
        return ""
    return str(user.get("displayName") or user.get("name") or "")


def _links(fields: Mapping[str, Any]) -> list[str]:
    out = []
    for link in fields.get("issuelinks") or []:
        kind = link.get("type") or {}
        for side, verb in (("outwardIssue", "outward"), ("inwardIssue", "inward")):
            other = link.get(side) or {}
            if other.get("key"):
                out.append(f"{kind.get(verb) or 'relates to'} {other['key']}")
    return out


def _record(
    issue: dict[str, Any], extra: list[Any], actors: list[Any], rel: str, cfg: Mapping[str, Any]
) -> Record:
    key, f = issue["key"], issue["fields"]
    users = _users([issue, extra, actors], [])
    names: dict[str, str] = {}
    for u in users:
        local = str(u.get("emailAddress") or "").partition("@")[0]  # Server usernames
        for ident in (u.get("name"), u.get("key"), u.get("accountId"), local):
            if ident:
                names.setdefault(str(ident), u["displayName"])
    mentions: list[str] = []
    index = name_index(names)

    def body(value: Any) -> str:
        if isinstance(value, str):
            return demote(wiki_to_text(value, index, mentions))
        return demote(adf_to_text(value, mentions)) if isinstance(value, dict) else ""

    def named(field: str) -> str:
        value = f.get(field)
        return str(value.get("name") or "") if isinstance(value, dict) else ""

    summary = str(f.get("summary") or "").strip()
    labels = [str(x) for x in f.get("labels") or []]
    components = [c.get("name", "") for c in f.get("components") or [] if isinstance(c, dict)]
    links = _links(f)
    resolution = named("resolution") or ("Unresolved" if "resolution" in f else "")
    facts = [("Type", named("issuetype")), ("Status", named("status")),
             ("Resolution", resolution), ("Priority", named("priority"))]
    lines = [f"{key}: {summary}" if summary else key,
             " | ".join(f"{k}: {v}" for k, v in facts if v)]
    parent = f.get("parent") or {}
    if parent.get("key"):
        psum = (parent.get("fields") or {}).get("summary") or ""
        lines.append(f"Parent: {parent['key']} {psum}".rstrip())
    versions = [str(v.get("name", "")) for v in f.get("fixVersions") or [] if isinstance(v, dict)]
    for label, values in (("Labels", labels), ("Components", components), ("Links", links),
                          ("Fix versions", versions)):
        if values:
            lines.append(f"{label}: {', '.join(values)}")
    desc = body(f.get("description"))
    if desc:
        lines += ["", "## Description", "", desc]
    if cfg["include_comments"]:
        notes = [f"**{_name(c.get('author')) or 'Unknown'}** ({str(c.get('created', ''))[:10]}):\n"
                 f"{body(c.get('body'))}" for c in _comments(f, extra)]
        if notes:
            lines += ["", "## Comments", "", "\n\n".join(notes)]
    base = str(cfg.get("base_url") or "").rstrip("/")
    self_url = str(issue.get("self") or "")
    if not base and "/rest/" in self_url:
        base = self_url.split("/rest/", 1)[0]
    project = f.get("project") or {}
    return Record(
        id=f"{SOURCE}:{key}", source=SOURCE, kind="issue", title=summary or key,
        text="\n".join(line for line in lines if line is not None).strip(),
        url=f"{base}/browse/{key}" if base else "", created_at=iso_date(f.get("created")),
        meta={"path": rel, "key": key, "project": project.get("key") or key.split("-")[0],
              "status": named("status"), "resolution": named("resolution"),
              "issuetype": named("issuetype"), "priority": named("priority"),
              "labels": labels, "components": components, "links": links,
              "author": _name(f.get("reporter")) or _name(f.get("creator")),
              "assignee": _name(f.get("assignee")),
              "people": uniq([u["displayName"] for u in users] + mentions),
              "emails": uniq([u.get("emailAddress") for u in users])},
    )


def _comments(fields: Mapping[str, Any], extra: list[Any]) -> list[dict[str, Any]]:
    """Issue comments plus a webhook's comment, without duplicates, oldest first."""
    block = fields.get("comment")
    found = block.get("comments") if isinstance(block, dict) else block
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for c in list(found or []) + extra:
        if not isinstance(c, dict):
            continue
        ident = str(c.get("id") or (c.get("created"), str(c.get("body"))[:200]))
        if ident not in seen:
            seen.add(ident)
            out.append(c)
    return sorted(out, key=lambda c: str(c.get("created") or ""))
