"""Load, short form for CI: the web app on loopback, many gradio_client clients at once through /ask.
Zero errors, every citation verbatim against the file, memory flat after warm-up. (Longer runs: bench/.)"""
from __future__ import annotations

import gc
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

gradio_client = pytest.importorskip("gradio_client")

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "giappone-nato.txt"
CLIENTS, PER_CLIENT = 16, 10
QUESTIONS = [
    "Dove ha sede il comando NSatu?",
    "Chi è il primo ministro giapponese che ha incontrato Rutte?",
    "Which news agency did Rutte give an interview to?",
    "Which technologies could the dual-use cooperation involve?",
    "Come si prepara il risotto alla milanese?",
    "Who won the 1998 Tour de France?",
    "Quali paesi ha citato Rutte?",
    "In quale città si sono incontrati?",
    "What did Japan express interest in?",
    "<b>NSatu</b> ' OR 1=1 --",
]


def check(answer: dict, text: str) -> None:
    assert isinstance(answer["abstained"], bool)
    for c in answer["citations"]:
        assert c["source"] == SOURCE and text[c["start"]:c["end"]] == c["text"]
    if not answer["abstained"]:
        assert answer["text"] == answer["citations"][0]["text"]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_sixteen_concurrent_clients_zero_errors_verbatim(web, article_text):
    """16 clients, each its own gradio_client.Client (own session), 10 questions each, all at once."""
    _, url = web
    errors: list[BaseException] = []
    answers: list[dict] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def one_client(n: int) -> None:
        try:
            client = gradio_client.Client(url, verbose=False)
            start.wait(timeout=60)
            for i in range(PER_CLIENT):
                r = client.predict(QUESTIONS[(n + i) % len(QUESTIONS)], api_name="/ask")
                check(r, article_text)
                with lock:
                    answers.append(r)
        except BaseException as exc:  # noqa: BLE001 - every failure is collected and reported
            with lock:
                errors.append(exc)

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one_client, range(CLIENTS)))
    elapsed = time.perf_counter() - started
    assert not errors, f"{len(errors)} errors, first: {errors[0]!r}"
    assert len(answers) == CLIENTS * PER_CLIENT
    # the same question got the same answer whichever client asked it, concurrently
    by_question: dict[str, set] = {}
    for r in answers:
        by_question.setdefault(r["question"], set()).add((r["text"], r["abstained"]))
    assert all(len(v) == 1 for v in by_question.values()), by_question
    assert elapsed < 120, f"{CLIENTS * PER_CLIENT} questions took {elapsed:.0f} s"


def test_memory_stays_flat_after_warm_up(web, article_text):
    """~200 requests after warm-up (4 clients at once): resident memory grows by less than a generous bound.
    A leak of even a few KB per request (a kept Answer, a history, a tensor) would show over 1,000; the
    bench/ run does that, this catches gross leaks quickly."""
    _, url = web
    clients = [gradio_client.Client(url, verbose=False) for _ in range(4)]

    def burst(rounds: int) -> None:
        def run(n: int) -> None:
            for i in range(rounds):
                check(clients[n].predict(QUESTIONS[(n + i) % len(QUESTIONS)], api_name="/ask"), article_text)

        with ThreadPoolExecutor(len(clients)) as pool:
            list(pool.map(run, range(len(clients))))

    burst(15)  # warm-up: allocator pools, caches, thread stacks
    gc.collect()
    before = rss_mb()
    samples = []
    for _ in range(4):
        burst(13)  # 4 x 4 x 13 = 208 requests
        gc.collect()
        samples.append(rss_mb())
    growth = samples[-1] - before
    assert growth < 80, f"RSS grew {growth:.0f} MB over ~200 requests (samples {before:.0f} -> {samples})"
    # and it is not a steady climb: the second half grows far less than a leak would
    assert samples[-1] - samples[1] < 40, samples


def test_a_question_waits_for_one_batch_of_another_users_build_not_all_of_it(bot):
    """An upload's passages are encoded batch by batch, and a waiting question goes before the next batch: it
    had waited for the whole upload (57 s for 300 KB in the web chat, every user's question)."""
    from bot import embedder

    texts = [f"Frase di prova numero {i}, scritta per tenere il modello occupato a lungo." for i in range(800)]
    order: list[str] = []
    build = threading.Thread(target=lambda: (embedder.encode(bot.model, texts, "passage"), order.append("build")))
    build.start()
    while not embedder.gate_for(bot.model).busy and build.is_alive():
        time.sleep(0.01)
    answer = bot.ask("Dove ha sede il comando NSatu?")
    order.append("question")
    build.join()
    assert order == ["question", "build"] and "Wiesbaden" in answer.text
