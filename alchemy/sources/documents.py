"""Manuals and notes on disk (PDF, DOCX, PPTX, Markdown, text, HTML, e-mail) to Records.

One Record per file, headings kept as Markdown ``#`` lines so chunking can follow structure.
Document metadata (PDF /Author, DOCX/PPTX core properties, mail headers) names people who
may also appear in the text, so those names go to meta.people for the sanitizer.
``source.documents.parser`` picks the reader: ``native`` (default) is these light parsers
(pypdf, python-docx, python-pptx, the stdlib e-mail parser); ``unstructured`` partitions with
the optional ``unstructured`` package (unstructured_docs.py), which adds ~450 MB (spaCy,
numba) and, for PDF, a ~500 MB [pdf] extra; ``auto`` uses unstructured for each format it can
read here and the native parser for the rest. Ids, paths and quarantine rules are the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from itertools import groupby
from pathlib import Path
from typing import Any

from ..records import Quarantine, Record
from . import bounded
from .markup.common import fence, md_table, rel_path, tidy, uniq
from .markup.layout import clean_pages

PATTERNS = ("**/*.pdf", "**/*.docx", "**/*.pptx", "**/*.md", "**/*.markdown", "**/*.txt",
            "**/*.rst", "**/*.rest", "**/*.html", "**/*.htm", "**/*.eml")
SOURCE = "documents"
_MONOSPACE = {"consolas", "courier new", "courier", "menlo", "monaco", "lucida console",
              "source code pro", "dejavu sans mono", "liberation mono", "cascadia code"}
_FILENAME_TITLE = re.compile(r"^(?:Microsoft Word - )?.*\.(?:docx?|pdf|exe|txt|rtf|tmp)$", re.I)
Reading = tuple[str, str, dict[str, Any]]  # (title, text, info) from one reader


PARSERS = ("native", "unstructured", "auto")


class Unusable(Exception):
    """A file that is readable but holds nothing we can use (reason in the message)."""


@bounded
def parse_file(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """One Record per document; unreadable, encrypted or empty files become Quarantine."""
    path = Path(path)
    rel = rel_path(path, cfg)
    suffix = path.suffix.lower()
    parser = str(cfg["parser"])
    if parser not in PARSERS:
        yield Quarantine(SOURCE, rel, f"source.documents.parser={parser!r} is not one of "
                         f"{', '.join(PARSERS)}", id=f"{SOURCE}:{rel}")
        return
    reader, used = _reader(suffix, parser)
    try:
        title, text, info = reader(path)
    except Unusable as exc:
        yield Quarantine(SOURCE, rel, str(exc), id=f"{SOURCE}:{rel}")
        return
    except Exception as exc:  # corrupt zip, broken xref, I/O: never crash the run
        yield Quarantine(SOURCE, rel, f"unreadable {suffix[1:]} file: {type(exc).__name__}: "
                         f"{exc}", id=f"{SOURCE}:{rel}")
        return
    text = tidy(text)
    if not text.strip():
        yield Quarantine(SOURCE, rel, "no text content", id=f"{SOURCE}:{rel}")
        return
    people = uniq(info.pop("people", []))
    yield Record(
        id=f"{SOURCE}:{rel}", source=SOURCE, kind="document",
        title=(title or "").strip() or path.stem, text=text, url="",
        created_at=info.pop("created_at", ""),
        meta={"path": rel, "format": suffix[1:], "author": people[0] if people else "",
              "people": people, **info, **({"parser": used} if used != "native" else {})},
    )


def _reader(suffix: str, parser: str) -> tuple[Callable[[Path], Reading], str]:
    """The reader for one file: unstructured when asked (or, for auto, when it can), else native."""
    if parser != "native":
        from . import unstructured_docs

        if parser == "unstructured" or unstructured_docs.available(suffix):
            return unstructured_docs.read, "unstructured"
    return {".pdf": _pdf, ".docx": _docx, ".pptx": _pptx, ".eml": _eml, ".html": _html,
            ".htm": _html, ".rst": _rst, ".rest": _rst}.get(suffix, _plain), "native"


def _text(path: Path) -> str:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unusable(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    if _binary(text):
        raise Unusable("binary content, not text")
    return text


def _plain(path: Path) -> tuple[str, str, dict[str, Any]]:
    text, title = _text(path), ""
    if path.suffix.lower() in (".md", ".markdown"):  # setext headings as "#"; the first is the title
        from .markup.markdown import markdown_title, setext_to_atx

        text = setext_to_atx(text)
        title = markdown_title(text)
    return title, text, {}


def _rst(path: Path) -> tuple[str, str, dict[str, Any]]:
    from .markup.rst import rst_to_text

    title, text = rst_to_text(_text(path))
    return title, text, {}


def _binary(text: str) -> bool:
    """NUL bytes or many control characters: valid UTF-8, but not text."""
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return "\x00" in sample or controls > len(sample) * 0.05


def _eml(path: Path) -> tuple[str, str, dict[str, Any]]:
    from .mail import NotMail, read_eml

    try:
        return read_eml(path)
    except NotMail as exc:
        raise Unusable(str(exc)) from None


def _pptx(path: Path) -> tuple[str, str, dict[str, Any]]:
    try:
        import pptx  # noqa: F401 (an optional dependency: say so instead of failing oddly)
    except ImportError:
        raise Unusable("cannot read .pptx: python-pptx is not installed") from None
    from .slides import read_pptx

    return read_pptx(path)


def _html(path: Path) -> tuple[str, str, dict[str, Any]]:
    from .markup.html import document_title, html_to_text, parse

    soup = parse(path.read_text(encoding="utf-8", errors="replace"))
    return document_title(soup), html_to_text(soup), {}


def _pdf(path: Path) -> tuple[str, str, dict[str, Any]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise Unusable("encrypted PDF (password required)")
    pages = clean_pages([page.extract_text(extraction_mode="layout") or ""
                         for page in reader.pages])
    meta = reader.metadata or {}
    title = str(meta.get("/Title") or "").strip()
    if _FILENAME_TITLE.match(title):
        title = ""  # "10811.exe", "Microsoft Word - x.doc": the producer's file name
    info: dict[str, Any] = {"pages": len(pages), "people": [str(meta.get("/Author") or "")]}
    try:
        created = reader.metadata.creation_date if reader.metadata else None
        info["created_at"] = created.isoformat() if created else ""
    except (ValueError, TypeError):
        info["created_at"] = ""
    if not any(p.strip() for p in pages):
        raise Unusable("no extractable text (scanned PDF?)")
    return title, "\n\n".join(p for p in pages if p.strip()), info


def _docx(path: Path) -> tuple[str, str, dict[str, Any]]:
    import docx
    from docx.table import Table

    doc = docx.Document(str(path))
    blocks: list[tuple[str, str]] = []  # (kind, text); runs of list items / code lines merge
    first_heading = ""
    for item in doc.iter_inner_content():
        if isinstance(item, Table):
            blocks.append(("table", md_table(_rows(item))))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        level, depth = _heading_level(style), _list_depth(item, style)
        if level:
            first_heading = first_heading or text
            blocks.append(("heading", "#" * level + " " + text))
        elif _is_code(item, style):
            blocks.append(("code", item.text.rstrip()))
        elif depth is not None:
            blocks.append(("list", "  " * depth + "- " + text))
        else:
            blocks.append(("text", text))
    parts: list[str] = []
    for kind, group in groupby(blocks, key=lambda b: b[0]):
        lines = [text for _, text in group]
        if kind == "code":
            parts.append(fence("\n".join(lines)))
        else:
            parts += ["\n".join(lines)] if kind == "list" else lines
    props = doc.core_properties
    created = props.created.isoformat() if props.created else ""
    return (props.title or first_heading, "\n\n".join(parts),
            {"people": [props.author or "", props.last_modified_by or ""], "created_at": created})


def _is_code(paragraph: Any, style: str) -> bool:
    """A code paragraph: a code-like style, or every run in a monospace font."""
    if re.search(r"code|source|preformatted|plain text|macro", style, re.I):
        return True
    default = (paragraph.style.font.name if paragraph.style is not None else None) or ""
    fonts = {(r.font.name or default).lower() for r in paragraph.runs if r.text.strip()}
    return bool(fonts) and fonts <= _MONOSPACE


def _list_depth(paragraph: Any, style: str) -> int | None:
    """Nesting level of a list paragraph (list style or numbering), None when not a list."""
    ppr = paragraph._p.pPr
    num = ppr.numPr if ppr is not None else None
    if num is None and "List" not in style:
        return None
    ilvl = num.ilvl if num is not None else None
    return int(ilvl.val) if ilvl is not None and ilvl.val is not None else 0


def _heading_level(style: str) -> int:
    if style == "Title":
        return 1
    m = re.fullmatch(r"Heading (\d)", style)
    return min(6, int(m.group(1))) if m else 0


def _rows(table: Any) -> list[list[str]]:
    """Cell texts; a merged cell repeats in python-docx, so repeats of one cell are skipped."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        rows.append(cells)
    return rows
