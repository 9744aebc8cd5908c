"""kill -9 a synth run halfway, resume it, and count the calls on the server side."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.synth_helpers import KEY, llm_overrides, serve, write_corpus


@pytest.fixture
def llm_server():
    yield from serve()


DOCS = 12  # one chunk each


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
        try:
            return con.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
        except sqlite3.OperationalError:  # table not created yet
            return 0


def _cli(args: list[str], run_dir: Path, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "DEEPSEEK_API_KEY": KEY}
    log = open(run_dir.with_suffix(".out"), "w")  # noqa: SIM115 (closed with the process)
    return subprocess.Popen([sys.executable, "-m", "alchemy.cli", *args, f"hydra.run.dir={run_dir}"],
                            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_kill_9_halfway_then_resume_pays_for_no_call_twice(llm_server, tmp_path) -> None:
    raw = write_corpus(tmp_path / "raw", DOCS)
    cache = tmp_path / "cache"
    args = llm_overrides(llm_server, raw, cache, "synth.concurrency=3", "synth.timeout_s=60")
    db = cache / "synth_calls" / "calls.sqlite"
    llm_server.hold_after = DOCS // 2  # then every call hangs: the run is frozen mid-flight

    first = _cli(args, tmp_path / "r1", tmp_path)
    deadline = time.time() + 60
    while time.time() < deadline:
        ok, held = llm_server.stats()["ok"], llm_server.holding
        if ok == DOCS // 2 and held and _rows(db) == ok:
            break
        assert first.poll() is None, (tmp_path / "r1.out").read_text()[-3000:]
        time.sleep(0.05)
    else:
        raise AssertionError("the first run never reached the halfway point")
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    paid_before = llm_server.stats()["ok"]
    assert not list((cache / "synth").glob("*/MANIFEST.json"))  # nothing looks complete

    llm_server.drop_held = True  # calls in flight at the kill never completed
    llm_server.released.set()
    second = _cli(args, tmp_path / "r2", tmp_path)
    assert second.wait(120) == 0, (tmp_path / "r2.out").read_text()[-3000:]

    stats = llm_server.stats()
    assert stats["duplicate_ok"] == 0  # no successful call was made twice
    assert stats["distinct_ok"] == stats["ok"] == DOCS
    import json

    report = json.loads((tmp_path / "r2" / "report.json").read_text())["stages"]["synth"]
    assert report["calls_cached"] == paid_before and report["calls"] == DOCS - paid_before
    assert report["chunks_ok"] == DOCS
    for run in ("r1", "r2"):  # the key is read from the environment and written nowhere
        for f in (tmp_path / run).rglob("*"):
            if f.is_file():
                assert KEY not in f.read_text(errors="ignore"), f
        assert KEY not in (tmp_path / f"{run}.out").read_text(errors="ignore")
