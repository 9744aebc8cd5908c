"""Results reach the run directory whole or not at all; a full disk there is a clean exit 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from alchemy.cache import ArtifactStore
from alchemy.config import ROOT
from alchemy.publish import publish


def test_publish_replaces_files_and_folders_whole(tmp_path) -> None:
    src, dst = tmp_path / "src", tmp_path / "run"
    (src / "adapter").mkdir(parents=True)
    (src / "adapter" / "w.bin").write_bytes(b"new")
    (src / "train.jsonl").write_text("new\n")
    (dst / "adapter").mkdir(parents=True)
    (dst / "adapter" / "stale.bin").write_bytes(b"old")
    (dst / "train.jsonl").write_text("old\n")
    publish(src / "train.jsonl", dst / "train.jsonl")
    publish(src / "adapter", dst / "adapter")
    assert (dst / "train.jsonl").read_text() == "new\n"
    assert sorted(p.name for p in (dst / "adapter").iterdir()) == ["w.bin"]
    assert sorted(p.name for p in dst.iterdir()) == ["adapter", "train.jsonl"]  # no .part left


def _can_mount_tmpfs() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare -rm and tmpfs (a small real disk)")
def test_full_disk_under_the_run_dir_exits_1_with_the_path(tmp_path) -> None:
    run, out, cache = tmp_path / "run", tmp_path / "out", tmp_path / "cache"
    run.mkdir()
    out.mkdir()
    cli = (f"{sys.executable} -m alchemy.cli 'pipeline.stages=[ingest,clean]' engine=python "
           f"paths.cache_dir={cache} hydra.run.dir={run}")
    script = (f"mount -t tmpfs -o size=100k tmpfs {run} && {cli}; echo rc=$?; cp -a {run}/. {out}/")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert "rc=1" in proc.stdout, proc.stderr[-3000:]
    assert "no space left on device" in proc.stderr and str(run / "train.jsonl") in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "train.jsonl").exists()  # no truncated corpus
    assert not [p for p in out.iterdir() if p.name.startswith(".train")]  # and no leftover part
    report = json.loads((out / "report.json").read_text())
    assert "no space left" in report["stages"]["clean"]["error"]
    store = ArtifactStore(cache)  # the cache is intact: the next run reuses it
    assert store.is_complete("clean", report["stages"]["clean"]["fingerprint"])
