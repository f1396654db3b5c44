"""End to end through the web app: ui.py served on loopback in its own process, driven by gradio_client
on the named /ask endpoint at 1, 4 and 16 concurrent clients (bounded in requests and seconds), then a
memory soak: server RSS sampled every 50 of N /ask requests after warm-up."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import child_main, env, log, peak_rss_mb, questions, rss_mb, stats

READY = "BENCH-SERVER-READY "


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(index_dir: str) -> None:
    """Child process: the web app over the bundled article, until killed."""
    import ui
    from bot import Bot

    demo = ui.build_app(Bot(index_dir=index_dir))
    _, url, _ = ui.launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    print(READY + url, flush=True)
    while True:
        time.sleep(3600)


def start_server(index_dir: Path, timeout: float = 300.0) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.web", "--serve", str(index_dir)], env=env(),
                            stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(READY):
            return proc, line[len(READY):].strip()
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("the web app did not start")


def client_loop(client, texts: list[str], count: int, deadline: float, offset: int) -> tuple[list[float], int]:
    """One client asking `count` questions in turn (stopping at the deadline): latencies, errors."""
    latencies, errors = [], 0
    for i in range(count):
        if time.monotonic() > deadline:
            break
        started = time.perf_counter()
        try:
            reply = client.predict(texts[(offset + i) % len(texts)], api_name="/ask")
            errors += not isinstance(reply, dict)
        except Exception:  # noqa: BLE001  (a failed request is counted, not fatal)
            errors += 1
        latencies.append(time.perf_counter() - started)
    return latencies, errors


def cpu_s(pid: int | None = None) -> float:
    """CPU seconds (user + system, all threads) of a process: this one, or another from /proc/<pid>/stat."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def load_level(url: str, texts: list[str], clients: int, per_client: int, limit_s: float,
               server_pid: int | None = None) -> dict:
    from gradio_client import Client

    pool = [Client(url, verbose=False) for _ in range(clients)]
    deadline = time.monotonic() + limit_s
    cpu_before = (cpu_s(server_pid) if server_pid else 0.0, cpu_s())
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex:
        done = list(ex.map(lambda i: client_loop(pool[i], texts, per_client, deadline, 7 * i), range(clients)))
    wall = time.perf_counter() - started
    latencies = [x for lat, _ in done for x in lat]
    per_request = lambda before, after: round(1000 * (after - before) / max(len(latencies), 1), 1)  # noqa: E731
    return {"clients": clients, **stats(latencies), "errors": sum(e for _, e in done),
            "requests_per_s": round(len(latencies) / wall, 2), "wall_s": round(wall, 1),
            "hit_time_limit": time.monotonic() > deadline,
            "server_cpu_ms_per_request": per_request(cpu_before[0], cpu_s(server_pid)) if server_pid else None,
            "client_cpu_ms_per_request": per_request(cpu_before[1], cpu_s())}


def soak(url: str, pid: int, texts: list[str], total: int, every: int = 50, clients: int = 4) -> dict:
    """RSS of the server process after each `every` requests; the first block is the warm-up."""
    samples = [{"requests": 0, "rss_mb": rss_mb(pid)}]
    for done in range(every, total + 1, every):
        load_level(url, texts, clients, every // clients, 600.0)
        samples.append({"requests": done, "rss_mb": rss_mb(pid)})
    base, end = samples[min(1, len(samples) - 1)]["rss_mb"], samples[-1]["rss_mb"]
    growth = round(end - base, 1)
    return {"requests": total, "clients": clients, "samples": samples, "after_warmup_mb": base, "end_mb": end,
            "growth_mb": growth, "growth_pct": round(100 * growth / base, 2) if base else None,
            "max_mb": max(s["rss_mb"] for s in samples), "target": "growth after warm-up <= 5%",
            "target_met": bool(base and growth <= 0.05 * base)}


def run(plan, work: Path) -> dict:
    texts = [r["question"] for r in questions()]
    proc, url = start_server(work / "article-index")
    try:
        log(f"web app up at {url} (pid {proc.pid})")
        load_level(url, texts, 1, 3, 60.0)  # warm-up
        levels = []
        for n in plan.clients:
            log(f"web: {n} concurrent clients")
            levels.append(load_level(url, texts, n, plan.requests_per_client, plan.time_limit_s, proc.pid))
        log(f"web: memory soak, {plan.soak_requests} requests")
        memory = soak(url, proc.pid, texts, plan.soak_requests, every=10 if plan.quick else 50,
                      clients=2 if plan.quick else 4)
        server_peak = peak_rss_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    return {"levels": levels, "soak": memory, "server_peak_rss_mb": server_peak,
            "endpoint": "/ask (gradio_client.Client.predict, loopback)",
            "queue": "ui.py: default_concurrency_limit=4, max_size=64; encodes serialised per model"}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        child_main("web", run)
