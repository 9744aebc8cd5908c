"""GitHub pull-request exports to Records: one Record per PR with its whole conversation.

The REST API serves PRs, reviews, review comments and issue comments from separate endpoints,
so exports keep them in separate files: ``parse_dir`` joins them by PR number; ``parse_file``
sees one file and can only use comments embedded in a PR object.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..records import Quarantine, Record
from . import bounded
from .markup.common import demote, fence, iso_date, load_json, rel_path, tidy, uniq
from .markup.gfm import markdown_html_to_text

PATTERNS = ("**/*.json",)
SOURCE = "github"
_API_URL = re.compile(r"/repos/([^/]+/[^/]+)/(?:pulls|issues)/(\d+)")
_WEB_URL = re.compile(r"github\.com/([^/]+/[^/]+)/(?:pull|issues)/(\d+)")
_EMBEDDED = {"review_comments": "review_comment", "reviews": "review",
             "comments": "issue_comment", "issue_comments": "issue_comment"}
_WHAT = {"review_comment": "review comment", "review": "review", "issue_comment": "issue comment"}
Key = tuple[str, int]
BUCKET_BYTES = 2_000_000  # input bytes per join bucket: pass 2 holds one bucket's objects (~5x)
BUFFER_BYTES = 4_000_000  # spilled rows buffered before they are appended to their buckets
MAX_HUNK_LINES = 20  # diff lines kept above a review comment (the lines it is about)


def kind_of(obj: Any) -> str:
    """What a GitHub JSON object is: pr, review, review_comment, issue_comment or ""."""
    if not isinstance(obj, dict):
        return ""
    if "diff_hunk" in obj and "pull_request_url" in obj:
        return "review_comment"
    if "pull_request_url" in obj and "state" in obj:
        return "review"
    if "issue_url" in obj and "number" not in obj:
        return "issue_comment"
    if "number" in obj and ("head" in obj or "/pull/" in str(obj.get("html_url") or "")):
        return "pr"
    return ""


def pr_key(obj: Mapping[str, Any]) -> Key:
    """(owner/repo, number) of a PR, or of the PR a comment or review belongs to."""
    for field in ("pull_request_url", "issue_url", "url", "html_url"):
        m = _API_URL.search(str(obj.get(field) or "")) or _WEB_URL.search(str(obj.get(field) or ""))
        if m:
            return m.group(1), int(m.group(2))
    repo = ((obj.get("base") or {}).get("repo") or {}).get("full_name") or ""
    number = str(obj.get("number") or "0")
    return str(repo), int(number) if number.isdigit() else 0


def _load(path: Path, rel: str) -> tuple[list[dict[str, Any]], list[tuple[str, Any]], list[Any]]:
    """(PR objects, (kind, comment) pairs, quarantines) of one file."""
    data, err = load_json(path)
    if err:
        return [], [], [Quarantine(SOURCE, rel, err)]
    if isinstance(data, dict) and isinstance(data.get("pull_request"), dict):
        data = data["pull_request"]  # webhook payload
    items = data if isinstance(data, list) else [data]
    prs, comments, bad = [], [], []
    for i, item in enumerate(items):
        kind = kind_of(item)
        if kind == "pr":
            prs.append(item)
        elif kind:
            comments.append((kind, item))
        else:
            bad.append(Quarantine(SOURCE, rel, f"item {i}: not a pull request, review, "
                                  "review comment or issue comment"))
    return prs, comments, bad


def _embedded(pr: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Comments a hand-made export nests in the PR object (the API gives counts there)."""
    out = []
    for field, kind in _EMBEDDED.items():
        if isinstance(pr.get(field), list):
            out += [(kind, c) for c in pr[field] if isinstance(c, dict)]
    return out


