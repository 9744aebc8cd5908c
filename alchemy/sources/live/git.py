"""Git, incrementally: dump each repository's history once, then only the new commits.

Repositories are folders (with .git or bare) or ``*.bundle`` files, named in ``repos`` by
path or glob: relative to ``raw_dir``, or absolute. Each has a mirror holding
``<name>.commits.jsonl`` and, as cursor, the HEAD it was dumped at. The next run first asks
git for the current heads (cheap: ``rev-parse`` / ``bundle list-heads``); when they moved it
dumps ``<last>..HEAD`` and puts those commits in front of the old ones. A rewritten history
(the last commit no longer an ancestor) is dumped again in full.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..git import dump_repo
from . import log
from .http import AccessError
from .mirror import Mirror, scope_key


def _is_repo(p: Path) -> bool:
    return (p.suffix == ".bundle" and p.is_file()) or (p / ".git").exists() or (p / "HEAD").is_file()


def repo_paths(scfg: Mapping[str, Any]) -> list[Path]:
    """Every repository the ``repos`` patterns name (folders with .git, bare repos, bundles).

    A relative pattern is taken from ``raw_dir`` when it is set, else from the working
    directory; no ``repos`` with a ``raw_dir`` means every repository in it. A path that does
    not exist or is not a repository, a glob that names none, or neither setting is the user's
    to fix (AccessError -> exit 2), never an empty corpus."""
    raw_dir = scfg["raw_dir"]
    patterns = [os.path.expanduser(str(p)) for p in scfg["repos"] or (["*"] if raw_dir else [])]
    if not patterns:
        raise AccessError("source.git: no repositories given: set source.git.repos=[/path/to/repo] "
                          "(folders, bare repos, *.bundle, globs) or source.git.raw_dir=FOLDER of them")
    base = Path(str(raw_dir)).expanduser() if raw_dir else Path.cwd()
    if raw_dir and not base.is_dir() and not all(os.path.isabs(p) for p in patterns):
        raise AccessError(f"source.git.raw_dir: folder '{base}' does not exist; set "
                          "source.git.raw_dir=PATH, or give absolute paths in source.git.repos")
    found: set[Path] = set()
    for pattern in patterns:
        full = pattern if os.path.isabs(pattern) else str(base / pattern)
        if not glob.has_magic(pattern):
            path = Path(full)
            if not path.exists():
                raise AccessError(f"source.git.repos: '{full}' does not exist")
            if not _is_repo(path):
                raise AccessError(f"source.git.repos: '{full}' is not a git repository (no .git, "
                                  "not a bare repository, not a .bundle file)")
        hits = [Path(h) for h in glob.glob(full) if _is_repo(Path(h))]
        if not hits:
            raise AccessError(f"source.git.repos: no git repository matches '{full}'")
        found.update(h.resolve() for h in hits)
    log.info("source.git: reading %s", ", ".join(str(p) for p in sorted(found)))
    return sorted(found)


def _name(path: Path) -> str:
    return path.name.removesuffix(".bundle").removesuffix(".git") or "repo"


def scopes(scfg: Mapping[str, Any], state_dir: Path) -> list[tuple[str, Path, Any]]:
    paths = repo_paths(scfg)
    names = [_name(p) for p in paths]
    out = []
    for path, name in zip(paths, names, strict=True):
        if names.count(name) > 1:  # two repos called "api": keep both, apart
            name += "-" + hashlib.sha256(str(path).encode()).hexdigest()[:6]
        diff = int(scfg["max_diff_bytes"]) if scfg["include_diffs"] else 0
        key = scope_key(path=str(path), max_diff_bytes=diff)
        out.append(("", state_dir / key, (path, name, diff)))
    return out


def heads(path: Path) -> str:
    """A cheap fingerprint of a repository's refs (no history walk, no clone)."""
    if path.is_file():
        cmd = ["git", "bundle", "list-heads", str(path)]
    else:
        cmd = ["git", "-C", str(path), "show-ref", "--head"]
    done = subprocess.run(cmd, capture_output=True, check=False)
    return hashlib.sha256(done.stdout).hexdigest()[:20]


def pull(mirror: Mirror, target: Any, scfg: Mapping[str, Any], setting: str) -> dict[str, int]:
    path, name, max_diff = target
    rel = f"{name}.commits.jsonl"
    cursor = mirror.cursor
    probe = heads(path)
    have = rel in mirror.state["files"] and (mirror.raw / rel).is_file()
    if have and cursor.get("probe") == probe:
        return {"commits": 0}
    part = mirror.root / f".{name}.new.part"
    try:
        info = dump_repo(path, part, max_diff, since_sha=cursor.get("head") if have else None)
    except (RuntimeError, OSError) as exc:  # one bad repo must not stop the run: quarantined
        log.warning("%s: cannot read %s: %s", setting, path, exc)
        part.unlink(missing_ok=True)
        error = {"error": f"unreadable repository {path.name}: {exc}"}
        mirror.write_bytes(rel, (json.dumps(error) + "\n").encode("utf-8"))
        cursor.update(probe=probe, head=None, path=str(path), name=name)
        return {"commits": 0, "unreadable": 1}
    if info["incremental"]:
        part = _prepend(part, mirror.raw / rel, mirror.root / f".{name}.merge.part")
    mirror.adopt(rel, part)
    cursor.update(probe=probe, head=info["head"], path=str(path), name=name)
    return {"commits": info["commits"], "full_dumps": int(not info["incremental"])}


def _prepend(new: Path, old: Path, out: Path) -> Path:
    """new commits (newest first) followed by the old dump, without repeating a sha."""
    seen: set[str] = set()
    with open(out, "w", encoding="utf-8") as fh:
        for src in (new, old):
            with open(src, encoding="utf-8") as lines:
                for line in lines:
                    try:
                        sha = json.loads(line).get("sha")
                    except ValueError:
                        sha = None
                    if sha and sha in seen:
                        continue
                    seen.add(sha)
                    fh.write(line)
    new.unlink()
    return out
