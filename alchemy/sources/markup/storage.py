"""Confluence storage format (XHTML with ac:/ri: tags) to Markdown-like text.

Macros carry most of a page's structure: code and panels become fences and labelled text,
navigation macros (toc, children, pagetree...) are dropped because they hold no knowledge, and
user links resolve to display names through a users map so the sanitizer can see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import fence, labelled, tidy
from .html import Renderer, parse

DROP_MACROS = {"toc", "toc-zone-marker", "recently-updated", "children", "pagetree",
               "pagetreesearch", "placeholder", "livesearch", "contentbylabel", "attachments",
               "create-from-template", "blog-posts", "gallery", "profile-picture",
               "space-details", "include", "excerpt-include", "viewfile", "view-file"}
INLINE_MACROS = {"status", "jira", "anchor"}
PANELS = {"info": "Info", "note": "Note", "warning": "Warning", "tip": "Tip"}
_RESOURCES = ("ri:user", "ri:page", "ri:blog-post", "ri:attachment", "ri:url", "ri:space",
              "ri:content-entity")


class StorageRenderer(Renderer):
    """Renderer that understands ac:structured-macro, ac:link, ri:user and task lists."""

    def __init__(self, users: Mapping[str, str] | None, people: list[str]) -> None:
        super().__init__()
        self.users = {str(k): str(v) for k, v in (users or {}).items() if k and v}
        self.people = people

    def is_block(self, tag: Any) -> bool:
        if tag.name == "ac:structured-macro" or tag.name == "ac:macro":
            return _macro_name(tag) not in INLINE_MACROS
        return super().is_block(tag)

    def block(self, tag: Any) -> str:
        if tag.name in ("ac:structured-macro", "ac:macro"):
            return self.macro(tag)
        if tag.name == "ac:task-list":
            return self.tasks(tag)
        return super().block(tag)

    def inline(self, tag: Any) -> str:
        name = tag.name
        if name in ("ac:structured-macro", "ac:macro"):
            params = _params(tag)
            macro = _macro_name(tag)
            if macro == "status":
                return params.get("title", "")
            if macro == "jira":
                return params.get("key", "")
            return "" if macro == "anchor" else " ".join(self.macro(tag).split())
        if name == "ac:link":
            return self.link(tag)
        if name == "ri:user":
            return self.user(tag)
        if name in ("ri:page", "ri:blog-post"):
            return tag.get("ri:content-title", "")
        return super().inline(tag)

    def macro(self, tag: Any) -> str:
        name = _macro_name(tag)
        params = _params(tag)
        rich = tag.find("ac:rich-text-body", recursive=False)
        plain = tag.find("ac:plain-text-body", recursive=False)
        if name in DROP_MACROS:
            return ""
        if name in ("code", "noformat", "code-block"):
            code = fence(plain.get_text() if plain else "", params.get("language", ""))
            return labelled(params.get("title", ""), code)
        body = self.children(rich) if rich else ""
        if name in PANELS:
            title = params.get("title", "")
            return labelled(PANELS[name] + (f" ({title})" if title else ""), body)
        if name == "panel":
            return labelled(params.get("title", ""), body)
        if name in ("expand", "ui-expand"):
            return labelled(params.get("title") or "Details", body)
        if rich:
            return body
        return fence(plain.get_text()) if plain and plain.get_text().strip() else ""

    def tasks(self, tag: Any) -> str:
        lines = []
        for task in tag.find_all("ac:task", recursive=False):
            status = task.find("ac:task-status")
            done = status is not None and status.get_text(strip=True) == "complete"
            body = task.find("ac:task-body")
            lines.append(self.item("- [x] " if done else "- [ ] ", body or task))
        return "\n".join(lines)

    def link(self, tag: Any) -> str:
        res = next((c for c in tag.find_all(_RESOURCES, recursive=False)), None)
        body = tag.find(["ac:link-body", "ac:plain-text-link-body"], recursive=False)
        if res is not None and res.name == "ri:user":
            return self.user(res)
        text = self.inline_children(body).strip() if body else ""
        if text:
            return text
        if res is None:
            return tag.get("ac:anchor", "")
        for attr in ("ri:content-title", "ri:filename", "ri:value", "ri:space-key"):
            if res.get(attr):
                return res[attr]
        return ""

    def user(self, tag: Any) -> str:
        key = tag.get("ri:account-id") or tag.get("ri:userkey") or tag.get("ri:username") or ""
        name = self.users.get(key)
        if not name:
            return "@user"
        self.people.append(name)
        return name


def _macro_name(tag: Any) -> str:
    return (tag.get("ac:name") or "").lower()


def _params(tag: Any) -> dict[str, str]:
    return {p.get("ac:name", ""): p.get_text(strip=True)
            for p in tag.find_all("ac:parameter", recursive=False)}


def storage_to_text(
    xhtml: str, users: Mapping[str, str] | None = None, people: list[str] | None = None
) -> str:
    """Convert storage XHTML; resolved user display names are appended to ``people``."""
    soup = parse(xhtml)
    root = soup.body or soup
    return tidy(StorageRenderer(users, people if people is not None else []).children(root))
