"""Atlassian Document Format (Jira REST v3, Confluence "atlas_doc_format") to Markdown-like text.

ADF is a typed tree, so this is a plain recursive renderer: block nodes return text blocks,
inline nodes return strings. Media is dropped (no text to learn from); unknown nodes fall back
to their children so new node types degrade to plain text rather than vanishing.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .common import fence, labelled, md_table, tidy

_PANELS = {"info": "Info", "note": "Note", "warning": "Warning", "error": "Error",
           "success": "Success", "tip": "Tip", "custom": "Note"}
_DROP = {"media", "mediaSingle", "mediaGroup", "mediaInline", "placeholder", "extension",
         "inlineExtension"}
_INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard", "status", "date", "placeholder",
           "mediaInline", "inlineExtension"}


class _Adf:
    def __init__(self, mentions: list[str] | None) -> None:
        self.mentions = mentions if mentions is not None else []

    def blocks(self, nodes: list[Any], sep: str = "\n\n") -> str:
        parts: list[str] = []
        run: list[str] = []
        for node in nodes or []:
            if not isinstance(node, dict):
                continue
            if node.get("type") in _INLINE:
                run.append(self.inline(node))
                continue
            if run:
                parts.append("".join(run))
                run = []
            parts.append(self.block(node))
        if run:
            parts.append("".join(run))
        return sep.join(p for p in parts if p.strip())

    def block(self, node: dict[str, Any]) -> str:
        kind = node.get("type", "")
        attrs = node.get("attrs") or {}
        content = node.get("content") or []
        if kind in _DROP:
            return ""
        if kind == "paragraph":
            return self.inlines(content)
        if kind == "heading":
            return "#" * int(attrs.get("level") or 1) + " " + self.inlines(content).strip()
        if kind in ("bulletList", "orderedList", "taskList", "decisionList"):
            return self.listing(kind, content, int(attrs.get("order") or 1))
        if kind == "codeBlock":
            code = "".join(c.get("text", "") for c in content if isinstance(c, dict))
            return fence(code, attrs.get("language") or "")
        if kind == "blockquote":
            inner = self.blocks(content)
            return "\n".join(f"> {ln}".rstrip() for ln in inner.split("\n"))
        if kind == "panel":
            label = _PANELS.get(attrs.get("panelType") or "info", "Note")
            return labelled(label, self.blocks(content))
        if kind in ("expand", "nestedExpand"):
            return labelled(attrs.get("title") or "Details", self.blocks(content))
        if kind == "table":
            return self.table(content)
        if kind == "rule":
            return "---"
        if kind in ("blockCard", "embedCard"):
            return attrs.get("url") or (attrs.get("data") or {}).get("url", "")
        return self.blocks(content)

    def listing(self, kind: str, items: list[Any], start: int) -> str:
        lines: list[str] = []
        for n, item in enumerate(i for i in items if isinstance(i, dict)):
            if kind == "orderedList":
                mark = f"{start + n}. "
            elif kind == "taskList":
                mark = "- [x] " if (item.get("attrs") or {}).get("state") == "DONE" else "- [ ] "
            else:
                mark = "- "
            if item.get("type") in ("bulletList", "orderedList", "taskList"):
                body = self.block(item)  # task lists nest lists directly
                lines += ["  " + ln for ln in body.split("\n")]
                continue
            body = self.blocks(item.get("content") or [], sep="\n")
            first, *rest = body.split("\n") or [""]
            lines.append(mark + first)
            lines += ["  " + ln if ln else ln for ln in rest]
        return "\n".join(lines)

    def table(self, rows: list[Any]) -> str:
        grid = []
        for row in rows:
            if isinstance(row, dict) and row.get("type") == "tableRow":
                grid.append([self.blocks(c.get("content") or [], sep="\n")
                             for c in row.get("content") or [] if isinstance(c, dict)])
        return md_table(grid)

    def inlines(self, nodes: list[Any]) -> str:
        out = ""
        for node in nodes or []:
            if isinstance(node, dict):
                piece = self.inline(node)
                if node.get("type") == "inlineCard" and out and not out[-1].isspace():
                    piece = " " + piece  # cards sit flush against text in ADF
                out += piece
        return out

    def inline(self, node: dict[str, Any]) -> str:
        kind = node.get("type")
        attrs = node.get("attrs") or {}
        if kind == "text":
            return _marks(node.get("text", ""), node.get("marks") or [])
        if kind == "hardBreak":
            return "\n"
        if kind == "mention":
            name = str(attrs.get("text") or "").lstrip("@").strip()
            if name:
                self.mentions.append(name)
            return name or "@user"
        if kind == "emoji":
            return attrs.get("text") or attrs.get("shortName") or ""
        if kind == "inlineCard":
            return attrs.get("url") or (attrs.get("data") or {}).get("url", "")
        if kind == "status":
            return str(attrs.get("text") or "")
        if kind == "date":
            try:
                stamp = datetime.fromtimestamp(int(attrs.get("timestamp")) / 1000, tz=timezone.utc)
                return stamp.date().isoformat()
            except (TypeError, ValueError, OverflowError):
                return ""
        if kind in _DROP:
            return ""
        return self.inlines(node.get("content") or []) or str(node.get("text") or "")


def _marks(text: str, marks: list[Any]) -> str:
    """Apply ADF marks; whitespace stays outside the markers so "**a **" never appears."""
    kinds = {m.get("type"): m for m in marks if isinstance(m, dict)}
    core = text.strip()
    if not core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    if "code" in kinds:
        core = f"`{core}`"
    else:
        if "strong" in kinds:
            core = f"**{core}**"
        if "em" in kinds:
            core = f"_{core}_"
        if "strike" in kinds:
            core = f"~~{core}~~"
    href = ((kinds.get("link") or {}).get("attrs") or {}).get("href")
    if href and href != text.strip():
        core = f"{core} ({href})"
    return lead + core + trail


def adf_to_text(doc: Any, mentions: list[str] | None = None) -> str:
    """Convert an ADF document (or node); mention names are appended to ``mentions``."""
    if not isinstance(doc, dict):
        return ""
    conv = _Adf(mentions)
    body = conv.blocks(doc["content"]) if doc.get("type") == "doc" else conv.block(doc)
    return tidy(body)
