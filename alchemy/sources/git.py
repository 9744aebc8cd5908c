"""Git history: dump a repository (or .bundle) to JSONL, and parse such dumps to Records.

Dumping is one streamed ``git log -p --numstat`` so large histories never sit in memory whole;
each commit's diff is cut at max_diff_bytes. Bytes are decoded with errors="replace" because
history holds binary files and legacy encodings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..records import Quarantine, Record
from ..sanitize.names import handle_aliases
from . import bounded
from .markup.common import fence, rel_path, tidy, uniq

PATTERNS = ("**/*.commits.jsonl",)
REPORTS_UNREAD = False  # a folder of repositories and bundles: its other files are no exports
SOURCE = "git"
_FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%aI%x00%s%x00%b%x00"
_FIELDS = ("sha", "parents", "author_name", "author_email", "date", "subject", "body")
_PR = re.compile(r"(?:pull request|\bPR) #(\d+)|\(#(\d+)\)\s*$", re.I)
_TRAILER = re.compile(r"^(?:Co-authored-by|Signed-off-by|Reviewed-by):\s*(.+?)\s*<([^>]*)>",
                      re.M | re.I)
_STATUS = {b"new file mode": "A", b"deleted file mode": "D", b"rename from": "R",
           b"copy from": "C"}


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)


def pr_number(subject: str) -> int | None:
    """PR number of a merge ("Merge pull request #12 ...") or squash ("Fix x (#12)") subject."""
    m = _PR.search(subject)
    return int(m.group(1) or m.group(2)) if m else None


def dump_repo(repo: str | Path, out_path: Path, max_diff_bytes: int = 20000,
              since_sha: str | None = None) -> dict[str, Any]:
    """Write one JSON line per commit of ``repo`` (folder or .bundle) to out_path.

    With since_sha, only commits after it (``since..HEAD``); when since_sha is not an ancestor
    of HEAD (history rewritten, or unknown) the whole history is dumped instead.
    Returns {"repo", "commits", "head", "incremental"}; raises RuntimeError when git cannot
    read the repo.
    """
    repo = Path(repo)
    name = repo.name.removesuffix(".bundle").removesuffix(".git") or "repo"
    if repo.is_file():
        with tempfile.TemporaryDirectory(prefix="alchemy-git-") as tmp:
            clone = Path(tmp) / "repo.git"
            done = subprocess.run(["git", "clone", "--quiet", "--bare", str(repo), str(clone)],
                                  capture_output=True, check=False)
            if done.returncode:
                raise RuntimeError(f"git clone of {repo} failed: {done.stderr.decode().strip()}")
            return _dump(clone, name, Path(out_path), max_diff_bytes, since_sha)
    return _dump(repo, name, Path(out_path), max_diff_bytes, since_sha)


def _dump(repo: Path, name: str, out_path: Path, limit: int, since: str | None) -> dict[str, Any]:
    head = _git(repo, "rev-parse", "--verify", "-q", "HEAD")
    rev = "HEAD" if head.returncode == 0 else "--all"
    if rev == "--all" and not _git(repo, "rev-parse", "--all").stdout.strip():
        raise RuntimeError(f"{repo}: not a git repository or no commits")
    if since and (rev != "HEAD" or _git(repo, "merge-base", "--is-ancestor", since, "HEAD").returncode):
        since = None  # unknown or rewritten away (force-push): the whole history again
    cmd = ["git", "-C", str(repo), "-c", "core.quotePath=false", "log", "--date-order",
           "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--numstat", "-p",
           f"--format={_FORMAT}",
           f"{since}..HEAD" if since and rev == "HEAD" else rev]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.name + ".tmp")
    count, newest = 0, ""
    env = {**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C"}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        with open(tmp, "w", encoding="utf-8") as fh:
            for commit in _commits(proc.stdout, limit):  # type: ignore[arg-type]
                fh.write(json.dumps(commit, ensure_ascii=False) + "\n")
                newest = newest or commit["sha"]
                count += 1
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"git log failed in {repo}: {err.strip()}")
    tmp.replace(out_path)
    sha = _git(repo, "rev-parse", "HEAD").stdout.decode().strip() if rev == "HEAD" else newest
    return {"repo": name, "commits": count, "head": sha, "incremental": bool(since)}


def _commits(stream: Any, limit: int) -> Iterator[dict[str, Any]]:
    """State machine over git log output: header (NUL fields), numstat lines, patch lines."""
    cur: dict[str, Any] | None = None
    header = b""
    for line in stream:
        if line.startswith(b"\x1e"):
            if cur is not None:
                yield _finish(cur, limit)
            cur, header = None, line[1:]
        elif cur is None:
            header += line
        else:
            _body_line(cur, line, limit)
            continue
        if cur is None and header.count(b"\x00") >= len(_FIELDS):
            parts = header.split(b"\x00")
            cur = dict(zip(_FIELDS, [p.decode("utf-8", "replace") for p in parts[:7]], strict=True))
            cur.update(files=[], diff=[], status=[], size=0, total=0, in_diff=False)
    if cur is not None:
        yield _finish(cur, limit)


def _body_line(cur: dict[str, Any], line: bytes, limit: int) -> None:
    if line.startswith(b"diff --git "):
        cur["in_diff"] = True
        cur["status"].append("M")
    if not cur["in_diff"]:
        parts = line.rstrip(b"\n").split(b"\t")
        if len(parts) == 3:
            add, rem, path = (p.decode("utf-8", "replace") for p in parts)
            cur["files"].append({"path": _new_path(path), "status": "M",
                                 "additions": int(add) if add.isdigit() else 0,
                                 "deletions": int(rem) if rem.isdigit() else 0,
                                 **({"binary": True} if add == "-" else {})})
        return
    cur["total"] += len(line)
    if cur["size"] + len(line) <= limit and cur["size"] == cur["total"] - len(line):
        cur["diff"].append(line)
        cur["size"] += len(line)
    for prefix, status in _STATUS.items():
        if line.startswith(prefix):
            cur["status"][-1] = status


def _finish(cur: dict[str, Any], limit: int) -> dict[str, Any]:
    """The dump line: git's fields plus files (with A/M/D/R status), diff and PR number."""
    files = cur["files"]
    if len(cur["status"]) == len(files):
        for f, status in zip(files, cur["status"], strict=True):
            f["status"] = status
    diff = b"".join(cur["diff"]).decode("utf-8", "replace")
    if cur["total"] > cur["size"] and limit > 0:  # limit 0: diffs not wanted, no marker
        diff += f"\n[... diff truncated: {cur['total'] - cur['size']} of {cur['total']} bytes]\n"
    parents = cur["parents"].split()
    return {"sha": cur["sha"].strip(), "parents": parents, "author_name": cur["author_name"],
            "author_email": cur["author_email"], "date": cur["date"],
            "subject": cur["subject"], "body": cur["body"].strip(), "files": files,
            "diff": diff, "is_merge": len(parents) > 1, "pr_number": pr_number(cur["subject"])}


