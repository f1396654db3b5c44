"""Warm latency: ask() over the dev questions against the floor, one model.encode(query) of the same
model in the same process. The two are timed interleaved, question by question, so machine noise
(other processes on a shared 2-core box) hits both alike and their ratio stays meaningful."""
from __future__ import annotations

import time
from pathlib import Path

from bench.common import child_main, log, questions, ratio, stats, timed


def floor_encode(model, question: str):
    """What any embedding-based bot must do per question: encode it once."""
    return model.encode(question, prompt_name="query", normalize_embeddings=True)


def measure(bot, rows: list[dict], repeats: int) -> dict:
    """Interleaved floor/ask timings; follow-ups (history) are reported apart, they encode two readings."""
    for row in rows[:3]:  # warm-up: first calls pay for lazy initialisation
        floor_encode(bot.model, row["question"])
        bot.ask(row["question"], row["history"])
    floor, ask, ask_single = [], [], []
    for _ in range(repeats):
        for row in rows:
            floor.append(timed(floor_encode, bot.model, row["question"])[0])
            seconds, _ = timed(bot.ask, row["question"], row["history"])
            ask.append(seconds)
            if not row["history"]:
                ask_single.append(seconds)
    out = {"floor": stats(floor), "ask": stats(ask), "ask_without_history": stats(ask_single),
           "ask_minus_floor": stats([a - f for a, f in zip(ask, floor)])}  # paired, per question
    out["ratio_p50"] = ratio(out["ask"]["p50_ms"], out["floor"]["p50_ms"])
    out["ratio_p50_without_history"] = ratio(out["ask_without_history"].get("p50_ms", 0), out["floor"]["p50_ms"])
    return out


def by_threads(bot, rows: list[dict], repeats: int) -> dict:
    """Before/after of the thread setting, same process: torch at one thread per core (torch's default)
    and at the bot's setting (bot.embedder.set_threads), the two alternating pass by pass."""
    import os

    import torch

    from bot.embedder import set_threads

    configured, cores = set_threads(), os.cpu_count() or 1
    runs: dict[int, list[dict]] = {cores: [], configured: []}
    for _ in range(repeats):
        for threads in runs:
            torch.set_num_threads(threads)
            runs[threads].append(measure(bot, rows, 1))
    set_threads()
    pick = lambda rs, key: [r[key]["p50_ms"] for r in rs]  # noqa: E731
    return {f"{t}_threads": {"ask_p50_ms_per_pass": pick(rs, "ask"), "floor_p50_ms_per_pass": pick(rs, "floor")}
            for t, rs in runs.items()}


def run(plan, work: Path) -> dict:
    from bot import Bot

    started = time.perf_counter()
    bot = Bot(index_dir=work / "article-index")
    rows = questions(plan.questions)
    log(f"warm latency: {len(rows)} questions x {plan.repeats}")
    result = measure(bot, rows, plan.repeats)
    result["threads"] = by_threads(bot, rows, plan.repeats)
    result.update(questions=len(rows), repeats=plan.repeats, passages=len(bot.index.segments),
                  setup_s=round(time.perf_counter() - started, 1), target_ratio_p50=1.3)
    result["target_met"] = bool(result["ratio_p50"] is not None and result["ratio_p50"] <= 1.3)
    return result


if __name__ == "__main__":
    child_main("warm", run)
