"""Fixtures for the synth tests: the fake LLM server, a small corpus, a config for both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from omegaconf import open_dict

from tests.conftest import compose_cfg
from tests.synth_server import FakeLLM

KEY = "sk-test-NEVER-LOG-ME-8b1f2c"
SERVICES = ["ledger", "payout", "risk", "notify", "gateway", "portal", "billing", "audit",
            "search", "ingest", "report", "vault"]


def write_corpus(raw: Path, docs: int = 6) -> Path:
    """``docs`` Markdown runbooks with three sections each and a masked-to-be e-mail."""
    raw.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(SERVICES[:docs]):
        (raw / f"{name}.md").write_text(
            f"# {name}-service runbook\n\nThe {name}-service listens on port {8000 + i} and stores "
            f"its state in PostgreSQL {12 + i % 4}. It is owned by the {name.title()} team, "
            f"reachable at {name}-team@example-corp.com for every question.\n\n"
            f"## Restarts\n\nRestart {name}-service with `kubectl rollout restart deploy/{name}`. "
            f"Wait {i + 2} minutes for the readiness probe before you page anyone about it.\n\n"
            f"## Alerts\n\nThe {name}-service pages when the error rate stays above {i + 1} percent "
            f"for ten minutes. The dashboard is called {name.title()} Overview in Grafana.\n",
            encoding="utf-8")
    return raw


def serve() -> Iterator[FakeLLM]:
    """Body of the ``llm_server`` fixture: a fresh, fault-free server per test."""
    srv = FakeLLM(latency=0.0, retry_after=0.2, hang=3.0).start()
    yield srv
    srv.stop()


def llm_overrides(srv: FakeLLM, raw: Path, cache: Path, *extra: str) -> list[str]:
    """Command-line overrides for a synth=deepseek run against the fake server."""
    return ["synth=deepseek", f"synth.api_base={srv.url}", "source=documents",
            f"source.documents.raw_dir={raw}", "pipeline.stages=[synth]",
            f"paths.cache_dir={cache}", "synth.backoff_s=0.05", "synth.backoff_max_s=0.2",
            "synth.timeout_s=1", "synth.breaker_window_s=0", *extra]


def llm_cfg(srv: FakeLLM, tmp_path: Path, *extra: str, docs: int = 6) -> Any:
    raw = tmp_path / "raw"
    if not raw.exists():
        write_corpus(raw, docs)
    over = llm_overrides(srv, raw, tmp_path / "cache", *extra)
    cfg = compose_cfg(*[o for o in over if not o.startswith("paths.cache_dir")])
    with open_dict(cfg):
        cfg.paths.cache_dir = str(tmp_path / "cache")
    return cfg


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
