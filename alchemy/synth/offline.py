"""The offline generator: grounded question/answer pairs from a record's structure, no LLM.

Every answer is text taken from the record itself: a section under its heading, a table row's
cells, a definition sentence, an issue's description, decision and resolution, a PR's what,
why and testing, a commit's why/when/what from its message and diff (offline_git.py). Nothing
is invented, and the wording of each question is picked deterministically from the record id,
so the same corpus always gives the same pairs. Documents and pages get questions in their own
language (English, German, French, Spanish); Jira, GitHub and git questions are English.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

from alchemy.synth.offline_rules import clip, definitions, phrase, pick, plain, sections, subtree, tables
from alchemy.synth.prompts import detect_language

_COMMENT_HEAD = re.compile(r"^\*\*(.+?)\*\*\s*(\([^)]*\))?:?\s*")
_SKIP_SECTIONS = {"comments", "reviews", "review comments", "discussion", "files changed",
                  "checklist"}
_META_LINE = re.compile(r"^(Path|Labels|Type|Status|State|Branches|Author|Fix versions|Components|"
                        r"Links|Date|Deciders|Version)\b[^\n]*$", re.M)
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n?", re.S)
_TOPICS = [("decision", "What was decided in {key} ('{title}')?"),
           ("context", "What is the background of {key}?"),
           ("root cause", "What was the root cause in {key}?"),
           ("plan", "What is the plan in {key} ('{title}')?"),
           ("impact", "What was the impact described in {key}?"),
           ("steps", "What are the steps in {key}?")]


def _issue(rec: dict[str, Any], secs: list, limit: int) -> Iterator[tuple[str, str, str]]:
    meta = rec.get("meta", {})
    key, title = meta.get("key", rec["id"]), rec["title"]
    desc = subtree(secs, "description")
    if desc:
        q = pick([f"What is {key} about?", f"Summarise the Jira issue {key}.",
                  f"What problem does {key} ('{title}') describe?"], rec["id"])
        kind = (meta.get("issuetype") or "issue").lower()
        yield "summary", q, clip(f"{key} is a {kind}: {title}.\n\n{desc}", limit)
    for path, body in secs:
        low = path[-1].lower() if path else ""
        topic = next((t for w, t in _TOPICS if w in low), None)
        if topic and len(body) >= 60 and "description" in (p.lower() for p in path[:-1]):
            yield f"topic:{path[-1]}", topic.format(key=key, title=title), clip(body, limit)
    comments = subtree(secs, "comments")
    status, resolution = meta.get("status"), meta.get("resolution")
    if comments or resolution:
        last = [c for c in re.split(r"\n(?=\*\*)", comments) if c.strip()][-1:] if comments else []
        body = _COMMENT_HEAD.sub("", last[0]).strip() if last else ""
        state = f"{key} is {status or 'open'}" + (f" (resolution: {resolution})" if resolution else "")
        q = pick([f"How was {key} resolved?", f"What is the status of {key} ({title})?",
                  f"What was the outcome of {key}?"], rec["id"] + "r")
        yield "resolution", q, clip(f"{state}. {body}".strip(), limit)


def _pull_request(rec: dict[str, Any], secs: list, limit: int) -> Iterator[tuple[str, str, str]]:
    number, title = rec.get("meta", {}).get("number", ""), rec["title"]
    desc = subtree(secs, "description")
    what = subtree(secs, "what") or desc
    if what:
        q = pick([f"What changed in PR #{number} ('{title}')?",
                  f"What does pull request #{number} do?"], rec["id"])
        yield "summary", q, clip(f"PR #{number}, '{title}': {what}", limit)
    why = subtree(secs, "why")
    if why:
        yield "why", f"Why was PR #{number} ('{title}') made?", clip(why, limit)
    tested = subtree(secs, "how tested") or subtree(secs, "testing")
    if tested:
        yield "tested", f"How was PR #{number} ('{title}') tested?", clip(tested, limit)
    review = subtree(secs, "review comments") or subtree(secs, "reviews")
    if review:
        q = f"What did reviewers point out on PR #{number} ('{title}')?"
        yield "review", q, clip(review, limit)


def _commit(rec: dict[str, Any], secs: list, limit: int) -> Iterator[tuple[str, str, str]]:
    from alchemy.synth.offline_git import commit_pairs

    yield from commit_pairs(rec, limit)


def _document(rec: dict[str, Any], secs: list, limit: int) -> Iterator[tuple[str, str, str]]:
    title, lang = rec["title"], detect_language(rec["text"])
    where = phrase(lang, "page" if rec.get("kind") == "page" else "document", "")
    for path, body in secs:
        heading = path[-1] if path else ""
        if len(path) <= 1:  # a page's top: no metadata lines or front matter in the answer
            body = _META_LINE.sub("", _FRONT_MATTER.sub("", body)).strip()
        if len(body) < 60 or heading.lower() in _SKIP_SECTIONS:
            continue
        if not heading or heading == title:
            q = phrase(lang, "overview", rec["id"], title=title, where=where)
            yield "overview", q, clip(body, limit)
        else:
            q = phrase(lang, "section", rec["id"] + heading, title=title, where=where,
                       heading=heading)
            yield f"section:{' > '.join(path)}", q, clip(body, limit)
    for header, rows in tables(rec["text"]):
        if len(header) < 2 or len(rows) > 40:
            continue
        for row in rows:
            key = plain(row[0])
            if not key or not re.search(r"[^\W\d_]", key):
                continue
            cells = [(plain(h), plain(c)) for h, c in zip(header[1:], row[1:], strict=True) if c]
            columns = ", ".join(h.lower() for h, _ in cells)
            facts = "; ".join(f"{h}: {c}" for h, c in cells)
            q = phrase(lang, "row", rec["id"] + key, key=key, columns=columns, title=title)
            yield f"row:{key}", q, clip(f"{key} ({title}): {facts}.", limit)
            for h, c in [hc for hc in cells if re.search(r"\w", hc[1])][:2]:
                q = phrase(lang, "cell", rec["id"] + key + h, key=key, column=h.lower())
                yield f"row:{key}", q, f"{h} of {key}: {c} ({title})."
    for term, sentence in definitions(rec["text"]):
        q = phrase(lang, "definition", rec["id"] + term, term=term)
        yield f"definition:{term}", q, clip(sentence, limit)


def pairs_for(rec: dict[str, Any], max_pairs: int, limit: int) -> list[dict[str, str]]:
    """Grounded pairs for one cleaned record, at most ``max_pairs`` per chunk (section, row...)."""
    secs = sections(rec["text"])
    kind = rec.get("kind", "")
    rules = {"issue": _issue, "pull_request": _pull_request, "commit": _commit, "merge": _commit}
    found = list(rules.get(kind, _document)(rec, secs, limit))
    out, per_chunk, seen = [], Counter(), set()
    for chunk, question, answer in found:
        if len(answer) >= 20 and per_chunk[chunk] < max_pairs and question not in seen:
            per_chunk[chunk] += 1
            seen.add(question)
            out.append({"chunk": chunk, "question": question, "answer": answer})
    return out
