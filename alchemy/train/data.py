"""Read chat-pair JSONL (sft_train.jsonl / sft_eval.jsonl) for training and evaluation.

Only the ``messages`` field matters here; ``meta`` is provenance for the report. A malformed line
is skipped with a logged reason (and counted), never silently: the synth stage validated the
pairs already, so a skip here points to a hand-edited or truncated file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)

ROLES = ("system", "user", "assistant")


def _problem(messages: object) -> str | None:
    """Why `messages` can't be trained on, or None when it can."""
    if not isinstance(messages, list) or not messages:
        return "messages is not a non-empty list"
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or msg.get("role") not in ROLES:
            return f"message {i} has no valid role (system|user|assistant)"
        if not isinstance(msg.get("content"), str):
            return f"message {i} content is not a string"
        if msg["role"] == "system" and i != 0:
            return "a system message is only allowed first"
    if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
        return "no non-empty assistant message"
    return None


def read_chats(path: Path, limit: int | None = None) -> list[list[dict]]:
    """Return the valid conversations of a JSONL file (at most `limit`), as role/content lists."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"chat data not found: {path}")
    chats: list[list[dict]] = []
    skipped = 0
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                messages = json.loads(line).get("messages")
            except (json.JSONDecodeError, AttributeError) as exc:
                reason: str | None = f"not a JSON object ({exc})"
            else:
                reason = _problem(messages)
            if reason:
                skipped += 1
                log.warning("%s:%d skipped: %s", path.name, lineno, reason)
                continue
            chats.append([{"role": m["role"], "content": m["content"]} for m in messages])
            if limit is not None and len(chats) >= limit:
                break
    if skipped:
        log.warning("%s: %d line(s) skipped, %d used", path.name, skipped, len(chats))
    if not chats:
        raise ValueError(f"{path} holds no usable chat examples ({skipped} skipped)")
    return chats


def source_ids(path: Path) -> set[str]:
    """The ``meta.source_id`` of every pair in a chat JSONL file (which documents it used)."""
    ids: set[str] = set()
    path = Path(path)
    if not path.is_file():
        return ids
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                sid = (json.loads(line).get("meta") or {}).get("source_id")
            except (json.JSONDecodeError, AttributeError):
                continue
            if sid:
                ids.add(str(sid))
    return ids
