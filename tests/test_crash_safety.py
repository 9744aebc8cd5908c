"""kill -9 real runs during clean, synth and train: the cache stays consistent, the next run
recovers with the outputs of an uninterrupted run, and no planted secret is left on disk
outside the raw stores the README names (which are owner-only and purged on request)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from alchemy.config import ROOT

pytestmark = pytest.mark.slow  # five real runs of the sample pipeline with model=tiny-random

KEY = "crash-test-hmac-key-4d1f0c9e"
PLANTED = json.loads((ROOT / "data" / "planted.json").read_text())
VALUES = [v["value"] for v in PLANTED["secrets"] + PLANTED["pii"] if len(v["value"]) >= 8] + [KEY]
OUTPUTS = ("train.jsonl", "quarantine.jsonl", "dropped.jsonl", "sft_train.jsonl", "sft_eval.jsonl")


def _start(cache: Path, run: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "alchemy.cli", "model=tiny-random", "train.max_steps=12",
            "train.save_steps=4", "train.logging_steps=1", "engine=python", "engine.workers=2",
            "pipeline.stages=[ingest,clean,synth,train]", f"paths.cache_dir={cache}",
            f"hydra.run.dir={run}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALCHEMY_SANITIZER_KEY": KEY,
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen(args, cwd=run.parent, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _run(cache: Path, run: Path) -> None:
    proc = _start(cache, run)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]


def _kill_when(cache: Path, run: Path, ready: Callable[[], bool]) -> None:
    """Start a run and SIGKILL its whole process group (workers too) once ``ready()``."""
    proc = _start(cache, run)
    deadline = time.monotonic() + 600
    while not ready():
        assert proc.poll() is None, "the run ended before the kill point: " + proc.stderr.read()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _found(pattern: str, cache: Path) -> Callable[[], bool]:
    return lambda: any(cache.glob(pattern))


def _raw_store(path: Path, cache: Path) -> bool:
    """The stores that hold raw exports by design (README, "Reliability")."""
    parts = path.relative_to(cache).parts
    return parts[0] == "ingest_state" or (parts[0] == "ingest" and "raw" in parts)


def _leaks(caches: list[Path], runs: list[Path]) -> list[str]:
    found = []
    files = [f for c in caches for f in c.rglob("*") if not _raw_store(f, c)]
    for f in files + [f for r in runs for f in r.rglob("*")]:
        if f.is_file() and not f.is_symlink():
            blob = f.read_bytes()
            found += [f"{f}: {v[:6]}..." for v in VALUES if v.encode() in blob]
    return found


def _no_half_artifacts(cache: Path) -> None:
    for stage in ("ingest", "clean", "synth", "train"):
        for folder in (cache / stage).glob("*") if (cache / stage).is_dir() else []:
            if not folder.name.startswith("."):
                assert (folder / "MANIFEST.json").is_file(), f"{folder} looks complete but is not"


def _adapter(run: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(run / "adapter" / "adapter_model.safetensors")


def test_kill_9_in_clean_synth_and_train_then_recover(tmp_path) -> None:
    ref_cache, cache = tmp_path / "ref-cache", tmp_path / "cache"
    _run(ref_cache, tmp_path / "ref")

    # clean: phase 1 has started (spill files of unmasked records, the sanitizer context)
    _kill_when(cache, tmp_path / "k1", _found("clean/.tmp-*/.clean-*/ctx.pkl", cache))
    _no_half_artifacts(cache)
    assert list(cache.glob("clean/.tmp-*")), "the kill left no build folder: nothing was tested"
    assert not any(KEY.encode() in f.read_bytes() for f in cache.rglob("*") if f.is_file())
    for folder in cache.glob("clean/.tmp-*"):
        assert folder.stat().st_mode & 0o077 == 0  # unmasked spill files: owner-only

    # synth: the clean artifact is reused, the synth build folder exists
    _kill_when(cache, tmp_path / "k2", _found("synth/.tmp-*", cache))
    _no_half_artifacts(cache)
    assert not list(cache.glob("clean/.tmp-*"))  # the killed clean's folder was removed

    # train: killed after its first checkpoint
    _kill_when(cache, tmp_path / "k3",
               _found("train_checkpoints/*/checkpoint-4/trainer_state.json", cache))
    _no_half_artifacts(cache)

    _run(cache, tmp_path / "final")
    report = json.loads((tmp_path / "final" / "report.json").read_text())
    assert report["stages"]["train"]["resumed_from_step"] >= 4
    for name in OUTPUTS:
        assert (tmp_path / "final" / name).read_bytes() == (tmp_path / "ref" / name).read_bytes(), name
    ref, got = _adapter(tmp_path / "ref"), _adapter(tmp_path / "final")
    assert ref.keys() == got.keys()
    assert all((ref[k] - got[k]).abs().max().item() < 1e-5 for k in ref)  # resumed = uninterrupted
    assert not list(cache.glob("*/.tmp-*")) and not list(cache.glob("train_checkpoints/*/checkpoint-*"))
    runs = [tmp_path / n for n in ("ref", "k1", "k2", "k3", "final")]
    assert _leaks([cache, ref_cache], runs) == []
    for raw in (cache / "ingest", cache / "ingest_state"):
        assert raw.stat().st_mode & 0o077 == 0, raw
