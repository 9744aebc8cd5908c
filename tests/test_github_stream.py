"""github.parse_dir streams through hash buckets on disk: the same records and quarantine
entries as the whole-folder in-memory join, with memory bounded by a bucket, not the folder."""

from __future__ import annotations

import gc
import json
import random
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from alchemy.records import Quarantine, Record
from alchemy.sources import github
from alchemy.sources.github import _WHAT, SOURCE, Key, _embedded, _load, _safe_record, pr_key
from alchemy.sources.markup.common import rel_path

API = "https://api.github.com/repos"
WORDS = ("ledger retry idempotency key cache timeout rollout merge review index query payout "
         "refund schema migration worker queue latency alert deploy config token batch").split()


def reference_parse_dir(raw_dir: Path, cfg: dict[str, Any]) -> list[Record | Quarantine]:
    """The former whole-folder join, kept here as the oracle for the streaming one."""
    cfg = {**cfg, "raw_dir": cfg.get("raw_dir") or str(raw_dir)}
    files = sorted({p for pat in github.PATTERNS for p in raw_dir.glob(pat) if p.is_file()})
    out: list[Record | Quarantine] = []
    prs: dict[Key, dict[str, Any]] = {}
    where: dict[Key, str] = {}
    loose: list[tuple[str, Any, str]] = []
    for path in files:
        rel = rel_path(path, cfg)
        found, comments, bad = _load(path, rel)
        out += bad
        for pr in found:
            key = pr_key(pr)
            old = prs.get(key, {})
            prs[key] = {**old, **{k: v for k, v in pr.items() if v is not None or k not in old}}
            where.setdefault(key, rel)
        loose += [(kind, c, rel) for kind, c in comments]
    attached = {k: _embedded(pr) for k, pr in prs.items()}
    by_number: dict[int, list[Key]] = {}
    for key in prs:
        by_number.setdefault(key[1], []).append(key)
    for kind, comment, rel in loose:
        key = pr_key(comment)
        if key not in prs and len(by_number.get(key[1], [])) == 1 and not key[0]:
            key = by_number[key[1]][0]
        if key in prs:
            attached[key].append((kind, comment))
        else:
            out.append(Quarantine(SOURCE, rel, f"orphan {_WHAT[kind]} for PR #{key[1]}",
                                  id=f"{SOURCE}:{key[0]}#{key[1]}" if key[0] else ""))
    out += [_safe_record(prs[k], where[k], attached[k], cfg) for k in sorted(prs)]
    return out


def _text(r: random.Random, n: int) -> str:
    return " ".join(r.choice(WORDS) for _ in range(n))


def _user(r: random.Random) -> dict[str, Any]:
    if r.random() < 0.05:
        return {"login": "dependabot[bot]", "type": "Bot"}
    return {"login": f"dev{r.randint(1, 40)}", "type": "User"}


