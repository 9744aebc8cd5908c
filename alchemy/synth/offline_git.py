"""Commit pairs that a maintainer would ask, from the message and the diff; trivial commits out.

Nobody asks about a hash. Questions name the change, the file or the function: why a file
changed (the message body), when a change landed and in which release (a changelog entry the
same commit added, under its version heading), which change introduced a function, class or
setting (a definition the diff adds and does not remove), when a version was released. The
hash and date are the answer's provenance. Commits that say nothing are no material: merges
of branches, and messages under five words whose diff introduces nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from alchemy.synth.offline_rules import clip, pick

_FILE = re.compile(r"^- ([AMDRC]) (.+?) \((?:\+(\d+) -(\d+)|binary)\)$", re.M)
_DIFF = re.compile(r"```diff\n(.*?)(?:\n```|\Z)", re.S)
_BRANCH_MERGE = re.compile(r"^Merge (?:branch|remote-tracking branch|tag|commit|(?:[\w.-]+/)?[\w.-]+ into)\b",
                           re.I)
_PR_MERGE = re.compile(r"^Merge pull request #(\d+)", re.I)
_DEF = re.compile(r"^\+\s*(?:export\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?"
                  r"(?:def|class|function|func(?:\s+\([^)]*\))?|fn|interface|struct|enum)\s+([A-Za-z_]\w{2,})")
_SETTING = re.compile(r"^\+\s*([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s*[:=]")  # MAX_RETRIES = 3, API_TIMEOUT: 30
_CHANGELOG = re.compile(r"(?:^|/)(?:HISTORY|CHANGELOG|CHANGES|NEWS|RELEASE[_-]?NOTES)(?:\.\w+)?$", re.I)
_VERSION_HEAD = re.compile(r"^[ +](?:#+\s*|Version\s+|v)?(\d+\.\d+(?:\.\d+)*(?:\w*)?)\b"
                           r"|^[ +]#*\s*(unreleased|dev)\b", re.I)
_RELEASE = re.compile(r"^(?:(?:release|releasing|bump(?:ed)?|prepare(?: for)? release)(?: version)?(?: to)?"
                      r"|version)?\s*v?(\d+\.\d+(?:\.\d+)*)\s*$", re.I)
_WORD = re.compile(r"[^\W_]{2,}")
_TRAILER = re.compile(r"^(?:Signed-off-by|Co-authored-by|Reviewed-by|Acked-by|Tested-by|Change-Id):.*$\n?",
                      re.M | re.I)
_TEST = re.compile(r"(?:^|/)(?:tests?|spec)(?:/|_)|_test\.\w+$|\.spec\.\w+$", re.I)


@dataclass
class Commit:
    """A git record, taken apart: message, files with their line counts, diff per file."""

    subject: str
    body: str
    sha: str
    date: str
    repo: str
    files: list[tuple[str, str, int]] = field(default_factory=list)  # status, path, lines changed
    diffs: dict[str, list[str]] = field(default_factory=dict)  # path -> its diff lines

    @property
    def words(self) -> int:
        return len(_WORD.findall(f"{self.subject} {self.body}"))

    @property
    def main_path(self) -> str:
        ranked = sorted(self.files, key=lambda f: (_CHANGELOG.search(f[1]) is not None,
                                                   _TEST.search(f[1]) is not None, -f[2], f[1]))
        return ranked[0][1] if ranked else ""


def parse_commit(rec: dict[str, Any]) -> Commit:
    text, meta = rec["text"], rec.get("meta", {})
    head = text.split("```diff")[0]
    message = head.split("\nAuthor:")[0].strip()
    subject, _, body = message.partition("\n")
    body = _TRAILER.sub("", body).strip()  # sign-offs and co-authors say nothing about the change
    files = [(m.group(1), m.group(2), int(m.group(3) or 0) + int(m.group(4) or 0))
             for m in _FILE.finditer(head)]
    diffs: dict[str, list[str]] = {}
    for block in _DIFF.findall(text):
        path = ""
        for line in block.split("\n"):
            if line.startswith("diff --git "):
                path = line.rsplit(" b/", 1)[-1]
            elif path:
                diffs.setdefault(path, []).append(line)
    return Commit(subject.strip() or rec.get("title", ""), body.strip(), str(meta.get("sha", ""))[:10],
                  str(rec.get("created_at", ""))[:10], str(meta.get("repo", "")), files, diffs)


def introduced(c: Commit) -> list[tuple[str, str, list[str]]]:
    """(name, path, its first added lines) of definitions and settings the diff adds, not moves."""
    out = []
    for path, lines in c.diffs.items():
        removed = " ".join(line for line in lines if line.startswith("-"))
        for i, line in enumerate(lines):
            m = _DEF.match(line) or _SETTING.match(line)
            if m and not re.search(rf"\b{re.escape(m.group(1))}\b", removed):
                body = [x[1:] for x in lines[i : i + 8] if x.startswith("+")][:6]
                out.append((m.group(1), path, body))
    return out[:3]


def release_entry(c: Commit) -> tuple[str, str] | None:
    """(release, entry) of a changelog entry this commit adds, under the version heading it sits
    in; an entry under "Unreleased"/"dev" shipped in the release after the next heading below."""
    for path, lines in c.diffs.items():
        if not _CHANGELOG.search(path):
            continue
        heading: str | None = None  # the version heading above, "" for Unreleased/dev
        entry: list[str] = []
        rest: list[str] = []
        for i, line in enumerate(lines):
            m = _VERSION_HEAD.match(line)
            if entry:
                if line.startswith("+") and line[1:].startswith("  ") and line[1:].strip():
                    entry.append(line[1:].strip())  # the entry's wrapped lines
                    continue
                rest = lines[i:]
                break
            if m:
                heading = m.group(1) or ""
            elif heading is not None and line.startswith("+") and len(_WORD.findall(line)) >= 4:
                entry = [line[1:].strip(" -*")]
        if entry:
            if not heading:
                older = next((h.group(1) for x in rest if (h := _VERSION_HEAD.match(x)) and h.group(1)), "")
                heading = f"the release after {older}" if older else "the next release"
            return heading, " ".join(entry)
    return None


def trivial(rec: dict[str, Any]) -> str | None:
    """Why a commit is no material for pairs ("merge", "says_nothing"), else None."""
    if rec.get("kind") not in ("commit", "merge"):
        return None
    c = parse_commit(rec)
    if _BRANCH_MERGE.match(c.subject) or (_PR_MERGE.match(c.subject) and len(_WORD.findall(c.body)) < 3):
        return "merge"
    if c.words < 5 and not introduced(c) and not _RELEASE.match(c.subject):
        return "says_nothing"
    return None


def commit_pairs(rec: dict[str, Any], limit: int) -> Iterator[tuple[str, str, str]]:
    c = parse_commit(rec)
    where = f" in {c.repo}" if c.repo else ""
    cite = f"commit {c.sha}, {c.date}" if c.date else f"commit {c.sha}"
    pr = _PR_MERGE.match(c.subject)
    if pr:
        title = c.body.split("\n")[0].strip()
        yield "pr", f"Which pull request brought in '{title}'{where}?", (
            f"Pull request #{pr.group(1)}, '{title}', merged on {c.date} ({cite}).")
        return
    release = _RELEASE.match(c.subject)
    if release and c.repo:
        yield "release", f"When was {c.repo} {release.group(1)} released?", (
            f"{c.repo} {release.group(1)} was released on {c.date} ({cite}: {c.subject}).")
    target = c.main_path
    if len(_WORD.findall(c.body)) >= 8 and target:
        q = pick([f"Why was {target} changed in '{c.subject}'?", f"Why did {target} change ({c.subject})?"],
                 rec["id"])
        yield "why", q, _clip(f"{c.subject}.\n\n{c.body}\n\n({cite})", limit)
    entry = None if release else release_entry(c)
    if entry:  # the behaviour as the changelog words it, and the release it shipped in
        ship = entry[1].rstrip(".")
        yield "when", f"In which{where.replace(' in', '')} release did this change ship: {ship}?", _clip(
            f"{entry[0]}: the changelog lists \"{entry[1]}\" under {entry[0]}, added by "
            f"'{c.subject}' ({cite}).", limit)
    elif not release:
        q = pick([f"When did '{c.subject}' land{where}?", f"When was the change '{c.subject}' made{where}?"],
                 rec["id"] + "when")
        yield "when", q, f"On {c.date}, in {cite.split(',')[0]}."
    for name, path, body in introduced(c):
        q = pick([f"Which change introduced `{name}` in {path}?",
                  f"When and why was `{name}` added to {path}?"], rec["id"] + name)
        code = "\n".join(body)
        a = f"`{name}` was added to {path} by '{c.subject}' ({cite})." + (f" {c.body}" if c.body else "")
        yield f"introduced:{name}", q, _clip(a + (f"\n\n```\n{code}\n```" if code else ""), limit)
    if target and c.words >= 5:
        files = "\n".join(f"- {s} {p}" for s, p, _ in c.files[:8])
        yield "what", f"What changed in {target} with '{c.subject}'?", _clip(
            f"{c.subject}." + (f"\n\n{c.body}" if c.body else "") + f"\n\nFiles changed:\n{files}", limit)


def _clip(text: str, limit: int) -> str:

    return clip(text, limit)
