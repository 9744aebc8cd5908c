"""ingest: take stock of each selected source's raw data, pulling live sources first.

Exports already on disk are not copied: the stage records an inventory of the files, and its
fingerprint covers their contents, so changed exports mean a new clean/synth downstream.

Live sources (a Jira/Confluence ``url``, GitHub ``repos``) and git repositories go through a
mirror under ``<cache_dir>/ingest_state/<source>/`` (see alchemy/sources/live/). ``prepare``
syncs the mirror (incrementally: only what changed upstream is fetched) before the fingerprint
is computed, and the fingerprint covers the mirror's contents. So every run asks the server
what changed, and the stage and everything downstream are cache hits exactly when nothing
did. The artifact gets the mirror's files (hard links), marked ``"in_artifact": true`` in
inventory.json.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from alchemy import sources
from alchemy.cache import hash_tree, private_dir
from alchemy.sources import live, source_listing, unread_files
from alchemy.stages import ConfigError, StageContext

log = logging.getLogger("alchemy")


def enabled_sources(cfg: DictConfig) -> dict[str, DictConfig]:
    found = {n: cfg.source[n] for n in sources.NAMES if cfg.source.get(n) is not None}
    if not found:
        raise ConfigError("no source selected: choose one or more with source=[jira,documents]")
    return found


def _raw_dir(name: str, scfg: DictConfig) -> Path:
    if not scfg.get("raw_dir"):
        live_hint = "" if name == "documents" else " (or its URL/repos for a live pull)"
        raise ConfigError(f"source.{name}.raw_dir is not set: set source.{name}.raw_dir=PATH to the "
                          f"folder holding your {name} exports{live_hint}; only source=sample reads "
                          "the shipped sample data")
    raw = Path(scfg.raw_dir).expanduser()
    if not raw.is_dir():
        raise ConfigError(f"source.{name}.raw_dir: folder '{raw}' does not exist; set "
                          f"source.{name}.raw_dir=PATH to the folder holding your {name} exports")
    return raw.resolve()


def source_files(name: str, raw: Path) -> list[Path]:
    return source_listing(name, raw)[0]


def by_extension(paths: list[Path]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in paths:
        ext = p.suffix.lower() or "(none)"
        counts[ext] = counts.get(ext, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def state_root(cfg: DictConfig) -> Path:
    """Where mirrors and cursors live: beside the artifacts, kept across runs."""
    return Path(cfg.paths.cache_dir).expanduser().resolve() / "ingest_state"


def sync(cfg: DictConfig, name: str, scfg: DictConfig) -> live.Pulled:
    """Pull (or dump) what changed into the source's mirror; errors say what to fix."""
    plain = OmegaConf.to_container(scfg, resolve=True)
    root = private_dir(state_root(cfg))  # mirrors are raw, unmasked exports: owner-only
    os.chmod(root, 0o700)
    try:
        pulled = live.sync(name, plain, root)  # type: ignore[arg-type]
    except live.AccessError as exc:  # bad token, URL, repo name: the user's to fix (exit 2)
        raise ConfigError(str(exc)) from None
    except live.PullError as exc:  # the server stayed down through the retries (exit 1)
        from alchemy.errors import StageFailed

        raise StageFailed(f"stage 'ingest' failed: {exc}") from None
    figures = ", ".join(f"{k} {v}" for k, v in pulled.figures.items())
    log.info("ingest: %s synced (%s)", name, figures)
    return pulled


def validate(cfg: DictConfig) -> None:
    """A source is selected, and each one read from disk has its folder (exit 2 otherwise)."""
    for name, scfg in enabled_sources(cfg).items():
        if not live.mirrored(name, scfg):
            _raw_dir(name, scfg)


def prepare(cfg: DictConfig) -> dict[str, live.Pulled]:
    """Sync every mirrored source (a live pull, a git fetch): {source: what was pulled}."""
    return {name: sync(cfg, name, scfg) for name, scfg in enabled_sources(cfg).items()
            if live.mirrored(name, scfg)}


def fingerprint(cfg: DictConfig, pulled: dict[str, live.Pulled]) -> dict[str, Any]:
    """Per source: the mirror's digest after the sync, or where exports are and their hash."""
    extra: dict[str, Any] = {}
    for name, scfg in enabled_sources(cfg).items():
        if live.mirrored(name, scfg):
            extra[name] = {"mirror": pulled[name].digest()}
        else:
            raw = _raw_dir(name, scfg)
            extra[name] = {"raw_dir": str(raw), "state": hash_tree(source_files(name, raw), raw)}
    return extra


def run(ctx: StageContext) -> None:
    inventory: dict[str, Any] = {}
    by_source: dict[str, int] = {}
    pulls: dict[str, Any] = {}
    skipped: dict[str, int] = {}
    total_bytes = 0
    unsupported: dict[str, dict[str, int]] = {}
    for name, scfg in enabled_sources(ctx.cfg).items():
        if live.mirrored(name, scfg):
            pulled = (ctx.prepared or {}).get(name) or sync(ctx.cfg, name, scfg)  # run alone: sync
            dest = ctx.out / "raw" / name
            files = sorted(f for prefix, mirror in pulled.mirrors
                           for f in mirror.export_to(dest / prefix if prefix else dest))
            # inside the artifact: stored relative to it, resolved by clean
            inventory[name] = {"raw_dir": f"raw/{name}", "in_artifact": True,
                               "files": [str(f.relative_to(ctx.out)) for f in files]}
            pulls[name] = pulled.figures
        else:
            raw = _raw_dir(name, scfg)
            files, problems = source_listing(name, raw)
            ctx.log.info("source %s: reading %d files from %s", name, len(files), raw)
            # no file names: a name can be a secret (clean lists the folder again, see clean.py)
            inventory[name] = {"raw_dir": str(raw), "count": len(files)}
            unread = unread_files(name, raw, files)
            if unread:  # each is named (masked) in quarantine.jsonl by clean
                unsupported[name] = by_extension(unread)
                ctx.log.warning("source %s: %d files not read (unsupported type: %s); each is listed "
                                "in quarantine.jsonl", name, len(unread),
                                ", ".join(f"{k} {v}" for k, v in unsupported[name].items()))
            if problems:  # named (masked) in quarantine.jsonl by clean, counted here
                ctx.log.warning("source %s: %d folder(s) or link(s) skipped (unreadable, symlink "
                                "loop, broken link): see quarantine.jsonl", name, len(problems))
                skipped[name] = len(problems)
        if not files:
            ctx.log.warning("source %s: no files found", name)
        by_source[name] = len(files)
        total_bytes += sum(f.stat().st_size for f in files)
    (ctx.out / "inventory.json").write_text(json.dumps(inventory, indent=2), encoding="utf-8")
    ctx.metrics.update(files=sum(by_source.values()), by_source=by_source, bytes=total_bytes)
    if unsupported:
        ctx.metrics["unsupported"] = unsupported
    if skipped:
        ctx.metrics["skipped"] = skipped
    if pulls:
        ctx.metrics["pulled"] = pulls
