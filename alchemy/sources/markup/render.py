"""html.Renderer's rules over a dom.Node tree: the fast path for Confluence pages.

The rules and their order are html.Renderer's (keep_newlines=False, the only mode Confluence
uses), so the text is byte-identical; only the tree differs: dom.py's plain nodes instead of
a BeautifulSoup soup, and string helpers that skip work the regexes did on every string.
"""

from __future__ import annotations

import re

from .common import fence, labelled, md_table
from .dom import Node, first, text_of
from .html import _INFO_LABELS, _SKIP_CLASSES, _WRAP, BLOCK, SKIP, _wrap

_SPACES = re.compile(" {2,}")
_BRUSH = re.compile(r"brush:\s*([\w+#-]+)")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CODE = {"code", "tt", "kbd", "samp"}


def squash(s: str) -> str:
    """re.sub(r"\\s+", " ", s) without the regex: str.split() uses the same whitespace."""
    if "  " not in s and s.isprintable():  # its only whitespace is single spaces
        return s
    parts = s.split()
    if not parts:
        return " " if s else ""
    out = " ".join(parts)
    if s[0].isspace():
        out = " " + out
    if s[-1].isspace():
        out += " "
    return out


class TreeRenderer:
    """Walks a dom.Node tree and returns Markdown-like text; subclassed for Confluence storage."""

    def __init__(self) -> None:
        self.plain = 0  # >0 inside headings: no emphasis markers

    def is_block(self, el: Node) -> bool:
        return el.tag in BLOCK

    def skip(self, el: Node) -> bool:
        if el.tag in SKIP:
            return True
        cls = el.attrs.get("class")
        return bool(cls) and not _SKIP_CLASSES.isdisjoint(cls.split())

    def document(self, root: Node) -> str:
        """``children(soup.body or soup)``, as html_to_text and storage_to_text render."""
        return self.children(next(root.descendants("body"), root))

    def children(self, node: Node, sep: str = "\n\n") -> str:
        parts: list[str] = []
        buf: list[str] = []
        for kid in node.kids:
            if isinstance(kid, str):
                buf.append(squash(kid))
            elif not self.skip(kid):
                if self.is_block(kid):
                    parts.append(self.para("".join(buf)))
                    buf = []
                    parts.append(self.block(kid))
                else:
                    buf.append(self.inline(kid))
        parts.append(self.para("".join(buf)))
        return sep.join(p for p in parts if p.strip())

    def para(self, text: str) -> str:
        if "\n" not in text:
            return (_SPACES.sub(" ", text) if "  " in text else text).strip()
        return "\n".join((_SPACES.sub(" ", ln) if "  " in ln else ln).strip()
                         for ln in text.split("\n")).strip()

    def block(self, el: Node) -> str:
        name = el.tag
        if name in _HEADINGS:
            self.plain += 1
            title = " ".join(self.children(el, " ").split())
            self.plain -= 1
            return "#" * int(name[1]) + " " + title if title else ""
        if name in ("ul", "ol"):
            return self.listing(el)
        if name == "li":
            return self.item("- ", el)
        if name == "table":
            return self.table(el)
        if name == "pre":
            return fence(text_of(el), _code_lang(el))
        if name == "blockquote":
            body = self.children(el)
            return "\n".join(f"> {ln}".rstrip() for ln in body.split("\n"))
        if name == "hr":
            return "---"
        classes = set(el.classes())
        if "confluence-information-macro" in classes:
            return self.info_box(el, classes)
        return self.children(el)

    def info_box(self, el: Node, classes: set[str]) -> str:
        """Confluence export info/note/warning/tip boxes -> "Note: ..." labelled text."""
        kind = next((c.rsplit("-", 1)[-1] for c in classes
                     if c.startswith("confluence-information-macro-")), "note")
        label = _INFO_LABELS.get(kind, "Note")
        title = first(el, "title")
        if title is not None and text_of(title, strip=True):
            label = f"{label} ({text_of(title, ' ', strip=True)})"
        body = first(el, "confluence-information-macro-body")
        return labelled(label, self.children(el if body is None else body))

    def listing(self, el: Node) -> str:
        ordered = el.tag == "ol"
        tasks = "inline-task-list" in el.classes()
        try:
            n = int(el.get("start") or 1)
        except ValueError:
            n = 1
        lines: list[str] = []
        for kid in el.kids:
            if isinstance(kid, str) or self.skip(kid):
                continue
            if kid.tag in ("ul", "ol"):  # malformed nesting: a list directly in a list
                lines += ["  " + ln for ln in self.listing(kid).split("\n")]
                continue
            if tasks:
                mark = "- [x] " if "checked" in kid.classes() else "- [ ] "
            else:
                mark = f"{n}. " if ordered else "- "
            n += 1
            lines.append(self.item(mark, kid))
        return "\n".join(ln for ln in lines if ln)

    def item(self, mark: str, el: Node) -> str:
        body = self.children(el, "\n")
        head, *rest = body.split("\n")
        return "\n".join([mark + head] + ["  " + ln if ln else ln for ln in rest])

    def table(self, el: Node) -> str:
        rows = []
        for tr in el.descendants("tr"):
            if next((up for up in tr.ancestors() if up.tag == "table"), None) is el:
                cells = [c for c in tr.kids if isinstance(c, Node) and c.tag in ("td", "th")]
                rows.append([self.children(c, "\n") for c in cells])
        return md_table(rows)

    def inline(self, el: Node) -> str:
        name = el.tag
        if name == "br":
            return "\n"
        if name in _CODE:
            code = " ".join(text_of(el).split())
            return f"`{code}`" if code.strip() else code
        if name == "input" and el.get("type") == "checkbox":
            return "[x] " if "checked" in el.attrs else "[ ] "
        if name == "time":
            return el.get("datetime") or text_of(el)
        body = self.inline_children(el)
        if name in _WRAP and not self.plain:
            return _wrap(body, _WRAP[name])
        if name == "a":
            href = el.get("href") or ""
            label = body.strip()
            if href.startswith(("http://", "https://")) and label != href:
                return f"{body} ({href})" if label else href
        return body

    def inline_children(self, el: Node) -> str:
        out = []
        for kid in el.kids:
            if isinstance(kid, str):
                out.append(squash(kid))
            elif not self.skip(kid):
                out.append(f"\n\n{self.block(kid)}\n\n" if self.is_block(kid)
                           else self.inline(kid))
        return "".join(out)


def _code_lang(el: Node) -> str:
    """Language of a <pre>: Confluence's brush parameter or a language-x class."""
    if m := _BRUSH.search(el.get("data-syntaxhighlighter-params") or ""):
        return "" if m.group(1) in ("plain", "text", "none") else m.group(1)
    code = next(el.descendants("code"), None)
    for cls in el.classes() + (code.classes() if code is not None else []):
        if cls.startswith(("language-", "lang-")):
            return cls.split("-", 1)[1]
    return ""
