"""Secrets in file names: no raw name in any id, path or listing that leaves ingest."""

from __future__ import annotations

import importlib.util
import shutil
from collections import Counter
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from alchemy.config import SanitizerConfig
from alchemy.records import read_jsonl
from alchemy.runner import Runner
from alchemy.sanitize import SanitizeContext
from alchemy.sanitize.ids import mask_id
from alchemy.sanitize.tokens import render

TOKEN = "ghp_bszFT2xRQoI1funKBBA2P0UEObUUADMScN4A"
AWS = "AKIA4LPNQ7RZT2VXW3YB"
MAIL = "jane.doe@example-corp.com"
RAW = (TOKEN, AWS, MAIL)
BODY = "The {} service stores balances in Postgres and deploys through Argo CD every weekday."


def _corpus(root: Path) -> Path:
    raw = root / "raw"
    (raw / AWS).mkdir(parents=True)
    (raw / f"{TOKEN}.txt").write_text(BODY.format("ledger") + "\n", encoding="utf-8")
    (raw / AWS / "notes.md").write_text("# Payments\n\n" + BODY.format("payments") + "\n")
    (raw / f"{MAIL}.txt").write_text(BODY.format("billing") + "\n", encoding="utf-8")
    (raw / f"copy-{MAIL}.txt").write_text(BODY.format("billing") + "\n", encoding="utf-8")  # a duplicate
    (raw / f"{TOKEN}.pdf").write_bytes(b"not a pdf at all")  # quarantined
    (raw / f"{MAIL}.exe").write_bytes(b"MZ")  # a type no source reads: quarantined as unsupported
    return raw


def test_mask_id_keeps_separators_and_suffix() -> None:
    ctx = SanitizeContext(OmegaConf.structured(SanitizerConfig(key_env="", leak_gate="none")))
    shown = render(mask_id(ctx, f"documents:{AWS}/{MAIL}.txt"))
    assert shown == "documents:<AWS_KEY>/<EMAIL>.txt"
    assert render(mask_id(ctx, "jira:PAY-123")) == "jira:PAY-123"
    counts: Counter[str] = Counter()
    mask_id(ctx, f"{TOKEN}.txt", counts)
    assert counts["GITHUB_TOKEN"] >= 1


SPARK = pytest.mark.skipif(shutil.which("java") is None or importlib.util.find_spec("pyspark") is None,
                           reason="engine=spark needs Java and pyspark")


@pytest.mark.parametrize("engine", ["python", pytest.param("spark", marks=SPARK)])
def test_no_raw_name_anywhere_and_provenance_kept(make_cfg, tmp_path, engine) -> None:
    raw = _corpus(tmp_path)
    cfg = make_cfg("source=documents", f"source.documents.raw_dir={raw}", f"engine={engine}",
                   "pipeline.stages=[ingest,clean,synth]", "synth.eval_fraction=0")
    run_dir = tmp_path / "run"
    report = Runner(cfg, run_dir).run()
    clean = report["stages"]["clean"]
    assert clean["records_out"] == 3 and clean["quarantined"] == 2 and clean["dropped_total"] == 1
    assert clean["unsupported"] == {"documents": {".exe": 1}}
    for root in (run_dir, tmp_path / "cache"):
        for f in root.rglob("*"):
            if f.is_file():
                blob = f.read_bytes()
                assert not any(v.encode() in blob for v in RAW), f
    ids = {r["id"] for r in read_jsonl(run_dir / "train.jsonl")}
    assert "documents:<AWS_KEY_1>/notes.md" in ids and "documents:<GITHUB_TOKEN_1>.txt" in ids
    sources = {r["meta"]["source_id"] for r in read_jsonl(run_dir / "sft_train.jsonl")}
    assert sources and sources <= ids  # every pair still points at its document
    unsupported, q = read_jsonl(run_dir / "quarantine.jsonl")  # sorted by path
    assert q["path"] == "<GITHUB_TOKEN>.pdf" and q["id"] == "documents:<GITHUB_TOKEN>.pdf"
    assert unsupported["path"] == "<EMAIL>.exe" and unsupported["reason"] == "unsupported type (.exe)"
    (d,) = read_jsonl(run_dir / "dropped.jsonl")
    assert "<EMAIL>" in d["id"] and "<EMAIL>" in d["duplicate_of"]
