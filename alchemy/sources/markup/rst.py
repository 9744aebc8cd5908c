"""reStructuredText to Markdown-like text, through docutils and the HTML walker.

docutils parses the document (sections become ``#`` headings, so chunking follows them;
tables, lists, literal blocks and admonitions keep their shape). Sphinx's roles and
directives, unknown to plain docutils, are rendered as text instead of error markup:
``:class:`~requests.Session``` becomes ``Session`` in code, ``:ref:`Install <install>``` the
word Install, ``.. versionadded:: 2.1`` "Added in version 2.1.", ``.. autoclass:: x.Y`` the
name ``x.Y``; ``toctree``/``index`` hold no prose and are dropped; any other role shows its
text and any other directive its content (docutils' lookups fall back to these, in-process).
File inclusion and raw HTML are off: a document cannot pull other files or markup in.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

_CODE_ROLES = ("class func meth attr mod exc data const obj option envvar file command program "
               "kbd samp makevar mailheader regexp token keyword").split()
_TEXT_ROLES = "ref doc term any numref download abbr dfn guilabel menuselection".split()
_DOMAINS = ("py", "js", "c", "cpp", "rst", "std")
_VERSION = {"versionadded": "Added in version", "versionchanged": "Changed in version",
            "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}
_NAMED = ("autoclass autofunction automethod autoattribute autoexception autodata automodule "
          "autoproperty function method attribute data exception module decorator").split()
_DROP = ("toctree index currentmodule highlight tabularcolumns sectionauthor codeauthor "
         "literalinclude include-graphics").split()
_LITERAL = re.compile(r'<span class="docutils literal">(.*?)</span>', re.S)
_TARGET = re.compile(r"^(.*?)\s*<[^<>]+>$", re.S)


def _display(text: str) -> str:
    """What a cross-reference shows: "Title <target>" -> Title, "~a.b.C" -> C, "!x" -> x."""
    m = _TARGET.match(text)
    if m and m.group(1):
        return m.group(1)
    text = text.lstrip("!")
    return text.rsplit(".", 1)[-1] if text.startswith("~") else text


@lru_cache(maxsize=1)
def _register() -> None:
    """Sphinx's common roles and directives, rendered as text (registered once per process)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives, roles

    def role(code: bool) -> Any:
        def fn(name, rawtext, text, lineno, inliner, options=None, content=None):  # noqa: ANN001
            shown = _display(text)
            return [nodes.literal(rawtext, shown) if code else nodes.Text(shown)], []
        return fn

    for names, code in ((_CODE_ROLES, True), (_TEXT_ROLES, False)):
        for name in names:
            roles.register_local_role(name, role(code))
            for domain in _DOMAINS:
                roles.register_local_role(f"{domain}:{name}", role(code))

    class AnyOptions(dict):
        def __getitem__(self, key: str) -> Any:
            return directives.unchanged

        def __contains__(self, key: object) -> bool:
            return True

    class Generic(Directive):
        has_content, optional_arguments, final_argument_whitespace = True, 8, True
        option_spec = AnyOptions(members=directives.unchanged)  # non-empty: docutils reads options

        def run(self) -> list[Any]:
            name, args = self.name, " ".join(self.arguments)
            if name in _DROP:
                return []
            out: list[Any] = []
            if name in _VERSION:  # ".. versionchanged:: 2.1 Why." -> "Changed in version 2.1: Why."
                version, _, why = args.partition(" ")
                inline, _ = self.state.inline_text(why, self.lineno) if why else ([], [])
                lead = nodes.Text(f"{_VERSION[name]} {version}" + (": " if why else "."))
                out.append(nodes.paragraph("", "", lead, *inline))
            elif name.split(":")[-1] in _NAMED and args:
                out.append(nodes.paragraph("", "", nodes.literal(text=args)))
            body = nodes.container()
            self.state.nested_parse(self.content, self.content_offset, body)
            return out + list(body.children)

    for name in (*_VERSION, *_NAMED, *_DROP):
        directives.register_directive(name, Generic)
        for domain in _DOMAINS:
            directives.register_directive(f"{domain}:{name}", Generic)
    # any other role or directive a project's Sphinx extensions define (":gh:", ".. tab::"):
    # its text, rather than an error node holding the markup
    lookup_role, lookup_directive = roles.role, directives.directive

    def any_role(name, language, lineno, reporter):  # noqa: ANN001
        fn, messages = lookup_role(name, language, lineno, reporter)
        return (fn, messages) if fn is not None else (role(False), [])

    def any_directive(name, language, document):  # noqa: ANN001
        cls, messages = lookup_directive(name, language, document)
        return (cls, messages) if cls is not None else (Generic, [])

    roles.role, directives.directive = any_role, any_directive


_SETTINGS = {"report_level": 5, "halt_level": 5, "file_insertion_enabled": False,
             "raw_enabled": False, "_disable_config": True, "syntax_highlight": "none",
             "doctitle_xform": True, "initial_header_level": 2, "embed_stylesheet": False,
             "input_encoding": "unicode", "warning_stream": False}


def rst_to_text(source: str) -> tuple[str, str]:
    """(title, text) of a reStructuredText document; the title is its first heading."""
    from docutils.core import publish_parts

    from .html import html_to_text

    _register()
    parts = publish_parts(source, writer="html5", settings_overrides=_SETTINGS)
    title = html.unescape(re.sub(r"<[^>]+>", "", parts.get("title", ""))).strip()
    body = _LITERAL.sub(r"<code>\1</code>", parts["html_body"])  # inline literals stay code
    return title, html_to_text(body)
