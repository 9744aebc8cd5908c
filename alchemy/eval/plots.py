"""PNG figures for the run folder: the training curve and base vs adapter bars.

matplotlib is imported lazily with the file-only Agg backend (no display on servers); when it
is not installed the figures are skipped with a log line, never failing a run.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# (label, key in a side's metrics, higher is better)
BARS = [
    ("fact accuracy, closed-book", "fact_accuracy", True),
    ("fact accuracy, with sources", "grounded_accuracy", True),
    ("general questions (guard)", "general_accuracy", True),
    ("abstains without the answer", "abstention", True),
    ("answer loss", "loss", False),
    ("held-out text loss", "text_loss", False),
    ("token F1", "f1", True),
    ("ROUGE-L", "rouge_l", True),
]


def _pyplot() -> Any | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log.warning("matplotlib is not installed: no PNG figures (pip install matplotlib)")
        return None
    return plt


def loss_plot(curve: list[list[float]], path: Path, title: str = "training loss") -> bool:
    """Training loss per logged step; returns whether a file was written."""
    plt = _pyplot()
    if plt is None or not curve:
        return False
    steps, losses = zip(*curve, strict=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(steps, losses, marker="o", markersize=3)
    ax.set(xlabel="optimizer step", ylabel="loss", title=title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def eval_plot(base: dict, adapter: dict, path: Path) -> bool:
    """One panel per figure present on both sides, base and adapter bars side by side."""
    plt = _pyplot()
    panels = [(label, key, up) for label, key, up in BARS
              if isinstance(base.get(key), (int, float)) and math.isfinite(base[key])
              and isinstance(adapter.get(key), (int, float)) and math.isfinite(adapter[key])]
    if plt is None or not panels:
        return False
    fig, axes = plt.subplots(1, len(panels), figsize=(2.8 * len(panels), 3.4), squeeze=False)
    for ax, (label, key, up) in zip(axes[0], panels, strict=True):
        values = [base[key], adapter[key]]
        bars = ax.bar(["base", "adapter"], values, color=["#9aa5b1", "#2f7ed8"])
        ax.bar_label(bars, fmt="%.3g", fontsize=8)
        # two lines: one-line titles of neighbouring panels ran into each other
        ax.set_title(f"{label}\n({'higher' if up else 'lower'} is better)", fontsize=9)
        if up:  # F1 and ROUGE-L are fractions: a fixed 0..1 axis keeps runs comparable
            ax.set_ylim(0, 1.05)
        else:
            ax.margins(y=0.15)
    fig.suptitle("base vs adapter: fact questions and held-out data", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
