"""The record that flows through the data stages, and JSONL helpers.

A Record is one unit of knowledge (a Jira issue, a Confluence page, a PR, a commit, a
document). Sources yield Records; anything they cannot use they yield as a Quarantine
entry with the reason, so nothing is ever dropped silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Record:
    """One cleaned unit of text with provenance (see DESIGN.md, "Records")."""

    id: str  # globally unique, "<source>:<native id>", e.g. "jira:PAY-123"
    source: str  # jira | confluence | github | git | documents
    kind: str  # issue | page | pull_request | commit | document | ...
    title: str
    text: str
    url: str = ""
    created_at: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Record:
        return cls(**{k: d.get(k, "" if k != "meta" else {}) for k in cls.__dataclass_fields__})


@dataclass
class Quarantine:
    """An input that could not be used, with where it came from and why."""

    source: str
    path: str
    reason: str
    id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Stream dicts from a JSONL file, one per non-empty line."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write dicts as JSONL (UTF-8, stable key order as given); return the count."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_corpus(clean_dir: str | Path) -> Iterator[dict[str, Any]]:
    """The clean stage's records: train.jsonl, or with engine.output=partitioned the part
    files of train/ in name order (their concatenation is the same corpus)."""
    clean_dir = Path(clean_dir)
    single, folder = clean_dir / "train.jsonl", clean_dir / "train"
    where = clean_dir / "train_location.json"  # engine.output_dir put the parts elsewhere
    if not single.is_file() and not folder.is_dir() and where.is_file():
        target = str(json.loads(where.read_text(encoding="utf-8"))["parts"])
        if "://" in target and not target.startswith("file://"):
            raise ValueError(f"the clean corpus was written to {target} (engine.output_dir), which this "
                             "process cannot read: leave engine.output_dir unset to train from it here")
        folder = Path(target.removeprefix("file://"))
    if not single.is_file() and not folder.is_dir():
        raise FileNotFoundError(f"no clean corpus in {clean_dir}: neither train.jsonl nor train/ part files")
    parts = [single] if single.is_file() else sorted(folder.glob("part-*"))
    for part in parts:
        yield from read_jsonl(part)
