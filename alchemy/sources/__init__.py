"""Source parsers: one module per system, each turning raw export files into Records.

Contract every source module follows (jira, confluence, github, git, documents):

- ``PATTERNS: tuple[str, ...]``   glob patterns (relative to the source's raw_dir, recursive
  allowed, e.g. ``"**/*.json"``) of the files this source reads.
- ``parse_file(path: Path, cfg: Mapping) -> Iterator[Record | Quarantine]``
  parses one raw file. It yields one Record per unit of knowledge (issue, page, PR, commit,
  document) and a Quarantine entry, with the reason, for anything it cannot use. It never
  raises for bad input: a malformed file is one Quarantine entry, not a crashed run.
- optional ``parse_dir(raw_dir: Path, cfg: Mapping) -> Iterator[Record | Quarantine]`` for
  sources whose units span files (GitHub review comments live apart from their PRs); when a
  module has it, the engine calls it once instead of parse_file per file.
- both are wrapped in ``bounded``: a record longer than MAX_RECORD_CHARS is quarantined.

Records follow DESIGN.md: ``id`` is ``"<source>:<native id>"``, ``text`` is Markdown-like
(``## Heading`` sections, ``- `` lists, fenced code), and every person name that structured
data gives (author, assignee, reporter, commenter, mention, document metadata) is listed in
``meta["people"]`` so the sanitizer can pseudonymise it everywhere it appears.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from alchemy.listing import list_files
from alchemy.records import Quarantine, Record

NAMES = ("jira", "confluence", "github", "git", "documents")
MAX_RECORD_CHARS = 10_000_000  # one 50 MB "issue" is a pasted dump, not knowledge
Items = Iterator[Record | Quarantine]


def bounded(parse: Callable[..., Items]) -> Callable[..., Items]:
    """Wrap parse_file/parse_dir: the last line of defence for every parser.

    A record over the size limit becomes a Quarantine entry, and so does anything a parser
    raises (the items it yielded before are kept): bad input never crashes a run.
    """
    source = parse.__module__.rsplit(".", 1)[-1]

    @functools.wraps(parse)
    def wrapper(path: Any, cfg: Any) -> Items:
        limit = MAX_RECORD_CHARS
        try:
            for item in parse(path, cfg):
                if isinstance(item, Record) and len(item.text) > limit:
                    yield Quarantine(item.source, str(item.meta.get("path") or ""),
                                     f"record too large: {len(item.text):,} characters "
                                     f"(limit {limit:,})", item.id)
                else:
                    yield item
        except Exception as exc:
            from alchemy.sources.markup.common import rel_path

            yield Quarantine(source, rel_path(Path(path), cfg),
                             f"unparseable file: {type(exc).__name__}: {exc}")

    return wrapper


def get(name: str) -> ModuleType:
    """The parser module of source ``name``; a clear error for an unknown one."""
    if name not in NAMES:
        raise ValueError(f"unknown source {name!r}; valid sources: {', '.join(NAMES)}")
    return importlib.import_module(f"alchemy.sources.{name}")


def source_listing(name: str, raw: Path) -> tuple[list[Path], list[tuple[str, str]]]:
    """(the source's files under ``raw``, [(path, reason)] of folders and links it skipped)."""
    return list_files(raw, tuple(get(name).PATTERNS))


def unread_files(name: str, raw: Path, files: list[Path]) -> list[Path]:
    """Files in raw_dir that the source does not read (hidden files and folders aside): each
    is reported, never skipped in silence. A source with ``REPORTS_UNREAD = False`` (git:
    repositories hold anything) reports none."""
    if not getattr(get(name), "REPORTS_UNREAD", True):
        return []
    read = set(files)
    return sorted(p for p in raw.rglob("*") if p.is_file() and p not in read
                  and not any(part.startswith(".") for part in p.relative_to(raw).parts))