@bounded
def parse_file(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """PR records of one file, with embedded comments; comment-only files need parse_dir."""
    yield from _parse(Path(path), cfg)  # bounded() quarantines anything it raises


def _parse(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    rel = rel_path(path, cfg)
    prs, comments, bad = _load(path, rel)
    yield from bad
    for pr in prs:
        yield _safe_record(pr, rel, _embedded(pr), cfg)
    if comments and not prs:
        yield Quarantine(SOURCE, rel, f"{len(comments)} comment(s)/review(s) without their PR: "
                         "use github.parse_dir to join them with the PR files")


@bounded
def parse_dir(raw_dir: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """Join every PR in raw_dir with its reviews and comments; one Record per PR.

    Streams with bounded memory, for exports far larger than RAM: pass 1 (``scatter``) reads one
    file at a time and spills every PR and loose comment to a bucket on disk chosen by PR
    number, so a PR, its comments and every PR an orphan could match by number share a bucket;
    pass 2 (``join_bucket``) joins one bucket at a time. Records come out sorted by (repo,
    number) within a bucket, not across buckets (one bucket, a small export, keeps the old
    order): both engines sort what parsers yield (records by id, quarantine by
    source/path/id/reason). The Python engine runs the two passes itself, over many processes.
    """
    raw_dir = Path(raw_dir)
    files = list_files(raw_dir)
    # buckets go where the engine spills (engine.spill_dir / the stage folder), else the system temp
    with tempfile.TemporaryDirectory(prefix="alchemy-github-", dir=cfg.get("spill_dir")) as tmp:
        run = {**cfg, "raw_dir": cfg.get("raw_dir") or str(raw_dir), "spill_dir": tmp,
               "buckets": bucket_count(files)}
        yield from scatter(files, run, 0)
        parts = bucket_parts(Path(tmp))
        for bucket in range(run["buckets"]):
            yield from _join(parts.get(bucket, []), run)


def list_files(raw_dir: Path) -> list[Path]:
    """The export's files in the order pass 1 reads them (a later copy of a PR wins)."""
    return sorted({p for pat in PATTERNS for p in Path(raw_dir).glob(pat) if p.is_file()})


def bucket_count(files: list[Path]) -> int:
    size = sum(p.stat().st_size if p.exists() else 0 for p in files)
    return max(1, -(-size // BUCKET_BYTES))


def scatter(files: list[Path], cfg: Mapping[str, Any], order: int) -> Iterator[Quarantine]:
    """Pass 1 over some of the export's files (consecutive in ``list_files`` order, the first
    being number ``order``): spill to ``cfg["buckets"]`` bucket parts in ``cfg["spill_dir"]``,
    tagged with ``order`` so that pass 2 reads every bucket's parts in file order."""
    buckets = _Buckets(Path(cfg["spill_dir"]), int(cfg["buckets"]), order)
    for path in files:
        rel = rel_path(path, cfg)
        try:
            found, comments, bad = _load(path, rel)
        except Exception as exc:  # never let one odd file stop the whole folder
            found, comments, bad = [], [], [Quarantine(SOURCE, rel, f"unparseable file: {exc}")]
        yield from bad
        for obj in found:
            buckets.add("pr", obj, rel)
        for kind, obj in comments:
            buckets.add(kind, obj, rel)
    buckets.flush()


def bucket_parts(folder: Path) -> dict[int, list[Path]]:
    """Every bucket's part files from every ``scatter``, in file order (one listing of the
    folder, however many buckets)."""
    parts: dict[int, list[Path]] = {}
    for path in sorted(folder.glob("gh-*-bucket-*.jsonl")):
        parts.setdefault(int(path.stem.rsplit("-", 1)[1]), []).append(path)
    return parts


@bounded
def join_bucket(raw_dir: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """Pass 2 for one bucket: its part files ``cfg["parts"]``, in file order."""
    yield from _join([Path(p) for p in cfg["parts"]], cfg)


class _Buckets:
    """(kind, rel, repo, number, object) rows as JSON lines in bucket files, by PR number.

    Rows are buffered and appended in batches, so any number of buckets needs one open file.
    """

    def __init__(self, folder: Path, n: int, order: int = 0) -> None:
        self.folder, self.n, self.order = folder, n, order
        self.buffers: dict[int, list[str]] = {}
        self.buffered = 0

    def path(self, bucket: int) -> Path:
        return self.folder / f"gh-{self.order:09d}-bucket-{bucket:06d}.jsonl"

    def add(self, kind: str, obj: dict[str, Any], rel: str) -> None:
        repo, number = pr_key(obj)
        line = json.dumps([kind, rel, repo, number, obj]) + "\n"  # ASCII: lone surrogates survive
        self.buffers.setdefault(number % self.n, []).append(line)
        self.buffered += len(line)
        if self.buffered > BUFFER_BYTES:
            self.flush()

    def flush(self) -> None:
        for bucket, lines in self.buffers.items():
            with open(self.path(bucket), "a", encoding="utf-8") as fh:
                fh.writelines(lines)
        self.buffers, self.buffered = {}, 0


def _join(parts: list[Path], cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """Records and orphan quarantines of one bucket: rows replay in file order, so a PR exported
    twice merges and its comments attach exactly as a join over the whole folder would."""
    prs: dict[Key, dict[str, Any]] = {}
    where: dict[Key, str] = {}
    loose: list[tuple[str, Any, str, Key]] = []
    for part in parts:
        with open(part, encoding="utf-8") as fh:
            for line in fh:
                kind, rel, repo, number, obj = json.loads(line)
                key = (repo, number)
                if kind == "pr":
                    old = prs.get(key, {})
                    prs[key] = {**old, **{k: v for k, v in obj.items() if v is not None or k not in old}}
                    where.setdefault(key, rel)
                else:
                    loose.append((kind, obj, rel, key))
    attached: dict[Key, list[tuple[str, Any]]] = {k: _embedded(pr) for k, pr in prs.items()}
    by_number: dict[int, list[Key]] = {}
    for key in prs:
        by_number.setdefault(key[1], []).append(key)
    orphans = []
    for kind, comment, rel, key in loose:
        if key not in prs and len(by_number.get(key[1], [])) == 1 and not key[0]:
            key = by_number[key[1]][0]
        if key in prs:
            attached[key].append((kind, comment))
        else:
            orphans.append(Quarantine(SOURCE, rel, f"orphan {_WHAT[kind]} for PR #{key[1]}",
                                      id=f"{SOURCE}:{key[0]}#{key[1]}" if key[0] else ""))
    for key in sorted(prs):
        yield _safe_record(prs[key], where[key], attached[key], cfg)
    yield from orphans


def _safe_record(pr: dict[str, Any], rel: str, comments: list[tuple[str, Any]],
                 cfg: Mapping[str, Any]) -> Record | Quarantine:
    repo, number = pr_key(pr)
    try:
        return build_record(pr, repo, number, rel, comments, cfg)
    except Exception as exc:  # malformed fields: quarantine this PR, keep the run going
        return Quarantine(SOURCE, rel, f"unparseable pull request: {type(exc).__name__}: {exc}",
                          id=f"{SOURCE}:{repo}#{number}")


def _login(obj: Any) -> str:
    return str(((obj or {}).get("user") or {}).get("login") or "ghost")


def _is_bot(user: Mapping[str, Any]) -> bool:
    return user.get("type") == "Bot" or str(user.get("login") or "").endswith("[bot]")


def _body(text: Any) -> str:
    return demote(markdown_html_to_text(text)) if isinstance(text, str) else ""


def _hunk(hunk: str, keep: int) -> str:
    """The @@ header and the last ``keep`` lines: the comment is about the hunk's end."""
    lines = hunk.rstrip("\n").split("\n")
    return "\n".join(lines if len(lines) <= keep + 1 else [lines[0], "..."] + lines[-keep:])


def _order(c: Mapping[str, Any]) -> tuple[str, int]:
    return str(c.get("submitted_at") or c.get("created_at") or ""), int(c.get("id") or 0)


def build_record(pr: dict[str, Any], repo: str, number: int, rel: str,
                 comments: list[tuple[str, Any]], cfg: Mapping[str, Any]) -> Record:
    """Assemble the PR text: header, description, reviews, review threads, discussion."""
    seen: dict[tuple[str, Any], Any] = {}
    for kind, c in comments:
        seen.setdefault((kind, c.get("id") or id(c)), (kind, c))
    groups: dict[str, list[Any]] = {k: [] for k in _WHAT}
    for kind, c in seen.values():
        groups[kind].append(c)
    for items in groups.values():
        items.sort(key=_order)
    merged = bool(pr.get("merged") or pr.get("merged_at"))
    state = str(pr.get("state") or "unknown") + (" (merged)" if merged else "")
    state += " (draft)" if pr.get("draft") else ""
    base, head = pr.get("base") or {}, pr.get("head") or {}
    labels = [str(x.get("name")) for x in pr.get("labels") or [] if isinstance(x, dict)]
    lines = [f"PR #{number}: {str(pr.get('title') or '').strip()}",
             f"State: {state} | Author: {_login(pr)}"]
    if base.get("ref") or head.get("ref"):
        lines.append(f"Branches: {base.get('ref', '?')} \u2190 {head.get('ref', '?')}")
    if labels:
        lines.append("Labels: " + ", ".join(labels))
    desc = _body(pr.get("body"))
    if desc:
        lines += ["", "## Description", "", desc]
    reviews = [f"**{_login(r)}** {str(r.get('state', '')).lower().replace('_', ' ')} "
               f"({str(r.get('submitted_at') or '')[:10]})"
               + (f":\n{_body(r.get('body'))}" if _body(r.get("body")) else "")
               for r in groups["review"]
               if _body(r.get("body")) or r.get("state") not in ("COMMENTED", "PENDING")]
    if reviews:
        lines += ["", "## Reviews", "", "\n\n".join(reviews)]
    threads = _threads(groups["review_comment"], MAX_HUNK_LINES)
    if threads:
        lines += ["", "## Review comments", "", "\n\n".join(threads)]
    talk = [f"**{_login(c)}** ({str(c.get('created_at') or '')[:10]}):\n{_body(c.get('body'))}"
            for c in groups["issue_comment"]]
    if talk:
        lines += ["", "## Discussion", "", "\n\n".join(talk)]
    users = [pr.get("user"), pr.get("merged_by"), *(pr.get("assignees") or []),
             *(pr.get("requested_reviewers") or [])]
    users += [c.get("user") for _, c in seen.values()]
    users = [u for u in users if isinstance(u, dict) and u.get("login")]
    return Record(
        id=f"{SOURCE}:{repo}#{number}", source=SOURCE, kind="pull_request",
        title=str(pr.get("title") or "").strip(), text=tidy("\n".join(lines)),
        url=str(pr.get("html_url") or ""), created_at=iso_date(pr.get("created_at")),
        meta={"path": rel, "number": number, "repo": repo, "state": pr.get("state"),
              "merged": merged, "author": _login(pr), "labels": labels,
              "base": base.get("ref", ""), "head": head.get("ref", ""),
              "people": uniq(u["login"] for u in users if not _is_bot(u)),
              "bots": uniq(u["login"] for u in users if _is_bot(u))},
    )


def _threads(comments: list[Any], keep: int) -> list[str]:
    """Review comments grouped into threads: hunk once, then the replies in order."""
    roots: dict[Any, list[Any]] = {}
    ids = {c.get("id") for c in comments}
    for c in comments:
        parent = c.get("in_reply_to_id")
        roots.setdefault(parent if parent in ids else c.get("id"), []).append(c)
    out = []
    for thread in roots.values():
        first = thread[0]
        line = first.get("line") or first.get("original_line")
        where = f"`{first.get('path', '?')}`" + (f" (line {line})" if line else "")
        parts = [f"**{_login(first)}** on {where}:"]
        if first.get("diff_hunk"):
            parts.append(fence(_hunk(str(first["diff_hunk"]), keep), "diff"))
        parts.append(_body(first.get("body")))
        replies = [f"**{_login(c)}** replied:\n{_body(c.get('body'))}" for c in thread[1:]]
        out.append("\n\n".join(["\n".join(p for p in parts if p), *replies]))
    return out
