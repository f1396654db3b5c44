"""Shared helpers: sizes per mode, percentiles, memory readings, question sets and result files."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEV = Path(os.environ.get("BENCH_DEV", ROOT.parent / "shared" / "eval" / "dev.jsonl"))
ARTICLE = ROOT / "seeds"
# questions used when the shared dev set is not beside the repository (CI): not evaluation questions
FALLBACK_QUESTIONS = ["Dove ha sede il comando NSatu?", "Who did Rutte meet in Tokyo?",
                      "Che cosa hanno concordato Giappone e NATO?", "Which countries did NATO reach out to?"]


@dataclass(frozen=True)
class Plan:
    """How much each benchmark does: `full` for the committed results, `quick` for the CI smoke test."""

    quick: bool
    questions: int           # dev questions for warm latency (0 = all)
    repeats: int             # passes over the questions (warm) / fresh processes per variant (cold)
    build_passages: int      # synthetic passages for the build-throughput benchmark
    sizes: tuple[int, ...]   # synthetic corpus sizes for the scaling benchmark
    scaling_questions: int   # questions per size in the scaling benchmark
    clients: tuple[int, ...]  # concurrent web clients
    requests_per_client: int
    soak_requests: int       # /ask requests for the server memory soak
    time_limit_s: float      # cap per web load level
    pool_limit: int          # real sentences per language in the synthetic-corpus pool (0 = all)

    @classmethod
    def make(cls, quick: bool) -> "Plan":
        if quick:
            return cls(True, 3, 1, 40, (200,), 3, (1, 2), 2, 20, 60.0, 30)
        return cls(False, 0, 3, 500, (1_000, 10_000, 30_000, 100_000), 40, (1, 4, 16), 12, 1000, 300.0, 0)

    def to_dict(self) -> dict:
        return asdict(self)


def env() -> dict:
    """Environment for child processes: offline, quiet, no telemetry."""
    e = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1", TOKENIZERS_PARALLELISM="false",
             GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1")
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), e.get("PYTHONPATH", "")) if p)
    return e


def stats(seconds: list[float]) -> dict:
    """Milliseconds: p50, p95, mean, min, n."""
    ms = np.asarray(seconds, dtype=np.float64) * 1000.0
    if not ms.size:
        return {"n": 0}
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "mean_ms": round(float(ms.mean()), 2), "min_ms": round(float(ms.min()), 2), "n": int(ms.size)}


def ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    """(seconds, result) of one call."""
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def _status(pid: int | str, key: str) -> float:
    """A kB field of /proc/<pid>/status (VmRSS, VmHWM) in MiB; 0.0 where /proc is unavailable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return 0.0


def rss_mb(pid: int | str = "self") -> float:
    return _status(pid, "VmRSS")


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set size (high-water mark) of a process."""
    return _status(pid, "VmHWM")


def questions(limit: int = 0) -> list[dict]:
    """Dev questions ({question, history}) from the shared eval set, or a few fixed ones without it."""
    if DEV.is_file():
        rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [{"question": r["question"], "history": r.get("history") or []} for r in rows]
    else:
        rows = [{"question": q, "history": []} for q in FALLBACK_QUESTIONS]
    return rows[:limit] if limit else rows


def write_json(out: Path, name: str, data: dict) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    import platform

    import torch

    from bot.embedder import THREADS_ENV

    return {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "bot_torch_threads": int(os.environ.get(THREADS_ENV) or 1), "python": platform.python_version(),
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}


def child_main(name: str, run) -> None:
    """Entry point of one benchmark run as its own process (so its peak RSS is its own):
    `python -m bench.<name> [--quick] --out DIR --work DIR` writes DIR/<name>.json."""
    import argparse

    p = argparse.ArgumentParser(prog=f"bench.{name}")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True)
    args = p.parse_args()
    started = time.perf_counter()
    result = run(Plan.make(args.quick), args.work)
    result.update(peak_rss_mb=peak_rss_mb(), wall_s=round(time.perf_counter() - started, 1))
    write_json(args.out, name, result)
