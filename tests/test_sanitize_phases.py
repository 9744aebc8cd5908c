"""The two-phase API: phase 1 anywhere and in any order, phase 2 numbers in id order; the leak gate."""

from __future__ import annotations

import multiprocessing
import pickle
import random

import pytest

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import Numberer, SanitizeContext, SanitizeStats, collect_people
from alchemy.sanitize.tokens import OPEN, TOKEN_RE

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")


def _records() -> list[Record]:
    rows = [
        ("jira:OPS-2", "Bob Stone pinged ops@acme.io from 10.0.0.7", {"author": "Alice Lund"}),
        (
            "jira:OPS-1",
            "Alice said: key AKIA4LPNQ7RZT2VXW3YB, mail dev@acme.io and ops@acme.io",
            {"people": ["Bob Stone"]},
        ),
        (
            "git:abc",
            "rotate ghp_bszFT2xRQoI1funKBBA2P0UEObUUADMScN4A; Bob Stone approved",
            {"author": "Cy Young"},
        ),
        ("docs:z", "nothing secret here, see OPS-1", {}),
    ]
    return [Record(rid, rid.split(":")[0], "x", "", text, meta=dict(meta)) for rid, text, meta in rows]


def _phase1(ctx: SanitizeContext, rec: Record):
    return ctx.sanitize_record(rec)


def _final(ctx: SanitizeContext, results: dict) -> list[dict]:
    numberer = Numberer(ctx.mode)
    return [numberer.record(results[rid].record).to_dict() for rid in sorted(results)]


def test_numbering_depends_only_on_id_order() -> None:
    recs = _records()
    ctx = SanitizeContext(CFG, collect_people(r.meta for r in recs))
    forward = {r.id: ctx.sanitize_record(r) for r in recs}
    shuffled = recs[:]
    random.Random(3).shuffle(shuffled)
    backward = {r.id: ctx.sanitize_record(r) for r in reversed(shuffled)}
    assert _final(ctx, forward) == _final(ctx, backward)
    out = {d["id"]: d for d in _final(ctx, forward)}
    # first appearance in id order: docs:z, git:abc, jira:OPS-1, jira:OPS-2
    assert out["git:abc"]["text"] == "rotate <GITHUB_TOKEN_1>; <PERSON_1> approved"
    assert out["git:abc"]["meta"]["author"] == "<PERSON_2>"
    assert out["jira:OPS-1"]["text"] == ("<PERSON_3> said: key <AWS_KEY_1>, mail <EMAIL_1> and <EMAIL_2>")
    assert out["jira:OPS-2"]["text"] == "<PERSON_1> pinged <EMAIL_2> from <IP_1>"


def test_phase1_in_worker_processes_matches_one_process() -> None:
    recs = _records()
    ctx = SanitizeContext(CFG, collect_people(r.meta for r in recs))
    ctx.sanitize_record(recs[0])  # compiled detectors are cached per process, never pickled
    assert len(pickle.dumps(ctx)) < 4000
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        parallel = dict(
            zip([r.id for r in recs], pool.starmap(_phase1, [(ctx, r) for r in recs]), strict=True)
        )
    local = {r.id: ctx.sanitize_record(r) for r in recs}
    assert _final(ctx, parallel) == _final(ctx, local)


def test_no_raw_value_in_tokens_or_numberer() -> None:
    ctx = SanitizeContext(CFG)
    rec = Record("a:1", "a", "x", "", "mail priya@acme.io, phone +44 20 7946 0958")
    text = ctx.sanitize_record(rec).record.text
    assert "priya" not in text and "7946" not in text and text.count(OPEN) == 2
    numberer = Numberer()
    numberer.text(text)
    dump = repr(numberer.tables)
    assert "priya" not in dump and "7946" not in dump
    other = SanitizeContext(CFG)  # another per-run key: other digests, the same final text
    assert other.sanitize_record(rec).record.text != text
    assert Numberer().text(other.sanitize_record(rec).record.text) == Numberer().text(text)
    assert TOKEN_RE.sub("", text) == "mail , phone "


def test_forged_tokens_in_input_are_neutralised() -> None:
    forged = f"{OPEN}EMAIL:{'0' * 32}\ue001 hello"
    out = SanitizeContext(CFG).sanitize_record(Record("a:1", "a", "x", "", forged)).record.text
    assert OPEN not in out and Numberer().text(out) == out


