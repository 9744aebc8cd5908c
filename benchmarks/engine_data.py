"""Generate N MB of realistic raw exports (Jira v2 search pages, Confluence REST pages, GitHub
PRs) with planted secrets/PII, re-exported issues, exact and near duplicates.

Used by the engine benchmarks and by the parity tests (small N). Deterministic for a seed.
``--shape lean`` writes only the fields the parsers read (prose is ~75% of the bytes);
``--shape rest`` wraps the same items in every field the REST APIs return (``rest_shapes.py``;
prose ~28% of the bytes, still above the 0.4-9% of the public payloads in shared/realdata).

    .venv/bin/python benchmarks/engine_data.py OUT_DIR --mb 10 [--seed 0] [--shape rest]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rest_shapes import SHAPES  # noqa: E402

SERVICES = ["ledger-service", "gateway-api", "payout-scheduler", "risk-engine", "notify-hub",
            "merchant-portal", "fx-rates", "audit-log", "card-vault", "settlement-batch"]
STORES = ["PostgreSQL 15", "Redis 7", "Kafka", "S3", "DynamoDB", "Elasticsearch 8"]
PEOPLE = ["Priya Raman", "Jonas Lindqvist", "Mei Tanaka", "Sofia Rossi", "Amara Okafor",
          "Diego Fernandez", "Hannah Becker", "Liam O'Connor", "Kwame Mensah", "Tomas Novak",
          "Aiko Suzuki", "Lars Berg", "Nadia Haddad", "Owen Price", "Ravi Menon", "Elena Petrova"]
VERBS = ["times out", "returns 502", "drops messages", "leaks connections", "retries twice",
         "logs the full payload", "double-posts refunds", "stalls under load", "skips a batch"]
ACTIONS = ["raise the pool size to {n}", "add an index on ({a}, {b})", "move the cron to {h}:00 UTC",
           "cap retries at {n}", "roll back to {v}", "enable the circuit breaker",
           "shard the table by merchant_id", "pin the client to {v}", "set the timeout to {n} s"]
WORDS = ("the a we it this that after before during because so then now also only every "
         "deploy release rollback incident alert metric latency p99 error budget queue worker "
         "pod node cluster config secret token cache index query schema migration batch job "
         "merchant payout refund ledger journal entry balance currency rate settlement report "
         "runbook owner team on-call page dashboard trace log span sample threshold window").split()


def _sentence(r: random.Random) -> str:
    svc, svc2 = r.sample(SERVICES, 2)
    act = r.choice(ACTIONS).format(n=r.randint(2, 500), a=r.choice(["merchant_id", "created_at"]),
                                   b=r.choice(["status", "currency"]), h=r.randint(0, 23),
                                   v=f"{r.randint(1, 4)}.{r.randint(0, 30)}.{r.randint(0, 9)}")
    filler = " ".join(r.choice(WORDS) for _ in range(r.randint(6, 16)))
    return r.choice([
        f"{svc} {r.choice(VERBS)} when {svc2} is slow; {filler}.",
        f"We decided to {act} for {svc}, {filler}.",
        f"Since {r.randint(2019, 2025)}-{r.randint(1, 12):02d} {svc} stores {filler} in {r.choice(STORES)}.",
        f"{r.choice(PEOPLE)} confirmed that {svc} {r.choice(VERBS)} and will {act}.",
        f"Runbook: {filler}, then {act}.",
    ])


def _secret(r: random.Random) -> str:
    first, last = r.choice(PEOPLE).lower().replace("'", "").split(" ", 1)
    return r.choice([
        f"Contact {first}.{last}@example-corp.com for access.",
        f"The box at 10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)} was rebooted.",
        f"Call +44 20 7946 {r.randint(1000, 9999)} if the page does not ack.",
        "The old key AKIA" + "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
        + " was rotated.",
    ])


def _paragraphs(r: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        para = " ".join(_sentence(r) for _ in range(r.randint(2, 5)))
        if r.random() < 0.15:
            para += " " + _secret(r)
        out.append(para)
    return out


def _user(name: str) -> dict[str, Any]:
    return {"accountId": f"acc-{zlib.crc32(name.encode()) % 10**8}", "displayName": name,
            "emailAddress": name.lower().replace(" ", ".").replace("'", "") + "@example-corp.com"}


def jira_issue(r: random.Random, key: str) -> dict[str, Any]:
    paras = _paragraphs(r, r.randint(2, 6))
    desc = "h2. Context\r\n" + "\r\n\r\n".join(paras[:-1]) + "\r\n\r\nh2. Plan\r\n* " + paras[-1]
    comments = [{"id": str(i), "author": _user(r.choice(PEOPLE)), "created": "2024-03-01T10:00:00.000+0000",
                 "body": " ".join(_paragraphs(r, 1))} for i in range(r.randint(0, 4))]
    if r.random() < 0.1:
        comments.append({"id": "99", "author": _user(r.choice(PEOPLE)),
                         "created": "2024-03-02T10:00:00.000+0000",
                         "body": "Thanks, looks good.\r\n\r\nSent from my iPhone"})
    return {"id": str(r.randint(10000, 99999)), "key": key, "self": "https://acme.atlassian.net/rest/api/2/issue/1",
            "fields": {"summary": _sentence(r)[:90], "description": desc,
                       "issuetype": {"name": r.choice(["Bug", "Story", "Task"])},
                       "status": {"name": r.choice(["Done", "Open", "In Progress"])},
                       "priority": {"name": "Medium"}, "labels": [r.choice(SERVICES)],
                       "project": {"key": key.split("-")[0]},
                       "reporter": _user(r.choice(PEOPLE)), "assignee": _user(r.choice(PEOPLE)),
                       "created": "2024-02-01T09:00:00.000+0000", "comment": {"comments": comments}}}


def confluence_page(r: random.Random, pid: int) -> dict[str, Any]:
    paras = _paragraphs(r, r.randint(4, 12))
    html = "".join(f"<h2>{_sentence(r)[:50]}</h2><p>{p}</p>" if i % 3 == 0 else f"<p>{p}</p>"
                   for i, p in enumerate(paras))
    html += "<ul>" + "".join(f"<li>{_sentence(r)}</li>" for _ in range(r.randint(1, 5))) + "</ul>"
    title = f"{r.choice(SERVICES)} {r.choice(['runbook', 'design', 'FAQ'])} {pid}"
    return {"id": str(pid), "type": "page", "title": title,
            "space": {"key": "ENG", "name": "Engineering"}, "ancestors": [{"title": "Engineering Home"}],
            "version": {"by": {"displayName": r.choice(PEOPLE)}, "when": "2024-05-01T10:00:00.000Z",
                        "number": 3},
            "body": {"storage": {"value": html, "representation": "storage"}},
            "_links": {"webui": f"/spaces/ENG/pages/{pid}"}}


def github_pr(r: random.Random, number: int) -> dict[str, Any]:
    body = "#### What\n" + "\n\n".join(_paragraphs(r, r.randint(2, 5))) + "\n\n#### Why\n" + _sentence(r)
    login = r.choice(PEOPLE).split()[0].lower() + "-acme"
    return {"number": number, "state": "closed", "title": _sentence(r)[:80], "body": body,
            "user": {"login": login, "type": "User"}, "merged_at": "2024-04-01T10:00:00Z",
            "created_at": "2024-03-30T10:00:00Z", "html_url": f"https://github.com/acme/platform/pull/{number}",
            "base": {"ref": "main", "repo": {"full_name": "acme/platform"}}, "head": {"ref": f"fix/{number}"},
            "labels": [{"name": "bug"}]}


def _near(r: random.Random, text: str) -> str:
    """A near duplicate: about 1% of the words replaced."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 100)):
        words[r.randrange(len(words))] = r.choice(WORDS)
    return " ".join(words)


