"""Abstention rules: how often they decline a question put with its own passages (a false
refusal: knowledge withheld) and with another question's passages (a right refusal).

No model runs: this measures only what :mod:`alchemy.retrieval.abstain` decides before one
would. The corpus is a clean ``train.jsonl`` (a run folder's, or any path), the questions any
``eval.questions`` file (answers are not needed, only the questions). "Another question's
passages" are the ``k`` best passages of the question ``--shift`` places further on in the file.

    python -m benchmarks.abstain_bench --corpus outputs/<run>/train.jsonl --questions data/FACTS.md
    python -m benchmarks.abstain_bench --corpus ... --questions data/check_questions.jsonl -k 5
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from alchemy.eval.questions import load_questions
from alchemy.records import read_jsonl
from alchemy.retrieval.abstain import missing, unrelated
from alchemy.retrieval.index import Index, build
from alchemy.retrieval.passages import passages


def _rule(question: str, texts: list[str]) -> str | None:
    """Which rule declines (name | words), or None."""
    if missing(question, texts):
        return "name"
    return "words" if unrelated(question, texts) else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, required=True, help="a clean train.jsonl")
    ap.add_argument("--questions", type=Path, required=True)
    ap.add_argument("-k", type=int, default=5, help="retrieval.k")
    ap.add_argument("--chunk-tokens", type=int, default=120, help="retrieval.chunk_tokens")
    ap.add_argument("--shift", type=int, default=1, help="whose passages a question is put with")
    ap.add_argument("--show", action="store_true", help="print every false refusal")
    args = ap.parse_args()
    items = list(passages(read_jsonl(args.corpus), args.chunk_tokens, 24, 24))
    questions = [q.question for q in load_questions(args.questions)]
    with tempfile.TemporaryDirectory() as tmp:
        build(items, Path(tmp) / "idx", "bm25")
        index = Index(Path(tmp) / "idx")
        hits = [[h.passage.text for h in index.search(q, args.k)] for q in questions]
    n = len(questions)
    own = [_rule(q, hits[i]) for i, q in enumerate(questions)]
    other = [_rule(q, hits[(i + args.shift) % n]) for i, q in enumerate(questions)]
    print(f"corpus: {len(items)} passages; {n} questions; k={args.k}")
    print("put with          declined  by name  by words")
    for label, said in (("its own passages", own), ("another's", other)):
        print(f"{label:17} {sum(r is not None for r in said):4d}/{n:<4d} {said.count('name'):7d}"
              f"  {said.count('words'):8d}")
    if args.show:
        for q, r in zip(questions, own, strict=True):
            if r is not None:
                print(f"  false refusal ({r}): {q}")


if __name__ == "__main__":
    main()
