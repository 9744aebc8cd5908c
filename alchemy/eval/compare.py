"""Compare the jobs of a sweep: sweep_summary.csv, sweep_summary.md and sweep.png.

Reads every ``<sweep_dir>/<job>/report.json`` (and the job's ``.hydra/overrides.yaml``), ranks
the jobs by the adapter's held-out answer loss and lists failed jobs too, so one bad
combination is visible without hiding the others. Use it as a Hydra callback (runs when a
multirun ends) or by hand: ``alchemy-compare outputs/multirun/DATE/TIME``.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

COLUMNS = ["rank", "job", "overrides", "status", "facts_adapter", "facts_base",
           "facts_sources_adapter", "facts_sources_base", "train_loss", "eval_loss_base",
           "eval_loss_adapter", "loss_delta", "f1_adapter", "rouge_l_adapter",
           "text_ppl_adapter", "train_seconds"]


def _overrides(job: Path) -> str:
    path = job / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return ""
    lines = [ln.strip()[2:] for ln in path.read_text(encoding="utf-8").splitlines()
             if ln.strip().startswith("- ")]
    return " ".join(lines)


def _row(job: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"job": job.name, "overrides": _overrides(job)}
    report_path = job / "report.json"
    if not report_path.is_file():
        return row | {"status": "failed (no report.json)"}
    stages = json.loads(report_path.read_text(encoding="utf-8")).get("stages", {})
    errors = [f"{name}: {st['error']}" for name, st in stages.items() if "error" in st]
    train, ev = stages.get("train", {}), stages.get("eval", {})
    base, tuned = ev.get("base", {}), ev.get("adapter", {})
    return row | {
        "status": f"failed ({errors[0]})" if errors else "ok",
        "facts_adapter": tuned.get("fact_accuracy"),
        "facts_base": base.get("fact_accuracy"),
        "facts_sources_adapter": tuned.get("grounded_accuracy"),
        "facts_sources_base": base.get("grounded_accuracy"),
        "train_loss": train.get("train_loss"),
        "eval_loss_base": base.get("loss"),
        "eval_loss_adapter": tuned.get("loss"),
        "loss_delta": ev.get("loss_delta"),
        "f1_adapter": tuned.get("f1"),
        "rouge_l_adapter": tuned.get("rouge_l"),
        "text_ppl_adapter": tuned.get("text_perplexity"),
        "train_seconds": train.get("train_seconds"),
    }


def _key(row: dict[str, Any]) -> tuple:
    """Fact accuracy first (closed-book, then with sources), adapter eval loss as tie-break."""
    value = row.get("eval_loss_adapter")
    ok = row.get("status") == "ok" and isinstance(value, (int, float)) and math.isfinite(value)
    facts = -(row.get("facts_adapter") or 0.0), -(row.get("facts_sources_adapter") or 0.0)
    return (0, *facts, value) if ok else (1, 0.0, 0.0, math.inf)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def summarise(sweep_dir: Path) -> list[dict[str, Any]]:
    """Write the three summary files into `sweep_dir`; return the ranked rows."""
    sweep_dir = Path(sweep_dir)
    # A job folder has Hydra's .hydra/ (written at job start, so failed jobs count too);
    # anything else in the sweep folder (mlruns/, tensorboard/) is not a job.
    jobs = [p for p in sweep_dir.iterdir() if (p / ".hydra").is_dir()]
    rows = sorted((_row(j) for j in jobs), key=lambda r: (_key(r), r["job"]))
    # Show what the jobs differ in: overrides every job shares are noise in the table.
    common = set.intersection(*(set(r["overrides"].split()) for r in rows)) if rows else set()
    for row in rows:
        row["overrides"] = " ".join(o for o in row["overrides"].split() if o not in common)
    for i, row in enumerate(rows, 1):
        row["rank"] = i if _key(row)[0] == 0 else None
    with (sweep_dir / "sweep_summary.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    md = ["| " + " | ".join(COLUMNS) + " |", "|" + " --- |" * len(COLUMNS)]
    md += ["| " + " | ".join(_fmt(r.get(c)).replace("|", "\\|") for c in COLUMNS) + " |"
           for r in rows]
    (sweep_dir / "sweep_summary.md").write_text(
        "# Sweep summary (ranked by the adapter's fact accuracy, closed-book then with "
        "sources; adapter eval loss breaks ties)\n\n" + "\n".join(md) + "\n",
        encoding="utf-8")
    _plot(rows, sweep_dir / "sweep.png")
    log.info("sweep summary: %d jobs (%d failed) -> %s", len(rows),
             sum(r["status"] != "ok" for r in rows), sweep_dir / "sweep_summary.md")
    return rows


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    from alchemy.eval.plots import _pyplot

    ranked = [r for r in rows if r.get("rank")]
    plt = _pyplot()
    if plt is None or not ranked:
        return
    labels = [r["overrides"] or r["job"] for r in ranked]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(ranked) + 1.5))
    ax.barh(labels[::-1], [r["eval_loss_adapter"] for r in ranked][::-1], color="#2f7ed8")
    base = ranked[0].get("eval_loss_base")
    if isinstance(base, (int, float)):
        ax.axvline(base, color="#9aa5b1", linestyle="--", label="base model")
        ax.legend(fontsize=8)
    ax.set(xlabel="held-out answer loss (lower is better)", title="sweep: runs ranked")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


try:  # the Hydra callback; hydra is a core dependency, the guard keeps this module standalone
    from hydra.experimental.callback import Callback
except ImportError:  # pragma: no cover
    Callback = object  # type: ignore[assignment,misc]


class SweepSummary(Callback):  # type: ignore[misc]
    """``hydra.callbacks.sweep_summary._target_: alchemy.eval.compare.SweepSummary``."""

    def on_multirun_end(self, config: Any, **_kw: Any) -> None:
        try:
            summarise(Path(config.hydra.sweep.dir))
        except Exception as exc:  # noqa: BLE001 - a summary must never fail a finished sweep
            log.warning("sweep summary failed: %s", exc)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alchemy-compare", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Compare the jobs of a sweep (alchemy -m ...): rank them by the adapter's\n"
        "held-out answer loss, list failed jobs too, print the table and write\n"
        "sweep_summary.csv, sweep_summary.md and sweep.png into the sweep folder.\n"
        "A sweep writes these itself when it ends; run this to redo them.",
        epilog="example: alchemy-compare outputs/multirun/2025-01-31/12-00-00")
    parser.add_argument("sweep_dir", type=Path,
                        help="a sweep folder: one sub-folder per job (0/, 1/, ...), each with "
                        ".hydra/ and report.json")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Console script ``alchemy-compare SWEEP_DIR``: summarise a sweep, print the table."""
    parser = _parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return int(exc.code or 0)
    sweep_dir: Path = args.sweep_dir
    if not sweep_dir.is_dir():
        parser.print_usage(sys.stderr)
        print(f"alchemy-compare: {sweep_dir} is not a folder", file=sys.stderr)
        return 2
    if not any((p / ".hydra").is_dir() for p in sweep_dir.iterdir()):
        single = " (it is a single run's folder)" if (sweep_dir / ".hydra").is_dir() else ""
        print(f"alchemy-compare: {sweep_dir} holds no sweep jobs{single}; pass the folder of "
              "a multirun (alchemy -m ...), e.g. outputs/multirun/DATE/TIME", file=sys.stderr)
        return 2
    summarise(sweep_dir)
    print((sweep_dir / "sweep_summary.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
