"""The eval stage's work: base vs base+adapter on held-out answers, generations and text.

One model load: the adapter is applied once and the base is scored inside
``disable_adapter()``, so the two columns see identical weights, template and inputs.
Figures per side: answer loss/perplexity (sft_eval.jsonl), token F1 and ROUGE-L of greedy
answers to the first ``generate_samples`` held-out questions, and perplexity on the documents
the SFT split held out (clean corpus records whose id only feeds sft_eval.jsonl).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from alchemy.eval.loss import chat_loss, text_loss
from alchemy.eval.metrics import mean, rouge_l, token_f1
from alchemy.records import read_corpus
from alchemy.train.data import read_chats, source_ids
from alchemy.train.generate import generate_batch
from alchemy.train.loading import load_for_inference

log = logging.getLogger(__name__)


def held_out_texts(clean_dir: Path | None, sft_train: Path, sft_eval: Path, limit: int) -> list[str]:
    """Texts of documents that fed only the eval split: SFT (and CPT, see train/sft.py) never saw them.

    The clean corpus is streamed through ``read_corpus`` (train.jsonl, or the part files of
    ``train/`` with engine.output=partitioned) and reading stops at ``limit`` texts.
    """
    if limit <= 0 or clean_dir is None:
        return []
    held = source_ids(sft_eval) - source_ids(sft_train)
    texts: list[str] = []
    if not held:
        return texts
    try:
        for rec in read_corpus(clean_dir):
            if str(rec.get("id")) in held and rec.get("text"):
                texts.append(str(rec["text"]))
                if len(texts) >= limit:
                    break
    except (FileNotFoundError, ValueError) as exc:  # an optional metric: say why it is missing
        log.warning("eval: no held-out text perplexity (%s)", exc)
        return []
    return texts


def _side(model: Any, tokenizer: Any, device: str, chats: list[list[dict]],
          questions: list[list[dict]], refs: list[str], texts: list[str], ev: Mapping) -> dict:
    """Every figure for whichever weights `model` currently runs with."""
    max_length = int(ev["max_length"])
    out: dict[str, Any] = chat_loss(model, tokenizer, device, chats, max_length)
    if texts:
        t = text_loss(model, tokenizer, device, texts, max_length)
        out["text_loss"], out["text_perplexity"] = t["loss"], t["perplexity"]
        out["text_docs"] = t["examples"]
    if questions:
        answers = generate_batch(model, tokenizer, device, questions,
                                 int(ev["max_new_tokens"]),
                                 float(ev["repetition_penalty"]))
        out["answers"] = answers
        out["f1"] = mean(token_f1(a, r) for a, r in zip(answers, refs, strict=True))
        out["rouge_l"] = mean(rouge_l(a, r) for a, r in zip(answers, refs, strict=True))
    return out


def evaluate_adapter(model_cfg: Mapping, cache_dir: Path, adapter: Path, sft_eval: Path,
                     ev: Mapping, held_texts: list[str] | None = None,
                     device: str = "auto",
                     extra: Callable[[Any, Any, str, str], Any] | None = None) -> tuple[dict, list[dict]]:
    """Return ({"base": {...}, "adapter": {...}}, per-question samples for eval_samples.jsonl).

    ``extra(model, tokenizer, device, side)``, when given, runs once per side under the same
    weights (the fact questions); its result is stored as that side's ``"extra"``.
    """
    chats = read_chats(sft_eval, limit=int(ev["max_samples"]))
    n_gen = int(ev["generate_samples"])
    picked = [c for c in chats if c[-1]["role"] == "assistant"][:n_gen]
    questions = [c[:-1] for c in picked]
    refs = [c[-1]["content"] for c in picked]
    texts = list(held_texts or [])
    model, tokenizer, device = load_for_inference(model_cfg, cache_dir, adapter, device)
    results: dict[str, dict] = {}
    for side in ("base", "adapter"):
        ctx = model.disable_adapter() if side == "base" else nullcontext()
        with ctx:
            results[side] = _side(model, tokenizer, device, chats, questions, refs, texts, ev)
            if extra is not None:
                results[side]["extra"] = extra(model, tokenizer, device, side)
        log.info("eval %s: loss %.4f ppl %.2f f1 %s rouge-l %s", side, results[side]["loss"],
                 results[side]["perplexity"], results[side].get("f1"),
                 results[side].get("rouge_l"))
    samples = []
    base_ans = results["base"].pop("answers", [])
    tuned_ans = results["adapter"].pop("answers", [])
    for q, ref, b, a in zip(questions, refs, base_ans, tuned_ans, strict=True):
        samples.append({
            "question": q[-1]["content"], "reference": ref,
            "base_answer": b, "adapter_answer": a,
            "base_f1": round(token_f1(b, ref), 4), "adapter_f1": round(token_f1(a, ref), 4),
            "base_rouge_l": round(rouge_l(b, ref), 4),
            "adapter_rouge_l": round(rouge_l(a, ref), 4),
        })
    return results, samples