def _new_path(path: str) -> str:
    """numstat rename notation ("src/{a => b}/x.py", "a => b") to the new path."""
    if " => " not in path:
        return path
    if m := re.match(r"(.*)\{(.*) => (.*)\}(.*)", path):
        return (m.group(1) + m.group(3) + m.group(4)).replace("//", "/")
    return path.split(" => ", 1)[1]


@bounded
def parse_file(path: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """One Record per commit line of a ``<repo>.commits.jsonl`` dump; bad lines quarantined."""
    yield from _parse(Path(path), cfg)  # bounded() quarantines anything it raises


@bounded
def parse_dir(raw_dir: Path, cfg: Mapping[str, Any]) -> Iterator[Record | Quarantine]:
    """Every dump in raw_dir, plus every ``*.bundle`` without a dump (dumped to a temp dir).

    Lets a shipped bundle be used without a separate ingest step; records of a bundle carry
    the bundle's path as meta.path.
    """
    raw_dir = Path(raw_dir)
    cfg = {**cfg, "raw_dir": cfg.get("raw_dir") or str(raw_dir)}
    dumps = sorted(p for pat in PATTERNS for p in raw_dir.glob(pat) if p.is_file())
    for path in dumps:
        yield from parse_file(path, cfg)
    done = {p.name.removesuffix(".commits.jsonl") for p in dumps}
    for bundle in sorted(raw_dir.glob("**/*.bundle")):
        if bundle.stem in done:
            continue
        with tempfile.TemporaryDirectory(prefix="alchemy-dump-") as tmp:
            out = Path(tmp) / f"{bundle.stem}.commits.jsonl"
            try:
                dump_repo(bundle, out, int(cfg["max_diff_bytes"]))
            except (RuntimeError, OSError) as exc:
                yield Quarantine(SOURCE, rel_path(bundle, cfg), f"unreadable bundle: {exc}")
                continue
            yield from _parse(out, cfg, rel=rel_path(bundle, cfg))


def _parse(path: Path, cfg: Mapping[str, Any], rel: str = "") -> Iterator[Record | Quarantine]:
    path = Path(path)
    rel = rel or rel_path(path, cfg)
    default_repo = path.name.removesuffix(".commits.jsonl")
    try:
        fh = open(path, encoding="utf-8", errors="replace")
    except OSError as exc:
        yield Quarantine(SOURCE, rel, f"unreadable: {exc.strerror or exc}")
        return
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                commit = json.loads(line)
                if isinstance(commit, dict) and commit.get("error") and not commit.get("sha"):
                    yield Quarantine(SOURCE, rel, str(commit["error"]))  # ingest could not dump
                    continue
                if not isinstance(commit, dict) or not commit.get("sha"):
                    raise ValueError("no sha")
            except ValueError as exc:
                yield Quarantine(SOURCE, rel, f"line {n}: not a commit record: {exc}")
                continue
            try:
                yield _record(commit, str(commit.get("repo") or default_repo), rel, cfg)
            except Exception as exc:  # odd field types in a hand-edited dump
                yield Quarantine(SOURCE, rel, f"line {n}: unparseable commit: {exc}",
                                 id=f"{SOURCE}:{commit.get('sha')}")


def _record(c: Mapping[str, Any], repo: str, rel: str, cfg: Mapping[str, Any]) -> Record:
    sha = str(c["sha"])
    subject = str(c.get("subject") or "").strip()
    merge = bool(c.get("is_merge")) or len(c.get("parents") or []) > 1
    lines = [subject, "", str(c.get("body") or "").strip(), "",
             f"Author: {c.get('author_name') or 'unknown'}"]
    files = [f for f in c.get("files") or [] if isinstance(f, dict)]
    if files:
        lines += ["", "Files changed:"]
        lines += [f"- {f.get('status', 'M')} {f.get('path')} " + ("(binary)" if f.get("binary")
                  else f"(+{f.get('additions', 0)} -{f.get('deletions', 0)})") for f in files]
    if c.get("diff"):
        lines += ["", fence(str(c["diff"]), "diff")]
    url = str(cfg.get("commit_url") or "")
    trailers = _TRAILER.findall(str(c.get("body") or ""))
    names = [c.get("author_name")] + [n for n, _ in trailers]
    emails = [c.get("author_email")] + [e for _, e in trailers]
    aliases = handle_aliases(zip(names, emails, strict=True))  # logins and usernames, never output
    return Record(
        id=f"{SOURCE}:{repo}@{sha[:12]}", source=SOURCE, kind="merge" if merge else "commit",
        title=subject, text=tidy("\n".join(lines)),
        url=url.format(repo=repo, sha=sha) if url else "", created_at=str(c.get("date") or ""),
        meta={"path": rel, "sha": sha, "repo": repo, "author": c.get("author_name") or "",
              "people": [p for p in uniq(names) if not p.endswith("[bot]")],
              "emails": uniq(emails), **({"aliases": aliases} if aliases else {}),
              "pr_number": c.get("pr_number"), "is_merge": merge},
    )
