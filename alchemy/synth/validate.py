"""Parse and validate a generator's reply: nothing unusable ever becomes a training row.

A reply is parsed as JSON (after a free local repair: code fences, surrounding prose,
trailing commas, unclosed brackets), its pairs are normalised (NFC, no zero-width or control
characters) and each pair is checked: fields present and non-empty, a real question, not a
refusal, an answer grounded in the chunk (word overlap and no foreign numbers), and masked
values such as ``<EMAIL_1>`` kept as placeholders, never replaced by an invented value.
Every rejection has a reason, counted in report.json.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from alchemy.synth.grounding import grounding_problem

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\x00-\x08\x0b-\x1f\x7f]")
_REFUSAL = re.compile(r"^\W*(I'?m sorry|I am sorry|sorry,|I cannot|I can'?t|I can not|I'?m unable|"
                      r"I am unable|I won'?t|as an AI|as a language model|unfortunately,? I)",
                      re.I)
_QUESTION_START = re.compile(
    r"^\W*(what|which|who|whom|whose|when|where|why|how|is|are|does|do|did|can|could|should|"
    r"would|will|was|were|has|have|explain|describe|list|summari[sz]e|name|give|tell|compare|"
    r"was|wer|wie|wo|warum|welche[rsn]?|wann|erkläre|beschreibe|nenne|"
    r"que|qui|quel(le)?s?|comment|pourquoi|où|quand|expliquez|décrivez|"
    r"qué|quién|cómo|dónde|cuál(es)?|cuándo|explique|describa)\b", re.I)
PAIR_KEYS = [("question", "answer"), ("instruction", "response"), ("instruction", "output"),
             ("q", "a"), ("prompt", "completion"), ("input", "output")]


@dataclass
class Verdict:
    """What one reply yielded: accepted pairs, rejections by reason, or a reply-level error."""

    pairs: list[dict[str, str]] = field(default_factory=list)
    rejected: Counter[str] = field(default_factory=Counter)
    error: str | None = None  # empty_response | refusal | invalid_json | schema
    repaired: bool = False  # parsed only after the local repair


def clean_text(value: str) -> str:
    """NFC, invisible and control characters removed, whitespace trimmed."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFC", value)).strip()


def _close_brackets(text: str) -> str:
    stack, in_str, esc = [], False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]" and stack:
            stack.pop()
    return text + ('"' if in_str else "") + "".join(reversed(stack))


def parse_reply(content: str | None) -> tuple[Any, str | None, bool]:
    """(parsed JSON, error reason, whether the local repair was needed)."""
    text = clean_text(content or "")
    if not text:
        return None, "empty_response", False
    try:
        return json.loads(text), None, False
    except ValueError:
        pass
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    starts = [i for i in (body.find("{"), body.find("[")) if i >= 0]
    if not starts:
        return None, "refusal" if _REFUSAL.search(text) else "invalid_json", False
    body = body[min(starts):]
    for candidate in (body, body[: max(body.rfind("}"), body.rfind("]")) + 1], body):
        fixed = _close_brackets(_TRAILING_COMMA.sub(r"\1", candidate.strip()))
        fixed = _TRAILING_COMMA.sub(r"\1", fixed)
        try:
            return json.loads(fixed), None, True
        except ValueError:
            continue
    return None, "invalid_json", False


def _pair_list(obj: Any) -> list[Any] | None:
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict):
        if any(q in obj for q, _ in PAIR_KEYS):
            return [obj]
        lists = [v for v in obj.values() if isinstance(v, list)]
        return obj["pairs"] if isinstance(obj.get("pairs"), list) else lists[0] if lists else None
    return None


def _as_pair(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    low = {str(k).lower(): v for k, v in item.items()}
    for qk, ak in PAIR_KEYS:
        q, a = low.get(qk), low.get(ak)
        if isinstance(q, str) and isinstance(a, str):
            return q, a
    return None


def is_question(text: str) -> bool:
    """A question mark, or an interrogative/imperative opening, and enough words."""
    words = text.split()
    cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text))
    if len(words) < 3 and cjk < 4:
        return False
    return text.rstrip().endswith(("?", "？")) or "¿" in text or bool(_QUESTION_START.match(text))


def check_pair(question: str, answer: str, document: str, min_overlap: float,
               max_chars: int) -> str | None:
    """Why this pair must not become a training row, or None when it is good."""
    if not question or not answer:
        return "empty_field"
    if "\ufffd" in question + answer or not any(c.isalnum() for c in question + answer):
        return "odd_unicode"
    if _REFUSAL.search(answer):
        return "refusal"
    if not is_question(question):
        return "not_a_question"
    if len(answer) > max_chars:
        return "answer_too_long"
    if question.strip().lower() == answer.strip().lower():
        return "answer_repeats_question"
    return grounding_problem(question, answer, document, min_overlap)


def validate_reply(content: str | None, document: str, min_overlap: float, max_pairs: int,
                   max_chars: int) -> Verdict:
    """Parse a reply and keep its good pairs (at most ``max_pairs``)."""
    obj, error, repaired = parse_reply(content)
    verdict = Verdict(error=error, repaired=repaired)
    if error:
        return verdict
    items = _pair_list(obj)
    if items is None:
        verdict.error = "schema"
        return verdict
    seen: set[str] = set()
    for item in items:
        pair = _as_pair(item)
        if pair is None:
            verdict.rejected["schema"] += 1
            continue
        q, a = clean_text(pair[0]), clean_text(pair[1])
        reason = check_pair(q, a, document, min_overlap, max_chars)
        if reason is None and q.lower() in seen:
            reason = "duplicate_in_reply"
        if reason is None and len(verdict.pairs) >= max_pairs:
            reason = "over_max_pairs"
        if reason:
            verdict.rejected[reason] += 1
        else:
            seen.add(q.lower())
            verdict.pairs.append({"question": q, "answer": a})
    return verdict
