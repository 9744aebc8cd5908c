"""The clean pass's record steps, timed one by one on the generated 10 MB exports.

Parses the exports (engine_data.py, seed 10) as the Python engine's parse pass does, then
times ``prepare``, each phase-1 step and ``phase1_batch`` as a whole (sanitizer off, and the
default sanitizer with leak_gate none) in CPU seconds of this process, median of ``--repeat``,
per-process caches emptied before each run. MB/s is prepared record JSON per CPU second.
``--rows`` caches the parsed corpus, so parser changes do not move the inputs. ``--dump
PREFIX`` writes every record's phase-1 outputs (p1 JSON, reason, exact key, signature, band
keys; also for odd variants that reach every filter) and ``prepare`` outputs to
PREFIX.*.jsonl, so a change can be checked byte for byte.

    .venv/bin/python -m benchmarks.phase1_bench [--rows /tmp/corpus.json] [--dump /tmp/p1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from alchemy.cleaning import minhash
from alchemy.cleaning.boilerplate import strip_boilerplate
from alchemy.cleaning.options import CleanOptions, clean_options
from alchemy.cleaning.pipeline import decode, encode, final_line, phase1_batch, prepare
from alchemy.cleaning.quality import quality_reason
from alchemy.cleaning.text import exact_key
from alchemy.config import CONF_DIR, register_configs
from alchemy.engines.units import parse_unit, plan_units, source_configs
from alchemy.records import Record
from alchemy.sanitize import Numberer, SanitizeContext, checks, keys, people_of
from alchemy.sanitize.tokens import render

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("jira", "confluence", "github")
KEY = b"phase1-bench-key"  # a fixed HMAC key: dumps of two runs compare byte for byte
FIRST = ("Anna", "Bruno", "Chen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas")


def config() -> Any:
    register_configs()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        return compose("config", overrides=[f"source=[{','.join(SOURCES)}]"])


@dataclass
class Corpus:
    rows: list[str]  # prepared record JSON in id order, one copy per id (as the engine)
    people: list[str]  # names from structured fields, for the sanitizer
    raw: list[str]  # the parsers' records before ``prepare`` (ASCII JSON: lone surrogates too)


def build(cfg: Any, data: Path, opts: CleanOptions) -> Corpus:
    """Parse every export as the engine's parse pass does (parser -> prepare -> entry)."""
    inventory = {s: {"raw_dir": str(data / s), "files": sorted(str(f) for f in (data / s).glob("*.json"))}
                 for s in SOURCES}
    scfgs = source_configs(cfg, inventory)
    people: set[str] = set()
    raw, found = [], []
    for unit in plan_units(inventory):
        for item in parse_unit(unit, scfgs[unit.source]):
            if isinstance(item, Record):
                raw.append(json.dumps(item.to_dict()))
                people.update(people_of(item.meta))
                rec = prepare(item, opts)
                found.append((rec.id, -len(rec.text), str(rec.meta.get("path") or ""), encode(rec)))
    rows, last = [], None
    for e in sorted(found):
        if e[0] != last:
            rows.append(e[3])
            last = e[0]
    return Corpus(rows, sorted(people), raw)


def load(cfg: Any, opts: CleanOptions, path: Path | None) -> Corpus:
    """The corpus from ``path`` when it exists (inputs frozen against parser changes), else parsed."""
    if path is not None and path.exists():
        return Corpus(**json.loads(path.read_text(encoding="utf-8")))
    src = ROOT / "outputs" / "bench-engines" / "data-10mb"
    if not (src / "done.json").exists():
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from engine_data import generate

        (src / "done.json").write_text(json.dumps(generate(src, 10, seed=10)))
    corpus = build(cfg, src, opts)
    if path is not None:
        path.write_text(json.dumps(vars(corpus)), encoding="utf-8")
    return corpus


def batches(rows: list[str], limit: int = 1_000_000) -> list[list[str]]:
    """Rows cut into batches as the Python engine cuts them (engine.batch_bytes)."""
    out: list[list[str]] = []
    size = limit
    for r in rows:
        if size >= limit:
            out.append([])
            size = 0
        out[-1].append(r)
        size += len(r)
    return out


EDGE = ("\u2003", "\x1c", "\x85", "\u3000", "\t", "\x0b", "\x7f", "\\u", "\u00a0", "\u200b")
ODD = (" ΟΔΥΣΣΕΥΣ ΣΑΣ", " İstanbul Straße", " \u212aelvin ﬁle", " 😀 \ud83d", " <PERSON> C:\\users\\x",
       " \ue000PERSON:" + "ab" * 16 + "\ue001", " \ue000 stray \ue001")
DISCLAIMERS = ("\n\nThis email is CONFİDENTIAL", "\n\nIf you are not the intended\nrecipient")
GERMAN = "Der Dienst ist nicht erreichbar und die Buchungen werden mit der Warteschlange geprüft. "


