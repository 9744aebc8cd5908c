"""synth: train.jsonl -> instruction/answer pairs -> sft_train.jsonl + sft_eval.jsonl.

Two generators: ``offline`` (rules over each record's structure, the default) and ``litellm``
(chunks -> any LLM through litellm, see alchemy/synth/llm.py). Both feed the same validation,
near-duplicate removal and split by source document, so eval questions are about documents
the adapter never saw in training. The LLM path keeps every paid reply in a call cache outside
the artifact (``<paths.cache_dir>/synth_calls/``), so a failed or killed run resumes for free.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from alchemy.records import read_corpus, write_jsonl
from alchemy.stages import ConfigError, StageContext
from alchemy.synth.client import api_key  # noqa: F401 - re-exported for callers
from alchemy.synth.dataset import eval_documents, row, split_and_dedup
from alchemy.synth.offline_git import trivial

GENERATORS = ("offline", "litellm")
MAX_LISTED = 1000  # record ids listed in report.json (records that gave no pair)


def validate(cfg: Any) -> None:
    """Check the synth config before any stage runs (exit 2 with the key's name)."""
    from alchemy.synth.prompts import check_template

    s = cfg.synth
    problems = []
    if s.generator not in GENERATORS:
        problems.append(f"synth.generator={s.generator!r}: use one of {', '.join(GENERATORS)}")
    if not 0 < s.min_pairs <= s.max_pairs:
        problems.append(f"synth.min_pairs={s.min_pairs}, synth.max_pairs={s.max_pairs}: need "
                        "0 < min_pairs <= max_pairs")
    if not 0 <= s.eval_fraction < 1:
        problems.append(f"synth.eval_fraction={s.eval_fraction}: must be in [0, 1)")
    if s.concurrency < 1 or s.max_attempts < 1 or s.max_retries < 0 or s.timeout_s <= 0:
        problems.append("synth.concurrency, synth.max_attempts (>= 1), synth.max_retries (>= 0) "
                        "and synth.timeout_s (> 0) are out of range")
    if not 0 < s.chunk.overlap_tokens + 1 <= s.chunk.max_tokens or s.chunk.max_tokens < 16:
        problems.append("synth.chunk: need max_tokens >= 16 and 0 <= overlap_tokens < max_tokens")
    secret = [k for k in (s.extra_params or {})
              if re.search(r"(^|_)(api_?key|key|token|secret|password)$", str(k).lower())]
    if secret:
        problems.append(f"synth.extra_params.{secret[0]}: credentials never go into the config; "
                        "name the environment variable that holds the key in synth.api_key_env")
    if s.generator == "litellm" and (why := check_template(s.prompt)):
        problems.append(why)
    downstream = [n for n in cfg.pipeline.stages if n in ("train", "eval", "infer")]
    if s.generator == "litellm" and s.dry_run and downstream:
        problems.append("synth.dry_run=true only estimates tokens and cost; run it with "
                        "'pipeline.stages=[synth]'")
    if problems:
        raise ConfigError("; ".join(problems))


def fingerprint(cfg: Any, prepared: None) -> dict[str, int]:
    """The version of the fact and question rules (facts, RAFT pairs and offline pairs)."""
    from alchemy.synth.facts import RULES

    return {"rules": RULES}


def _offline(records: list[dict[str, Any]], scfg: Any, metrics: dict[str, Any],
             all_facts: list[Any]) -> list[dict]:
    from alchemy.synth import offline
    from alchemy.synth.facts import extract
    from alchemy.synth.knowledge import fact_pairs
    from alchemy.synth.validate import check_pair

    rows, rejected, by_kind, without = [], Counter(), Counter(), []
    limit = max(2000, 3 * scfg.max_answer_chars)
    n_facts = 0
    for rec in records:
        # What a pair may draw on: the record's text, title and metadata (a commit's sha, ...).
        doc = "\n".join([rec.get("title", ""), rec["text"], str(rec.get("created_at", "")),
                         *(str(v) for v in rec.get("meta", {}).values())])
        kept = 0
        facts = extract(rec, scfg.max_facts_per_record) if scfg.facts else []
        n_facts += len(facts)
        all_facts += facts
        for fact, question, held in fact_pairs(facts, scfg.questions_per_fact):
            reason = check_pair(question, fact.statement, doc, scfg.min_overlap, limit)
            if reason:
                rejected[f"fact_{reason}"] += 1
                continue
            kept += 1
            by_kind["fact"] += 1
            rows.append(row(question, fact.statement,
                            {"source_id": rec["id"], "chunk_id": f"{rec['id']}#{fact.section}",
                             "kind": rec.get("kind", ""), "url": rec.get("url", ""),
                             "generator": scfg.model, "pair": "fact", "held_out": held},
                            scfg.system_prompt))
        pairs = offline.pairs_for(rec, scfg.max_pairs, scfg.max_answer_chars) \
            if scfg.sections or not facts else []  # no facts: section pairs, never nothing
        for p in pairs:
            reason = check_pair(p["question"], p["answer"], doc, scfg.min_overlap, limit)
            if reason:
                rejected[reason] += 1
                continue
            kept += 1
            by_kind[rec.get("kind", "")] += 1
            rows.append(row(p["question"], p["answer"],
                            {"source_id": rec["id"], "chunk_id": f"{rec['id']}#{p['chunk']}",
                             "kind": rec.get("kind", ""), "url": rec.get("url", ""),
                             "generator": scfg.model}, scfg.system_prompt))
        if kept < scfg.min_pairs:
            without.append(rec["id"])
    metrics.update(facts=n_facts, records_without_pairs=len(without), pairs_by_kind=dict(by_kind),
                   pairs_rejected=dict(rejected), no_pairs=without[:MAX_LISTED])
    return rows


def _grounded(ctx: StageContext, train: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RAFT rows for a share of the short-answer train pairs, with the index's passages."""
    import random

    from alchemy.retrieval.index import Index
    from alchemy.synth.knowledge import grounded

    scfg, r = ctx.cfg.synth, ctx.cfg.retrieval
    if scfg.grounded_fraction <= 0 or r.method == "none":
        return []
    index = Index(ctx.inputs["index"], ctx.cache_dir)
    rng = random.Random(scfg.seed)
    short = [x for x in train if len(x["messages"][-1]["content"]) <= 400]
    picked = rng.sample(short, round(scfg.grounded_fraction * len(short)))
    out, no_oracle = [], 0
    for x in picked:
        q, a = x["messages"][-2]["content"], x["messages"][-1]["content"]
        empty = rng.random() < scfg.grounded_no_oracle
        made = grounded(q, a, x["meta"]["source_id"], index, r.k, r.max_context_tokens, empty,
                        r.evidence_sentences)
        if made is None:
            continue
        no_oracle += empty
        out.append(row(made[0], made[1], {**x["meta"], "pair": "grounded", "oracle": not empty},
                       scfg.system_prompt))
    ctx.metrics.update(pairs_grounded=len(out), pairs_grounded_no_oracle=no_oracle)
    return out


def run(ctx: StageContext) -> None:
    scfg = ctx.cfg.synth
    records = list(read_corpus(ctx.inputs["clean"]))
    ctx.metrics.update(generator=scfg.generator, model=scfg.model, records=len(records))
    facts: list[Any] = []
    skipped = Counter(reason for rec in records if (reason := trivial(rec)))
    if skipped:  # merges of branches, messages that say nothing: no material for any generator
        records = [rec for rec in records if not trivial(rec)]
        ctx.metrics["commits_skipped"] = dict(skipped)
        ctx.log.info("synth: %d commits skipped (%s)", sum(skipped.values()),
                     ", ".join(f"{k} {v}" for k, v in sorted(skipped.items())))
    if scfg.generator == "offline":
        rows = _offline(records, scfg, ctx.metrics, facts)
    else:
        from alchemy.synth.pipeline import generate

        rows = generate(ctx, records)
        if rows is None:  # dry run: the estimate is in report.json and estimate.json
            write_jsonl(ctx.out / "sft_train.jsonl", [])
            write_jsonl(ctx.out / "sft_eval.jsonl", [])
            return
    # Drop any row with an empty side; validation should make this impossible.
    rows = [r for r in rows if all(m["content"].strip() for m in r["messages"])]
    eval_ids = eval_documents([r["id"] for r in records], scfg.eval_fraction, scfg.seed)
    train, evals, dups = split_and_dedup(rows, eval_ids, scfg.dedup_threshold)
    train += _grounded(ctx, train)
    if not facts and scfg.generator == "offline" and scfg.facts:
        ctx.log.warning("synth: the corpus gave no atomic facts; training on section pairs only")
    # Facts of trained documents, for the CPT phase's knowledge text (train.cpt.knowledge).
    write_jsonl(ctx.out / "facts.jsonl", (
        {"entity": f.entity, "aspect": f.aspect, "value": f.value, "statement": f.statement,
         "source_id": f.source_id, "section": f.section, "kind": f.kind}
        for f in facts if f.source_id not in eval_ids))
    n_train = write_jsonl(ctx.out / "sft_train.jsonl", train)
    n_eval = write_jsonl(ctx.out / "sft_eval.jsonl", evals)
    ctx.metrics.update(pairs_train=n_train, pairs_eval=n_eval, eval_documents=len(eval_ids),
                       near_duplicates_removed=dups)
    ctx.log.info("synth: %d train / %d eval pairs (%d near-duplicates removed)", n_train, n_eval,
                 dups)
    if not n_train:
        raise RuntimeError("synth produced no training pairs: is train.jsonl empty? "
                           f"figures: {json.dumps(ctx.metrics, default=str)[:1500]}")
