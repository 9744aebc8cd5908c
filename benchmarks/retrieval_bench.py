"""Retrieval: index build time, query latency and recall@k of bm25 / dense / hybrid.

Recall@k counts a question as found when its k best passages hold the reference answer's key
terms (the eval's rule, :func:`alchemy.eval.scoring.holds`). The corpus is a clean
``train.jsonl`` (a run folder's, or any path); the questions any ``eval.questions`` file.

    python -m benchmarks.retrieval_bench --corpus outputs/<run>/train.jsonl --questions data/FACTS.md
    python -m benchmarks.retrieval_bench --corpus ... --methods bm25 dense hybrid --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from alchemy.eval.questions import load_questions
from alchemy.eval.scoring import holds
from alchemy.records import read_jsonl
from alchemy.retrieval.index import Index, build
from alchemy.retrieval.passages import passages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="a clean train.jsonl")
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("--methods", nargs="+", default=["bm25"])
    ap.add_argument("--chunk-tokens", type=int, default=120, help="retrieval.chunk_tokens")
    ap.add_argument("--dense-model", default="sentence-transformers/all-MiniLM-L6-v2",
                    help="retrieval.dense_model (dense, hybrid)")
    ap.add_argument("--repeat", type=int, default=3, help="builds per method (median quoted)")
    args = ap.parse_args()
    records = list(read_jsonl(args.corpus))
    items = list(passages(records, args.chunk_tokens, 24, 24))
    questions = load_questions(args.questions)
    print(f"corpus: {len(records)} records -> {len(items)} passages; {len(questions)} questions")
    print("method  build_s(median)  query_ms(median/p95)  recall@1  @3  @5  @10")
    for method in args.methods:
        builds = []
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeat):
                t0 = time.perf_counter()
                build(items, Path(tmp) / f"i{i}", method, args.dense_model)
                builds.append(time.perf_counter() - t0)
            index = Index(Path(tmp) / "i0")
            index.search("warm up", 3)
            lat, found = [], {k: 0 for k in (1, 3, 5, 10)}
            for q in questions:
                t0 = time.perf_counter()
                hits = index.search(q.question, 10)
                lat.append((time.perf_counter() - t0) * 1000)
                for k in found:
                    found[k] += holds("\n".join(h.passage.text for h in hits[:k]), q.answer,
                                      q.question)
        p95 = sorted(lat)[int(0.95 * (len(lat) - 1))]
        recall = "  ".join(f"{found[k] / len(questions):.2f}" for k in found)
        print(f"{method:7} {statistics.median(builds):8.3f}  {statistics.median(lat):10.2f}/{p95:.2f}"
              f"  {recall}")


if __name__ == "__main__":
    main()
