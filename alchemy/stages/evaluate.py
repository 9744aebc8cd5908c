"""eval: what the adapter knows (fact questions) and how it generalises (held-out pairs).

Headline: ``eval.questions``, answered by the base model and base + adapter, closed-book and
grounded in the ``retrieval.k`` best passages of the index, graded correct / incorrect / not
attempted on key terms (and by an LLM judge when ``eval.judge`` names one); with recall@k,
abstention when the passages lack the answer, and a forgetting guard of general questions.
Second figure: loss/perplexity and F1/ROUGE-L on pairs of documents held out of training, and
held-out text perplexity. Writes eval.json, fact_samples.jsonl, eval_samples.jsonl, loss.png
and eval.png.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from alchemy.cache import hash_file
from alchemy.stages import ConfigError, StageContext

# (column, key, higher is better) for the console table and the deltas in report.json
FIGURES = [("fact accuracy (closed-book)", "fact_accuracy", True),
           ("fact accuracy (with sources)", "grounded_accuracy", True),
           ("general questions (guard)", "general_accuracy", True),
           ("abstains without the answer", "abstention", True),
           ("answer loss", "loss", False), ("answer ppl", "perplexity", False),
           ("text ppl", "text_perplexity", False), ("token F1", "f1", True),
           ("ROUGE-L", "rouge_l", True)]


def validate(cfg: Any) -> None:
    """The questions file reads (ranges: alchemy/validate.py)."""
    from alchemy.eval.questions import QuestionsError, load_questions

    if cfg.eval.questions:
        try:
            load_questions(cfg.eval.questions)
        except QuestionsError as exc:
            raise ConfigError(f"eval.questions: {exc}") from None


def fingerprint(cfg: Any, prepared: None) -> str | None:
    """The questions file's contents (its name is in the eval subtree)."""
    return hash_file(Path(cfg.eval.questions)) if cfg.eval.questions else None


def _train_curve(ctx: StageContext) -> list:
    return ctx.input_metrics("train").get("loss_curve") or []


def _table(base: dict, tuned: dict, recall: float | None, k: int,
           found: dict[str, Any] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="eval: base vs adapter", title_justify="left")
    for col in ("figure", "base", "adapter", "better"):
        table.add_column(col)
    for label, key, up in FIGURES:
        if key in base and key in tuned and math.isfinite(base[key]) and math.isfinite(tuned[key]):
            same = tuned[key] == base[key]
            better = tuned[key] > base[key] if up else tuned[key] < base[key]
            table.add_row(label, f"{base[key]:.4g}", f"{tuned[key]:.4g}",
                          "same" if same else "adapter" if better else "base")
    if recall is not None:
        table.add_row(f"recall@{k} (passages hold the answer)", f"{recall:.3g}", f"{recall:.3g}", "")
    if found and found.get("recall_at_k_in_corpus") is not None:
        r = found["recall_at_k_in_corpus"]
        table.add_row(f"recall@{k}, answer in corpus ({found['answer_in_corpus']} questions)",
                      f"{r:.3g}", f"{r:.3g}", "")
    if found and found.get("context_recall") is not None:
        r = found["context_recall"]
        table.add_row("context recall (the prompt, after evidence selection)", f"{r:.3g}",
                      f"{r:.3g}", "")
    Console().print(table)


def _flat(side: dict[str, Any], facts: dict[str, Any]) -> None:
    """Headline fact figures as top-level keys of a side (console, plot, sweep summary)."""
    if facts.get("closed", {}).get("questions"):
        side["fact_accuracy"] = facts["closed"]["accuracy"]
        side["fact_hallucination_rate"] = facts["closed"]["hallucination_rate"]
    if "grounded" in facts:
        side["grounded_accuracy"] = facts["grounded"]["accuracy"]
        side["grounded_hallucination_rate"] = facts["grounded"]["hallucination_rate"]
    if facts.get("general", {}).get("questions"):
        side["general_accuracy"] = facts["general"]["accuracy"]
    if "abstention" in facts:
        side["abstention"] = facts["abstention"]


