"""Sanitizer benchmark: recall, decoys kept and MB/s on the labelled corpus, side by side with
detect-secrets, plus the real labelled samples in ../shared/realdata (gitleaks rule samples,
presidio synthetic PII), and person-name precision/recall on a real-shaped git history.

    .venv/bin/python -m benchmarks.sanitize_bench              # about a minute on one core
    .venv/bin/python -m benchmarks.sanitize_bench --docs 2000 --json out.json

MB/s is input bytes per CPU second of this process (one core), so other load on the machine
does not skew it; detect-secrets is timed the same way.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from alchemy.config import SanitizerConfig, schema_dict
from alchemy.records import Record
from alchemy.sanitize import Numberer, SanitizeContext, checks, keys
from benchmarks.sanitize_corpus import Doc, make_corpus
from benchmarks.sanitize_names import name_eval
from benchmarks.sanitize_realdata import gitleaks_eval, payload_throughput, presidio_eval

CFG = schema_dict(SanitizerConfig, key_env="", leak_gate="none")
PII_TYPES = {"EMAIL", "PHONE", "IP", "CARD", "IBAN", "SSN", "PERSON"}


def run_ours(docs: list[Doc], gate: str = "none", repeat: int = 1) -> tuple[dict, float]:
    """Mask every doc (phase 1 + phase 2); return per-doc outputs' scores and seconds."""
    people = sorted({p for d in docs for p in d.people})
    ctx = SanitizeContext({**CFG, "leak_gate": gate}, people)
    records = [Record(d.id, "bench", d.kind, "", d.text, meta={"people": d.people}) for d in docs]
    ctx.sanitize_record(Record("warm:up", "bench", "x", "", "build detectors and the gate scanner first"))
    secs = 0.0
    for _ in range(repeat):
        _cold()
        t0 = time.process_time()
        numberer = Numberer(ctx.mode)
        outs = [numberer.record(ctx.sanitize_record(r).record).text for r in records]
        secs += time.process_time() - t0
    secs /= repeat
    return score(docs, outs, lambda doc, out, value: value not in out), secs


def _cold() -> None:
    """Empty the value caches, so a repeat measures first sight of every value, not lookups."""
    for fn in (checks.is_placeholder, checks.secret_like, keys.secret_key_name):
        fn.cache_clear()


def score(docs: list[Doc], outs: list, caught) -> dict:
    """Recall per type (a planted value is gone) and decoys kept per kind (a decoy is intact)."""
    hit, tot, kept, dtot = Counter(), Counter(), Counter(), Counter()
    for doc, out in zip(docs, outs, strict=True):
        for kind, value in doc.secrets:
            tot[kind] += 1
            hit[kind] += bool(caught(doc, out, value))
        for kind, value in doc.decoys:
            dtot[kind] += 1
            kept[kind] += value in (out if isinstance(out, str) else doc.text) and not _damaged(out, value)
    return {
        "recall": {k: hit[k] / tot[k] for k in sorted(tot)},
        "decoys": {k: kept[k] / dtot[k] for k in sorted(dtot)},
        "hit": hit,
        "tot": tot,
        "kept": kept,
        "dtot": dtot,
    }


def _damaged(out, value: str) -> bool:
    """For detect-secrets (which reports findings, not text): a finding overlaps the decoy."""
    if isinstance(out, str):
        return False
    return any(len(f) >= 6 and (f in value or value in f) for f in out)


def run_detect_secrets(docs: list[Doc]) -> tuple[dict, float]:
    """detect-secrets 1.x as its CLI scans files (default plugins and filters)."""
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    ext = {"config": ".env", "runbook": ".md", "commit": ".diff", "chat": ".txt", "ticket": ".txt"}
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for d in docs:
            p = Path(tmp) / f"{d.id}{ext[d.kind]}"
            p.write_text(d.text, encoding="utf-8")
            paths.append(str(p))
        t0 = time.process_time()
        with default_settings():
            coll = SecretsCollection()
            for p in paths:
                coll.scan_file(p)
        secs = time.process_time() - t0
        found = [[s.secret_value or "" for s in coll.data.get(p, set())] for p in paths]
    return score(docs, found, lambda doc, fs, v: any(len(f) >= 6 and (f in v or v in f) for f in fs)), secs


