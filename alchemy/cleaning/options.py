"""The clean settings as one small, picklable value that workers and Spark executors receive.

Built once on the driver from ``cfg.clean``. The MinHash permutations and the LSH band/row
split are datasketch's, computed here, so executors need neither datasketch nor the config.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np


@dataclass(frozen=True)
class CleanOptions:
    """No defaults here: clean_options fills every field from ``cfg.clean`` (alchemy/config.py)."""

    min_chars: int
    max_chars: int
    dedup: bool
    min_words: int
    max_symbol_ratio: float
    max_repeated_line_ratio: float
    boilerplate: bool
    languages: tuple[str, ...]
    near_dup: bool
    threshold: float
    num_perm: int
    shingle: int
    seed: int
    bands: int
    rows: int
    sample: int
    perm_a: tuple[int, ...]
    perm_b: tuple[int, ...]

    @property
    def need(self) -> int:
        """Equal signature positions a candidate pair needs (integer, so engines agree exactly)."""
        return max(1, math.ceil(round(self.threshold * self.num_perm, 6)))

    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.perm_a, dtype=np.uint32), np.array(self.perm_b, dtype=np.uint32)


Perms = tuple[int, ...]


@lru_cache(maxsize=16)
def lsh_setup(threshold: float, num_perm: int, seed: int) -> tuple[int, int, Perms, Perms]:
    """datasketch's optimal (bands, rows) for the threshold, and its permutations for the seed.

    Computed as datasketch 2 computes them (``MinHashLSH`` with equal weights, ``MinHash`` with
    the ``affine32`` scheme; tests compare both on a grid) without importing it: its import
    pulls in scipy, 0.4 s of every run's start.
    """
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)  # odd: bijective
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    bands, rows = _optimal_param(threshold, num_perm)
    if bands < 2:  # datasketch refuses this too: LSH with one band is a plain scan
        raise ValueError(f"clean.near_dup.threshold={threshold} with num_perm={num_perm} gives fewer than 2 "
                         "LSH bands: lower the threshold or raise num_perm")
    return bands, rows, tuple(int(x) for x in a), tuple(int(x) for x in b)


def _optimal_param(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (b, r) with b * r <= num_perm that minimises the false positive plus false negative
    probability mass (equal weights), the first in datasketch's scan order on a tie.

    The S-curve 1 - (1 - s**r)**b is a polynomial of degree b * r <= num_perm, so Gauss-Legendre
    with num_perm // 2 + 1 nodes integrates it exactly, for all (b, r) at once.
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    pairs = np.array([(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)],
                     dtype=float)  # datasketch's scan order
    b, r = pairs[:, :1], pairs[:, 1:]

    def integral(lo: float, hi: float, fn: Any) -> np.ndarray:
        s = (hi - lo) / 2 * nodes + (hi + lo) / 2
        return (fn(s) * weights).sum(axis=1) * (hi - lo) / 2

    fp = integral(0.0, threshold, lambda s: 1 - (1 - s**r) ** b)
    fn = integral(threshold, 1.0, lambda s: (1 - s**r) ** b)
    best = int(np.argmin(0.5 * fp + 0.5 * fn))  # argmin: the first of equal minima, as datasketch
    return int(pairs[best, 0]), int(pairs[best, 1])


def clean_options(clean: Any) -> CleanOptions:
    """CleanOptions from the ``clean`` config section (a DictConfig or its plain copy, every key
    of the schema's CleanConfig). Ranges and bands x rows are checked before any stage runs
    (alchemy/validate.py)."""
    filters, near = clean["filters"], clean["near_dup"]
    threshold, num_perm, seed = float(near["threshold"]), int(near["num_perm"]), int(near["seed"])
    enabled = bool(near["enabled"])
    bands, rows, a, b = lsh_setup(threshold, num_perm, seed) if enabled else (1, 1, (), ())
    if near["bands"] and near["rows"]:
        bands, rows = int(near["bands"]), int(near["rows"])
    return CleanOptions(
        min_chars=int(clean["min_chars"]),
        max_chars=int(clean["max_chars"]),
        dedup=bool(clean["dedup"]),
        min_words=int(filters["min_words"]),
        max_symbol_ratio=float(filters["max_symbol_ratio"]),
        max_repeated_line_ratio=float(filters["max_repeated_line_ratio"]),
        boilerplate=bool(filters["boilerplate"]),
        languages=tuple(str(x) for x in filters["languages"]),
        near_dup=enabled,
        threshold=threshold,
        num_perm=num_perm,
        shingle=int(near["shingle"]),
        seed=seed,
        bands=bands,
        rows=rows,
        sample=int(clean["dropped_sample"]),
        perm_a=a,
        perm_b=b,
    )
