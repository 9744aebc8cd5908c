"""Corpus-wide duplicate resolution with one definition that both engines implement.

Exact: among records that passed the filters, records with the same exact key (canonical
phase-1 text) form a group; the smallest id is kept, the others are ``exact_duplicate`` of it.

Near: among the records still kept, every LSH bucket (band index, band key) links each
member to the bucket's smallest id (a star, so a bucket of n gives n-1 candidate pairs, not
n²). A candidate pair is an edge when their signatures agree in at least ``need`` positions.
Edges are resolved greedily in id order: a record is dropped as ``near_duplicate`` of the
smallest already-kept record it has an edge to. Every step is a function of ids and
signatures only (no arrival order, no hash-set iteration order), so Python and Spark drop
exactly the same records, and a record is only ever dropped for a record that is kept.

The Python engine runs these on NumPy arrays indexed by ordinal (rank in id order), in
``resolve``; Spark does too when the keys fit the driver, and otherwise runs the same steps as
joins and hands the verified edges to ``resolve_near``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np


def resolve_near(edges: Iterable[tuple[Hashable, Hashable, int]]) -> dict[Hashable, tuple[Hashable, int]]:
    """Greedy in id order over verified edges (root < other): dropped -> (kept record, matches)."""
    dropped: dict[Hashable, tuple[Hashable, int]] = {}
    for root, other, m in sorted(edges, key=lambda e: (e[1], e[0])):
        if other not in dropped and root not in dropped:
            dropped[other] = (root, m)
    return dropped


def exact_groups(keys: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(duplicate ordinals, the ordinal each duplicates): all but the smallest of each key group."""
    idx = np.flatnonzero(eligible)
    if len(idx) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    k = keys[idx]
    order = np.lexsort((idx, k[:, 1], k[:, 0]))
    k, sidx = k[order], idx[order]
    same = np.all(k[1:] == k[:-1], axis=1)
    starts = np.concatenate([[True], ~same])
    first = sidx[np.maximum.accumulate(np.where(starts, np.arange(len(sidx)), 0))]
    dup = ~starts
    return sidx[dup], first[dup]


def star_edges(band: np.ndarray, eligible_idx: np.ndarray) -> np.ndarray:
    """(m, 2) ordinal pairs (bucket's smallest member, other member) for one band column."""
    if len(eligible_idx) < 2:
        return np.empty((0, 2), np.int64)
    h = band[eligible_idx]
    order = np.lexsort((eligible_idx, h))
    h, sidx = h[order], eligible_idx[order]
    starts = np.concatenate([[True], h[1:] != h[:-1]])
    root = sidx[np.maximum.accumulate(np.where(starts, np.arange(len(sidx)), 0))]
    member = ~starts
    return np.stack([root[member], sidx[member]], axis=1)


def verify(edges: np.ndarray, sigs: np.ndarray, need: int, chunk: int = 65536) -> np.ndarray:
    """Edges whose signatures agree in >= need positions, as (root, other, matches) rows."""
    kept = []
    for lo in range(0, len(edges), chunk):
        part = edges[lo : lo + chunk]
        m = np.count_nonzero(sigs[part[:, 0]] == sigs[part[:, 1]], axis=1)
        ok = m >= need
        kept.append(np.column_stack([part[ok], m[ok]]))
    return np.concatenate(kept) if kept else np.empty((0, 3), np.int64)


Fate = tuple[str, int, int | None]  # (reason, ordinal of the kept record, matching positions)


def resolve(opts: Any, passed: np.ndarray, keys: np.ndarray, band: Callable[[int], np.ndarray],
            sigs: np.ndarray) -> tuple[dict[int, Fate], dict[str, Any] | None]:
    """Every exact and near duplicate among the ``passed`` ordinals (records in id order): the
    fates by ordinal, and the near-duplicate figures for report.json (None when off).

    ``keys`` is (n, 2) exact keys, ``band(k)`` the n keys of LSH band k, ``sigs`` (n, num_perm)
    signatures (a memory map will do: only candidate pairs are read).
    """
    fates: dict[int, Fate] = {}
    eligible = passed.copy()
    if opts.dedup and len(passed):
        d, f = exact_groups(keys, eligible)
        eligible[d] = False
        fates.update((int(a), ("exact_duplicate", int(b), None)) for a, b in zip(d, f, strict=True))
    if not opts.near_dup:
        return fates, None
    idx = np.flatnonzero(eligible)
    edges = [star_edges(band(k), idx) for k in range(opts.bands)]
    cand = np.unique(np.concatenate(edges), axis=0) if edges else np.empty((0, 2), np.int64)
    verified = verify(cand, sigs, opts.need)
    for o, (t, m) in resolve_near((int(a), int(b), int(m)) for a, b, m in verified.tolist()).items():
        fates[int(o)] = ("near_duplicate", int(t), int(m))
    return fates, {"bands": opts.bands, "rows": opts.rows, "threshold": opts.threshold,
                   "candidate_pairs": len(cand), "similar_pairs": len(verified)}
