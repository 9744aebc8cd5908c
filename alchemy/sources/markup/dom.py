"""A small BeautifulSoup-shaped tree built straight from lxml's HTML parser events.

BeautifulSoup(markup, "lxml") feeds the markup to libxml2's push parser and builds its soup
from the parser's events; for Confluence pages that soup cost more than the rest of the parse
together. This builds the same tree from the same events, with the same rules (whitespace-only
strings collapsed outside <pre>, strings split at comments, doctypes and PIs, <script>/<rt>...
strings kept apart for get_text(), "{ns}name" namespaces dropped, text after </html> kept in a
second root), as plain Python objects: the renderer's text stays byte-identical and walking
the tree is cheaper than walking lxml proxies. libxml2's own tree would drop some of these.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from .html import _CDATA, _escape

_WHITESPACE = "\x20\x0a\x09\x0c\x0d"  # BeautifulSoup's ASCII_SPACES
CONTAINERS = {"rt", "rp", "style", "script", "template"}  # BeautifulSoup's string containers
PRESERVE = {"pre", "textarea"}  # whitespace-only strings kept as they are inside these
DOCUMENT = "[document]"  # the root, as BeautifulSoup names its soup
_LOCAL = threading.local()


class Node:
    """An element: tag name, attributes, children (strings and Nodes) and parent."""

    __slots__ = ("tag", "attrs", "kids", "parent")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.kids: list[str | Node] = []

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()  # as BeautifulSoup splits it

    def child(self, *names: str) -> Node | None:
        """The first child element named one of names (find(..., recursive=False))."""
        return next((k for k in self.kids if k.__class__ is Node and k.tag in names), None)

    def descendants(self, name: str | None = None) -> Iterator[Node]:
        """Elements below this one in document order, optionally only those named name."""
        for kid in self.kids:
            if kid.__class__ is Node:
                if name is None or kid.tag == name:
                    yield kid
                yield from kid.descendants(name)

    def ancestors(self) -> Iterator[Node]:
        up = self.parent
        while up is not None:
            yield up
            up = up.parent


class Contained(str):
    """A string inside <script>, <style>, <template>, <rt> or <rp> (``kind``): BeautifulSoup's
    get_text() leaves it out, except when called on an element of that same kind."""

    kind = ""


class _Builder:
    """lxml parser target: BeautifulSoup's tree-building rules without BeautifulSoup."""

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.data = self.buf.append  # lxml keeps these bound methods: buf is never replaced
        self.reset()

    def reset(self) -> None:
        self.root = self.cur = Node(DOCUMENT, {}, None)
        self.buf.clear()
        self.pre = 0  # open <pre>/<textarea> elements
        self.kinds: list[str] = []  # open string containers, innermost last

    def flush(self) -> None:
        if not self.buf:
            return
        s = "".join(self.buf)
        self.buf.clear()
        if not self.pre and not s.strip(_WHITESPACE):  # whitespace only
            s = "\n" if "\n" in s else " "
        if self.kinds:
            s = Contained(s)
            s.kind = self.kinds[-1]
        self.cur.kids.append(s)

    def start(self, tag: str, attrib: dict[str, str], nsmap: Any = None) -> None:
        self.flush()
        attrs = dict(attrib) if attrib else {}
        if attrs and "{" in "".join(attrs):
            attrs = {_local(k): v for k, v in attrs.items()}
        node = Node(_local(tag) if tag[:1] == "{" else tag, attrs, self.cur)
        self.cur.kids.append(node)
        self.cur = node
        if node.tag in PRESERVE:
            self.pre += 1
        elif node.tag in CONTAINERS:
            self.kinds.append(node.tag)

    def end(self, tag: str) -> None:
        self.flush()
        name = _local(tag) if tag[:1] == "{" else tag
        if self.cur.tag != name and not any(n.tag == name for n in _open(self.cur)):
            return  # nothing open by that name: ignored, as BeautifulSoup does
        while self.cur.parent is not None:  # close up to and including the match
            node, self.cur = self.cur, self.cur.parent
            if node.tag in PRESERVE:
                self.pre -= 1
            elif node.tag in CONTAINERS:
                self.kinds.pop()
            if node.tag == name:
                break

    def comment(self, text: str) -> None:
        self.flush()  # comments, doctypes and PIs end a string and are not kept

    def doctype(self, *args: Any) -> None:
        self.flush()

    def pi(self, *args: Any) -> None:
        self.flush()

    def close(self) -> Node:
        self.flush()
        root = self.root
        self.reset()  # ready for the next document
        return root


def _open(node: Node) -> Iterator[Node]:
    while node.parent is not None:  # the root is never closed
        yield node
        node = node.parent


def _local(name: str) -> str:
    """BeautifulSoup drops the namespace of a "{ns}name" tag or attribute."""
    return name.split("}", 1)[1] if name[:1] == "{" and "}" in name else name


def parse(markup: str) -> Node:
    """The document node of an HTML string: what BeautifulSoup(markup, "lxml") would build.

    CDATA becomes escaped text first, as html.parse does: both HTML parsers drop or mangle it,
    and Confluence puts every code body in CDATA.
    """
    if "<![CDATA[" in markup:
        markup = _CDATA.sub(lambda m: _escape(m.group(1)), markup)
    if markup[:1] == "\ufeff":
        markup = markup[1:]
    parser = getattr(_LOCAL, "parser", None)
    if parser is None:  # one per thread: a new target parser costs more than a small page
        from lxml import etree

        parser = _LOCAL.parser = etree.HTMLParser(recover=True, target=_Builder())
    try:
        parser.feed(markup)
    finally:
        root = parser.close()  # also resets the parser and the builder after an error
    return root


def text_of(node: Node, sep: str = "", strip: bool = False) -> str:
    """BeautifulSoup's get_text(sep, strip)."""
    want = node.tag if node.tag in CONTAINERS else ""
    out = []
    for s in _strings(node):
        if (s.kind if isinstance(s, Contained) else "") != want:
            continue
        if strip:
            s = s.strip()
            if not s:
                continue
        out.append(s)
    return sep.join(out)


def _strings(node: Node) -> Iterator[str]:
    for kid in node.kids:
        if isinstance(kid, Node):
            yield from _strings(kid)
        else:
            yield kid


def first(node: Node, cls: str) -> Node | None:
    """The first element below node with class cls (find(class_=cls))."""
    return next((d for d in node.descendants() if cls in d.classes()), None)
