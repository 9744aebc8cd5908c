"""Placeholders stay put between runs: a value keeps its number when records are added."""

from __future__ import annotations

import json
from pathlib import Path

from alchemy.runner import Runner
from alchemy.sanitize import Numberer
from alchemy.sanitize.pseudonyms import Book

LINES = 'Ask ops@acme.io or Priya Raman about the payout scheduler and its retry policy.\n' * 3


def _train(make_cfg, cache: Path, raw: Path, run: Path, *extra: str) -> dict[str, str]:
    cfg = make_cfg("pipeline.stages=[clean]", "source=[documents]", f"source.documents.raw_dir={raw}",
                   *extra, cache=cache)
    art = Path(Runner(cfg, run).run()["stages"]["clean"]["artifact"]) / "train.jsonl"
    return {r["id"]: r["text"] for r in map(json.loads, art.read_text(encoding="utf-8").splitlines())}


def test_a_new_document_renumbers_nothing(make_cfg, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("ALCHEMY_SANITIZER_KEY", "a secret of the team's own, 32 bytes or more")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.md").write_text("# Payouts\n\n" + LINES, encoding="utf-8")
    cache = tmp_path / "cache"
    first = _train(make_cfg, cache, raw, tmp_path / "r1")
    (text,) = first.values()
    assert "<EMAIL_1>" in text and "ops@acme.io" not in text
    # a document that sorts first brings a new address: the old one keeps <EMAIL_1>
    other = LINES.replace("ops@acme.io", "help@acme.io")
    (raw / "a.md").write_text("# Support\n\n" + other, encoding="utf-8")
    second = _train(make_cfg, cache, raw, tmp_path / "r2")
    assert len(second) == 2
    assert text in second.values()
    assert any("<EMAIL_2>" in t for t in second.values())
    assert not (cache / "sanitizer" / "key").exists()  # the key is never written down
    book = next((cache / "sanitizer").glob("placeholders-*.json")).read_text(encoding="utf-8")
    assert "acme.io" not in book and "Priya" not in book  # digests only


def test_no_key_variable_no_book_and_no_key_on_disk(make_cfg, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("ALCHEMY_SANITIZER_KEY", raising=False)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.md").write_text("# Payouts\n\n" + LINES, encoding="utf-8")
    (text,) = _train(make_cfg, tmp_path / "cache", raw, tmp_path / "r1").values()
    assert "<EMAIL_1>" in text and not (tmp_path / "cache" / "sanitizer").exists()


def test_per_run_numbering_when_switched_off(make_cfg, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "b.md").write_text("# Payouts\n\n" + LINES, encoding="utf-8")
    _train(make_cfg, tmp_path / "cache", raw, tmp_path / "r1", "sanitizer.stable_placeholders=false")
    assert not (tmp_path / "cache" / "sanitizer").exists()


def test_numberer_continues_after_a_book(tmp_path: Path) -> None:
    book = Book(tmp_path, b"k" * 32)
    book.save({"EMAIL": {"a" * 32: 1, "b" * 32: 2}})
    again = Book(tmp_path, b"k" * 32)
    n = Numberer("mask", again.tables).learn([("EMAIL", "c" * 32), ("EMAIL", "a" * 32), ("PHONE", "d" * 32)])
    assert n.tables == {"EMAIL": {"a" * 32: 1, "b" * 32: 2, "c" * 32: 3}, "PHONE": {"d" * 32: 1}}
    assert Book(tmp_path, b"other key" * 4).tables == {}  # a book pairs with its own key only
