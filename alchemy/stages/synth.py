"""synth: train.jsonl -> instruction/answer pairs -> sft_train.jsonl + sft_eval.jsonl.

The split is by source document (a record's pairs all land on one side), so eval questions
are about documents the adapter never saw in training.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from tqdm import tqdm

from alchemy.records import read_jsonl, write_jsonl
from alchemy.stages import ConfigError, StageContext

GENERATORS = ("offline",)


def fingerprint_extra(cfg: Any) -> None:
    """Validate the generator before any stage runs."""
    if cfg.synth.generator not in GENERATORS:
        raise ConfigError(
            f"synth.generator={cfg.synth.generator!r} (synth={cfg.synth.model}) needs the LLM "
            f"client, which this version does not have yet; use synth=offline")


def _in_eval(source_id: str, fraction: float, seed: int) -> bool:
    h = int(hashlib.sha256(f"{seed}:{source_id}".encode()).hexdigest()[:12], 16)
    return h / float(1 << 48) < fraction


def run(ctx: StageContext) -> None:
    from alchemy.synth.offline import pairs_for

    scfg = ctx.cfg.synth
    records = list(read_jsonl(ctx.inputs["clean"] / "train.jsonl"))
    train: list[dict[str, Any]] = []
    evals: list[dict[str, Any]] = []
    by_kind: Counter[str] = Counter()
    no_pairs = 0
    eval_ids = {r["id"] for r in records if _in_eval(r["id"], scfg.eval_fraction, scfg.seed)}
    if records and not eval_ids and scfg.eval_fraction > 0:  # tiny corpora still get an eval set
        eval_ids = {min(records, key=lambda r: hashlib.sha256(r["id"].encode()).hexdigest())["id"]}
    for rec in tqdm(records, desc="synth", unit="rec", leave=False, disable=None):
        pairs = pairs_for(rec, scfg.max_pairs, scfg.max_answer_chars)
        if len(pairs) < scfg.min_pairs:
            no_pairs += 1
            continue
        for p in pairs:
            messages = [{"role": "user", "content": p["question"]},
                        {"role": "assistant", "content": p["answer"]}]
            if scfg.system_prompt:
                messages.insert(0, {"role": "system", "content": scfg.system_prompt})
            row = {"messages": messages,
                   "meta": {"source_id": rec["id"], "chunk_id": f"{rec['id']}#{p['chunk']}",
                            "kind": rec.get("kind", ""), "generator": scfg.model}}
            (evals if rec["id"] in eval_ids else train).append(row)
            by_kind[rec.get("kind", "")] += 1
    n_train = write_jsonl(ctx.out / "sft_train.jsonl", train)
    n_eval = write_jsonl(ctx.out / "sft_eval.jsonl", evals)
    if not n_train:
        raise RuntimeError("synth produced no training pairs: is train.jsonl empty?")
    ctx.metrics.update(generator=scfg.generator, records=len(records), pairs_train=n_train,
                       pairs_eval=n_eval, eval_documents=len(eval_ids),
                       records_without_pairs=no_pairs, pairs_by_kind=dict(by_kind))
