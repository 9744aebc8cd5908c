"""GitHub-flavoured Markdown bodies that mix in HTML (bots, templates) to clean Markdown.

The Markdown itself is kept; only real HTML tags are converted. Code spans and fences are
parked first so "<div>" inside code survives, and a "<" that does not open a known HTML tag
("show <dependency name>") is escaped so the HTML parser does not eat the text.
"""

from __future__ import annotations

import re

from .common import tidy
from .html import Renderer

_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_CODE = re.compile(r"(^|\n)( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:\n\2\3[`~]*[ \t]*(?=\n|$)|$)"
                   r"|`+[^`\n]+?`+", re.S)
_TAGS = ("a|abbr|b|blockquote|br|caption|center|code|dd|del|details|div|dl|dt|em|figcaption|"
         "figure|h[1-6]|hr|i|img|input|ins|kbd|li|ol|p|picture|pre|s|samp|section|small|source|"
         "span|strike|strong|sub|summary|sup|table|tbody|td|tfoot|th|thead|tr|tt|u|ul|video")
_NOT_TAG = re.compile(rf"<(?!/?(?:{_TAGS})\b[^<>]*>)")
_HAS_TAG = re.compile(rf"</?(?:{_TAGS})\b[^<>]*>", re.I)
_BADGE = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
_LINK_REF_COMMENT = re.compile(r"^\[//\]: # .*$", re.M)


def markdown_html_to_text(body: str) -> str:
    """Clean a GitHub body: drop HTML comments, badges and images, convert HTML tags."""
    if not body:
        return ""
    text = _COMMENT.sub("", body.replace("\r\n", "\n"))
    slots: list[str] = []

    def park(m: re.Match[str]) -> str:
        slots.append(m.group(0))
        return f"\x02{len(slots) - 1}\x02"

    text = _CODE.sub(park, text)
    text = _LINK_REF_COMMENT.sub("", _BADGE.sub("", text))
    if _HAS_TAG.search(text):
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(_NOT_TAG.sub("&lt;", text), "html.parser")
        text = Renderer(keep_newlines=True).children(soup)
    text = re.sub("\x02(\\d+)\x02", lambda m: slots[int(m.group(1))], text)
    return tidy(text)
