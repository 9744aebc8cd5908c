"""Requests and replies of ``POST /v1/chat/completions``, in OpenAI's shapes.

Only what a chat client sends is accepted: ``messages`` (roles system/user/assistant, string
content, the last one from the user), ``max_tokens`` (or ``max_completion_tokens``),
``temperature``, ``top_p``, ``stream``, ``model``. Anything malformed is a
:class:`BadRequest` that the server answers with 400 and OpenAI's error object, naming the
field, so a client sees what it got wrong.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

ROLES = ("system", "user", "assistant")


class BadRequest(ValueError):
    def __init__(self, message: str, param: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.param, self.status = param, status

    def body(self) -> dict[str, Any]:
        return {"error": {"message": str(self), "type": "invalid_request_error",
                          "param": self.param, "code": None}}


@dataclass
class ChatRequest:
    messages: list[dict[str, str]]
    max_tokens: int
    temperature: float
    top_p: float
    stream: bool
    model: str


def _number(body: dict, key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise BadRequest(f"'{key}' must be a number in [{low}, {high}]", key)
    return float(value)


def parse(body: Any, default_max_tokens: int, limit_max_tokens: int) -> ChatRequest:
    """A validated request, or BadRequest naming the field."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list", "messages")
    clean = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise BadRequest(f"messages[{i}].role must be one of {', '.join(ROLES)}",
                             f"messages[{i}].role")
        content = m.get("content")
        if isinstance(content, list):  # content parts: keep the text ones
            content = "".join(p.get("text", "") for p in content
                              if isinstance(p, dict) and p.get("type") == "text")
        if not isinstance(content, str):
            raise BadRequest(f"messages[{i}].content must be a string", f"messages[{i}].content")
        clean.append({"role": m["role"], "content": content})
    if clean[-1]["role"] != "user" or not clean[-1]["content"].strip():
        raise BadRequest("the last message must be a non-empty user message", "messages")
    key = "max_completion_tokens" if body.get("max_completion_tokens") is not None else "max_tokens"
    max_tokens = int(_number(body, key, default_max_tokens, 1, limit_max_tokens))
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise BadRequest("'stream' must be true or false", "stream")
    return ChatRequest(clean, max_tokens, _number(body, "temperature", 0.0, 0.0, 2.0),
                       _number(body, "top_p", 1.0, 0.0, 1.0), stream,
                       str(body.get("model") or "alchemy"))


def completion(model: str, text: str, prompt_tokens: int, completion_tokens: int,
               finish: str, sources: list[dict]) -> dict[str, Any]:
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion",
            "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens},
            "sources": sources}


def chunk(cid: str, model: str, delta: dict[str, str], finish: str | None,
          sources: list[dict] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                           "model": model,
                           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    if sources is not None:
        out["sources"] = sources
    return out