def text_bytes(src: str, item: dict[str, Any]) -> int:
    """UTF-8 bytes of an item's prose (title, description or body, comments): what gets cleaned."""
    if src == "jira":
        f = item["fields"]
        parts = [f["summary"], f["description"], *(c["body"] for c in f["comment"]["comments"])]
    elif src == "confluence":
        parts = [item["title"], item["body"]["storage"]["value"]]
    else:
        parts = [item["title"], item["body"]]
    return sum(len(p.encode("utf-8")) for p in parts)


def generate(out: Path, mb: float, seed: int = 0, dup_rate: float = 0.05, near_rate: float = 0.05,
             file_mb: float = 1.0, shape: str = "lean") -> dict[str, int]:
    """Write about ``mb`` MB of exports under out/{jira,confluence,github}; return the counts.

    ``shape="lean"``: only the fields the parsers read (prose ~75% of the bytes). ``"rest"``: the
    same items with every field the real APIs return around them (``rest_shapes.py``).
    """
    if shape not in ("lean", "rest"):
        raise ValueError(f"shape must be lean or rest, not {shape!r}")
    r = random.Random(seed)
    for name in ("jira", "confluence", "github"):
        (out / name).mkdir(parents=True, exist_ok=True)
    budget, target = 0, int(mb * 1_000_000)
    counts = {"jira": 0, "confluence": 0, "github": 0, "exact": 0, "near": 0, "reexport": 0, "files": 0,
              "text_bytes": 0}
    pools: dict[str, list[dict[str, Any]]] = {"jira": [], "confluence": [], "github": []}
    next_id = {"jira": 1, "confluence": 100000, "github": 1}
    fileno = 0
    while budget < target:
        src = r.choices(["jira", "confluence", "github"], weights=[4, 3.5, 2.5])[0]
        items, size = [], 0
        while size < file_mb * 1_000_000 and budget + size < target:
            roll, pool = r.random(), pools[src]
            if pool and roll < dup_rate:  # exact duplicate text (Confluence: copy to a new page id)
                old = json.loads(json.dumps(r.choice(pool)))
                if src == "jira":  # the same issue exported twice: superseded, same id
                    counts["reexport"] += 1
                elif src == "confluence":
                    old["id"] = str(next_id[src])
                    old["_links"] = {"webui": f"/spaces/ENG/pages/{old['id']}"}
                    counts["exact"] += 1
                else:
                    old["number"] = next_id[src]
                    counts["near"] += 1  # "PR #n" differs: a near duplicate
                next_id[src] += src != "jira"
                item = old
            elif pool and roll < dup_rate + near_rate:
                item = json.loads(json.dumps(r.choice(pool)))
                if src == "jira":
                    item["key"] = f"PAY-{next_id[src]}"
                    item["fields"]["description"] = _near(r, item["fields"]["description"])
                elif src == "confluence":
                    item["id"] = str(next_id[src])
                    item["body"]["storage"]["value"] = _near(r, item["body"]["storage"]["value"])
                else:
                    item["number"] = next_id[src]
                    item["body"] = _near(r, item["body"])
                next_id[src] += 1
                counts["near"] += 1
            else:
                n = next_id[src]
                next_id[src] += 1
                if src == "jira":
                    item = jira_issue(r, f"PAY-{n}")
                else:
                    item = confluence_page(r, n) if src == "confluence" else github_pr(r, n)
                if len(pool) < 200:
                    pool.append(item)
                elif r.random() < 0.2:
                    pool[r.randrange(len(pool))] = item
            counts["text_bytes"] += text_bytes(src, item)
            item = SHAPES[src](item) if shape == "rest" else item
            items.append(item)
            counts[src] += 1
            size += len(json.dumps(item))
        fileno += 1
        payload: Any = {"jira": {"startAt": 0, "total": len(items), "issues": items},
                        "confluence": {"results": items, "_links": {"base": "https://acme.atlassian.net/wiki"}},
                        "github": items}[src]
        data = json.dumps(payload, indent=1)
        (out / src / f"{src}_{fileno:05d}.json").write_text(data, encoding="utf-8")
        budget += len(data.encode())
        counts["files"] += 1
    counts["bytes"] = budget
    return counts


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--mb", type=float, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shape", choices=["lean", "rest"], default="lean")
    args = ap.parse_args()
    print(json.dumps(generate(args.out, args.mb, args.seed, shape=args.shape)))
