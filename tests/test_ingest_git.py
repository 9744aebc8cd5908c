"""Git ingest: repositories by path or glob, incremental dumps, rewritten history, bad repos."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from alchemy.config import source_options
from alchemy.records import Quarantine, Record
from alchemy.runner import Runner
from alchemy.sources import git

ENV = {**os.environ, "GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@acme.test",
       "GIT_COMMITTER_NAME": "Ada Lovelace", "GIT_COMMITTER_EMAIL": "ada@acme.test",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def sh(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=ENV, check=True, capture_output=True,
                          text=True).stdout.strip()


def commit(repo: Path, name: str, message: str) -> str:
    (repo / name).write_text(f"{message}\n")
    sh(repo, "add", ".")
    sh(repo, "commit", "-q", "-m", message)
    return sh(repo, "rev-parse", "HEAD")


@pytest.fixture
def repos(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    for name in ("ledger", "gateway"):
        (root / name).mkdir(parents=True)
        sh(root / name, "init", "-q", "-b", "main")
        commit(root / name, "a.txt", f"{name}: first")
        commit(root / name, "b.txt", f"{name}: second")
    return root


def ingest(cfg, run_dir: Path) -> tuple[dict, Path]:
    runner = Runner(cfg, run_dir)
    stage = runner.run()["stages"]["ingest"]
    return stage, runner.store.path("ingest", runner.fp("ingest"))


def subjects(dump: Path) -> list[str]:
    return [json.loads(line)["subject"] for line in dump.read_text().splitlines()]


def test_incremental_dumps_only_new_commits(make_cfg, repos, tmp_path) -> None:
    cfg = make_cfg("source=git", f"source.git.raw_dir={repos}", "pipeline.stages=[ingest]")
    first, art = ingest(cfg, tmp_path / "r1")
    assert first["by_source"] == {"git": 2} and first["pulled"]["git"]["commits"] == 4
    assert subjects(art / "raw/git/ledger.commits.jsonl") == ["ledger: second", "ledger: first"]
    inventory = json.loads((art / "inventory.json").read_text())
    assert inventory["git"] == {"raw_dir": "raw/git", "in_artifact": True,
                                "files": ["raw/git/gateway.commits.jsonl",
                                          "raw/git/ledger.commits.jsonl"]}

    again, _ = ingest(cfg, tmp_path / "r2")
    assert again["cached"] is True

    commit(repos / "ledger", "c.txt", "ledger: third")
    third, art3 = ingest(cfg, tmp_path / "r3")
    assert third["cached"] is False and third["pulled"]["git"]["commits"] == 1  # only the new one
    assert subjects(art3 / "raw/git/ledger.commits.jsonl") == [
        "ledger: third", "ledger: second", "ledger: first"]
    assert subjects(art / "raw/git/ledger.commits.jsonl")[0] == "ledger: second"  # old artifact intact

    sh(repos / "ledger", "reset", "-q", "--hard", "HEAD~2")  # history rewritten (force-push)
    commit(repos / "ledger", "d.txt", "ledger: rewritten")
    fourth, art4 = ingest(cfg, tmp_path / "r4")
    assert fourth["pulled"]["git"]["full_dumps"] == 1
    assert subjects(art4 / "raw/git/ledger.commits.jsonl") == ["ledger: rewritten", "ledger: first"]


def test_absolute_globs_bundles_and_a_broken_repo(make_cfg, repos, tmp_path) -> None:
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    sh(repos / "gateway", "bundle", "create", str(bundles / "gateway-mirror.bundle"), "--all")
    (bundles / "broken.bundle").write_bytes(b"not a bundle")
    cfg = make_cfg("source=git", "source.git.raw_dir=/nonexistent",
                   f"source.git.repos=[{repos}/led*,{bundles}/*.bundle]",
                   "source.git.include_diffs=false", "pipeline.stages=[ingest]")
    stage, art = ingest(cfg, tmp_path / "r1")
    raw = art / "raw" / "git"
    assert sorted(p.name for p in raw.iterdir()) == [
        "broken.commits.jsonl", "gateway-mirror.commits.jsonl", "ledger.commits.jsonl"]
    out = list(git.parse_dir(raw, source_options("git", raw_dir=str(raw))))
    recs = [r for r in out if isinstance(r, Record)]
    assert len(recs) == 4 and all("```diff" not in r.text for r in recs)
    (bad,) = [q for q in out if isinstance(q, Quarantine)]
    assert bad.path == "broken.commits.jsonl" and bad.reason.startswith("unreadable repository")

    sh(repos / "gateway", "commit", "-q", "--allow-empty", "-m", "gateway: third")
    sh(repos / "gateway", "bundle", "create", str(bundles / "gateway-mirror.bundle"), "--all")
    again, art = ingest(cfg, tmp_path / "r2")
    assert again["pulled"]["git"]["commits"] == 1
    assert subjects(art / "raw/git/gateway-mirror.commits.jsonl")[0] == "gateway: third"


def test_commit_url_gives_provenance(repos, tmp_path) -> None:
    dump = tmp_path / "ledger.commits.jsonl"
    git.dump_repo(repos / "ledger", dump)
    cfg = source_options("git", raw_dir=str(tmp_path), commit_url="https://git.acme.test/{repo}/commit/{sha}")
    rec = next(r for r in git.parse_file(dump, cfg) if isinstance(r, Record))
    assert rec.url == f"https://git.acme.test/ledger/commit/{rec.meta['sha']}"


def test_path_errors_are_config_errors_naming_the_path(make_cfg, repos, tmp_path) -> None:
    """A repo that does not exist or is not a repository stops the run at ingest (exit 2)."""
    from alchemy.stages import ConfigError

    plain = tmp_path / "not-a-repo"
    plain.mkdir()
    cases = [(f"source.git.repos=[{tmp_path}/nowhere]", f"'{tmp_path}/nowhere' does not exist"),
             (f"source.git.repos=[{plain}]", "is not a git repository"),
             (f"source.git.repos=[{tmp_path}/zz*]", "no git repository matches"),
             ("source.git.repos=[]", "no repositories given")]
    for override, needle in cases:
        with pytest.raises(ConfigError, match=needle):
            ingest(make_cfg("source=git", override, "pipeline.stages=[ingest]"), tmp_path / "r")


def test_relative_repos_resolve_against_the_working_directory(make_cfg, repos, tmp_path,
                                                              monkeypatch) -> None:
    monkeypatch.chdir(repos)
    stage, art = ingest(make_cfg("source=git", "source.git.repos=[ledger]", "pipeline.stages=[ingest]"),
                        tmp_path / "r1")
    assert stage["by_source"] == {"git": 1}
    assert subjects(art / "raw/git/ledger.commits.jsonl") == ["ledger: second", "ledger: first"]


def test_no_source_but_sample_reads_the_sample(make_cfg, tmp_path) -> None:
    """source=git or source=documents alone is an error, not a quiet read of the shipped sample."""
    from alchemy.stages import ConfigError

    with pytest.raises(ConfigError, match="source.documents.raw_dir is not set"):
        ingest(make_cfg("source=documents", "pipeline.stages=[ingest]"), tmp_path / "r")
    with pytest.raises(ConfigError, match="no repositories given"):
        ingest(make_cfg("source=git", "pipeline.stages=[ingest]"), tmp_path / "r")


def test_cli_exit_2_names_the_repo(tmp_path) -> None:
    import sys

    proc = subprocess.run([sys.executable, "-m", "alchemy.cli", "source=git", "pipeline.stages=[ingest]",
                           f"source.git.repos=[{tmp_path}/missing]", f"hydra.run.dir={tmp_path}",
                           f"paths.cache_dir={tmp_path}/cache"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and f"{tmp_path}/missing" in proc.stderr
