"""A labelled corpus for the sanitizer: planted secrets and PII in realistic contexts, plus decoys.

Each document is a runbook, a config file (YAML, .env, JSON, INI, XML), a chat export, a commit
(message and diff) or a ticket. Every planted value is recorded with its type, and so is every
decoy (a value of a "do not mask" kind: git SHA, UUID, version, docker digest, Jira key,
timestamp, port, file path, placeholder, env reference, lock-file hash). Deterministic per seed.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass, field

from benchmarks.sanitize_decoys import DECOYS
from benchmarks.sanitize_values import SECRETS

FIRST = [
    "Priya",
    "Tomás",
    "Hannah",
    "Kwame",
    "Sofia",
    "Liam",
    "Noor",
    "Mei",
    "Jonas",
    "Amara",
    "Diego",
    "Olga",
]
LAST = ["Raman", "Novak", "Becker", "Mensah", "Rossi", "O'Connor", "Haddad", "Tanaka", "Lindqvist", "Okafor"]
SERVICES = [
    "ledger-service",
    "gateway-api",
    "risk-engine",
    "payout-scheduler",
    "notify-hub",
    "merchant-portal",
]
PROSE = [
    "The {svc} deploy was rolled back after the error rate passed two percent.",
    "We agreed to move the reconciliation job to the night window to avoid lock contention.",
    "Latency on {svc} doubled after the connection pool was shrunk; restoring the old size fixed it.",
    "Please review the alert thresholds before Friday, the on-call rota changes next week.",
    "The root cause was a retry storm between {svc} and the database proxy.",
    "Canary analysis passed, so the rollout continues to the remaining regions.",
    "Settlement files are generated at 02:00 UTC and uploaded to the partner bank.",
    "Idempotency keys are stored for 24 hours, duplicates inside that window are rejected.",
]


@dataclass
class Doc:
    id: str
    kind: str
    text: str
    secrets: list[tuple[str, str]] = field(default_factory=list)  # (type, value) that must vanish
    decoys: list[tuple[str, str]] = field(default_factory=list)  # (kind, value) that must survive
    people: list[str] = field(default_factory=list)  # names structured data gives (meta.people)


def _prose(r: random.Random, n: int) -> str:
    return " ".join(r.choice(PROSE).format(svc=r.choice(SERVICES)) for _ in range(n))


def _wrap(r: random.Random, kind: str, lines: list[str], person: str, prose: int = 2) -> str:
    """Put the planted lines into the shape of one kind of document (prose: filler sentences)."""
    body = "\n".join(lines)
    if prose > 2:
        body = "\n".join(ln + ("\n" + _prose(r, 1) if i % 2 else "") for i, ln in enumerate(lines))
        body += "\n" + "\n\n".join(_prose(r, 4) for _ in range(prose // 4))
    if kind == "runbook":
        steps = f"## Steps\n\n```\n{body}\n```"
        return f"# {r.choice(SERVICES)} runbook\n\n{_prose(r, 2)}\n\n{steps}\n\n{_prose(r, 2)}\n"
    if kind == "config":
        return f"# generated for {r.choice(SERVICES)}\n{body}\n"
    if kind == "chat":
        ts = [
            f"[{9 + i // 60:02d}:{i % 60:02d}] {person.split()[0].lower()}: {ln}"
            for i, ln in enumerate(lines)
        ]
        return "\n".join(ts) + f"\n[10:59] ops-bot: {_prose(r, 1)}\n"
    if kind == "commit":
        diff = "\n".join("+" + ln for ln in lines)
        return (
            f"Fix {r.choice(SERVICES)} retry handling\n\n{_prose(r, 1)}\n\nSigned-off-by: {person}\n\n"
            f"diff --git a/config/app.yaml b/config/app.yaml\n@@ -1,4 +1,6 @@\n{diff}\n"
        )
    return f"h2. Summary\n{_prose(r, 2)}\n\nh2. Details\n{body}\n\nReported by {person}. {_prose(r, 1)}\n"


def make_corpus(n_docs: int = 400, seed: int = 7, per_doc: int = 6, prose: int = 2) -> list[Doc]:
    """n_docs documents, each with per_doc planted values, as many decoys, and filler prose."""
    r = random.Random(seed)
    kinds = ["runbook", "config", "chat", "commit", "ticket"]
    families = sorted(SECRETS)
    decoy_kinds = sorted(DECOYS)
    docs = []
    for i in range(n_docs):
        kind = kinds[i % len(kinds)]
        person = f"{r.choice(FIRST)} {r.choice(LAST)}"
        doc = Doc(f"doc-{i:05d}", kind, "", people=[person])
        lines = []
        for j in range(per_doc):
            fam = families[(i * per_doc + j) % len(families)]
            line, planted = SECRETS[fam](r)
            lines.append(line)
            doc.secrets += planted
            dk = decoy_kinds[(i * per_doc + j) % len(decoy_kinds)]
            line, kept = DECOYS[dk](r)
            lines.append(line)
            doc.decoys += kept
        r.shuffle(lines)
        doc.text = _wrap(r, kind, lines, person, prose)
        doc.secrets.append(("PERSON", person))
        docs.append(doc)
    return docs


def rand(r: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def b64json(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


if __name__ == "__main__":
    for d in make_corpus(3, per_doc=3):
        print(d.text, d.secrets, d.decoys, sep="\n")
