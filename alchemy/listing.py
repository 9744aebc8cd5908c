"""Listing a source's export folder without skipping anything silently.

``Path.glob("**/...")`` quietly passes over folders it cannot read, symbolic links to folders
(so a linked folder of exports was never read) and dangling links. This walk follows linked
folders, stops at a link back to one of its own ancestors (a loop), and returns every folder
or link it could not use as a problem with a reason, which clean quarantines. Only the
``**/<name pattern>`` form the sources use is matched here; any other pattern falls back to
``glob``.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

Problem = tuple[str, str]  # (path, reason)


def _walk(root: Path, files: list[Path], problems: list[Problem]) -> None:
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path, ancestors: frozenset[tuple[int, int]]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append((str(folder), f"unreadable folder: {exc.strerror or type(exc).__name__}"))
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError as exc:
                problems.append((str(path), f"unreadable entry: {exc.strerror or type(exc).__name__}"))
                continue
            if is_dir:
                try:
                    st = path.stat()
                except OSError as exc:  # e.g. a link loop the kernel itself refuses (ELOOP)
                    problems.append((str(path), f"symlink loop: {exc.strerror or type(exc).__name__}"))
                    continue
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    problems.append((str(path), "symlink loop: links back to a folder above it"))
                elif key not in seen:  # a second link to a folder already read adds nothing
                    seen.add(key)
                    visit(path, ancestors | {key})
            elif is_file:
                files.append(path)
            elif entry.is_symlink():
                problems.append((str(path), "broken symlink: its target does not exist"))

    st = root.stat()
    seen.add((st.st_dev, st.st_ino))
    visit(root, frozenset(seen))


def list_files(root: Path, patterns: tuple[str, ...]) -> tuple[list[Path], list[Problem]]:
    """(sorted files under ``root`` matching any pattern, problems met on the way)."""
    names = [p[3:] for p in patterns if p.startswith("**/") and "/" not in p[3:]]
    other = [p for p in patterns if not (p.startswith("**/") and "/" not in p[3:])]
    found: set[Path] = set()
    problems: list[Problem] = []
    if names:
        walked: list[Path] = []
        _walk(root, walked, problems)
        found |= {p for p in walked if any(fnmatch.fnmatchcase(p.name, n) for n in names)}
        problems = [(path, why) for path, why in problems  # a dangling link matters if it is an export
                    if not why.startswith("broken") or any(fnmatch.fnmatchcase(Path(path).name, n)
                                                           for n in names)]
    for pattern in other:
        found |= {p for p in root.glob(pattern) if p.is_file()}
    return sorted(found), sorted(problems)
