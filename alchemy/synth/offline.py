"""The offline generator: grounded question/answer pairs from a record's structure, no LLM.

Every answer is text taken from the record itself (a section under its heading, an issue's
resolution, a PR's description), so nothing is invented. Question wording varies
deterministically with the record id, so the same corpus always gives the same pairs.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_COMMENT_HEAD = re.compile(r"^\*\*(.+?)\*\*\s*(\([^)]*\))?:?\s*")
_SKIP_SECTIONS = {"comments", "reviews", "review comments", "discussion", "files changed"}


def _pick(options: list[str], key: str) -> str:
    return options[int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(options)]


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) pairs in order; text before the first heading has heading ''."""
    out: list[tuple[str, list[str]]] = [("", [])]
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        m = None if in_code else _HEADING.match(line)
        if m:
            out.append((m.group(2).strip(), []))
        else:
            out[-1][1].append(line)
    return [(h, "\n".join(b).strip()) for h, b in out if "\n".join(b).strip()]


def clip(text: str, limit: int) -> str:
    """Cut at the last sentence or line end before ``limit`` characters."""
    text = text.strip()
    if len(text) <= limit:
        return text
    head = text[:limit]
    if head.count("```") % 2:  # never leave a code fence open
        head = head[: head.rfind("```")]
    cut = max(head.rfind(". "), head.rfind(".\n"), head.rfind("\n"))
    return (head[: cut + 1] if cut > limit // 3 else head).strip()


def _paragraph(text: str) -> str:
    return text.strip().split("\n\n")[0].strip()


def _issue_pairs(rec: dict[str, Any], secs: dict[str, str], limit: int) -> Iterator[tuple]:
    meta, key, title = rec.get("meta", {}), rec["meta"].get("key", rec["id"]), rec["title"]
    desc = secs.get("description", "")
    if desc:
        q = _pick([f"What is {key} about?", f"Summarise the Jira issue {key}.",
                   f"What problem does {key} ('{title}') describe?"], rec["id"])
        kind = meta.get("issuetype") or "issue"
        yield "summary", q, clip(f"{key} is a {kind.lower()}: {title}.\n\n{desc}", limit)
    comments = secs.get("comments", "")
    status, resolution = meta.get("status"), meta.get("resolution")
    if comments or resolution:
        last = [c for c in re.split(r"\n(?=\*\*)", comments) if c.strip()][-1:] if comments else []
        body = _COMMENT_HEAD.sub("", last[0]).strip() if last else ""
        state = f"{key} is {status or 'open'}" + (f" (resolution: {resolution})" if resolution else "")
        q = _pick([f"How was {key} resolved?", f"What is the status of {key} ({title})?",
                   f"What was the outcome of {key}?"], rec["id"] + "r")
        yield "resolution", q, clip(f"{state}. {body}".strip(), limit)


def _pr_pairs(rec: dict[str, Any], secs: dict[str, str], limit: int) -> Iterator[tuple]:
    number = rec.get("meta", {}).get("number", "")
    title = rec["title"]
    desc = secs.get("description", "")
    if desc:
        q = _pick([f"What changed in PR #{number} ('{title}') and why?",
                   f"What does pull request #{number} do?",
                   f"Why was '{title}' (PR #{number}) made?"], rec["id"])
        yield "summary", q, clip(f"PR #{number}, '{title}': {desc}", limit)
    review = secs.get("review comments") or secs.get("reviews", "")
    if review:
        q = f"What did reviewers point out on PR #{number} ('{title}')?"
        yield "review", q, clip(review, limit)


def _commit_pairs(rec: dict[str, Any], secs: dict[str, str], limit: int) -> Iterator[tuple]:
    sha = str(rec.get("meta", {}).get("sha", ""))[:10]
    head = secs.get("", "").split("```")[0]
    message = head.split("\nAuthor:")[0].strip() or rec["title"]
    files = [ln for ln in head.split("Files changed:")[-1].splitlines() if ln.startswith("- ")]
    if rec.get("kind") == "merge" and rec["meta"].get("pr_number"):
        q = f"Which commit merged PR #{rec['meta']['pr_number']}, and what did it bring in?"
    else:
        q = _pick([f"What did commit {sha} change?",
                   f"What was commit {sha} ('{rec['title']}') for?"], rec["id"])
        sha = ""
    answer = (f"Commit {rec['meta'].get('sha', '')[:10]}: " if not sha else f"Commit {sha}: ")
    answer += message + ("\n\nFiles changed:\n" + "\n".join(files[:12]) if files else "")
    yield "summary", q, clip(answer, limit)


def _section_pairs(rec: dict[str, Any], ordered: list[tuple[str, str]], limit: int) -> Iterator:
    title = rec["title"]
    where = "page" if rec.get("kind") == "page" else "document"
    for heading, body in ordered:
        if len(body) < 60 or heading.lower() in _SKIP_SECTIONS:
            continue
        if not heading or heading == title:
            q = _pick([f"What is the '{title}' {where} about?", f"Give an overview of '{title}'."],
                      rec["id"])
            yield "overview", q, clip(body, limit)
        else:
            q = _pick([f"According to '{title}', what should I know about {heading}?",
                       f"What does the '{title}' {where} say about {heading}?",
                       f"Explain '{heading}' from our {where} '{title}'."], rec["id"] + heading)
            yield f"section:{heading}", q, clip(body, limit)


def pairs_for(rec: dict[str, Any], max_pairs: int, limit: int) -> list[dict[str, str]]:
    """Grounded pairs for one cleaned record: one per chunk, at most ``max_pairs`` per chunk."""
    ordered = sections(rec["text"])
    by_name = {h.lower(): b for h, b in ordered}
    kind = rec.get("kind", "")
    if kind == "issue":
        found = list(_issue_pairs(rec, by_name, limit))
    elif kind == "pull_request":
        found = list(_pr_pairs(rec, by_name, limit))
    elif kind in ("commit", "merge"):
        found = list(_commit_pairs(rec, by_name, limit))
    else:
        found = list(_section_pairs(rec, ordered, limit))
    # One pair per chunk (a section, an issue's description, its resolution, ...).
    out, per_chunk = [], Counter()
    for chunk, question, answer in found:
        if len(answer) >= 20 and per_chunk[chunk] < max_pairs:
            per_chunk[chunk] += 1
            out.append({"chunk": chunk, "question": question, "answer": answer})
    return out
