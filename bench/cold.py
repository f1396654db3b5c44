"""Cold start: a fresh process to its first answer (index already built) against a fresh process that
only imports sentence-transformers and loads the same model. The two kinds of process alternate, so a
busy machine slows both; each is timed from spawn to the line it prints when done (exit not included)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.common import child_main, env, log, peak_rss_mb, ratio, stats

QUESTION = "Dove ha sede il comando NSatu?"


def child_answer(index_dir: str) -> dict:
    t0 = time.perf_counter()
    from bot import Bot
    t1 = time.perf_counter()
    bot = Bot(index_dir=index_dir)
    t2 = time.perf_counter()
    answer = bot.ask(QUESTION)
    t3 = time.perf_counter()
    return {"import_s": t1 - t0, "bot_s": t2 - t1, "first_ask_s": t3 - t2, "abstained": answer.abstained}


def child_load(model_path: str) -> dict:
    t0 = time.perf_counter()
    from sentence_transformers import SentenceTransformer
    t1 = time.perf_counter()
    SentenceTransformer(model_path, device="cpu")
    return {"import_s": t1 - t0, "load_s": time.perf_counter() - t1}


def spawn(kind: str, arg: str) -> dict:
    """Run one fresh process; wall seconds until it reports, plus what it reports about itself."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.cold", "--child", kind, arg], stdout=subprocess.PIPE,
                            env=env(), text=True)
    line = proc.stdout.readline()
    wall = time.perf_counter() - started
    proc.wait(timeout=120)
    if proc.returncode or not line:
        raise RuntimeError(f"cold-start child {kind} failed with exit code {proc.returncode}")
    return {"wall_s": wall, **json.loads(line)}


def run(plan, work: Path) -> dict:
    from bot.config import DEFAULT_MODEL, cache_dir
    from bot.e5model import ensure_model

    index_dir = str(work / "article-index")
    model_path = str(ensure_model(cache_dir()))
    if not plan.quick:
        spawn("answer", index_dir)  # builds the index if missing, warms the file cache for both kinds
    runs: dict[str, list[dict]] = {"answer": [], "load": []}
    for i in range(max(plan.repeats, 1) * (1 if plan.quick else 2)):
        log(f"cold start round {i + 1}")
        runs["answer"].append(spawn("answer", index_dir))
        runs["load"].append(spawn("load", model_path))
    summary = {kind: stats([r["wall_s"] for r in rs]) for kind, rs in runs.items()}
    parts = {key: stats([r[key] for r in runs["answer"]]) for key in ("import_s", "bot_s", "first_ask_s")}
    r = ratio(summary["answer"]["p50_ms"], summary["load"]["p50_ms"])
    return {"model": DEFAULT_MODEL, "first_answer": summary["answer"], "import_and_load_only": summary["load"],
            "first_answer_parts": parts, "ratio_p50": r, "target_ratio": 1.3,
            "target_met": bool(r is not None and r <= 1.3),
            "child_peak_rss_mb": {k: max(x["peak_rss_mb"] for x in rs) for k, rs in runs.items()}}


def main_child(kind: str, arg: str) -> None:
    result = child_answer(arg) if kind == "answer" else child_load(arg)
    print(json.dumps({**result, "peak_rss_mb": peak_rss_mb()}), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        main_child(sys.argv[2], sys.argv[3])
    else:
        child_main("cold", run)
