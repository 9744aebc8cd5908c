"""Evaluation on the real labelled samples in ../shared/realdata (read in place, never copied).

gitleaks: each rule's literal true-positive and false-positive strings. A true positive is
caught when the sanitizer masks something in it; a false positive is right when it masks
nothing. "in scope" keeps the rules for the families alchemy claims (cloud, VCS, CI/package,
chat, provider/LLM keys, JWT, PEM, URL/header/assignment credentials); the rest are services
it has no format for (Adobe, Okta, Sumo Logic, ...), where only the generic rules can help.

presidio: 1,500 synthetic sentences with labelled PII spans; recall per type for the types
alchemy detects (a labelled value is gone from the output), and how many of our PII masks hit
no labelled span at all.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from alchemy.sanitize import SanitizeContext

IN_SCOPE = (
    "aws",
    "gcp",
    "azure",
    "github",
    "gitlab",
    "npm",
    "pypi",
    "docker",
    "slack",
    "discord",
    "microsoft-teams",
    "stripe",
    "openai",
    "anthropic",
    "huggingface",
    "jwt",
    "private-key",
    "curl-auth",
    "generic-api-key",
    "sidekiq-sensitive-url",
)
PRESIDIO = {
    "EMAIL_ADDRESS": "EMAIL",
    "PHONE_NUMBER": "PHONE",
    "CREDIT_CARD": "CARD",
    "IBAN_CODE": "IBAN",
    "US_SSN": "SSN",
    "IP_ADDRESS": "IP",
    "PERSON": "PERSON",
}


def _detect_secrets_files(texts: list[str]) -> list[bool]:
    """detect-secrets as its CLI scans files (default plugins and filters), one file per sample."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    with tempfile.TemporaryDirectory() as tmp, default_settings():
        paths = []
        for i, t in enumerate(texts):
            p = Path(tmp) / f"sample{i}.txt"
            p.write_text(t, encoding="utf-8")
            paths.append(str(p))
        coll = SecretsCollection()
        for p in paths:
            coll.scan_file(p)
        return [bool(coll.data.get(p)) for p in paths]


def gitleaks_eval(path: Path, cfg: dict[str, Any], compare: bool = True) -> dict[str, Any]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    ctx = SanitizeContext({**cfg, "pii": False, "names": False})
    out: dict[str, Any] = {}
    results = {"ours": [bool(ctx.spans(r["text"])) for r in rows]}
    if compare:
        results["detect_secrets"] = _detect_secrets_files([r["text"] for r in rows])
    for name, hits in results.items():
        c: Counter[str] = Counter()
        missed: Counter[str] = Counter()
        for r, hit in zip(rows, hits, strict=True):
            scope = "in_scope" if r["rule_id"].startswith(IN_SCOPE) else "other"
            ok = hit if r["label"] == "tp" else not hit
            for s in (scope, "all"):
                c[f"{s}_{r['label']}"] += 1
                c[f"{s}_{r['label']}_ok"] += ok
            if not ok and name == "ours":
                missed[f"{r['label']}:{r['rule_id']}"] += 1
        out[name] = {
            s: {
                "tp_recall": _ratio(c[f"{s}_tp_ok"], c[f"{s}_tp"]),
                "fp_kept": _ratio(c[f"{s}_fp_ok"], c[f"{s}_fp"]),
                "n_tp": c[f"{s}_tp"],
                "n_fp": c[f"{s}_fp"],
            }
            for s in ("in_scope", "all")
        }
        if name == "ours":
            out["ours_errors"] = dict(missed.most_common(25))
    return out


def presidio_eval(path: Path, cfg: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    ctx = SanitizeContext({**cfg, "secrets": False, "names": False})
    hit, tot, spurious, ours = Counter(), Counter(), Counter(), 0
    for sample in data:
        text = sample["full_text"]
        spans = ctx.spans(text)
        ours += len(spans)
        labelled = [(s["start_position"], s["end_position"], s["entity_type"]) for s in sample["spans"]]
        for a, b, kind, _ in spans:
            if not any(a < lb and la < b for la, lb, _ in labelled):
                spurious[kind] += 1
        for la, lb, etype in labelled:
            kind = PRESIDIO.get(etype)
            if kind is None or kind == "PERSON":
                continue
            tot[kind] += 1
            covered = sum(min(b, lb) - max(a, la) for a, b, _, _ in spans if a < lb and la < b)
            hit[kind] += covered >= 0.8 * (lb - la)
    return {
        "recall": {k: _ratio(hit[k], tot[k]) for k in sorted(tot)},
        "n": dict(sorted(tot.items())),
        "recall_all": _ratio(sum(hit.values()), sum(tot.values())),
        "masks": ours,
        "masks_on_unlabelled_text": dict(spurious),
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def payload_throughput(realdata: Path, sample: Path, cfg: dict[str, Any], gate: str) -> dict[str, Any]:
    """MB/s (CPU time, best of 3) on real API payloads as raw text: the realdata Jira/GitHub/
    Confluence fixtures and the sample company's raw JSON. Realistic density of secrets and PII."""
    import time

    from alchemy.records import Record
    from alchemy.sanitize import Numberer

    files = [p for d in ("jira", "github_pr", "confluence") for p in sorted((realdata / d).glob("*"))]
    files += sorted(sample.rglob("*.json"))
    recs = [Record(f"r{i}", "x", "x", "", p.read_text(encoding="utf-8", errors="replace"))
            for i, p in enumerate(files)]
    mb = sum(len(r.text.encode()) for r in recs) / 1e6
    ctx = SanitizeContext({**cfg, "leak_gate": gate})
    ctx.sanitize_record(recs[0])  # build detectors and the gate scanner outside the timing
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        numberer = Numberer()
        for r in recs:
            numberer.record(ctx.sanitize_record(r).record)
        best = min(best, time.process_time() - t0)
    return {"files": len(recs), "mb": round(mb, 3), "gate": gate, "mb_per_s_cpu": round(mb / best, 2)}
