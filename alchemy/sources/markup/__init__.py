"""Markup converters: every source's rich text (Jira wiki markup, ADF, Confluence storage
XHTML, HTML, GitHub Markdown with HTML) becomes one Markdown-like dialect, so downstream
cleaning, chunking and training see a single format whatever system the text came from.

Imports of bs4/lxml happen inside the HTML functions, so importing this package is cheap.
"""

from __future__ import annotations

from .adf import adf_to_text
from .common import fence, md_table, tidy
from .gfm import markdown_html_to_text
from .html import html_to_text
from .storage import storage_to_text
from .wiki import wiki_to_text

__all__ = [
    "adf_to_text",
    "fence",
    "html_to_text",
    "markdown_html_to_text",
    "md_table",
    "storage_to_text",
    "tidy",
    "wiki_to_text",
]
