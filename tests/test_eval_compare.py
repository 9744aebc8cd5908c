"""The sweep summary: ranks jobs by fact accuracy, then adapter eval loss; reports failed jobs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from alchemy.eval.compare import SweepSummary, main, summarise


def _job(root: Path, name: str, override: str, stages: dict | None) -> None:
    job = root / name
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(f"- {override}\n- model=tiny-random\n")
    if stages is not None:
        (job / "report.json").write_text(json.dumps({"stages": stages}))


def _ok(loss: float) -> dict:
    return {"train": {"train_loss": 2.0, "train_seconds": 1.5},
            "eval": {"base": {"loss": 3.0}, "adapter": {"loss": loss, "f1": 0.3, "rouge_l": 0.2},
                     "loss_delta": loss - 3.0}}


def test_summary_ranks_and_reports_failures(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    _job(tmp_path, "0", "lora.r=8", _ok(2.5))
    _job(tmp_path, "1", "lora.r=16", _ok(2.1))
    _job(tmp_path, "2", "lora.r=32", {"train": {"error": "RuntimeError: out of memory"}})
    _job(tmp_path, "3", "lora.r=64", None)  # killed before writing a report
    rows = summarise(tmp_path)
    assert [r["job"] for r in rows] == ["1", "0", "2", "3"]
    assert [r["rank"] for r in rows] == [1, 2, None, None]
    assert rows[2]["status"].startswith("failed (train: RuntimeError")
    assert rows[3]["status"] == "failed (no report.json)"
    table = list(csv.DictReader((tmp_path / "sweep_summary.csv").open()))
    assert table[0]["overrides"] == "lora.r=16"  # model=tiny-random is common to all jobs
    md = (tmp_path / "sweep_summary.md").read_text()
    assert "lora.r=32" in md and "out of memory" in md
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"

    class Cfg:  # what Hydra hands a callback: config.hydra.sweep.dir
        class hydra:  # noqa: N801
            class sweep:  # noqa: N801
                dir = str(tmp_path)

    (tmp_path / "sweep_summary.md").unlink()
    SweepSummary().on_multirun_end(Cfg)
    assert (tmp_path / "sweep_summary.md").is_file()
    assert main([str(tmp_path)]) == 0 and "lora.r=16" in capsys.readouterr().out
    assert main([]) == 2


def test_cli_help_and_folders_that_are_not_sweeps(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: alchemy-compare [-h] sweep_dir")
    assert "rank them by the adapter's held-out answer loss" in " ".join(out.split())
    assert "sweep_summary.csv" in out and "outputs/multirun/" in out
    assert main([]) == 2 and "required: sweep_dir" in capsys.readouterr().err
    assert main([str(tmp_path / "missing")]) == 2
    assert "missing is not a folder" in capsys.readouterr().err
    run = tmp_path / "run"  # a single run's folder: .hydra/ and report.json at its top
    (run / ".hydra").mkdir(parents=True)
    (run / "report.json").write_text(json.dumps({"stages": _ok(2.0)}))
    assert main([str(run)]) == 2
    assert "no sweep jobs (it is a single run's folder)" in capsys.readouterr().err
    assert sorted(p.name for p in run.iterdir()) == [".hydra", "report.json"]  # nothing written


def test_fact_accuracy_outranks_eval_loss(tmp_path: Path) -> None:
    low_loss, knows = _ok(1.9), _ok(2.4)
    low_loss["eval"]["adapter"]["fact_accuracy"] = 0.10
    knows["eval"]["adapter"] |= {"fact_accuracy": 0.35, "grounded_accuracy": 0.6}
    _job(tmp_path, "0", "lora.r=8", low_loss)
    _job(tmp_path, "1", "lora.r=16", knows)
    rows = summarise(tmp_path)
    assert [r["job"] for r in rows] == ["1", "0"] and rows[0]["facts_adapter"] == 0.35
    assert "fact accuracy" in (tmp_path / "sweep_summary.md").read_text()
