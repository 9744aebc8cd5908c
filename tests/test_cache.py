"""The artifact store: atomic completion, manifests last, failures leave nothing complete."""

from __future__ import annotations

import json

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