def summary(name: str, res: dict, secs: float, mb: float, only: set[str] | None = None) -> dict:
    types = [k for k in res["tot"] if only is None or k in only]
    recall = sum(res["hit"][k] for k in types) / max(1, sum(res["tot"][k] for k in types))
    decoys = sum(res["kept"].values()) / max(1, sum(res["dtot"].values()))
    return {
        "name": name,
        "recall": round(recall, 4),
        "decoys_kept": round(decoys, 4),
        "seconds": round(secs, 3),
        "mb_per_s": round(mb / secs, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-detect-secrets", action="store_true")
    ap.add_argument("--sparse-docs", type=int, default=1500, help="realistic-density corpus for MB/s")
    ap.add_argument("--realdata", default=str(Path(__file__).resolve().parents[2] / "shared" / "realdata"))
    ap.add_argument("--json")
    args = ap.parse_args()

    docs = make_corpus(args.docs)
    mb = sum(len(d.text.encode()) for d in docs) / 1e6
    secrets_only = {k for d in docs for k, _ in d.secrets} - PII_TYPES
    report: dict = {
        "corpus": {
            "docs": len(docs),
            "mb": round(mb, 3),
            "planted": sum(len(d.secrets) for d in docs),
            "decoys": sum(len(d.decoys) for d in docs),
        }
    }
    ours, secs = run_ours(docs, repeat=args.repeat)
    report["ours"] = summary("alchemy (gate off)", ours, secs, mb)
    report["ours_secrets_only"] = summary("alchemy, secret types", ours, secs, mb, secrets_only)
    _, gsecs = run_ours(docs, gate="auto", repeat=1)
    report["ours_with_gate"] = summary("alchemy + kingfisher gate", ours, gsecs, mb)
    report["ours_by_type"] = {k: round(v, 3) for k, v in ours["recall"].items()}
    report["ours_decoys_by_kind"] = {k: round(v, 3) for k, v in ours["decoys"].items()}
    if not args.no_detect_secrets:
        ds, dsecs = run_detect_secrets(docs)
        report["detect_secrets"] = summary("detect-secrets 1.5.0", ds, dsecs, mb, secrets_only)
        report["detect_secrets_by_type"] = {
            k: round(v, 3) for k, v in ds["recall"].items() if k in secrets_only
        }
        report["detect_secrets_decoys_by_kind"] = {k: round(v, 3) for k, v in ds["decoys"].items()}
    sparse = make_corpus(args.sparse_docs, seed=11, per_doc=2, prose=40)
    smb = sum(len(d.text.encode()) for d in sparse) / 1e6
    res, secs = run_ours(sparse)
    report["sparse"] = {
        "docs": len(sparse),
        "mb": round(smb, 2),
        **summary("alchemy (gate off)", res, secs, smb),
    }
    _, secs = run_ours(sparse, gate="auto")
    report["sparse_with_gate"] = summary("alchemy + kingfisher gate", res, secs, smb)
    if not args.no_detect_secrets:
        few = sparse[: max(1, len(sparse) // 10)]
        fmb = sum(len(d.text.encode()) for d in few) / 1e6
        ds, dsecs = run_detect_secrets(few)
        report["sparse_detect_secrets"] = summary("detect-secrets 1.5.0 (1/10)", ds, dsecs, fmb, secrets_only)
    report["names"] = name_eval(CFG)
    real = Path(args.realdata)
    if real.is_dir():
        sample = Path(__file__).resolve().parents[1] / "data" / "raw"
        report["payloads"] = [payload_throughput(real, sample, CFG, g) for g in ("none", "auto")]
        report["gitleaks"] = gitleaks_eval(real / "secrets" / "gitleaks_rule_samples_tp_fp.jsonl", CFG)
        report["presidio"] = presidio_eval(real / "pii" / "presidio-research__synth_dataset_v2.json", CFG)
    _print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, default=dict), encoding="utf-8")


def _print(report: dict) -> None:
    c = report["corpus"]
    print(f"corpus: {c['docs']} docs, {c['mb']} MB, {c['planted']} planted values, {c['decoys']} decoys")
    print(f"{'scanner':32} {'recall':>7} {'decoys kept':>12} {'MB/s':>8}")
    for key in (
        "ours",
        "ours_secrets_only",
        "ours_with_gate",
        "detect_secrets",
        "sparse",
        "sparse_with_gate",
        "sparse_detect_secrets",
    ):
        if key == "sparse":
            sp = report[key]
            print(f"realistic density: {sp['docs']} docs, {sp['mb']} MB, 1 planted value per ~2 KB")
        if key in report:
            r = report[key]
            print(f"{r['name']:32} {r['recall']:7.4f} {r['decoys_kept']:12.4f} {r['mb_per_s']:8.2f}")
    low = defaultdict(dict)
    for key in (
        "ours_by_type",
        "ours_decoys_by_kind",
        "detect_secrets_by_type",
        "detect_secrets_decoys_by_kind",
    ):
        for k, v in report.get(key, {}).items():
            if v < 1.0:
                low[key][k] = v
    for key, vals in low.items():
        print(f"  {key} below 1.0: {vals}")
    for p in report.get("payloads", []):
        print(f"real API payloads ({p['files']} files, {p['mb']} MB), gate {p['gate']}: "
              f"{p['mb_per_s_cpu']} MB/s")
    n = report["names"]
    print(f"person names ({n['authors']} authors, {n['commits']} commits): precision {n['precision']}, "
          f"recall {n['recall']}, name-word decoys kept {n['decoys_kept']}")
    for key in ("gitleaks", "presidio"):
        if key in report:
            print(f"{key}: {json.dumps(report[key])}")


if __name__ == "__main__":
    main()
