"""Fact questions with reference answers: the yardstick of what the adapter knows.

Two formats, so a user can bring their own questions in whichever is easier to write:

- JSONL, one object a line: ``{"question": "...", "answer": "..."}`` (``id`` and ``tags``
  optional);
- Markdown lines ``- Q: <question> A: <answer> [tags]`` (the format of ``data/FACTS.md``);
  other lines are prose and ignored.

A missing, empty or malformed file is a :class:`QuestionsError` naming the line, raised while
the run is planned, so it never costs a training run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

_MD = re.compile(r"^\s*[-*]\s+Q:\s*(?P<q>.+?)\s+A:\s*(?P<a>.+?)\s*(?:\[(?P<tags>[^\]]*)\])?\s*$")


class QuestionsError(ValueError):
    """The questions file cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str
    tags: tuple[str, ...] = field(default=())


def _from_jsonl(path: Path, text: str) -> list[Question]:
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionsError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise QuestionsError(f"{path}:{lineno}: expected an object with question and answer")
        q, a = obj.get("question"), obj.get("answer")
        if not (isinstance(q, str) and q.strip() and isinstance(a, str) and a.strip()):
            raise QuestionsError(f"{path}:{lineno}: needs non-empty string fields "
                                 "'question' and 'answer'")
        tags = obj.get("tags") or ()
        out.append(Question(str(obj.get("id") or f"q{lineno}"), q.strip(), a.strip(),
                            tuple(str(t) for t in tags)))
    return out


def _from_markdown(path: Path, text: str) -> list[Question]:
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if m := _MD.match(line):
            tags = tuple(t.strip() for t in (m["tags"] or "").split(",") if t.strip())
            out.append(Question(f"q{lineno}", m["q"].strip(), m["a"].strip(), tags))
        elif re.match(r"^\s*[-*]\s+Q:", line):
            raise QuestionsError(f"{path}:{lineno}: a '- Q:' line without ' A: <answer>'")
    return out


def load_questions(path: str | Path) -> list[Question]:
    """Every question of a JSONL or Markdown file; raises QuestionsError when there is none."""
    path = Path(path)
    if not path.is_file():
        raise QuestionsError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionsError(f"{path}: cannot be read ({exc})") from None
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    is_jsonl = path.suffix.lower() in (".jsonl", ".json") or first.lstrip().startswith("{")
    questions = _from_jsonl(path, text) if is_jsonl else _from_markdown(path, text)
    if not questions:
        raise QuestionsError(f"{path}: holds no questions (JSONL lines with question/answer, "
                             "or Markdown lines '- Q: ... A: ...')")
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise QuestionsError(f"{path}: question id {q.id!r} appears twice")
        seen.add(q.id)
    return questions
