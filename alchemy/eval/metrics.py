"""Answer-quality scores: SQuAD-style token F1 and ROUGE-L (LCS F-measure), no dependencies.

Both work on the same normalised tokens (lower case, punctuation and English articles dropped,
as in the SQuAD script), so "The port is 8443." and "port 8443" agree as much as they should.
ROUGE-L is implemented here rather than pulled from ``rouge-score`` (which brings nltk and
absl): it is one LCS table, and this keeps the eval stage dependency-free.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable

_PUNCT = re.compile(f"[{re.escape(string.punctuation)}]")
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def tokens(text: str) -> list[str]:
    """Lower-cased words without punctuation or articles (SQuAD's normalisation)."""
    text = _PUNCT.sub(" ", text.lower())
    return _ARTICLES.sub(" ", text).split()


def _f(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, reference: str) -> float:
    """Bag-of-words F1 between two texts; 1.0 when both are empty, 0.0 when only one is."""
    pred, ref = tokens(prediction), tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    return _f(common / len(pred), common / len(ref))


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, O(len(a)*len(b)) time, O(len(b)) memory."""
    if len(a) < len(b):
        a, b = b, a
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0  # row[j-1] of the previous line
        for j, y in enumerate(b, 1):
            keep = row[j]
            row[j] = prev + 1 if x == y else max(row[j], row[j - 1])
            prev = keep
    return row[-1]


def rouge_l(prediction: str, reference: str) -> float:
    """ROUGE-L F-measure (beta = 1), as ``rouge-score`` reports ``rougeL.fmeasure``."""
    pred, ref = tokens(prediction), tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    lcs = lcs_length(pred, ref)
    return _f(lcs / len(pred), lcs / len(ref))


def mean(values: Iterable[float]) -> float:
    """Arithmetic mean; NaN for no values (shown as such rather than as a fake 0)."""
    vals = list(values)
    return sum(vals) / len(vals) if vals else float("nan")
