"""HTML to Markdown-like text: the BeautifulSoup walker.

One block/inline walker serves plain HTML (document files, e-mail, HTML inside GitHub bodies).
Confluence pages (storage format, whose ac:/ri: tags keep their prefixed names, and space
exports) use render.py: these same rules over dom.py's faster tree, with the Confluence
handling in ``storage.py``. A rule changed here must change there too; tests/test_parse_parity.py
compares the two.
"""

from __future__ import annotations

import re
from typing import Any

from .common import fence, labelled, md_table, tidy

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
SKIP = {"script", "style", "noscript", "template", "head", "title", "nav", "button", "svg",
        "iframe", "object", "form", "select", "meta", "link", "footer", "img", "map", "canvas",
        "ac:placeholder", "ac:emoticon", "ac:image", "ac:parameter", "ac:task-id",
        "ac:task-status", "ac:task-uuid", "ac:adf-attribute", "ac:adf-fallback"}
BLOCK = {"p", "div", "section", "article", "main", "header", "aside", "ul", "ol", "li", "table",
         "pre", "blockquote", "hr", "dl", "dt", "dd", "figure", "figcaption", "details",
         "summary", "body", "html", "center", "address", "fieldset", "tr", "td", "th", "thead",
         "tbody", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6", "ac:layout", "ac:layout-section",
         "ac:layout-cell", "ac:task-list", "ac:rich-text-body", "ac:adf-extension",
         "ac:adf-node", "ac:adf-content"}
_WRAP = {"strong": "**", "b": "**", "em": "_", "i": "_", "s": "~~", "del": "~~", "strike": "~~"}
_SKIP_CLASSES = {"toc-macro", "plugin_pagetree", "recently-updated", "aui-icon",
                 "expand-control-icon", "confluence-information-macro-icon"}
_INFO_LABELS = {"information": "Info", "note": "Note", "warning": "Warning", "tip": "Tip"}


