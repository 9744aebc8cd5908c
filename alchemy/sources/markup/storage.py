"""Confluence storage format (XHTML with ac:/ri: tags) to Markdown-like text.

Macros carry most of a page's structure: code and panels become fences and labelled text,
navigation macros (toc, children, pagetree...) are dropped because they hold no knowledge, and
user links resolve to display names through a users map so the sanitizer can see them.
Pages are parsed into dom.py's BeautifulSoup-shaped tree and walked by render.py: the same
text the BeautifulSoup walker gave, several times faster.
"""

from __future__ import annotations

from collections.abc import Mapping

from .common import fence, labelled, tidy
from .dom import Node, parse, text_of
from .render import TreeRenderer

DROP_MACROS = {"toc", "toc-zone-marker", "recently-updated", "children", "pagetree",
               "pagetreesearch", "placeholder", "livesearch", "contentbylabel", "attachments",
               "create-from-template", "blog-posts", "gallery", "profile-picture",
               "space-details", "include", "excerpt-include", "viewfile", "view-file"}
INLINE_MACROS = {"status", "jira", "anchor"}
PANELS = {"info": "Info", "note": "Note", "warning": "Warning", "tip": "Tip"}
_MACROS = ("ac:structured-macro", "ac:macro")
_RESOURCES = ("ri:user", "ri:page", "ri:blog-post", "ri:attachment", "ri:url", "ri:space",
              "ri:content-entity")
_LINK_BODIES = ("ac:link-body", "ac:plain-text-link-body")


class StorageRenderer(TreeRenderer):
    """Renderer that understands ac:structured-macro, ac:link, ri:user and task lists."""

    def __init__(self, users: Mapping[str, str] | None, people: list[str]) -> None:
        super().__init__()
        self.users = {str(k): str(v) for k, v in (users or {}).items() if k and v}
        self.people = people

    def is_block(self, el: Node) -> bool:
        if el.tag in _MACROS:
            return _macro_name(el) not in INLINE_MACROS
        return super().is_block(el)

    def block(self, el: Node) -> str:
        if el.tag in _MACROS:
            return self.macro(el)
        if el.tag == "ac:task-list":
            return self.tasks(el)
        return super().block(el)

    def inline(self, el: Node) -> str:
        name = el.tag
        if name in _MACROS:
            macro = _macro_name(el)
            if macro == "status":
                return _params(el).get("title", "")
            if macro == "jira":
                return _params(el).get("key", "")
            return "" if macro == "anchor" else " ".join(self.macro(el).split())
        if name == "ac:link":
            return self.link(el)
        if name == "ri:user":
            return self.user(el)
        if name in ("ri:page", "ri:blog-post"):
            return el.get("ri:content-title", "")
        return super().inline(el)

    def macro(self, el: Node) -> str:
        name = _macro_name(el)
        if name in DROP_MACROS:
            return ""
        params = _params(el)
        rich = el.child("ac:rich-text-body")
        plain = el.child("ac:plain-text-body")
        if name in ("code", "noformat", "code-block"):
            code = fence(text_of(plain) if plain is not None else "", params.get("language", ""))
            return labelled(params.get("title", ""), code)
        body = self.children(rich) if rich is not None else ""
        if name in PANELS:
            title = params.get("title", "")
            return labelled(PANELS[name] + (f" ({title})" if title else ""), body)
        if name == "panel":
            return labelled(params.get("title", ""), body)
        if name in ("expand", "ui-expand"):
            return labelled(params.get("title") or "Details", body)
        if rich is not None:
            return body
        return fence(text_of(plain)) if plain is not None and text_of(plain).strip() else ""

    def tasks(self, el: Node) -> str:
        lines = []
        for task in el.kids:
            if not isinstance(task, Node) or task.tag != "ac:task":
                continue
            status = next(task.descendants("ac:task-status"), None)
            done = status is not None and text_of(status, strip=True) == "complete"
            body = next(task.descendants("ac:task-body"), None)
            lines.append(self.item("- [x] " if done else "- [ ] ", task if body is None else body))
        return "\n".join(lines)

    def link(self, el: Node) -> str:
        res = el.child(*_RESOURCES)
        body = el.child(*_LINK_BODIES)
        if res is not None and res.tag == "ri:user":
            return self.user(res)
        text = self.inline_children(body).strip() if body is not None else ""
        if text:
            return text
        if res is None:
            return el.get("ac:anchor", "")
        for attr in ("ri:content-title", "ri:filename", "ri:value", "ri:space-key"):
            if res.get(attr):
                return res.get(attr)
        return ""

    def user(self, el: Node) -> str:
        key = el.get("ri:account-id") or el.get("ri:userkey") or el.get("ri:username") or ""
        name = self.users.get(key)
        if not name:
            return "@user"
        self.people.append(name)
        return name


def _macro_name(el: Node) -> str:
    return (el.get("ac:name") or "").lower()


def _params(el: Node) -> dict[str, str]:
    return {p.get("ac:name", ""): text_of(p, strip=True)
            for p in el.kids if isinstance(p, Node) and p.tag == "ac:parameter"}


def storage_to_text(
    xhtml: str, users: Mapping[str, str] | None = None, people: list[str] | None = None
) -> str:
    """Convert storage XHTML; resolved user display names are appended to ``people``."""
    renderer = StorageRenderer(users, people if people is not None else [])
    return tidy(renderer.document(parse(xhtml)))
