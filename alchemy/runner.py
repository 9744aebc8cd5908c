"""The generic stage runner: resolve the plan, reuse what is cached, run the rest.

Every planned stage's ``validate`` runs first. Then for every requested stage it computes a
fingerprint (own config subtrees + inputs' fingerprints + package version + the stage's
``fingerprint``, after its ``prepare``). A complete artifact with that fingerprint is a cache
hit; otherwise the stage's missing inputs are produced first, then the stage runs into a
temporary folder that the store renames into place. Every stage, run or reused, gets an entry
in report.json. The stage contract is in alchemy/stages/__init__.py.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from alchemy import __version__
from alchemy.cache import ArtifactStore, fingerprint
from alchemy.errors import ConfigError, StageFailed
from alchemy.publish import publish, run_dir_error, write_atomic
from alchemy.stages import ORDER, STAGES, External, StageContext, check_stage_names
from alchemy.validate import validate

__all__ = ["Runner", "StageFailed"]

log = logging.getLogger("alchemy")


def _subtree(cfg: DictConfig, key: str, ignore: tuple[str, ...]) -> Any:
    """A config subtree as plain data, minus keys that never change a stage's output.

    Ignore patterns are dotted paths under ``key``; ``*`` matches any one level
    (``source.*.sync``).
    """
    node = OmegaConf.select(cfg, key)
    value = OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig) else node

    def drop(tree: Any, parts: list[str]) -> None:
        if not isinstance(tree, dict):
            return
        head, rest = parts[0], parts[1:]
        for k in list(tree) if head == "*" else [head]:
            if not rest:
                tree.pop(k, None)
            else:
                drop(tree.get(k), rest)

    for dotted in ignore:
        if dotted.startswith(key + "."):
            drop(value, dotted[len(key) + 1:].split("."))
    return value


class Runner:
    def __init__(self, cfg: DictConfig, run_dir: Path) -> None:
        validate(cfg)  # interpolations, unknown keys, ranges: exit 2 before any stage
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        self.store = ArtifactStore(cfg.paths.cache_dir)
        self.requested = list(cfg.pipeline.stages)
        check_stage_names(self.requested, "pipeline.stages")
        force = list(cfg.pipeline.force)
        check_stage_names(force, "pipeline.force")
        self.force = set(ORDER) if "all" in force else set(force)
        self._fps: dict[str, str] = {}
        self._payloads: dict[str, dict[str, Any]] = {}  # what each fingerprint was computed from
        # requested stage -> the folder its declared external input comes from (see External)
        self.external: dict[str, Path] = {}
        for name in self.requested:
            if (path := self._external(STAGES[name].external)) is not None:
                self.external[name] = path
        self._prepared: dict[str, Any] = {}  # each stage's prepare() result, once per runner
        for name in self.planned():  # the stages' own checks: exit 2 before any work
            check = STAGES[name].hook("validate")
            if check is not None:
                check(cfg)

    # ---- planning ----
    def _external(self, ext: External | None) -> Path | None:
        """The folder named by ext.key (checked), else the newest complete artifact of the
        stage it replaces when that stage is not requested, else None (it is built)."""
        if ext is None:
            return None
        value = OmegaConf.select(self.cfg, ext.key)
        if value:
            path = Path(value)
            if ext.check is not None:
                ext.check(path)
            return path
        if ext.replaces in self.requested:
            return None
        done = self.store.complete(ext.replaces)
        return done[-1] / ext.folder if done else None  # newest

    def planned(self) -> list[str]:
        """The requested stages and everything they read, cached or not, in pipeline order."""
        found: set[str] = set()

        def add(name: str) -> None:
            if name not in found:
                found.add(name)
                for up in self.inputs_of(name):
                    add(up)

        for name in self.requested:
            add(name)
        return [n for n in ORDER if n in found]

    def prepared(self, name: str) -> Any:
        """The stage's prepare(cfg) result (None without one), computed once."""
        if name not in self._prepared:
            prepare = STAGES[name].hook("prepare")
            self._prepared[name] = prepare(self.cfg) if prepare is not None else None
        return self._prepared[name]

    def inputs_of(self, name: str) -> tuple[str, ...]:
        stage = STAGES[name]
        if name in self.external:
            return tuple(i for i in stage.inputs if i != stage.external.replaces)
        return stage.inputs

    def fp(self, name: str) -> str:
        if name not in self._fps:
            stage = STAGES[name]
            payload: dict[str, Any] = {
                "stage": name,
                "version": __version__,
                "config": {k: _subtree(self.cfg, k, stage.ignore_keys) for k in stage.config_keys},
                "inputs": {i: self.fp(i) for i in self.inputs_of(name)},
            }
            extra = stage.hook("fingerprint")
            if extra is not None:
                payload["extra"] = extra(self.cfg, self.prepared(name))
            if name in self.external:
                payload[stage.external.name] = str(self.external[name].resolve())
            self._payloads[name] = payload
            self._fps[name] = fingerprint(payload)
        return self._fps[name]

    def plan(self) -> dict[str, str]:
        """Stage -> "run" or "cached", in pipeline order, including needed upstream stages."""
        plan: dict[str, str] = {}

        def need(name: str) -> None:
            if name in plan:
                return
            hit = not STAGES[name].is_live(self.cfg) and name not in self.force \
                and self.store.is_complete(name, self.fp(name))
            if not hit:
                for up in self.inputs_of(name):
                    need(up)
            plan[name] = "cached" if hit else "run"

        for name in self.requested:
            need(name)
        return {n: plan[n] for n in ORDER if n in plan}

    # ---- execution ----
    def run(self) -> dict[str, Any]:
        started = time.time()
        report: dict[str, Any] = {"alchemy_version": __version__, "run_dir": str(self.run_dir),
                                  "stages": {}}
        plan = self.plan()
        log.info("plan: %s", ", ".join(f"{n} ({a})" for n, a in plan.items()))
        for name, action in plan.items():
            stage = STAGES[name]
            live = stage.is_live(self.cfg)
            fp = self.fp(name)
            path = self.store.path(name, fp)
            entry: dict[str, Any] = {"cached": action == "cached", "fingerprint": fp,
                                     "artifact": str(path)}
            if action == "cached":
                log.info("%s: cache hit %s", name, fp)
                entry.update(self.store.manifest(name, fp).get("metrics", {}))
            else:
                # the lock: a concurrent run building the same artifact is waited for and reused
                # (not for a live stage: a second server must not wait for the first to stop)
                with self.store.lock(name, fp, hold=not live):
                    if not live and name not in self.force and self.store.is_complete(name, fp):
                        log.info("%s: built by another run meanwhile; reusing %s", name, fp)
                        entry.update(self.store.manifest(name, fp).get("metrics", {}), cached=True)
                    else:
                        self._build(name, stage, fp, entry, report, started)
            report["stages"][name] = entry
            self._publish(name, path, report, started)
        self._write_report(report, started)
        return report

    def _build(self, name: str, stage: Any, fp: str, entry: dict[str, Any],
               report: dict[str, Any], started: float) -> None:
        """Run one stage into the store; a failure is reported and raised as StageFailed."""
        log.info("%s: running (fingerprint %s)", name, fp)
        t0 = time.time()
        metrics: dict[str, Any] = {}
        payload = self._payloads[name]
        info = {"config": payload["config"], "inputs": payload["inputs"],
                "alchemy_version": __version__}
        try:
            with self.store.building(name, fp, info, lock=not stage.is_live(self.cfg)) as (tmp, metrics):
                ctx = StageContext(cfg=self.cfg, out=tmp, metrics=metrics,
                                   inputs=self._input_paths(name), cache_dir=self.store.root,
                                   prepared=self.prepared(name), store=self.store)
                stage.load().run(ctx)
                metrics["seconds"] = round(time.time() - t0, 2)
        except (ConfigError, KeyboardInterrupt):
            raise
        except Exception as exc:
            entry.update(metrics)  # whatever the stage had counted before it failed
            entry.update(error=f"{type(exc).__name__}: {exc}")
            report["stages"][name] = entry
            self._write_report(report, started)
            raise StageFailed(f"stage {name!r} failed: {type(exc).__name__}: {exc}") from exc
        entry.update(self.store.manifest(name, fp)["metrics"])
        log.info("%s: done in %.1fs", name, time.time() - t0)

    def _input_paths(self, name: str) -> dict[str, Path]:
        paths = {i: self.store.path(i, self.fp(i)) for i in self.inputs_of(name)}
        if name in self.external:
            paths[STAGES[name].external.name] = self.external[name]
        return paths

    def _publish(self, name: str, artifact: Path, report: dict[str, Any], started: float) -> None:
        """Copy a stage's declared outputs into the run directory, each atomically (a copy
        beside it, then a rename): a kill or a full disk never leaves a truncated file there."""
        dst = self.run_dir
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            for out in STAGES[name].outputs:
                dst = self.run_dir / out
                if (artifact / out).exists():
                    publish(artifact / out, dst)
        except OSError as exc:
            message = run_dir_error(exc, dst)
            report["stages"][name]["error"] = message
            self._write_report(report, started)
            raise StageFailed(message) from exc

    def _write_report(self, report: dict[str, Any], started: float) -> None:
        """report.json, atomically; a failure to write it (a full disk) is logged, not raised."""
        report["seconds"] = round(time.time() - started, 2)
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self.run_dir / "report.json", json.dumps(report, indent=2, default=str))
        except OSError as exc:
            log.error("%s", run_dir_error(exc, self.run_dir / "report.json"))