def parse(markup: str) -> Any:
    """BeautifulSoup tree (lxml, html.parser fallback); CDATA kept as escaped text.

    Both HTML parsers drop or mangle CDATA, and Confluence puts all code bodies in CDATA.
    """
    from bs4 import BeautifulSoup, FeatureNotFound

    markup = _CDATA.sub(lambda m: _escape(m.group(1)), markup)
    try:
        return BeautifulSoup(markup, "lxml")
    except FeatureNotFound:
        return BeautifulSoup(markup, "html.parser")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Renderer:
    """Walks a soup and returns Markdown-like text; subclassed for Confluence storage."""

    def __init__(self, keep_newlines: bool = False) -> None:
        self.keep_newlines = keep_newlines
        self.plain = 0  # >0 inside headings: no emphasis markers

    def is_block(self, tag: Any) -> bool:
        return tag.name in BLOCK

    def skip(self, tag: Any) -> bool:
        return tag.name in SKIP or bool(_SKIP_CLASSES & set(tag.get("class") or []))

    def children(self, node: Any, sep: str = "\n\n") -> str:
        from bs4 import NavigableString, Tag
        from bs4.element import PreformattedString

        parts: list[str] = []
        buf: list[str] = []
        for child in node.children:
            if isinstance(child, PreformattedString):  # comments, doctypes, CDATA leftovers
                continue
            if isinstance(child, NavigableString):
                buf.append(self.text(str(child)))
            elif isinstance(child, Tag) and not self.skip(child):
                if self.is_block(child):
                    parts.append(self.para("".join(buf)))
                    buf = []
                    parts.append(self.block(child))
                else:
                    buf.append(self.inline(child))
        parts.append(self.para("".join(buf)))
        return sep.join(p for p in parts if p.strip())

    def text(self, s: str) -> str:
        return s.replace("\r\n", "\n") if self.keep_newlines else re.sub(r"\s+", " ", s)

    def para(self, text: str) -> str:
        if self.keep_newlines:
            return "\n".join(ln.rstrip() for ln in text.split("\n")).strip("\n")
        return "\n".join(re.sub(" {2,}", " ", ln).strip() for ln in text.split("\n")).strip()

    def block(self, tag: Any) -> str:
        name = tag.name
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.plain += 1
            title = " ".join(self.children(tag, " ").split())
            self.plain -= 1
            return "#" * int(name[1]) + " " + title if title else ""
        if name in ("ul", "ol"):
            return self.listing(tag)
        if name == "li":
            return self.item("- ", tag)
        if name == "table":
            return self.table(tag)
        if name == "pre":
            return fence(tag.get_text(), _code_lang(tag))
        if name == "blockquote":
            body = self.children(tag)
            return "\n".join(f"> {ln}".rstrip() for ln in body.split("\n"))
        if name == "hr":
            return "---"
        classes = set(tag.get("class") or [])
        if "confluence-information-macro" in classes:
            return self.info_box(tag, classes)
        return self.children(tag)

    def info_box(self, tag: Any, classes: set[str]) -> str:
        """Confluence export info/note/warning/tip boxes -> "Note: ..." labelled text."""
        kind = next((c.rsplit("-", 1)[-1] for c in classes
                     if c.startswith("confluence-information-macro-")), "note")
        label = _INFO_LABELS.get(kind, "Note")
        title = tag.find(class_="title")
        if title and title.get_text(strip=True):
            label = f"{label} ({title.get_text(' ', strip=True)})"
        body = tag.find(class_="confluence-information-macro-body") or tag
        return labelled(label, self.children(body))

    def listing(self, tag: Any) -> str:
        from bs4 import Tag

        ordered = tag.name == "ol"
        tasks = "inline-task-list" in (tag.get("class") or [])
        try:
            n = int(tag.get("start") or 1)
        except ValueError:
            n = 1
        lines: list[str] = []
        for child in tag.children:
            if not isinstance(child, Tag) or self.skip(child):
                continue
            if child.name in ("ul", "ol"):  # malformed nesting: a list directly in a list
                lines += ["  " + ln for ln in self.listing(child).split("\n")]
                continue
            if tasks:
                mark = "- [x] " if "checked" in (child.get("class") or []) else "- [ ] "
            else:
                mark = f"{n}. " if ordered else "- "
            n += 1
            lines.append(self.item(mark, child))
        return "\n".join(ln for ln in lines if ln)

    def item(self, mark: str, tag: Any) -> str:
        body = self.children(tag, "\n")
        first, *rest = body.split("\n")
        return "\n".join([mark + first] + ["  " + ln if ln else ln for ln in rest])

    def table(self, tag: Any) -> str:
        rows = []
        for tr in tag.find_all("tr"):
            if tr.find_parent("table") is tag:
                cells = tr.find_all(["td", "th"], recursive=False)
                rows.append([self.children(c, "\n") for c in cells])
        return md_table(rows)

    def inline(self, tag: Any) -> str:
        name = tag.name
        if name == "br":
            return "\n"
        if name in ("code", "tt", "kbd", "samp"):
            code = " ".join(tag.get_text().split()) if not self.keep_newlines else tag.get_text()
            return f"`{code}`" if code.strip() else code
        if name == "input" and tag.get("type") == "checkbox":
            return "[x] " if tag.has_attr("checked") else "[ ] "
        if name == "time":
            return tag.get("datetime") or tag.get_text()
        body = self.inline_children(tag)
        if name in _WRAP and not self.plain:
            return _wrap(body, _WRAP[name])
        if name == "a":
            href = tag.get("href") or ""
            label = body.strip()
            if href.startswith(("http://", "https://")) and label != href:
                return f"{body} ({href})" if label else href
        return body

    def inline_children(self, tag: Any) -> str:
        from bs4 import NavigableString, Tag
        from bs4.element import PreformattedString

        out = []
        for child in tag.children:
            if isinstance(child, PreformattedString):
                continue
            if isinstance(child, NavigableString):
                out.append(self.text(str(child)))
            elif isinstance(child, Tag) and not self.skip(child):
                out.append(f"\n\n{self.block(child)}\n\n" if self.is_block(child)
                           else self.inline(child))
        return "".join(out)


def _wrap(text: str, mark: str) -> str:
    core = text.strip()
    if not core or "\n" in core:
        return text
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}{mark}{core}{mark}{trail}"


def _code_lang(tag: Any) -> str:
    """Language of a <pre>: Confluence's brush parameter or a language-x class."""
    params = tag.get("data-syntaxhighlighter-params") or ""
    if m := re.search(r"brush:\s*([\w+#-]+)", params):
        return "" if m.group(1) in ("plain", "text", "none") else m.group(1)
    code = tag.find("code")
    for cls in list(tag.get("class") or []) + list((code.get("class") or []) if code else []):
        if cls.startswith(("language-", "lang-")):
            return cls.split("-", 1)[1]
    return ""


def html_to_text(markup: str | Any, keep_newlines: bool = False) -> str:
    """Convert an HTML string (or an already parsed soup/tag) to Markdown-like text."""
    node = parse(markup) if isinstance(markup, str) else markup
    root = node.body or node
    return tidy(Renderer(keep_newlines).children(root))


def document_title(soup: Any) -> str:
    """<title>, else the first <h1>: how an HTML file names itself."""
    for sel in ("title", "h1"):
        tag = soup.find(sel)
        if tag and tag.get_text(strip=True):
            return " ".join(tag.get_text(" ", strip=True).split())
    return ""

