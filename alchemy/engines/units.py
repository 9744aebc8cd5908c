"""Units of parsing work (one file, or one whole folder for sources that join files) and the
per-unit parse step both engines run: parser -> ``prepare`` -> sortable entry.

An entry is ``(id, -len(text), path, record JSON, source)``: sorting entries puts the copies
of one id together with the fullest first (then by path, then by content), which is how
both engines pick the copy to keep when an issue or page was exported twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from alchemy import sources
from alchemy.cleaning.options import CleanOptions
from alchemy.cleaning.pipeline import encode, prepare
from alchemy.records import Quarantine
from alchemy.sanitize import people_of

Entry = tuple[str, int, str, str, str]


@dataclass(frozen=True)
class Unit:
    source: str
    path: str  # a file, or the source's raw_dir when ``whole_dir``
    whole_dir: bool
    size: int
    # a parse_dir split into its two passes (the Python engine's parallel GitHub join):
    step: str = ""  # "scatter": spill some files to buckets; "join": join one bucket
    files: tuple[str, ...] = ()  # scatter: its files, consecutive in the source's own order;
    # join: the bucket's part files, in file order
    order: int = 0  # scatter: the index of its first file; join: the bucket
    buckets: int = 0  # scatter: how many buckets the source spills to


def source_configs(cfg: Any, inventory: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Plain (picklable) parser settings per source, with the raw_dir ingest resolved."""
    out = {}
    for name, entry in inventory.items():
        node = cfg.source[name]
        plain = OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else dict(node)
        out[name] = {**plain, "raw_dir": entry["raw_dir"]}  # type: ignore[dict-item]
    return out


def skipped(inventory: dict[str, Any]) -> list[dict[str, Any]]:
    """Quarantine entries for what listing the exports skipped (unreadable folders, loops)."""
    return [q for entry in inventory.values() for q in entry.get("skipped", [])]


def plan_units(inventory: dict[str, Any], split: int = 0) -> list[Unit]:
    """Every unit of every source; parse_dir sources are one unit (their files belong together),
    unless ``split`` > 0 and the source can run its join as two passes: then its files become
    "scatter" units of about ``split`` bytes, and ``join_units`` gives the second pass."""
    units = []
    for name, entry in inventory.items():
        files = [Path(f) for f in entry["files"]]
        sizes = [f.stat().st_size if f.exists() else 0 for f in files]
        module = sources.get(name)
        if split and hasattr(module, "scatter"):
            units += _scatter_units(name, module, Path(entry["raw_dir"]), split)
        elif hasattr(module, "parse_dir"):
            units.append(Unit(name, str(entry["raw_dir"]), True, sum(sizes)))
        else:
            units += [Unit(name, str(f), False, s) for f, s in zip(files, sizes, strict=True)]
    return units


def _scatter_units(name: str, module: Any, raw_dir: Path, target: int) -> list[Unit]:
    files = module.list_files(raw_dir)
    n = module.bucket_count(files)
    out: list[Unit] = []
    group: list[Path] = []
    size = first = 0
    for i, (f, fsize) in enumerate([*((f, f.stat().st_size) for f in files), (None, 0)]):
        if group and (f is None or size + fsize > target):
            out.append(Unit(name, str(raw_dir), True, size, "scatter", tuple(map(str, group)), first, n))
            group, size = [], 0
        if f is not None:
            first = first if group else i
            group.append(f)
            size += fsize
    return out


def join_units(units: list[Unit], work: Path) -> list[Unit]:
    """The second pass of every split source: one unit per bucket that received rows."""
    out = []
    for source, raw_dir in {(u.source, u.path) for u in units if u.step == "scatter"}:
        for k, parts in sources.get(source).bucket_parts(work).items():
            size = sum(p.stat().st_size for p in parts)
            out.append(Unit(source, raw_dir, True, size, "join", tuple(map(str, parts)), k))
    return sorted(out, key=lambda u: (u.source, u.order))


def group_units(units: list[Unit], target: int) -> list[list[Unit]]:
    """Consecutive units packed into tasks of about ``target`` bytes (big units alone)."""
    tasks: list[list[Unit]] = []
    size = 0
    for unit in units:
        if not tasks or size + unit.size > target:
            tasks.append([])
            size = 0
        tasks[-1].append(unit)
        size += unit.size
    return tasks


def parse_unit(unit: Unit, scfg: dict[str, Any]) -> Iterator[Any]:
    """Every item the unit's parser yields; a parser crash becomes one quarantine entry."""
    module = sources.get(unit.source)
    try:
        if unit.step == "scatter":
            files = [Path(f) for f in unit.files]
            yield from module.scatter(files, {**scfg, "buckets": unit.buckets}, unit.order)
        elif unit.step == "join":
            yield from module.join_bucket(Path(unit.path), {**scfg, "parts": unit.files})
        else:
            yield from (module.parse_dir if unit.whole_dir else module.parse_file)(Path(unit.path), scfg)
    except Exception as exc:  # the contract says parsers don't raise; never lose a run to one
        yield Quarantine(unit.source, unit.path, f"parser error: {type(exc).__name__}: {exc}")


def entries(unit: Unit, scfg: dict[str, Any], opts: CleanOptions,
            people: set[str]) -> Iterator[Entry | dict[str, Any]]:
    """Prepared records of one unit as entries (names added to ``people``); quarantine as dicts."""
    for item in parse_unit(unit, scfg):
        if isinstance(item, Quarantine):
            yield item.to_dict()
            continue
        try:
            people.update(people_of(item.meta))
            rec = prepare(item, opts)
            yield (rec.id, -len(rec.text), str(rec.meta.get("path") or ""), encode(rec), unit.source)
        except Exception as exc:  # an odd field type in one record: quarantine it, go on
            yield Quarantine(unit.source, unit.path, f"clean error: {type(exc).__name__}",
                             str(getattr(item, "id", ""))).to_dict()
