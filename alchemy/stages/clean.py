"""clean: raw files -> parse -> markup to text -> normalise -> sanitize -> filter -> dedup.

Writes train.jsonl (the sanitized corpus, sorted by id; with ``engine.output=partitioned`` a
``train/`` folder of part files whose concatenation is that file), quarantine.jsonl (inputs
that could not be used, with reasons), dropped.jsonl (every dropped record: id, reason) and
dropped_sample.jsonl (a few sanitized examples per reason). The selected engine runs the
pass; both engines give byte-identical output, so the engine is not in the fingerprint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from alchemy.engines import select_engine
from alchemy.records import Quarantine
from alchemy.sources import source_listing, unread_files
from alchemy.stages import StageContext


def fingerprint(cfg: DictConfig, prepared: None) -> dict[str, Any]:
    """Only the output layout, and only when it is not the default single file."""
    if cfg.engine.output == "single":
        return {}
    return {"output": cfg.engine.output, "output_dir": cfg.engine.output_dir}


def _report_unsupported(inventory: dict[str, Any], metrics: dict[str, Any]) -> None:
    """Counts by extension in report.json of the files a source does not read (each is in
    quarantine.jsonl, reason "unsupported type (.ext)", through the engine's ``skipped``)."""
    counts: dict[str, dict[str, int]] = {}
    for name, entry in sorted(inventory.items()):
        for rel in entry.get("unsupported", []):
            ext = Path(rel).suffix.lower() or "(none)"
            counts.setdefault(name, {})[ext] = counts.setdefault(name, {}).get(ext, 0) + 1
    if counts:
        metrics["unsupported"] = counts


def _list_exports(name: str, entry: dict[str, Any]) -> None:
    """The source's files, the ones it does not read, and the folders and links the listing
    skipped; the last two become quarantine entries that the engine writes (masked: a name
    may hold a secret)."""
    raw = Path(entry["raw_dir"])
    files, problems = source_listing(name, raw)
    entry["files"] = [str(f) for f in files]
    entry["unsupported"] = [str(f.relative_to(raw)) for f in unread_files(name, raw, files)]
    entry["skipped"] = [Quarantine(name, str(Path(path).relative_to(raw)), why).to_dict()
                        for path, why in problems]
    for rel in entry["unsupported"]:
        ext = Path(rel).suffix.lower() or "no extension"
        entry["skipped"].append(Quarantine(name, rel, f"unsupported type ({ext})").to_dict())


def run(ctx: StageContext) -> None:
    ingest = ctx.inputs["ingest"]
    inventory = json.loads((ingest / "inventory.json").read_text(encoding="utf-8"))
    for name, entry in inventory.items():
        if entry.pop("in_artifact", False):
            entry["raw_dir"] = str(ingest / entry["raw_dir"])
            entry["files"] = [str(ingest / f) for f in entry["files"]]
        elif "files" not in entry:  # exports on disk: ingest stored no names (they may hold secrets)
            _list_exports(name, entry)
    size = sum(Path(f).stat().st_size for e in inventory.values() for f in e["files"])
    engine, reason = select_engine(ctx.cfg, size)
    ctx.log.info("clean: engine %s (%s)", engine, reason)
    if engine == "spark":
        from alchemy.engines.spark import run_clean
    else:
        from alchemy.engines.python import run_clean
    run_clean(ctx.cfg, inventory, ctx.out, ctx.metrics)
    _report_unsupported(inventory, ctx.metrics)
    if ctx.cfg.engine.output == "partitioned" and ctx.cfg.engine.output_dir:
        # the parts live outside the artifact: later stages find them through this pointer
        (ctx.out / "train_location.json").write_text(json.dumps({"parts": str(ctx.cfg.engine.output_dir)}))
    ctx.metrics.update(engine=engine, engine_reason=reason)
