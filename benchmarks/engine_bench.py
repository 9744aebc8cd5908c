"""Clean-pass throughput of the engines on generated exports: MB/s, peak memory, scaling.

For each size (MB of raw JSON exports, made by engine_data.py) it runs the clean stage in a
fresh process per configuration and reports the stage's seconds, input MB/s (per core too),
and the peak resident memory of the whole process tree (driver, workers, JVM). The floor is
a loop that only parses each export's JSON and writes it back, on one core.

    .venv/bin/python benchmarks/engine_bench.py --sizes 10 100 [--configs py1 pyall spark]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from engine_data import generate, text_bytes  # noqa: E402

CONFIGS = {
    "py1": ["engine=python", "engine.workers=1"],
    "pyall": ["engine=python"],
    "spark": ["engine=spark"],
}


def data_dir(work: Path, mb: int, shape: str) -> Path:
    out = work / (f"data-{mb}mb" if shape == "lean" else f"data-{mb}mb-{shape}")
    if not (out / "done.json").exists():
        counts = generate(out, mb, seed=mb, shape=shape)
        (out / "done.json").write_text(json.dumps(counts))
    return out


def prose_mb(data: Path) -> float:
    """MB of prose (titles, descriptions, bodies, comments) in the exports: the bytes the
    sanitizer and filters work on, whatever the structure around them."""
    counts = json.loads((data / "done.json").read_text())
    if "text_bytes" not in counts:  # data made before the generator counted it
        total = 0
        for f in sorted(data.glob("*/*.json")):
            payload = json.loads(f.read_bytes())
            src = f.parent.name
            items = {"jira": "issues", "confluence": "results"}.get(src)
            items = payload[items] if items else payload
            total += sum(text_bytes(src, item) for item in items)
        counts["text_bytes"] = total
        (data / "done.json").write_text(json.dumps(counts))
    return counts["text_bytes"] / 1e6


def floor(data: Path) -> float:
    """MB/s of json.load + json.dump over every export file, one core."""
    files = sorted(data.glob("*/*.json"))
    size = sum(f.stat().st_size for f in files)
    t = time.perf_counter()
    with open(os.devnull, "w") as sink:
        for f in files:
            json.dump(json.loads(f.read_bytes()), sink)
    return size / 1e6 / (time.perf_counter() - t)


def peak_rss(proc: psutil.Process, stop: threading.Event, out: list[int]) -> None:
    while not stop.is_set():
        try:
            procs = [proc, *proc.children(recursive=True)]
            out[0] = max(out[0], sum(p.memory_info().rss for p in procs if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.2)


def run(data: Path, work: Path, name: str, extra: list[str], prose: float) -> dict:
    tag = f"{data.name}-{name}"
    for old in (work / "cache" / tag, work / "runs" / tag):  # a cache hit would measure nothing
        shutil.rmtree(old, ignore_errors=True)
    args = [sys.executable, "-m", "alchemy.cli", "pipeline.stages=[clean]", "source=[jira,confluence,github]",
            *(f"source.{s}.raw_dir={data / s}" for s in ("jira", "confluence", "github")),
            f"paths.cache_dir={work / 'cache' / tag}", f"hydra.run.dir={work / 'runs' / tag}", *extra]
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "TQDM_DISABLE": "1"}
    t = time.perf_counter()
    proc = subprocess.Popen(args, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop, peak = threading.Event(), [0]
    watcher = threading.Thread(target=peak_rss, args=(psutil.Process(proc.pid), stop, peak), daemon=True)
    watcher.start()
    _, err = proc.communicate()
    stop.set()
    wall = time.perf_counter() - t
    if proc.returncode:
        return {"config": name, "error": err.decode()[-2000:]}
    clean = json.loads((work / "runs" / tag / "report.json").read_text())["stages"]["clean"]
    mb = clean["input_bytes"] / 1e6
    cores = clean.get("workers") or psutil.cpu_count()
    return {"config": name, "mb": round(mb, 1), "clean_s": clean["seconds"], "wall_s": round(wall, 1),
            "mb_s": round(mb / clean["seconds"], 2), "mb_s_core": round(mb / clean["seconds"] / cores, 2),
            "prose_mb_s_core": round(prose / clean["seconds"] / cores, 2),
            "peak_mb": round(peak[0] / 1e6), "records_out": clean["records_out"],
            "dropped": clean["dropped"], "timings": clean.get("timings")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS))
    ap.add_argument("--work", type=Path, default=ROOT / "outputs" / "bench-engines")
    ap.add_argument("--shape", choices=["lean", "rest"], default="rest",
                    help="rest: exports with every field the APIs return (prose ~28%%); lean: only the "
                         "fields the parsers read (prose ~75%%, the older, harsher yardstick)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per configuration (alternating)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for mb in args.sizes:
        data = data_dir(args.work, mb, args.shape)
        prose = prose_mb(data)
        print(json.dumps({"size_mb": mb, "shape": args.shape, "prose_mb": round(prose, 1),
                          "floor_mb_s": round(floor(data), 1)}), flush=True)
        for _ in range(args.repeat):
            for name in args.configs:
                print(json.dumps({"size_mb": mb, "shape": args.shape,
                                  **run(data, args.work, name, CONFIGS[name], prose)}), flush=True)


if __name__ == "__main__":
    main()