def _odd_meta(rec: Record, i: int) -> str:
    rec.meta["note"] = ODD[i % len(ODD)] + EDGE[i % len(EDGE)]
    text = rec.text.replace("\n", "\r\n", 3) + " Sent from my iPhone\n\nBest regards,\nJo"
    return text + DISCLAIMERS[i % 16 // 8]


VARIANTS: tuple[Callable[[Record, int], str], ...] = (
    lambda r, i: r.text[: 20 + i % 40] + ("\n\nSent from my iPhone" if i % 16 == 0 else ""),  # too short
    lambda r, i: GERMAN * (1 + i % 3) if i % 32 == 9 else "x" * 50 + " a b" if i % 16 == 1
    else " ".join(r.text.split()[: 1 + i % 6]),  # too few words, language
    lambda r, i: "!!! ### $$$ %%% ^^^ &&& " * (1 + i % 5) + r.text[:100],  # symbols
    lambda r, i: "\n".join([r.text[:40]] * (2 + i % 6) + [r.text[40:200]]),  # repeated lines
    lambda r, i: r.text.replace(" ", EDGE[i % len(EDGE)], 1 + i % 50),  # odd whitespace and escapes
    lambda r, i: (r.text.upper() if i % 2 else r.text) + ODD[i % len(ODD)],  # case, tokens, "<TYPE>"
    _odd_meta,  # non-ASCII meta, CR LF, boilerplate, disclaimers
    lambda r, i: "  " + r.text.lower().replace(" ", "  ") + " \n",  # an exact duplicate but for spaces
)


def edge_rows(rows: list[str], n: int = 300) -> list[str]:
    """Variants of the first records that reach every filter and odd whitespace, case and JSON."""
    out = []
    for i, row in enumerate(rows[:n]):
        rec = decode(row)
        rec.text = VARIANTS[i % len(VARIANTS)](rec, i)
        rec.id = f"edge:{i:04d}"
        out.append(encode(rec))
    return out


RAW_EDGE = ("\r\n", "\r", " \n", "\t\n", " \t \n", "\n\n\n\n", "\x00", "\x1f\x7f", "\u200b", "\u00a0",
            "e\u0301", "\ud83d", "\x0b\n\n\n", " \r\n\r\n\r\n")


def dump_prepare(path: Path, raw: list[str], opts: CleanOptions) -> None:
    """``prepare`` of every parsed record and of variants with odd line ends, controls, blanks."""
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
        for i, row in enumerate(raw):
            texts = [None] if i % 4 else [None, *(RAW_EDGE[(i + j) % len(RAW_EDGE)] for j in range(3))]
            for sep in texts:
                rec = Record.from_dict(json.loads(row))
                if sep is not None:
                    rec.text = sep + rec.text.replace("\n", sep, 1 + i % 20).replace(" ", sep, i % 3) + sep
                    rec.title = sep + rec.title
                fh.write(encode(prepare(rec, replace(opts, max_chars=1000 + i))) + "\n")


Step = tuple[Callable[[], Any] | None, Callable[[Any], Any]]  # (untimed setup, timed step)


def timed(step: Step, repeat: int) -> float:
    """Median CPU seconds; per-process caches emptied first: each run sees every word anew."""
    secs = []
    for _ in range(repeat):
        minhash._WORDS.clear()
        for fn in (checks.is_placeholder, checks.secret_like, keys.secret_key_name):
            fn.cache_clear()
        arg = step[0]() if step[0] else None
        t0 = time.process_time()
        step[1](arg)
        secs.append(time.process_time() - t0)
    return statistics.median(secs)


def steps(corpus: Corpus, opts: CleanOptions, on: SanitizeContext) -> dict[str, Step]:
    """Each record step alone, on the inputs it sees in phase 1 (sanitizer off; ``_on``: on)."""
    rows = corpus.rows
    recs = [decode(r) for r in rows]
    stripped = [strip_boilerplate(r.text)[0] for r in recs]
    shown = [render(t) for t in stripped]
    pairs = [(t, t.lower().split()) for t in shown]
    masked = [m for m in (on.sanitize_record(decode(r)).record for r in rows) if m is not None]
    a, b = opts.permutations()
    by_batch, pos = [], 0
    for batch in batches(rows):
        by_batch.append([t for t in shown[pos : pos + len(batch)] if quality_reason(t, opts) is None])
        pos += len(batch)
    sigs = [minhash.signatures(t, opts.shingle, a, b) for t in by_batch]
    raw = [Record.from_dict(json.loads(r)) for r in corpus.raw]
    p1s = [p for b in batches(rows) for p in phase1_batch(on, opts, b).p1 if p is not None]
    return {
        "prepare": (lambda: [Record(**vars(r)) for r in raw], lambda rs: [prepare(r, opts) for r in rs]),
        "decode": (None, lambda _: [decode(r) for r in rows]),
        "strip_boilerplate": (None, lambda _: [strip_boilerplate(r.text) for r in recs]),
        "lower_split": (None, lambda _: [t.lower().split() for t in shown]),
        "quality_reason": (None, lambda _: [quality_reason(t, opts) for t in shown]),
        "quality_words": (None, lambda _: [quality_reason(t, opts, w) for t, w in pairs]),
        "encode": (None, lambda _: [encode(r) for r in recs]),
        "encode_on": (None, lambda _: [encode(r) for r in masked]),
        "exact_key": (None, lambda _: [exact_key(t) for t in stripped]),
        "exact_key_on": (None, lambda _: [exact_key(r.text) for r in masked]),
        "batch_shingles": (None, lambda _: [minhash.batch_shingles(t, opts.shingle) for t in by_batch]),
        "signatures": (None, lambda _: [minhash.signatures(t, opts.shingle, a, b) for t in by_batch]),
        "band_keys": (None, lambda _: [minhash.band_keys(s, opts.bands, opts.rows) for s in sigs]),
        "final_line_on": (lambda: Numberer(on.mode), lambda nb: [final_line(nb, p) for p in p1s]),
    }


def dump(path: Path, ctx: SanitizeContext, opts: CleanOptions, rows: list[str], phase2: bool = False) -> None:
    """Every record's phase-1 outputs as one JSON line each (signature and bands as hex), and
    with ``phase2`` the line train.jsonl would get for it."""
    numberer = Numberer(ctx.mode)
    with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
        for batch in batches(rows):
            out = phase1_batch(ctx, opts, batch)
            for i, rid in enumerate(out.ids):
                p1 = out.p1[i]
                fh.write(json.dumps({
                    "id": rid, "source": out.sources[i], "path": out.paths[i], "reason": out.reasons[i],
                    "key": out.keys[i].tolist(), "sig": out.sigs[i].tobytes().hex(),
                    "bands": out.bands[i].tobytes().hex(), "p1": p1,
                    "final": final_line(numberer, p1) if phase2 and p1 else None}, ensure_ascii=False) + "\n")
            fh.write(json.dumps({"quarantine": out.quarantine, "stats": repr(vars(out.stats))}) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=Path, help="cache of the parsed corpus (read if it exists)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dump", help="write PREFIX.*.jsonl instead of timing")
    ap.add_argument("--only", nargs="*", help="time only these steps (phase1_off, phase1_on too)")
    ap.add_argument("--people", type=int, default=0,
                    help="add this many made-up names to the run's people list (a large org's Jira)")
    args = ap.parse_args()

    cfg = config()
    opts = clean_options(cfg.clean)
    corpus = load(cfg, opts, args.rows)
    rows = corpus.rows
    scfg = {**OmegaConf.to_container(cfg.sanitizer, resolve=True), "leak_gate": "none"}  # type: ignore[dict-item]
    people = corpus.people + [f"{FIRST[i % len(FIRST)]} Person{i:05d}" for i in range(args.people)]
    ctxs = {"off": SanitizeContext({**scfg, "enabled": False}), "on": SanitizeContext(scfg, people, key=KEY)}
    for ctx in ctxs.values():  # build detectors and scanners before anything is timed
        ctx.sanitize_record(Record("warm:up", "bench", "x", "", "warm up the detectors first"))
    if args.dump:
        loose = replace(opts, min_chars=1, min_words=1, languages=("en",))
        edge = rows[:400] + edge_rows(rows)
        for name, ctx in ctxs.items():
            dump(Path(f"{args.dump}.{name}.jsonl"), ctx, opts, rows)
            dump(Path(f"{args.dump}.edge-{name}.jsonl"), ctx, opts, edge, phase2=True)
            dump(Path(f"{args.dump}.loose-{name}.jsonl"), ctx, loose, edge)
        dump_prepare(Path(f"{args.dump}.prepare.jsonl"), corpus.raw, opts)
        return
    mb = sum(len(r.encode("utf-8")) for r in rows) / 1e6
    print(f"{len(rows)} records, {mb:.2f} MB of prepared record JSON, {len(people)} known names; "
          f"CPU s, median of {args.repeat}")
    todo = steps(corpus, opts, ctxs["on"])
    for name, ctx in ctxs.items():
        todo[f"phase1_{name}"] = (None, lambda _, c=ctx: [phase1_batch(c, opts, b) for b in batches(rows)])
    for name, step in todo.items():
        if args.only and name not in args.only:
            continue
        secs = timed(step, args.repeat)
        print(f"{name:18} {secs:7.3f} s {mb / secs:9.1f} MB/s")


if __name__ == "__main__":
    main()
