"""Synth throughput against the fake OpenAI-compatible server, and duplicate calls on resume.

Starts tests/synth_server.py in its own process on 127.0.0.1 (300 ms per reply by default),
then drives the real LLM generator (litellm, ``deepseek/deepseek-chat`` with ``api_base`` set)
over N chunks at each concurrency and prints calls/s and the share of the ideal
(concurrency / latency). Then it kill -9s a run halfway and resumes it, twice: once frozen at a
known point (every answered call committed, the rest held by the server and never answered)
and once at an arbitrary instant; the server counts successful calls made twice.

    .venv/bin/python benchmarks/synth_throughput.py [--chunks 1000] [--concurrency 1 8 32 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"


def synth_cfg(url: str, concurrency: int):
    from hydra import compose, initialize_config_dir

    from alchemy.config import CONF_DIR, register_configs

    register_configs()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose("config", overrides=["synth=deepseek", f"synth.api_base={url}",
                                           f"synth.concurrency={concurrency}", "synth.timeout_s=30"])
    return cfg.synth


def chunks(n: int):
    from alchemy.synth.chunker import chunk_record

    out = []
    for i in range(n):
        text = (f"# Service {i} runbook\n\nThe service-{i} listens on port {10000 + i} and keeps its "
                f"state in PostgreSQL. It is owned by team {i % 17} and deployed every weekday.\n\n"
                f"Restart service-{i} with kubectl rollout restart deploy/service-{i}, then wait "
                f"{i % 9 + 1} minutes for the readiness probe before paging anyone.")
        out += chunk_record({"id": f"bench:{i}", "title": f"Service {i}", "text": text})
    return out


def generate(url: str, cache_path: Path, n: int, concurrency: int) -> tuple[float, object]:
    from alchemy.synth.callcache import CallCache
    from alchemy.synth.llm import LLMGenerator

    scfg = synth_cfg(url, concurrency)
    cache = CallCache(cache_path)
    gen = LLMGenerator(scfg, cache, "bench-key", json_mode=True, price=(2.8e-7, 4.2e-7))
    work = chunks(n)
    t0 = time.perf_counter()
    results = asyncio.run(gen.run(work))
    elapsed = time.perf_counter() - t0
    cache.close()
    assert all(r.status == "ok" for r in results), {r.status for r in results}
    return elapsed, gen.stats


def server(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.synth_server", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, proc.stdout.readline().strip()


def control(url: str, **body) -> dict:
    req = urllib.request.Request(url + "/control", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT COUNT(*) FROM calls").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def kill_and_resume(url: str, n: int, concurrency: int, frozen: bool, tmp: Path) -> dict:
    db = tmp / f"resume-{frozen}.sqlite"
    control(url, reset=True, hold_after=n // 2 if frozen else None, drop_held=frozen)
    child = subprocess.Popen([sys.executable, __file__, "--child", url, str(db), str(n),
                              str(concurrency)], cwd=ROOT)
    while True:
        ok = control(url)["ok"]
        if ok >= n // 2 and (not frozen or rows(db) == ok == n // 2):
            break
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    before = control(url, release=True)
    elapsed, stats = generate(url, db, n, concurrency)
    after = control(url)
    return {"paid_before_kill": before["ok"], "cached_on_resume": stats.cached_calls,
            "new_calls_on_resume": stats.calls, "duplicate_successful_calls": after["duplicate_ok"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--chunks", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    ap.add_argument("--latency", type=float, default=0.3)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:  # a run that the parent kills with SIGKILL
        url, db, n, c = args.child
        generate(url, Path(db), int(n), int(c))
        return
    proc, url = server(args.latency)
    try:
        print(f"server {url}, latency {args.latency * 1000:.0f} ms, {args.chunks} chunks, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        print(f"{'concurrency':>11} {'seconds':>8} {'calls/s':>8} {'ideal':>7} {'% ideal':>8}")
        with tempfile.TemporaryDirectory() as tmp:
            for c in args.concurrency:
                control(url, reset=True)
                elapsed, stats = generate(url, Path(tmp) / f"c{c}.sqlite", args.chunks, c)
                rate, ideal = stats.calls / elapsed, c / args.latency
                print(f"{c:>11} {elapsed:>8.1f} {rate:>8.1f} {ideal:>7.1f} {100 * rate / ideal:>7.0f}%",
                      flush=True)
            c = max(args.concurrency)
            for frozen in (True, False):
                result = kill_and_resume(url, args.chunks, c, frozen, Path(tmp))
                how = "at a quiesced point" if frozen else "at an arbitrary instant"
                print(f"kill -9 halfway {how} (concurrency {c}): {json.dumps(result)}", flush=True)
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