def make_export(out: Path, mb: float, seed: int = 0, per_file: int = 150) -> int:
    """An export of about ``mb`` MB: PRs of two repos (shared numbers), reviews, review comments
    and issue comments shuffled over many files, PRs exported twice, repo-less comments matched
    by number (unique and ambiguous), orphans, embedded comments and broken files."""
    r = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    items: list[tuple[str, dict[str, Any]]] = []
    size, target, number, cid = 0, int(mb * 1_000_000), 0, 0
    while size < target:
        number, first = number + 1, len(items)
        repos = ["acme/ledger"] + (["acme/gateway"] if number % 3 == 0 else [])
        for repo in repos:
            pr = {"url": f"{API}/{repo}/pulls/{number}", "number": number, "state": "closed",
                  "title": _text(r, 6), "body": f"#### Why\n{_text(r, r.randint(20, 200))}",
                  "user": _user(r), "merged_at": r.choice([None, "2024-04-01T10:00:00Z"]),
                  "created_at": f"2024-03-{r.randint(10, 28)}T10:00:00Z",
                  "html_url": f"https://github.com/{repo}/pull/{number}",
                  "base": {"ref": "main", "repo": {"full_name": repo}},
                  "head": {"ref": f"fix/{number}"}, "labels": [{"name": r.choice(WORDS)}]}
            if r.random() < 0.1:  # a hand-made export nests comments in the PR
                cid += 1
                pr["comments"] = [{"id": cid, "body": _text(r, 12), "user": _user(r),
                                   "created_at": "2024-03-30T11:00:00Z"}]
            items.append(("pulls", pr))
            if r.random() < 0.05:  # exported twice: later fields win, nulls don't erase
                items.append(("pulls", {**pr, "title": _text(r, 5), "body": None}))
            for _ in range(r.randint(0, 3)):
                cid += 1
                items.append(("reviews", {
                    "id": cid, "pull_request_url": f"{API}/{repo}/pulls/{number}",
                    "state": r.choice(["APPROVED", "COMMENTED", "CHANGES_REQUESTED"]),
                    "body": _text(r, r.randint(0, 30)), "user": _user(r),
                    "submitted_at": f"2024-03-31T{r.randint(10, 23)}:00:00Z"}))
            root = None
            for _ in range(r.randint(0, 4)):
                cid += 1
                items.append(("review_comments", {
                    "id": cid, "in_reply_to_id": root,
                    "pull_request_url": f"{API}/{repo}/pulls/{number}",
                    "diff_hunk": "@@ -1,3 +1,4 @@\n" + "\n".join(f"+{_text(r, 5)}" for _ in range(5)),
                    "path": "src/app.py", "line": r.randint(1, 300), "body": _text(r, 15),
                    "user": _user(r), "created_at": f"2024-03-31T{r.randint(10, 23)}:00:00Z"}))
                root = root or cid
            for _ in range(r.randint(0, 3)):
                cid += 1
                items.append(("issue_comments", {
                    "id": cid, "issue_url": f"{API}/{repo}/issues/{number}", "body": _text(r, 20),
                    "user": _user(r), "created_at": f"2024-03-31T{r.randint(10, 23)}:00:00Z"}))
        if r.random() < 0.08:  # no URL, only a number: joins when one repo has that PR
            cid += 1
            items.append(("reviews", {"id": cid, "pull_request_url": None, "number": number,
                                      "state": "APPROVED", "body": "LGTM by number",
                                      "user": _user(r), "submitted_at": "2024-04-01T09:00:00Z"}))
        if r.random() < 0.03:  # a comment for a PR nobody exported
            cid += 1
            items.append(("issue_comments", {"id": cid, "issue_url": f"{API}/acme/ledger/issues/"
                                             f"{900000 + number}", "body": "lost", "user": _user(r)}))
        size += sum(len(json.dumps(i)) for _, i in items[first:])
    r.shuffle(items)
    files = 0
    for start in range(0, len(items), per_file):
        chunk = items[start:start + per_file]
        kind = chunk[0][0]  # files are named by their first item; they mix kinds anyway
        (out / f"{kind}_{files:04d}.json").write_text(json.dumps([i for _, i in chunk], indent=1))
        files += 1
    (out / "broken.json").write_text('[{"number": 1,')
    (out / "latin1.json").write_bytes('[{"body": "caf\xe9"}]'.encode("latin-1"))
    (out / "junk.json").write_text('[{"hello": 1}, 3]')
    (out / "sub").mkdir(exist_ok=True)
    (out / "sub" / "hook.json").write_text(json.dumps({"action": "closed", "pull_request": {
        "url": f"{API}/acme/hooks/pulls/7", "number": 7, "title": "from a webhook", "head": {}}}))
    return files


def rows(items: list[Record | Quarantine]) -> list[str]:
    return sorted(json.dumps([type(x).__name__, x.to_dict()], sort_keys=True) for x in items)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("gh") / "github"
    make_export(raw, 1.5, seed=3, per_file=100)
    return raw


