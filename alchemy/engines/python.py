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
from alchemy.sanitize import Numberer, SanitizeContext, SanitizeStats, collect_people

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

    # sanitize in two phases (see alchemy/sanitize): names run-wide, phase 1 per record (pure,
    # parallelisable), phase 2 numbers placeholders in id order
    ctx = SanitizeContext(cfg.sanitizer, collect_people(rec.meta for rec in records.values()))
    numberer = Numberer(ctx.mode)
    stats = SanitizeStats()
    seen: set[str] = set()
    kept = 0
    with open(out / "train.jsonl", "w", encoding="utf-8") as fh:
        for rid in tqdm(sorted(records), desc="sanitize", unit="rec", leave=False, disable=None):
            result = ctx.sanitize_record(records[rid])
            stats.add(records[rid].source, rid, result)
            if result.record is None:
                reasons["has_sensitive_data"] += 1
                dropped.append({"id": rid, "reason": "has_sensitive_data"})
                continue
            key = dedup_key(result.record.text)
            if clean.dedup and key in seen:
                reasons["exact_duplicate"] += 1
                dropped.append({"id": rid, "reason": "exact_duplicate"})
                continue
            seen.add(key)
            rec = numberer.record(result.record)
            fh.write(json.dumps(rec.to_dict(), ensure_ascii=False) + "\n")
            kept += 1
    write_jsonl(out / "quarantine.jsonl", quarantine)
    write_jsonl(out / "dropped.jsonl", dropped)
    metrics.update(records_in=n_in, records_out=kept, quarantined=len(quarantine),
                   dropped=dict(reasons), by_source=dict(per_source), **stats.metrics(ctx))
    stats.check(bool(cfg.sanitizer.fail_on_leak))
