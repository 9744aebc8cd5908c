"""The artifact store: atomic completion, manifests last, failures leave nothing complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemy.cache import MANIFEST, ArtifactStore, fingerprint, hash_tree


def test_build_renames_into_place_with_manifest_last(tmp_path) -> None:
    store = ArtifactStore(tmp_path)
    with store.building("clean", "abc", {"config": {"x": 1}}) as (tmp, metrics):
        (tmp / "train.jsonl").write_text("{}\n")
        metrics["records_out"] = 1
        assert not store.is_complete("clean", "abc")
        assert tmp.name.startswith(".tmp-abc")
    assert store.is_complete("clean", "abc")
    manifest = store.manifest("clean", "abc")
    assert manifest["files"] == {"train.jsonl": 3}
    assert manifest["metrics"] == {"records_out": 1}
    assert not list((tmp_path / "clean").glob(".tmp-*"))


def test_failure_leaves_no_complete_artifact_and_keeps_others(tmp_path) -> None:
    store = ArtifactStore(tmp_path)
    with store.building("clean", "good", {}) as (tmp, _):
        (tmp / "a").write_text("kept")
    with pytest.raises(RuntimeError), store.building("clean", "bad", {}) as (tmp, _):
        (tmp / "partial").write_text("half")
        raise RuntimeError("killed mid-stage")
    assert not store.is_complete("clean", "bad")
    assert not store.path("clean", "bad").exists()
    assert not list((tmp_path / "clean").glob(".tmp-*"))
    assert (store.path("clean", "good") / "a").read_text() == "kept"


def test_folder_without_manifest_is_incomplete_and_replaced(tmp_path) -> None:
    store = ArtifactStore(tmp_path)
    stale = store.path("train", "fp")
    stale.mkdir(parents=True)
    (stale / "junk").write_text("from a killed run")
    assert not store.is_complete("train", "fp")
    with store.building("train", "fp", {}) as (tmp, _):
        (tmp / "adapter").write_text("new")
    assert not (stale / "junk").exists() and store.is_complete("train", "fp")
    json.loads((stale / MANIFEST).read_text())


def test_complete_lists_newest_last(tmp_path) -> None:
    store = ArtifactStore(tmp_path)
    for fp in ("one", "two"):
        with store.building("train", fp, {}):
            pass
    assert [p.name for p in store.complete("train")][-1] == "two"


def test_fingerprints_are_stable_and_content_sensitive(tmp_path) -> None:
    assert fingerprint({"a": 1, "b": [1, 2]}) == fingerprint({"b": [1, 2], "a": 1})
    assert fingerprint({"a": 1}) != fingerprint({"a": 2})
    f = tmp_path / "x.json"
    f.write_text("1")
    before = hash_tree([f], tmp_path)
    f.write_text("2")
    assert hash_tree([f], tmp_path) != before


HOLD = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire(); print("held", flush=True); time.sleep(60)
"""


def _hold_lock(path):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_stale_build_folders_removed_live_ones_kept(tmp_path) -> None:
    store = ArtifactStore(tmp_path)
    (tmp_path / "clean").mkdir()
    killed = tmp_path / "clean" / ".tmp-dead-4242-aaaaaaaa"  # a SIGKILLed run's spill files
    killed.mkdir()
    (killed / "spill.run").write_text("AKIA4LPNQ7RZT2VXW3YB")
    mine = tmp_path / "clean" / ".tmp-fp-4243-bbbbbbbb"  # an older try at this very artifact
    mine.mkdir()
    live = tmp_path / "clean" / ".tmp-busy-4244-cccccccc"  # another run, still building
    live.mkdir()
    holder = _hold_lock(store.lock_path("clean", "busy"))
    try:
        with store.building("clean", "fp", {}) as (tmp, _):
            (tmp / "x").write_text("1")
        assert not killed.exists() and not mine.exists() and live.is_dir()
    finally:
        holder.kill()
        holder.wait()
    assert store.sweep("clean") == [live]  # its run died: the next sweep removes it


BUILD = """
import sys, time
from alchemy.cache import ArtifactStore
with ArtifactStore(sys.argv[1]).building("synth", "fp", {}) as (tmp, _):
    print("building", flush=True)
    time.sleep(1.0)
    (tmp / "sft_train.jsonl").write_text("{}")
"""


def test_second_run_waits_for_the_first_then_reuses(tmp_path) -> None:
    import os
    import subprocess
    import sys
    import time

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    first = subprocess.Popen([sys.executable, "-c", BUILD, str(tmp_path)], stdout=subprocess.PIPE,
                             text=True, env=env)
    assert first.stdout.readline().strip() == "building"
    store = ArtifactStore(tmp_path)
    t0 = time.monotonic()
    with store.lock("synth", "fp"):  # what the runner does before building a missing artifact
        waited = time.monotonic() - t0
        assert store.is_complete("synth", "fp")  # so it reuses instead of building again
    assert first.wait(10) == 0 and waited > 0.3


def test_cache_folders_are_owner_only(tmp_path) -> None:
    store = ArtifactStore(tmp_path / "cache")
    with store.building("ingest", "fp", {}) as (tmp, _):
        assert tmp.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    assert store.path("ingest", "fp").stat().st_mode & 0o777 == 0o700


def test_a_live_stage_build_is_not_locked_for_others_but_never_swept(tmp_path) -> None:
    store, other = ArtifactStore(tmp_path), ArtifactStore(tmp_path)
    with store.building("serve", "fp", {}, lock=False) as (tmp, _):
        with other.lock("serve", "fp"):  # a second server is not kept waiting
            pass
        assert other.sweep("serve") == [] and tmp.is_dir()  # but its folder is live
    assert store.is_complete("serve", "fp")
    assert sorted(p.name for p in (tmp_path / "serve").iterdir()) == [".fp.lock", "fp"]


def test_stale_spill_folders_in_engine_spill_dir_are_removed(tmp_path) -> None:
    from alchemy.engines.python import WORK_LOCK, _work_dir

    dead, live = tmp_path / ".clean-dead", tmp_path / ".clean-live"
    for folder in (dead, live):
        folder.mkdir()
        (folder / WORK_LOCK).touch()
        (folder / "parse-00000-0000.run").write_bytes(b"unmasked AKIA4LPNQ7RZT2VXW3YB")
    holder = _hold_lock(live / WORK_LOCK)
    try:
        work, lock = _work_dir(tmp_path)
        lock.release()
    finally:
        holder.kill()
        holder.wait()
    assert not dead.exists() and live.is_dir() and work.stat().st_mode & 0o777 == 0o700


def test_a_stage_reads_an_input_s_figures_through_the_store(tmp_path) -> None:
    from alchemy.context import StageContext

    store = ArtifactStore(tmp_path / "cache")
    with store.building("train", "abc", {}) as (_, metrics):
        metrics["loss_curve"] = [[1, 2.5]]
    art = store.path("train", "abc")
    assert store.manifest_at(art) == store.manifest("train", "abc")
    ctx = StageContext(cfg=None, out=tmp_path / "out", inputs={"train": art, "adapter": tmp_path},
                       metrics={}, cache_dir=store.root, store=store)
    assert ctx.input_metrics("train") == {"loss_curve": [[1, 2.5]]}
    assert ctx.input_metrics("adapter") == {} and ctx.input_metrics("index") == {}  # no artifact
