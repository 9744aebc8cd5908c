"""Prompt rendering and the source's language, for the LLM generator and the offline one.

Templates come from ``synth.prompt`` in the config. Only the known ``{name}`` placeholders are
substituted, so a template may show JSON (``{"pairs": [...]}``) without escaping its braces.
"""

from __future__ import annotations

import re
from typing import Any

from alchemy.synth.chunker import Chunk

PLACEHOLDERS = ("text", "title", "section", "source", "kind", "language", "min_pairs",
                "max_pairs", "broken", "reason", "pairs")
_NAME = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")

# A few very common function words per language; the best-scoring language wins.
_COMMON = {
    "English": "the and is are of to in that for with on this was be it not by from",
    "German": "der die das und ist nicht mit den von zu ein eine auf für wird sind dem des",
    "French": "le la les et est des une pour dans que pas sur avec sont du au par ce",
    "Spanish": "el la los las y es de que en un una para con por no se del al",
    "Italian": "il lo la gli le e di che un una per con non sono del della nel è",
    "Dutch": "de het een en is van dat niet met op voor zijn te er aan wordt",
    "Portuguese": "o a os as e é de que um uma para com não em do da por",
}
STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(w.split()) for lang, w in _COMMON.items()}
_LETTER = re.compile(r"[^\W\d_]")
_SCRIPTS = [("Japanese", re.compile(r"[\u3040-\u30ff]")), ("Korean", re.compile(r"[\uac00-\ud7af]")),
            ("Chinese", re.compile(r"[\u4e00-\u9fff]")), ("Russian", re.compile(r"[\u0400-\u04ff]")),
            ("Greek", re.compile(r"[\u0370-\u03ff]")), ("Arabic", re.compile(r"[\u0600-\u06ff]"))]


def detect_language(text: str, default: str = "English") -> str:
    """The text's language by script, then by common words; ``default`` when unsure."""
    sample = text[:4000]
    letters = max(1, len(_LETTER.findall(sample)))
    for name, script in _SCRIPTS:
        if len(script.findall(sample)) > 0.2 * letters:
            return name
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if len(words) < 8:
        return default
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= max(2, 0.05 * len(words)) else default


def render(template: str, **values: Any) -> str:
    """Fill the known ``{name}`` placeholders; anything else is left as written."""
    return _NAME.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0),
                     template)


def chunk_messages(chunk: Chunk, prompt: Any, min_pairs: int, max_pairs: int) -> list[dict]:
    """The chat messages that ask for pairs about one chunk."""
    values = {"text": chunk.document, "title": chunk.title or chunk.source_id,
              "section": chunk.section or "(top)", "source": chunk.source or "document",
              "kind": chunk.kind or "text", "language": detect_language(chunk.text),
              "min_pairs": min_pairs, "max_pairs": max_pairs}
    messages = [{"role": "user", "content": render(prompt.user, **values)}]
    if prompt.system:
        messages.insert(0, {"role": "system", "content": render(prompt.system, **values)})
    return messages


def check_template(prompt: Any) -> str | None:
    """A problem with the configured prompt, or None."""
    if "{text}" not in (prompt.user or ""):
        return "synth.prompt.user must contain {text} (where the chunk goes)"
    if "{broken}" not in (prompt.repair or ""):
        return "synth.prompt.repair must contain {broken} (the reply to fix)"
    return None
