"""MinHash signatures of word shingles and their LSH band keys, computed a batch at a time.

The hash family is datasketch's (``MinHash``, default ``affine32`` scheme: the shingle hash is
pre-mixed with the MurmurHash3 finalizer, then permutation k is ``a_k * h + b_k mod 2**32``)
and the permutations and the band/row split are datasketch's, computed on the driver without
importing it (``options.py``; tests compare). datasketch hashes one document at a time through
a Python loop per shingle, ~4 MB/s; this module applies the same arithmetic to all shingles
of an Arrow/pool batch at once in NumPy and gives bit-identical signatures (tests compare
them with ``MinHash``).

Shingles are ``k`` consecutive lower-cased words; a text shorter than ``k`` words is one
shingle. A shingle's 32-bit hash combines per-word BLAKE2b hashes polynomially, so each
distinct word is hashed once per process. Pure functions of the text: any process, any
order, the same signature.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np

MAX32 = np.uint32(0xFFFFFFFF)
_MUL = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit multiplier of the shingle polynomial
_FNV = np.uint64(0x100000001B3)
_CHUNK = 32768  # shingles per NumPy block: the (num_perm x chunk) uint32 buffer stays ~16 MB
_MAX_WORDS = 2_000_000  # cached word hashes per process before the cache starts over


class _WordHashes(dict[str, int]):
    """word -> 64-bit BLAKE2b; a miss hashes the word, so a batch costs one lookup per word."""

    def __missing__(self, word: str) -> int:
        if len(self) > _MAX_WORDS:
            self.clear()
        raw = hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        h = self[word] = int.from_bytes(raw, "little")
        return h


_WORDS = _WordHashes()


def word_hash(word: str) -> int:
    return _WORDS[word]


def _fold(h: np.ndarray) -> np.ndarray:
    return ((h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF))).astype(np.uint32)


def shingle_hash(words: Sequence[str]) -> int:
    """The 32-bit hash of one shingle: the datasketch ``hashfunc`` this module vectorises."""
    h = np.uint64(0)
    with np.errstate(over="ignore"):
        for w in words:
            h = h * _MUL + np.uint64(word_hash(w))
    return int(_fold(np.array([h], dtype=np.uint64))[0])


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before the permutations."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def _hashes(words: Iterable[str], n: int) -> np.ndarray:
    return np.fromiter(map(_WORDS.__getitem__, words), dtype=np.uint64, count=n)


def _windows(w: np.ndarray, k: int) -> np.ndarray:
    """Shingle hashes of every k-word window of a word-hash array."""
    n = len(w) - k + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for t in range(k):
            h = h * _MUL + w[t : t + n]
    return _fold(h)


def doc_shingles(words: list[str], k: int) -> np.ndarray:
    """uint32 hashes of a document's shingles (empty for no words)."""
    if not words:
        return np.empty(0, dtype=np.uint32)
    if len(words) < k:
        return np.array([shingle_hash(words)], dtype=np.uint32)
    return _windows(_hashes(words, len(words)), k)


def batch_shingles(texts: Sequence[str], k: int) -> list[np.ndarray]:
    """Every text's shingle hashes, computed over the whole batch at once (views of one array)."""
    return word_shingles([t.lower().split() for t in texts], k)


def word_shingles(docs: Sequence[list[str]], k: int) -> list[np.ndarray]:
    """``batch_shingles`` of texts already lower-cased and split (each record is split once)."""
    total = sum(map(len, docs))
    if total < k:
        return [doc_shingles(d, k) for d in docs]
    h = _windows(_hashes(chain.from_iterable(docs), total), k)
    out, pos = [], 0
    for d in docs:
        n = len(d)
        out.append(h[pos : pos + n - k + 1] if n >= k else doc_shingles(d, k))
        pos += n
    return out


def signatures(texts: Sequence[str], k: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(texts), num_perm) uint32 signatures; a text without words gets all 0xFFFFFFFF."""
    return word_signatures([t.lower().split() for t in texts], k, a, b)


def word_signatures(docs: Sequence[list[str]], k: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``signatures`` of texts already lower-cased and split.

    All shingles of the batch are permuted in blocks of ``_CHUNK`` columns of one reused
    buffer; a document that spans blocks takes the minimum over them.
    """
    out = np.full((len(docs), len(a)), MAX32, dtype=np.uint32)
    shingles = word_shingles(docs, k)
    sizes = np.fromiter(map(len, shingles), dtype=np.int64, count=len(shingles))
    rows = np.flatnonzero(sizes)  # a document without words keeps all 0xFFFFFFFF
    if not len(rows):
        return out
    hv = fmix32(np.concatenate([shingles[i] for i in rows]))
    ends = np.cumsum(sizes[rows])
    starts = ends - sizes[rows]
    a32, b32 = a.astype(np.uint32)[:, None], b.astype(np.uint32)[:, None]
    buf = np.empty((len(a), min(_CHUNK, len(hv))), dtype=np.uint32)
    for lo in range(0, len(hv), _CHUNK):
        hi = min(lo + _CHUNK, len(hv))
        first, last = np.searchsorted(ends, lo, side="right"), np.searchsorted(starts, hi, side="left")
        phv = np.multiply(a32, hv[None, lo:hi], out=buf[:, : hi - lo])  # uint32 wraps: mod 2**32
        np.add(phv, b32, out=phv)
        mins = np.minimum.reduceat(phv, np.maximum(starts[first:last], lo) - lo, axis=1).T
        part = rows[first:last]
        out[part] = np.minimum(out[part], mins)
    return out


def band_keys(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) int64 LSH keys: FNV-1a over each band's rows, then a 64-bit finalizer."""
    n = sig.shape[0]
    h = np.full((n, bands), np.uint64(0xCBF29CE484222325), dtype=np.uint64)
    view = sig[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = (h ^ view[:, :, r]) * _FNV
        h ^= h >> np.uint64(33)
        h *= np.uint64(0xFF51AFD7ED558CCD)
        h ^= h >> np.uint64(33)
    return h.view(np.int64)


def matches(x: np.ndarray, y: np.ndarray) -> int:
    """Equal signature positions: the integer Jaccard estimate both engines compare."""
    return int(np.count_nonzero(np.asarray(x) == np.asarray(y)))
