"""Documents through ``unstructured`` (``source.documents.parser=unstructured|auto``).

unstructured partitions a file into typed elements (Title, NarrativeText, ListItem, Table,
CodeSnippet, ...). They are rendered here into the same Markdown-like text the native parsers
give (``#`` headings by category depth, ``- `` lists, Markdown tables, fenced code), so records
from either parser look alike and chunking can follow the headings. Author names are not
element metadata, so they come from the file's own properties (DOCX/PPTX core properties, PDF
info, mail headers) as in the native parsers. PDFs use the ``fast`` strategy only (pdfminer
text, no layout model, no OCR): ``hi_res`` needs models from a hub.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from .documents import _FILENAME_TITLE, Unusable
from .markup.common import fence, md_table

_MODULES = {".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".md": "md", ".markdown": "md",
            ".html": "html", ".htm": "html", ".eml": "email", ".txt": "text"}
_EXTRA = {"pdf": "unstructured[pdf]", "docx": "unstructured[docx]", "pptx": "unstructured[pptx]",
          "md": "unstructured[md]"}
_CHROME = {"Header", "Footer", "PageNumber", "PageBreak", "Image"}
_CID = re.compile(r"\(cid:\d+\)\s*")  # pdfminer's unmapped glyphs (bullets, ligatures)
_FRONT_MATTER = re.compile(r"\A---\n(?:.*\n)*?---\n")
_NUMBERED = re.compile(r"(?:\d+|[a-z])[.)]\s")
_loaded: dict[str, Callable[..., list[Any]] | str] = {}


def partitioner(suffix: str) -> Callable[..., list[Any]]:
    """unstructured's partition function for a file suffix; ImportError names the extra."""
    module = _MODULES[suffix]
    if module not in _loaded:
        try:
            from .unstructured_offline import prepare

            prepare()  # telemetry off, offline NLP: before unstructured is imported
            mod = importlib.import_module(f"unstructured.partition.{module}")
            _loaded[module] = getattr(mod, f"partition_{module}")
        except Exception as exc:  # not installed, or a broken install: say which and how
            extra = _EXTRA.get(module, "unstructured")
            why = exc.name if isinstance(exc, ImportError) and exc.name else f"{exc}"[:200]
            _loaded[module] = (f"cannot read {suffix} with unstructured ({type(exc).__name__}: "
                               f"{why}): pip install 'alchemy[unstructured]' (needs {extra})")
    found = _loaded[module]
    if isinstance(found, str):
        raise ImportError(found)
    return found


def available(suffix: str) -> bool:
    """True when unstructured can partition this suffix here (for ``parser=auto``)."""
    try:
        partitioner(suffix)
    except ImportError:
        return False
    return True


def read(path: Path) -> tuple[str, str, dict[str, Any]]:
    """(title, text, info) of one file, like the native readers; Unusable for useless files."""
    suffix = path.suffix.lower()
    try:
        partition = partitioner(suffix)
    except ImportError as exc:
        raise Unusable(str(exc)) from None
    title, head, info = _properties(path, suffix)
    kwargs: dict[str, Any] = {"languages": ["eng"]}  # a given language skips detection
    if suffix == ".pdf":
        kwargs.update(strategy="fast", infer_table_structure=False, extract_images_in_pdf=False)
    if suffix in (".md", ".markdown"):  # YAML front matter is metadata, not a paragraph
        kwargs["text"] = _FRONT_MATTER.sub("", path.read_text(encoding="utf-8-sig"), count=1)
    else:
        kwargs["filename"] = str(path)
    elements = partition(**kwargs)
    first_heading, body = render(elements, heading_offset=1 if suffix == ".pptx" else 0)
    if not body.strip():
        raise Unusable("no extractable text (scanned PDF?)" if suffix == ".pdf"
                       else "no text content")
    attached = info.pop("attachments", [])
    parts = [*head, body, "Attachments: " + ", ".join(attached) if attached else ""]
    return title or first_heading, "\n\n".join(p for p in parts if p), info


