"""`alchemy cache gc|purge-raw`: stale build folders, incomplete artifacts, raw data at rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from alchemy.cache import MANIFEST, ArtifactStore
from alchemy.cache_admin import main
from alchemy.config import ROOT
from alchemy.runner import Runner

PLANTED = [s["value"] for s in json.loads((ROOT / "data" / "planted.json").read_text())["secrets"]]


def _files_with_secrets(root: Path) -> list[Path]:
    return [f for f in root.rglob("*") if f.is_file() and any(v.encode() in f.read_bytes() for v in PLANTED)]


def test_gc_removes_leftovers_keeps_complete_and_live(tmp_path, capsys) -> None:
    store = ArtifactStore(tmp_path)
    with store.building("clean", "good", {}) as (tmp, _):
        (tmp / "train.jsonl").write_text("{}\n")
    dead = tmp_path / "clean" / ".tmp-dead-1-aaaaaaaa"
    (dead / ".clean-x").mkdir(parents=True)
    (dead / ".clean-x" / "parse-00000-0000.run").write_bytes(b"raw AKIA4LPNQ7RZT2VXW3YB")
    half = tmp_path / "synth" / "half"  # a folder without a manifest: incomplete
    half.mkdir(parents=True)
    with store.lock("clean", "busy"):
        busy = tmp_path / "clean" / ".tmp-busy-2-bbbbbbbb"
        busy.mkdir()
        # a lock held by this process counts as live too: gc opens its own handle on the file
        assert main(["gc", "--cache-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert not dead.exists() and not half.exists() and busy.is_dir()
    assert store.is_complete("clean", "good") and "skipped clean/.tmp-busy" in out
    old = store.path("clean", "good") / MANIFEST
    os.utime(old, (time.time() - 10 * 86400,) * 2)
    assert main(["gc", f"paths.cache_dir={tmp_path}", "--older-than", "7"]) == 0
    assert not store.path("clean", "good").exists() and not busy.exists()


def test_purge_raw_leaves_no_raw_secret_and_the_next_run_reuses_clean(make_cfg, tmp_path) -> None:
    cfg = make_cfg("pipeline.stages=[ingest,clean]", "engine=python")
    cache = Path(cfg.paths.cache_dir)
    Runner(cfg, tmp_path / "r1").run()
    raw = _files_with_secrets(cache)
    assert raw and all("ingest" in f.relative_to(cache).parts[0] for f in raw)  # raw only in ingest
    for folder in (cache / "ingest", cache / "ingest_state"):
        assert folder.stat().st_mode & 0o077 == 0, folder  # owner-only
    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", "cache", "purge-raw", "--cache-dir",
                           str(cache)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "removed ingest_state" in proc.stdout
    assert _files_with_secrets(cache) == []
    again = make_cfg("pipeline.stages=[ingest,clean]", "engine=python")
    stages = Runner(again, tmp_path / "r2").run()["stages"]
    assert not stages["ingest"]["cached"] and stages["clean"]["cached"]