def _judge(ev: Any, prompts: Any, replies: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    from alchemy.eval.judge import Judge, judge_all
    from alchemy.eval.scoring import summarise

    judge = Judge(ev.judge, ev.judge_api_base, ev.judge_api_key_env, ev.judge_timeout_s)
    out: dict[str, Any] = {"model": ev.judge}
    for side, modes in replies.items():
        for mode in ("closed", "grounded"):
            if mode not in modes:
                continue
            items = [(q.question, q.answer, r)
                     for q, r in zip(prompts.questions, modes[mode], strict=True)]
            verdicts = judge_all(judge, items)
            if verdicts is None:
                return {"model": ev.judge, "unavailable": judge.unavailable}
            out[f"{side}_{mode}"] = summarise(verdicts)
    return out


def _facts(ctx: StageContext) -> tuple[Any, Any]:
    """The prompts of every mode, and the per-side callback that answers them."""
    from omegaconf import OmegaConf

    from alchemy.eval.facts import answer_side, build_prompts, general_prompts, general_questions
    from alchemy.eval.questions import load_questions
    from alchemy.eval.replay import key, replay
    from alchemy.retrieval.index import Index
    from alchemy.train.generate import generate_batch

    ev, r = ctx.cfg.eval, ctx.cfg.retrieval
    questions = load_questions(ev.questions) if ev.questions else []
    general = general_questions() if ev.general else []
    if not questions and not general:
        return None, None
    index = Index(ctx.inputs["index"], ctx.cache_dir) if questions and r.method != "none" else None
    prompts = build_prompts(questions, general, index, r.k, r.max_context_tokens,
                            ev.unanswerable, r.rrf_k, r.evidence_sentences, r.abstain)

    def answer(model: Any, tokenizer: Any, device: str, side: str) -> dict[str, list[str]]:
        def gen(convs: list[list[dict]], grounded: bool) -> list[str]:
            penalty = r.repetition_penalty if grounded else ev.repetition_penalty
            return generate_batch(model, tokenizer, device, convs, ev.fact_max_new_tokens,
                                  penalty) if convs else []
        if side != "base":
            return answer_side(gen, prompts)
        settings = {"max_new_tokens": ev.fact_max_new_tokens, "penalty": ev.repetition_penalty,
                    "grounded_penalty": r.repetition_penalty}
        digest = key(model, device, OmegaConf.to_container(ctx.cfg.model, resolve=True),
                     settings, [prompts.closed, general_prompts(prompts), prompts.grounded,
                                prompts.unanswerable, prompts.refusals])
        return replay(ctx.cache_dir, digest, lambda: answer_side(gen, prompts))

    return prompts, answer


def run(ctx: StageContext) -> None:
    from alchemy.eval.facts import samples, score_side, write_samples
    from alchemy.eval.plots import eval_plot, loss_plot
    from alchemy.eval.suite import evaluate_adapter, held_out_texts

    cfg, ev = ctx.cfg, ctx.cfg.eval
    synth = ctx.inputs["synth"]
    adapter = ctx.inputs["train"] / "adapter"
    texts = held_out_texts(ctx.inputs.get("clean"), synth / "sft_train.jsonl",
                           synth / "sft_eval.jsonl", ev.text_samples)
    prompts, answer = _facts(ctx)
    results, held = evaluate_adapter(cfg.model, ctx.cache_dir, adapter, synth / "sft_eval.jsonl",
                                     ev, texts, extra=answer)
    base, tuned = results["base"], results["adapter"]
    recall = None
    if prompts is not None:
        replies = {side: results[side].pop("extra") for side in ("base", "adapter")}
        verdicts = {}
        for side in ("base", "adapter"):
            facts, verdicts[side] = score_side(prompts, replies[side])
            results[side]["facts"] = facts
            _flat(results[side], facts)
        found = prompts.recall_figures()
        recall = found.get("recall_at_k")
        ctx.metrics["facts"] = {"questions": len(prompts.questions), "file": ev.questions,
                                "retrieval": cfg.retrieval.method, "k": cfg.retrieval.k,
                                "recall_at_k": recall, **found}
        if ev.judge and prompts.questions:
            ctx.metrics["facts"]["judge"] = _judge(ev, prompts, replies)
        write_samples(ctx.out / "fact_samples.jsonl", samples(prompts, replies, verdicts))
    deltas: dict[str, Any] = {
        f"{key}_delta": round(tuned[key] - base[key], 4)
        for _, key, _ in FIGURES if key in base and key in tuned
    }
    ctx.metrics.update(base=base, adapter=tuned, adapter_better=tuned["loss"] < base["loss"],
                       **deltas, generated=len(held))
    (ctx.out / "eval.json").write_text(json.dumps(ctx.metrics, indent=2), encoding="utf-8")
    write_samples(ctx.out / "eval_samples.jsonl", held)
    if ev.plots:
        loss_plot(_train_curve(ctx), ctx.out / "loss.png")
        eval_plot(base, tuned, ctx.out / "eval.png")
    _table(base, tuned, recall, cfg.retrieval.k, ctx.metrics.get("facts"))
