"""The end-of-run summary table on the console (rich)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
    return "-" if value is None else str(value)


def print_summary(report: dict[str, Any], console: Console | None = None) -> None:
    """One row per stage: cached or run, time, and the figures people look for."""
    console = console or Console()
    stages = report.get("stages", {})
    table = Table(title="alchemy run", title_justify="left")
    for col in ("stage", "status", "seconds", "figures"):
        table.add_column(col, overflow="fold")
    for name, st in stages.items():
        figures = _figures(name, st)
        status = "cached" if st.get("cached") else ("FAILED" if "error" in st else "ran")
        table.add_row(name, status, _fmt(st.get("seconds")), figures)
    console.print(table)
    answer = stages.get("infer", {})
    if answer.get("answer") is not None:
        console.print(f"[bold]Q:[/bold] {answer.get('prompt')}")
        console.print(f"[bold]A:[/bold] {answer.get('answer')}")
        for src in answer.get("sources") or []:
            where = src["title"] + (f" > {src['section']}" if src.get("section") else "")
            console.print(f"   [dim][{src['n']}] {where} {src.get('url') or ''}[/dim]",
                          highlight=False)
    elif answer.get("note"):
        console.print(f"infer: {answer['note']}", highlight=False, markup=False)
    console.print(f"run dir: {report.get('run_dir')}  (report.json, train.jsonl, adapter/ ...)")


def _pct(value: Any) -> str:
    return f"{100 * value:.0f}%" if isinstance(value, (int, float)) else "-"


def _figures(name: str, st: dict[str, Any]) -> str:
    if "error" in st:
        return st["error"]
    if name == "ingest":
        return f"files {_fmt(st.get('files'))} ({_fmt(st.get('by_source'))})"
    if name == "clean":
        return (f"records in {_fmt(st.get('records_in'))} -> out {_fmt(st.get('records_out'))}; "
                f"quarantined {_fmt(st.get('quarantined'))}; dropped {_fmt(st.get('dropped'))}; "
                f"masks {_fmt(st.get('masks_total'))} ({_fmt(st.get('masks'))})"
                + (f"; {st['truncated']} cut at clean.max_chars" if st.get("truncated") else ""))
    if name == "synth":
        if "cost_usd_expected" in st and "pairs_train" not in st:  # synth.dry_run
            return (f"dry run: {_fmt(st.get('calls_needed'))} calls, {_fmt(st.get('tokens_in'))} "
                    f"tokens in; cost ~${_fmt(st.get('cost_usd_expected'))} "
                    f"(at most ${_fmt(st.get('cost_usd_max'))})")
        text = (f"pairs {_fmt(st.get('pairs_train'))} train / {_fmt(st.get('pairs_eval'))} eval "
                f"from {_fmt(st.get('records'))} records ({_fmt(st.get('model'))})")
        if st.get("tokens_in") is not None:
            text += (f"; tokens {_fmt(st.get('tokens_in'))} in / {_fmt(st.get('tokens_out'))} out, "
                     f"${_fmt(st.get('cost_usd'))}")
        return text
    if name == "train":
        text = (f"train loss {_fmt(st.get('train_loss'))} over {_fmt(st.get('steps'))} steps; "
                f"{_fmt(st.get('trainable_params'))} trainable params; {_fmt(st.get('device'))}")
        if st.get("truncated"):
            text += f"; {st['truncated']} examples truncated at train.max_length"
        if st.get("resumed_from_step"):
            text += f"; resumed from step {st['resumed_from_step']}"
        if st.get("cpt_loss") is not None:
            text += f"; CPT loss {_fmt(st['cpt_loss'])}"
        return text
    if name == "index":
        return (f"{_fmt(st.get('passages'))} passages ({_fmt(st.get('method'))}), "
                f"built in {_fmt(st.get('build_seconds'))} s")
    if name == "eval":
        base, tuned = st.get("base", {}), st.get("adapter", {})
        facts, text = st.get("facts") or {}, ""
        for label, key in (("facts closed-book", "fact_accuracy"),
                           ("facts with sources", "grounded_accuracy"),
                           ("general guard", "general_accuracy")):
            if base.get(key) is not None:
                text += f"{label} {_pct(base[key])} -> {_pct(tuned.get(key))}; "
        if facts.get("recall_at_k") is not None:
            text += f"recall@{facts['k']} {_fmt(facts['recall_at_k'])}; "
            if facts.get("answer_in_corpus") is not None:
                text += (f"answer in the corpus for {facts['answer_in_corpus']} of "
                         f"{facts['questions']} (recall@{facts['k']} of those "
                         f"{_fmt(facts.get('recall_at_k_in_corpus'))}); ")
            if facts.get("context_recall") is not None:
                text += f"in the prompt after evidence selection {_fmt(facts['context_recall'])}; "
        text += (f"eval loss base {_fmt(base.get('loss'))} -> adapter {_fmt(tuned.get('loss'))}; "
                f"ppl {_fmt(base.get('perplexity'))} -> {_fmt(tuned.get('perplexity'))}")
        for label, key in (("token F1", "f1"), ("ROUGE-L", "rouge_l"),
                           ("text ppl", "text_perplexity")):
            if base.get(key) is not None:
                text += f"; {label} {_fmt(base.get(key))} -> {_fmt(tuned.get(key))}"
        return text
    if name == "export":
        return (f"merged model; max |logit diff| {_fmt(st.get('max_abs_logit_diff'))}, "
                f"greedy text identical {_fmt(st.get('greedy_text_identical'))}")
    if name == "infer":
        return f"adapter {_fmt(st.get('adapter'))}"
    return ""