def render(elements: list[Any], heading_offset: int = 0) -> tuple[str, str]:
    """(first heading, Markdown text) of partitioned elements; page chrome is dropped."""
    blocks: list[str] = []
    items: list[tuple[int, str]] = []  # the current run of list items: (depth, text)
    first = ""

    def flush() -> None:
        if items:
            low = min(d for d, _ in items)
            blocks.append("\n".join("  " * (d - low) + t for d, t in items))
            items.clear()

    for el in elements:
        category, meta = el.category, el.metadata
        text = _CID.sub("", el.text or "").strip()
        bullet = (el.text or "").lstrip().startswith("(cid:")
        if category in _CHROME or not text:
            continue
        depth = meta.category_depth
        if category == "ListItem" or (bullet and category in ("Title", "NarrativeText")):
            items.append((depth or 0, text if _NUMBERED.match(text) else "- " + text))
            continue
        flush()
        if category == "Title":
            level = (depth if depth is not None else 1) + 1 + heading_offset
            blocks.append("#" * min(6, level) + " " + " ".join(text.split()))
            first = first or text
        elif category == "Table":
            blocks.append(_table(meta.text_as_html) or text)
        elif category == "CodeSnippet":
            blocks.append(fence(el.text.strip("\n")))
        else:
            blocks.append(text)
    flush()
    return first, "\n\n".join(blocks)


def _table(html: str | None) -> str:
    """A Markdown table from the element's ``text_as_html`` (first row is the header)."""
    if not html:
        return ""
    from bs4 import BeautifulSoup

    rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["td", "th"])]
            for tr in BeautifulSoup(html, "lxml").find_all("tr")]
    return md_table(rows)


def _properties(path: Path, suffix: str) -> tuple[str, list[str], dict[str, Any]]:
    """(title, header blocks, info with people/created_at) from the file's own metadata."""
    if suffix == ".docx":
        import docx

        return _core(docx.Document(str(path)).core_properties)
    if suffix == ".pptx":
        from pptx import Presentation

        return _core(Presentation(str(path)).core_properties)
    if suffix == ".pdf":
        return _pdf_info(path)
    if suffix == ".eml":
        return _mail_head(path)
    if suffix in (".html", ".htm"):
        return "", [], {}
    from .documents import _plain

    return _plain(path)[0], [], {}  # the native guards (not UTF-8, binary) and .md title


def _core(props: Any) -> tuple[str, list[str], dict[str, Any]]:
    created = props.created.isoformat() if props.created else ""
    return (props.title or "", [], {"people": [props.author or "", props.last_modified_by or ""],
                                    "created_at": created})


def _pdf_info(path: Path) -> tuple[str, list[str], dict[str, Any]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    if reader.is_encrypted and not reader.decrypt(""):
        raise Unusable("encrypted PDF (password required)")
    meta = reader.metadata or {}
    title = str(meta.get("/Title") or "").strip()
    try:
        created = reader.metadata.creation_date if reader.metadata else None
    except (ValueError, TypeError):
        created = None
    return ("" if _FILENAME_TITLE.match(title) else title, [],
            {"pages": len(reader.pages), "people": [str(meta.get("/Author") or "")],
             "created_at": created.isoformat() if created else ""})


def _mail_head(path: Path) -> tuple[str, list[str], dict[str, Any]]:
    """Subject, the From/To/Cc/Date block and the people in it, as the native mail reader."""
    with open(path, "rb") as fh:
        msg = BytesParser(policy=policy.default).parse(fh)
    if not (msg["From"] or msg["Subject"]):
        raise Unusable("no e-mail headers (From/Subject)")
    subject = str(msg["Subject"] or "").strip()
    lines, people, emails = [], [], []
    for field in ("From", "To", "Cc", "Date"):
        if msg[field] is not None:
            lines.append(f"{field}: {msg[field]}")
            if field != "Date":
                pairs = getaddresses([str(msg[field])])
                people += [n.strip() for n, _ in pairs if n.strip()]
                emails += [a.strip() for _, a in pairs if a.strip()]
    try:
        created = parsedate_to_datetime(str(msg["Date"])).isoformat() if msg["Date"] else ""
    except (TypeError, ValueError):
        created = ""
    attached = [p.get_filename() for p in msg.iter_attachments() if p.get_filename()]
    return subject, [f"# {subject}" if subject else "", "\n".join(lines)], {
        "people": people, "emails": emails, "created_at": created, "attachments": attached}
