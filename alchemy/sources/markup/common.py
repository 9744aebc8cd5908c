"""Small text helpers shared by the markup converters and the source parsers.

They keep every source's output in one Markdown-like dialect (fences, tables, labelled
panels) and make provenance paths and dates look the same whatever system they came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANKS = re.compile(r"\n\n\n+")  # = \n{3,}, but with a literal prefix: found far faster
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING = re.compile(r"(#{1,6}) ")
_HEADING_LINE = re.compile(r"\n(#{1,6}) ")
_TICKS = re.compile(r"`{3,}")
_TABLE_BOLD = re.compile(r"\*\*[^*]+\*\*")
# What both strptime formats of iso_date accept and datetime.fromisoformat reads the same way.
_STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3})?"
                    r"[+-][0-9]{2}[0-5][0-9]")


def tidy(text: str) -> str:
    """Normalise newlines, drop zero-width characters, trailing spaces and extra blank lines.

    Blank lines inside fenced code are kept as they are: they can be meaningful there.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ZERO_WIDTH.sub("", text)
    if "```" not in text and "~~~" not in text:  # no fence: same result, without the loop
        text = "\n".join([line.rstrip() for line in text.split("\n")])
        return (_BLANKS.sub("\n\n", text) if "\n\n\n" in text else text).strip("\n")
    out: list[str] = []
    fence = ""
    blank = 0
    for line in text.split("\n"):
        line = line.rstrip()
        m = _FENCE.match(line)
        if fence:
            out.append(line)
            if m and m.group(1).startswith(fence) and line.strip() == m.group(1):
                fence = ""
            continue
        if m:
            fence = m.group(1)
        if not line:
            blank += 1
            if blank > 1:
                continue
        else:
            blank = 0
        out.append(line)
    return "\n".join(out).strip("\n")


def demote(text: str, levels: int = 2) -> str:
    """Push Markdown headings down so a body's "# Title" nests under the record's sections."""
    if "#" not in text:
        return text
    if "```" not in text and "~~~" not in text:  # no fence to skip: one regex pass
        return _HEADING_LINE.sub(  # "\n"-led lines: the regex then starts with a literal
            lambda h: "\n" + "#" * min(6, len(h.group(1)) + levels) + " ", "\n" + text)[1:]
    out = []
    in_fence = ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m and (not in_fence or line.strip() == m.group(1)):
            in_fence = "" if in_fence else m.group(1)
        elif not in_fence and (h := _HEADING.match(line)):
            line = "#" * min(6, len(h.group(1)) + levels) + line[len(h.group(1)) :]
        out.append(line)
    return "\n".join(out)


def drop_empty_sections(text: str) -> str:
    """Remove headings left with nothing under them (their macro or content was dropped)."""
    if "#" not in text:
        return text
    lines = text.split("\n")
    fenced = "```" in text or "~~~" in text  # else no line can open or close a fence
    out: list[str] = []
    in_fence = False
    for i, line in enumerate(lines):
        if fenced and _FENCE.match(line):
            in_fence = not in_fence
        h = None if in_fence or line[:1] != "#" else _HEADING.match(line)
        if h:
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            nxt = lines[j] if j < len(lines) else ""
            m = _HEADING.match(nxt)
            if not nxt or (m and len(m.group(1)) <= len(h.group(1))):
                continue
        out.append(line)
    return "\n".join(out)


def fence(code: str, lang: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside the code."""
    code = code.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    longest = max((len(m) for m in _TICKS.findall(code)), default=2)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang.strip()}\n{code}\n{ticks}"


def md_table(rows: list[list[str]]) -> str:
    """Render rows as a Markdown table; the first row is the header.

    A one-cell table is layout, not data (Confluence boxes, Jira single cells): its content
    is returned as plain text.
    """
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0].strip()
    width = max(len(r) for r in rows)

    def cell(text: str, head: bool) -> str:
        lines = [ln.strip() for ln in text.strip().split("\n") if ln.strip()]
        out = "<br>".join(lines).replace("|", "\\|")
        if head and _TABLE_BOLD.fullmatch(out):
            out = out[2:-2]  # header cells are bold already
        return out

    lines = []
    for i, row in enumerate(rows):
        cells = [cell(c, i == 0) for c in row] + [""] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "|".join(["---"] * width) + "|")
    return "\n".join(lines)


_BLOCK_START = re.compile(r"^(#{1,6} |[-*+] |\d+[.)] |```|~~~|> |\|)")


def labelled(label: str, body: str) -> str:
    """Panel-like content as "Label: text"; the label gets its own line before block content."""
    body = body.strip("\n")
    if not label:
        return body
    if not body:
        return f"{label}:"
    if "\n" not in body and not _BLOCK_START.match(body):
        return f"{label}: {body}"
    return f"{label}:\n{body}"


def iso_date(value: Any) -> str:
    """Best-effort ISO 8601 for the date formats Atlassian, GitHub and git emit."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):  # epoch milliseconds (Jira webhooks, ADF dates)
        stamp = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
        return stamp.isoformat(timespec="seconds")
    s = str(value).strip()
    if _STAMP.fullmatch(stamp := s.replace("Z", "+0000")):  # the usual shape: parse it fast
        try:
            return datetime.fromisoformat(stamp).isoformat(timespec="seconds")
        except ValueError:
            pass  # an impossible date: strptime below fails on it the same way
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(stamp, fmt).isoformat(timespec="seconds")
        except ValueError:
            pass
    return s


def uniq(items: Iterable[str | None]) -> list[str]:
    """Distinct non-empty strings, first-seen order (deterministic meta lists)."""
    seen: dict[str, None] = {}
    for item in items:
        if item and isinstance(item, str) and item.strip():
            seen.setdefault(item.strip(), None)
    return list(seen)


def rel_path(path: Path, cfg: Mapping[str, Any]) -> str:
    """Provenance path: relative to the source's raw_dir when inside it, else the file name."""
    raw = cfg.get("raw_dir")
    if raw:
        try:
            return Path(path).resolve().relative_to(Path(raw).resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return Path(path).name


def load_json(path: Path) -> tuple[Any, str]:
    """(data, "") or (None, reason): JSON and encoding errors become a quarantine reason."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return json.load(fh), ""
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8: {exc.reason} at byte {exc.start}"
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"
