"""What the fake LLM server says: replies grounded in the prompt's document, and bad ones.

Kept apart from the HTTP plumbing (tests/synth_server.py). A good reply copies sentences of
the ``<document>`` block as answers, so the validator accepts it; each fault name produces one
kind of bad reply the synth stage must survive.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from typing import Any

_DOC = re.compile(r"<document>\n?(.*?)\n?</document>", re.S)
FAULTS = ("429", "500", "503", "401", "timeout", "malformed", "garbage", "slow", "refusal",
          "schema", "unicode", "empty", "fenced", "nothing", "garbled")


def user_text(body: dict[str, Any]) -> str:
    return "\n".join(m.get("content") or "" for m in body.get("messages", [])
                     if m.get("role") == "user")


def chunk_key(body: dict[str, Any]) -> str:
    """Which chunk a request is about: a hash of the <document> in its user messages."""
    text = user_text(body)
    m = _DOC.search(text)
    return hashlib.sha256((m.group(1) if m else text).encode()).hexdigest()[:16]


def request_key(body: dict[str, Any]) -> str:
    """Two requests with this key equal are the same paid call made twice."""
    same = {k: body.get(k) for k in ("model", "messages", "temperature", "max_tokens")}
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()[:16]


def grounded_pairs(prompt: str, n: int = 2) -> list[dict[str, str]]:
    """Pairs whose answers are sentences copied from the document in the prompt."""
    m = _DOC.search(prompt)
    doc = m.group(1) if m else prompt
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+", doc) if len(p.split()) >= 5]
    pairs = []
    for sent in parts[:n]:
        words = [w for w in re.findall(r"[\w-]+", sent) if len(w) > 3][:4]
        pairs.append({"question": f"What does the document say about {' '.join(words)}?",
                      "answer": sent})
    return pairs


def reply_content(fault: str, prompt: str, n: int) -> str:
    """The assistant message for a request whose user text is ``prompt``."""
    if prompt.rstrip().endswith("GRADE:"):  # an eval judge call: grade like a careful reader
        gold = re.search(r"Gold target: (.*)", prompt).group(1).lower()
        pred = re.search(r"Predicted answer: (.*)", prompt).group(1).lower()
        if "do not say" in pred or "know" in pred:
            return "C"
        return "A" if gold.split()[0].strip(".,") in pred else "B"
    if "Pairs:" in prompt and '"supported"' in prompt:  # a judge call: all but bad ones hold
        listed = json.loads(prompt.split("Pairs:", 1)[1])
        return json.dumps({"supported": ["unsupported" not in p["answer"] for p in listed]})
    if "does not parse" in prompt:  # a repair call: fix the Python-literal reply below
        broken = prompt.rsplit("\n\n", 1)[1]
        return json.dumps(ast.literal_eval(broken))
    pairs = grounded_pairs(prompt, n)
    if fault == "garbled":  # single quotes: no local repair can fix it, a repair call can
        return repr({"pairs": pairs})
    if fault == "nothing":
        return json.dumps({"pairs": []})
    if fault == "malformed":  # a trailing comma and a missing brace: repairable locally
        return '{"pairs": [' + ", ".join(json.dumps(p) for p in pairs) + ",]"
    if fault == "fenced":
        return "Here you go:\n```json\n" + json.dumps({"pairs": pairs}) + "\n```"
    if fault == "refusal":
        return "I'm sorry, but I can't help with that request."
    if fault == "schema":
        return json.dumps({"items": [{"q": 1, "text": None}]})
    if fault == "unicode":
        return json.dumps({"pairs": [{"question": "\ufffd\u200b\x07?", "answer": "\ufffd\ufffd"}]})
    if fault == "empty":
        return ""
    return json.dumps({"pairs": pairs})