def test_fixture_export_covers_the_join_cases(export: Path) -> None:
    ref = reference_parse_dir(export, {})
    reasons = [q.reason for q in ref if isinstance(q, Quarantine)]
    records = [x for x in ref if isinstance(x, Record)]
    assert len(list(export.glob("*.json"))) > 25 and len(records) > 400
    assert any(q.startswith("orphan review for PR #") for q in reasons)  # ambiguous number
    assert any(q.startswith("orphan issue comment for PR #9") for q in reasons)
    assert any("LGTM by number" in x.text for x in records)  # matched by number
    assert any(q.startswith("invalid JSON") for q in reasons)
    assert any(q.startswith("not UTF-8") for q in reasons)
    assert any(q.startswith("item 1: not a pull request") for q in reasons)


@pytest.mark.parametrize("bucket_bytes", [github.BUCKET_BYTES, 50_000, 2_000])
def test_streaming_join_matches_the_in_memory_join(export: Path, bucket_bytes: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github, "BUCKET_BYTES", bucket_bytes)
    monkeypatch.setattr(github, "BUFFER_BYTES", 100_000)  # many flushes, appends to each bucket
    got = list(github.parse_dir(export, {}))
    assert rows(got) == rows(reference_parse_dir(export, {}))


def test_one_bucket_keeps_the_old_order(export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(github, "BUCKET_BYTES", 10**12)
    got = [x.to_dict() for x in github.parse_dir(export, {})]
    ref = reference_parse_dir(export, {})
    bad = [x for x in ref if isinstance(x, Quarantine) and not x.reason.startswith("orphan")]
    orphans = [x for x in ref if isinstance(x, Quarantine) and x.reason.startswith("orphan")]
    records = [x for x in ref if isinstance(x, Record)]
    assert got == [x.to_dict() for x in bad + records + orphans]


def test_spill_files_are_removed(export: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    items = github.parse_dir(export, {})
    next(items)
    assert [p.name for p in tmp_path.iterdir()][0].startswith("alchemy-github-")
    items.close()  # a consumer that stops early still cleans up
    assert list(tmp_path.iterdir()) == []


def test_buckets_go_to_the_spill_dir(export: Path, tmp_path: Path) -> None:
    items = github.parse_dir(export, {"spill_dir": str(tmp_path)})
    next(items)
    assert [p.name for p in tmp_path.iterdir()][0].startswith("alchemy-github-")
    items.close()
    assert list(tmp_path.iterdir()) == []


def test_peak_memory_is_a_bucket_not_the_folder(tmp_path: Path) -> None:
    raw = tmp_path / "github"
    make_export(raw, 30, seed=1, per_file=400)
    data = sum(p.stat().st_size for p in raw.rglob("*.json"))
    gc.collect()
    tracemalloc.start()
    try:
        n = sum(isinstance(x, Record) for x in github.parse_dir(raw, {}))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data > 25_000_000 and n > 5000
    assert peak < data / 3, f"peak {peak / 1e6:.1f} MB for {data / 1e6:.1f} MB of exports"


@pytest.mark.parametrize("split", [1, 200_000])
def test_split_passes_match_parse_dir_in_any_task_order(export: Path, tmp_path: Path, split: int,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The Python engine's parallel form: scatter units (one file each, or several) and one join
    unit per bucket, run in reverse order as a pool may finish them, give parse_dir's items."""
    from alchemy.engines.units import join_units, parse_unit, plan_units

    monkeypatch.setattr(github, "BUCKET_BYTES", 50_000)
    files = [str(p) for p in github.list_files(export)]
    units = plan_units({"github": {"raw_dir": str(export), "files": files}}, split=split)
    assert all(u.step == "scatter" for u in units) and (len(units) == len(files)) == (split == 1)
    assert [f for u in units for f in u.files] == files
    scfg = {"raw_dir": str(export), "spill_dir": str(tmp_path)}
    got = [x for u in reversed(units) for x in parse_unit(u, scfg)]
    joins = join_units(units, tmp_path)
    assert len(joins) > 5
    got += [x for u in reversed(joins) for x in parse_unit(u, scfg)]
    assert rows(got) == rows(github.parse_dir(export, {}))
