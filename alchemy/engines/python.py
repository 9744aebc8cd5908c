"""The pure-Python engine: parse every source, normalise, sanitize, dedup, filter, write.

No Java and no Spark on this path. Records are sorted by id before masking, so placeholder
numbering and the output are deterministic.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from alchemy import sources
from alchemy.cleaning.text import dedup_key, normalise, truncate
from alchemy.records import Quarantine, Record, write_jsonl
from alchemy.sanitize import Sanitizer

log = logging.getLogger("alchemy")


def parse_source(name: str, scfg: dict[str, Any], files: list[Path]) -> Iterator[Record | Quarantine]:
    """Every item a source's parser yields; a parser crash becomes a quarantine entry."""
    module = sources.get(name)
    if hasattr(module, "parse_dir"):
        units: list[tuple[Path, Any]] = [(Path(scfg["raw_dir"]), module.parse_dir)]
    else:
        units = [(f, module.parse_file) for f in files]
    for path, fn in tqdm(units, desc=f"parse {name}", unit="file", leave=False, disable=None):
        try:
            yield from fn(path, scfg)
        except Exception as exc:  # the contract says parsers don't raise; never lose a run to one
            yield Quarantine(name, str(path), f"parser error: {type(exc).__name__}: {exc}")


def _people(rec: Record) -> list[str]:
    names = list(rec.meta.get("people", []) or [])
    return names + [rec.meta[k] for k in ("author", "assignee", "reporter")
                    if isinstance(rec.meta.get(k), str)]


def run_clean(cfg: Any, inventory: dict[str, Any], out: Path, metrics: dict[str, Any]) -> None:
    clean = cfg.clean
    records: dict[str, Record] = {}
    quarantine: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    reasons: Counter[str] = Counter()
    per_source: Counter[str] = Counter()
    n_in = 0
    for name, entry in inventory.items():
        scfg = {**dict(cfg.source[name]), "raw_dir": entry["raw_dir"]}
        for item in parse_source(name, scfg, [Path(f) for f in entry["files"]]):
            if isinstance(item, Quarantine):
                quarantine.append(item.to_dict())
                continue
            n_in += 1
            per_source[name] += 1
            item.text = normalise(item.text)
            item.title = normalise(item.title)
            item.text, cut = truncate(item.text, clean.max_chars)
            if cut:
                item.meta["truncated"] = True
            if len(item.text) < clean.min_chars:
                reasons["too_short"] += 1
                dropped.append({"id": item.id, "reason": "too_short", "path": item.meta.get("path")})
            elif item.id in records:  # the same issue/page exported twice: keep the fuller copy
                old = records[item.id]
                keep, lose = (item, old) if len(item.text) > len(old.text) else (old, item)
                records[item.id] = keep
                quarantine.append(Quarantine(name, str(lose.meta.get("path", "")),
                                             f"superseded by a fuller copy of the same id in "
                                             f"{keep.meta.get('path', '')}", item.id).to_dict())
            else:
                records[item.id] = item

    sanitizer = Sanitizer(cfg.sanitizer)
    for rec in records.values():
        sanitizer.learn_people(_people(rec))
    seen: set[str] = set()
    leaks: Counter[str] = Counter()
    leak_ids: list[str] = []
    kept = 0
    with open(out / "train.jsonl", "w", encoding="utf-8") as fh:
        for rid in tqdm(sorted(records), desc="sanitize", unit="rec", leave=False, disable=None):
            rec, _ = sanitizer.mask_record(records[rid])
            if rec is None:
                reasons["has_sensitive_data"] += 1
                dropped.append({"id": rid, "reason": "has_sensitive_data"})
                continue
            key = dedup_key(rec.text)
            if clean.dedup and key in seen:
                reasons["exact_duplicate"] += 1
                dropped.append({"id": rid, "reason": "exact_duplicate"})
                continue
            seen.add(key)
            found = sanitizer.leaks(rec.title + "\n" + rec.text) if sanitizer.enabled else []
            if found:
                leaks.update(found)
                leak_ids.append(rid)
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
            kept += 1
    write_jsonl(out / "quarantine.jsonl", quarantine)
    write_jsonl(out / "dropped.jsonl", dropped)
    metrics.update(records_in=n_in, records_out=kept, quarantined=len(quarantine),
                   dropped=dict(reasons), by_source=dict(per_source),
                   masks=dict(sorted(sanitizer.counts.items())),
                   masks_total=sum(sanitizer.counts.values()), leaks=dict(leaks))
    if leaks and cfg.sanitizer.fail_on_leak:
        raise RuntimeError(f"leak gate: detectors still find {dict(leaks)} after masking in "
                           f"records {leak_ids[:10]} (values withheld)")
