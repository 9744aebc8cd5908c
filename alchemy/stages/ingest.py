"""ingest: take stock of each selected source's raw data (and dump git history to JSONL).

Exports already on disk are not copied: the stage records an inventory of the files, and its
fingerprint covers their contents, so changed exports mean a new clean/synth downstream.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from alchemy import sources
from alchemy.cache import hash_tree
from alchemy.stages import ConfigError, StageContext


def enabled_sources(cfg: DictConfig) -> dict[str, DictConfig]:
    found = {n: cfg.source[n] for n in sources.NAMES if cfg.source.get(n) is not None}
    if not found:
        raise ConfigError("no source selected: choose one or more with source=[jira,documents]")
    return found


def _raw_dir(name: str, scfg: DictConfig) -> Path:
    if scfg.get("url") or (name == "github" and scfg.get("repos")):
        raise ConfigError(f"source.{name}: live pulls are not available in this version; export "
                          f"the data and set source.{name}.raw_dir=PATH (and unset the URL/repos)")
    raw = Path(scfg.raw_dir).expanduser()
    if not raw.is_dir():
        raise ConfigError(f"source.{name}.raw_dir: folder '{raw}' does not exist; set "
                          f"source.{name}.raw_dir=PATH to the folder holding your {name} exports")
    return raw.resolve()


def git_repos(raw: Path, scfg: DictConfig) -> list[Path]:
    """Repositories under raw_dir: folders with a .git, bare repos, or *.bundle files."""
    found: set[Path] = set()
    for pattern in scfg.repos:
        for p in raw.glob(pattern):
            if p.suffix == ".bundle" or (p / ".git").exists() or (p / "HEAD").is_file():
                found.add(p)
    return sorted(found)


def source_files(name: str, raw: Path, scfg: DictConfig) -> list[Path]:
    if name == "git":
        return git_repos(raw, scfg)
    module = sources.get(name)
    return sorted({p for pat in module.PATTERNS for p in raw.glob(pat) if p.is_file()})


def _git_state(repo: Path) -> str:
    if repo.suffix == ".bundle":
        return hash_tree([repo])
    refs = subprocess.run(["git", "-C", str(repo), "show-ref", "--head"], capture_output=True,
                          text=True, check=False).stdout
    return refs


def fingerprint_extra(cfg: DictConfig) -> dict[str, Any]:
    """Where each source's data is and a hash of its contents (a change means a miss)."""
    extra = {}
    for name, scfg in enabled_sources(cfg).items():
        raw = _raw_dir(name, scfg)
        files = source_files(name, raw, scfg)
        state = [_git_state(r) for r in files] if name == "git" else hash_tree(files, raw)
        extra[name] = {"raw_dir": str(raw), "state": state}
    return extra


def run(ctx: StageContext) -> None:
    inventory: dict[str, Any] = {}
    by_source: dict[str, int] = {}
    total_bytes = 0
    for name, scfg in enabled_sources(ctx.cfg).items():
        raw = _raw_dir(name, scfg)
        files = source_files(name, raw, scfg)
        if name == "git":
            from alchemy.sources.git import dump_repo

            dump_dir = ctx.out / "raw" / "git"
            dump_dir.mkdir(parents=True, exist_ok=True)
            dumps = []
            for repo in files:
                target = dump_dir / f"{repo.stem}.commits.jsonl"
                dump_repo(repo, target, max_diff_bytes=scfg.max_diff_bytes if scfg.include_diffs
                          else 0)
                dumps.append(target)
            total_bytes += sum(f.stat().st_size for f in dumps)
            # inside the artifact: stored relative to it, resolved by clean
            inventory[name] = {"raw_dir": "raw/git", "in_artifact": True,
                               "files": [str(f.relative_to(ctx.out)) for f in dumps]}
            by_source[name] = len(dumps)
            continue
        if not files:
            ctx.log.warning("source %s: no files found under %s", name, raw)
        inventory[name] = {"raw_dir": str(raw), "files": [str(f) for f in files]}
        by_source[name] = len(files)
        total_bytes += sum(f.stat().st_size for f in files)
    (ctx.out / "inventory.json").write_text(json.dumps(inventory, indent=2), encoding="utf-8")
    ctx.metrics.update(files=sum(by_source.values()), by_source=by_source, bytes=total_bytes)
