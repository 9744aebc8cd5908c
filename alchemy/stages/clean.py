"""clean: raw files -> parse -> markup to text -> normalise -> sanitize -> dedup -> filter.

Writes train.jsonl (the sanitized corpus), quarantine.jsonl (inputs that could not be used,
with reasons) and dropped.jsonl (records filtered out, by reason, ids only).
"""

from __future__ import annotations

import json
from pathlib import Path

from alchemy.engines import select_engine
from alchemy.stages import StageContext


def run(ctx: StageContext) -> None:
    ingest = ctx.inputs["ingest"]
    inventory = json.loads((ingest / "inventory.json").read_text(encoding="utf-8"))
    for entry in inventory.values():
        if entry.pop("in_artifact", False):
            entry["raw_dir"] = str(ingest / entry["raw_dir"])
            entry["files"] = [str(ingest / f) for f in entry["files"]]
    size = sum(Path(f).stat().st_size for e in inventory.values() for f in e["files"])
    engine, reason = select_engine(ctx.cfg, size)
    ctx.log.info("clean: engine %s (%s)", engine, reason)
    from alchemy.engines.python import run_clean

    run_clean(ctx.cfg, inventory, ctx.out, ctx.metrics)
    ctx.metrics.update(engine=engine, engine_reason=reason)
