"""An optional LLM grader (``eval.judge=<litellm model id>``), in the style of SimpleQA's.

The key-term score is always computed; the judge is a second opinion for answers whose
wording the rule cannot follow. Each reply is graded A (correct), B (incorrect) or
C (not attempted) against the reference. A judge that cannot be reached does not fail the
eval: the figures say ``unavailable`` with the reason, and the key-term figures stand.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from alchemy.eval.scoring import CORRECT, INCORRECT, NOT_ATTEMPTED

log = logging.getLogger(__name__)
PROMPT = """Grade a predicted answer to a question against the gold target.
- CORRECT: the prediction contains the gold target's key information and does not
  contradict it; extra detail is fine, wording and order do not matter.
- INCORRECT: the prediction contradicts the gold target, gives a different value, or hedges
  between several candidates.
- NOT_ATTEMPTED: the prediction does not answer (says it does not know, or that its sources do not say).

Question: {question}
Gold target: {target}
Predicted answer: {predicted}

Reply with one letter only: A for CORRECT, B for INCORRECT, C for NOT_ATTEMPTED.
GRADE:"""
_LETTER = {"A": CORRECT, "B": INCORRECT, "C": NOT_ATTEMPTED}


class Judge:
    """Grades replies with one litellm call each; stops calling after the first failure."""

    def __init__(self, model: str, api_base: str | None, api_key_env: str | None,
                 timeout_s: float) -> None:
        self.model, self.api_base, self.timeout_s = model, api_base, timeout_s
        self.key = os.environ.get(api_key_env) if api_key_env else None
        self.unavailable: str | None = None
        if api_key_env and not self.key:
            self.unavailable = f"environment variable {api_key_env} is not set"

    def _scrub(self, text: str) -> str:
        return text.replace(self.key, "***") if self.key else text

    def grade(self, question: str, target: str, predicted: str) -> str | None:
        """The verdict, or None once the judge is unavailable."""
        if self.unavailable:
            return None
        from alchemy.synth.cost import load_litellm

        kwargs: dict[str, Any] = dict(
            model=self.model, temperature=0.0, max_tokens=4, timeout=self.timeout_s,
            num_retries=1, api_key=self.key or "none",
            messages=[{"role": "user", "content": PROMPT.format(
                question=question, target=target, predicted=predicted or "(no answer)")}])
        if self.api_base:
            kwargs["api_base"] = self.api_base
        try:
            reply = load_litellm().completion(**kwargs).choices[0].message.content or ""
        except Exception as exc:  # any failure: mark unavailable, keep the key-term figures
            self.unavailable = self._scrub(f"{type(exc).__name__}: {exc}")[:300]
            log.warning("eval.judge unavailable: %s", self.unavailable)
            return None
        m = re.search(r"\b([ABC])\b", reply.strip().upper())
        return _LETTER[m.group(1)] if m else INCORRECT


def judge_all(judge: Judge, items: list[tuple[str, str, str]]) -> list[str] | None:
    """Verdicts for (question, reference, reply) items, or None if the judge dropped out."""
    out = []
    for q, ref, reply in items:
        v = judge.grade(q, ref, reply)
        if v is None:
            return None
        out.append(v)
    return out
