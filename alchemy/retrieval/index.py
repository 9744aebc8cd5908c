"""Build, save and load the passage index: BM25 (bm25s), optionally dense vectors, or both.

On disk (the index stage's artifact): ``passages.jsonl`` (one passage a line, with provenance),
``bm25/`` (bm25s's sparse score matrix and vocabulary, memory-mapped on load), ``dense.npy``
(normalised float32 embeddings, dense and hybrid only) and ``index.json`` (what was built,
with which tokenizer and model). Searching a folder built by another tokenizer version or
method is refused with a message, never answered from a mismatched index.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from alchemy.retrieval import text as rtext
from alchemy.retrieval.passages import Passage

log = logging.getLogger(__name__)
METHODS = ("none", "bm25", "dense", "hybrid")


class IndexUnusable(RuntimeError):
    """The index cannot answer: missing, empty, or built differently from what is asked."""


@dataclass
class Hit:
    passage: Passage
    score: float


def build(passages: list[Passage], out: Path, method: str, dense_model: str | None = None,
          cache_dir: Path | None = None) -> dict[str, Any]:
    """Write the index for ``passages`` into ``out``; returns figures for the report."""
    import bm25s

    if not passages:
        raise IndexUnusable("the corpus gave no passages to index (is train.jsonl empty?)")
    out.mkdir(parents=True, exist_ok=True)
    with (out / "passages.jsonl").open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(p.as_dict(), ensure_ascii=False) + "\n")
    figures: dict[str, Any] = {"passages": len(passages), "method": method}
    if method in ("bm25", "hybrid"):
        bm = bm25s.BM25()
        bm.index([rtext.tokenize(p.text) for p in passages], show_progress=False)
        bm.save(str(out / "bm25"))
        figures["vocabulary"] = len(bm.vocab_dict)
    if method in ("dense", "hybrid"):
        import numpy as np

        from alchemy.retrieval.dense import embed_cached

        vectors, reused = embed_cached([p.text for p in passages], dense_model or "", cache_dir)
        np.save(out / "dense.npy", vectors)
        figures["dense_dim"] = int(vectors.shape[1])
        figures["embeddings_reused"] = reused  # unchanged passages of earlier runs
    meta = {"method": method, "tokenizer": rtext.VERSION, "passages": len(passages),
            "dense_model": dense_model if method in ("dense", "hybrid") else None}
    (out / "index.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return figures


class Index:
    """A built index, loaded once and searched many times."""

    def __init__(self, folder: Path, cache_dir: Path | None = None) -> None:
        folder = Path(folder)
        meta_path = folder / "index.json"
        if not meta_path.is_file():
            raise IndexUnusable(f"{folder} holds no index (no index.json): run the index stage")
        self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if self.meta.get("tokenizer") != rtext.VERSION:
            raise IndexUnusable(f"{folder} was built with tokenizer v{self.meta.get('tokenizer')}, "
                              f"this alchemy uses v{rtext.VERSION}: rebuild the index")
        self.method = self.meta["method"]
        self.cache_dir = cache_dir
        with (folder / "passages.jsonl").open(encoding="utf-8") as fh:
            self.passages = [Passage(**json.loads(line)) for line in fh if line.strip()]
        if len(self.passages) != self.meta.get("passages"):
            raise IndexUnusable(f"{folder}: passages.jsonl has {len(self.passages)} lines, "
                              f"index.json says {self.meta.get('passages')}: rebuild the index")
        self._bm25 = self._vectors = None
        if self.method in ("bm25", "hybrid"):
            import bm25s

            self._bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True)
        if self.method in ("dense", "hybrid"):
            import numpy as np

            self._vectors = np.load(folder / "dense.npy", mmap_mode="r")

    def _bm25_ranks(self, query: str, n: int) -> list[tuple[int, float]]:
        terms = [t for t in rtext.tokenize(query) if t in self._bm25.vocab_dict]
        if not terms:
            return []
        docs, scores = self._bm25.retrieve([terms], k=min(n, len(self.passages)),
                                           show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def _dense_ranks(self, query: str, n: int) -> list[tuple[int, float]]:
        import numpy as np

        from alchemy.retrieval.dense import embed

        q = embed([query], self.meta["dense_model"])[0]  # a question is never stored
        sims = np.asarray(self._vectors) @ q
        top = np.argsort(-sims)[:n]
        return [(int(i), float(sims[i])) for i in top]

    @cached_property
    def idf(self) -> dict[str, float]:
        """BM25 idf of every term, for evidence selection (one pass over the passages)."""
        from alchemy.retrieval.evidence import idf_table

        return idf_table(self.passages)

    def evidence(self, question: str, passages: list[Passage], n_sentences: int) -> list[str]:
        """The texts a reader sees: ``passages`` cut to their best sentences (0: whole)."""
        if n_sentences <= 0:
            return [p.text for p in passages]
        from alchemy.retrieval.evidence import select

        return select(question, passages, n_sentences, self.idf)

    def search(self, query: str, k: int, rrf_k: int = 60) -> list[Hit]:
        """The ``k`` best passages for ``query``, best first (hybrid: reciprocal rank fusion)."""
        if k <= 0 or self.method == "none":
            return []
        if self.method == "bm25":
            ranks = self._bm25_ranks(query, k)
        elif self.method == "dense":
            ranks = self._dense_ranks(query, k)
        else:
            fused: dict[int, float] = {}
            for ranking in (self._bm25_ranks(query, 4 * k), self._dense_ranks(query, 4 * k)):
                for rank, (doc, _) in enumerate(ranking):
                    fused[doc] = fused.get(doc, 0.0) + 1.0 / (rrf_k + rank + 1)
            ranks = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [Hit(self.passages[d], round(s, 6)) for d, s in ranks]