def test_key_from_environment_gives_stable_tokens(monkeypatch) -> None:
    monkeypatch.setenv("ALCHEMY_TEST_KEY", "s3cret-run-key")
    cfg = {**CFG, "key_env": "ALCHEMY_TEST_KEY"}
    rec = Record("a:1", "a", "x", "", "mail priya@acme.io")
    assert SanitizeContext(cfg).sanitize_record(rec) == SanitizeContext(cfg).sanitize_record(rec)


def test_stats_by_type_and_source() -> None:
    recs = _records()
    ctx = SanitizeContext(CFG, collect_people(r.meta for r in recs))
    halves = [SanitizeStats(), SanitizeStats()]
    for i, r in enumerate(recs):
        halves[i % 2].add(r.source, r.id, ctx.sanitize_record(r))
    m = halves[0].merge(halves[1]).metrics(ctx)
    assert m["masks"]["EMAIL"] == 3 and m["masks_by_source"]["git"]["GITHUB_TOKEN"] == 1
    assert m["masks_total"] == sum(m["masks"].values()) and m["leaks"] == {} and m["leak_gate"] == "none"


def test_leak_gate_reports_type_and_record_never_value() -> None:
    pytest.importorskip("kingfisher_sdk")
    value = "ghp_bszFT2xRQoI1funKBBA2P0UEObUUADMScN4A"
    # switch our GitHub detector off, so only the independent scanner can see the token
    ctx = SanitizeContext({**CFG, "leak_gate": "kingfisher", "skip_types": ["GITHUB_TOKEN", "SECRET"]})
    result = ctx.sanitize_record(Record("jira:X-1", "jira", "issue", "", f"token {value} pasted"))
    assert result.leaks and all(value not in leak for leak in result.leaks)
    stats = SanitizeStats()
    stats.add("jira", "jira:X-1", result)
    with pytest.raises(RuntimeError) as err:
        stats.check(fail=True)
    assert "jira:X-1" in str(err.value) and value not in str(err.value)
    stats.check(fail=False)  # configurable: report only
    clean = SanitizeContext({**CFG, "leak_gate": "kingfisher"})
    assert (
        clean.sanitize_record(
            Record("a:1", "a", "x", "", f"token {value}; db postgres://u:changeme@h/db")
        ).leaks
        == []
    )


def test_leak_gate_backends() -> None:
    with pytest.raises(ValueError, match="leak_gate"):
        SanitizeContext({**CFG, "leak_gate": "magic"})
    own = SanitizeContext({**CFG, "leak_gate": "self"})
    assert own.scan(Record("a:1", "a", "x", "", "left over: AKIA4LPNQ7RZT2VXW3YB")) == ["AWS_KEY"]
    assert own.scan(Record("a:1", "a", "x", "", "masked: <AWS_KEY_1>")) == []


def test_clean_stage_reports_sanitizer_figures(make_cfg, docs_dir, tmp_path) -> None:
    import json

    from alchemy.runner import Runner

    cfg = make_cfg("source=documents", f"source.documents.raw_dir={docs_dir}", "pipeline.stages=[clean]",
                   "sanitizer.leak_gate=self")
    clean = Runner(cfg, tmp_path / "run").run()["stages"]["clean"]
    assert clean["masks_by_source"] == {"documents": {"AWS_KEY": 1, "EMAIL": 1}}
    assert clean["leaks"] == {} and clean["leak_gate"] == "self" and clean["sanitizer_mode"] == "mask"
    text = (tmp_path / "run" / "train.jsonl").read_text(encoding="utf-8")
    assert OPEN not in text and "<AWS_KEY_1>" in json.loads(text.splitlines()[1])["text"]


def test_distributed_numbering_equals_sequential() -> None:
    recs = _records()
    ctx = SanitizeContext(CFG, collect_people(r.meta for r in recs))
    results = {r.id: ctx.sanitize_record(r) for r in recs}
    order = [t for rid in sorted(results) for t in Numberer.tokens_in_order(results[rid].record)]
    learned = Numberer(ctx.mode).learn(order)
    assert [learned.record(results[rid].record).to_dict() for rid in sorted(results)] == _final(ctx, results)
    with pytest.raises(KeyError):
        learned.text(ctx.sanitize_record(Record("n:1", "n", "x", "", "new@acme.io")).record.text)
