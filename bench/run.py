"""One command for every benchmark:

    .venv/bin/python -m bench [--quick] [--out DIR] [--work DIR] [--only warm,cold,...]

Each benchmark runs in its own process (so its peak RSS is its own), writes OUT/<name>.json, and the run
ends with OUT/summary.md and OUT/latency_vs_size.png. Defaults: results in bench/results/ (bench/work/
quick-results/ with --quick), scratch corpora and indexes in bench/work/ (not committed).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench import report
from bench.common import ROOT, Plan, env, log, machine, write_json

BENCHMARKS = ("warm", "cold", "build", "scaling", "web")  # warm first: it builds the article index the others use
NOTE = ("Measured on a shared 2-core machine where other processes (tests, other agents) run at the same time: "
        "absolute times are noisy, so every target is a ratio or comparison measured in the same run, with "
        "the two sides interleaved where possible.")


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def uncommitted() -> list[str]:
    """Files of the bot with uncommitted edits when the run started (the tree is shared with other work)."""
    try:
        lines = subprocess.run(["git", "status", "--porcelain", "--", "bot", "ui.py"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(line[3:] for line in lines)


def run_one(name: str, quick: bool, out: Path, work: Path, timeout: float) -> float:
    args = [sys.executable, "-m", f"bench.{name}", "--out", str(out), "--work", str(work)] + (["--quick"] if quick else [])
    log(f"--- {name}")
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env(), check=True, timeout=timeout)
    return round(time.perf_counter() - started, 1)


def header(info: dict) -> list[str]:
    durations = ", ".join(f"{k} {v:.0f} s" for k, v in info["durations_s"].items())
    return [info["note"], "", f"Commit {info['commit']}, {'quick' if info['plan']['quick'] else 'full'} run, "
            f"{info['total_s'] / 60:.1f} min in all ({durations}); {info['machine']['cpus']} CPUs (torch's default "
            f"{info['machine']['torch_threads']} threads; the bot sets {info['machine'].get('bot_torch_threads', 1)}), load average at start {info['machine']['load_avg_at_start']}."
            + "".join(f" Re-run afterwards, alone, at commit {commit}: {', '.join(names)}."
                      for commit, names in _reruns(info).items())
            + (f" The working tree had uncommitted edits (other work in progress) in {', '.join(info['uncommitted'])}."
               if info.get("uncommitted") else ""), ""]


def _reruns(info: dict) -> dict[str, list[str]]:
    """commit -> the benchmarks re-run at it (older records kept one commit for all their re-runs)."""
    commits = info.get("rerun_commits") or {name: info.get("rerun_commit", info["commit"]) for name in info.get("rerun", [])}
    out: dict[str, list[str]] = {}
    for name, commit in sorted(commits.items()):
        out.setdefault(commit, []).append(name)
    return out


def rerun_record(before: dict, info: dict, only: list[str]) -> dict:
    """The record of a partial re-run: the full run's commit and machine, with each re-run's commit beside them."""
    earlier = {name: commit for commit, names in _reruns(before).items() for name in names}
    merged = dict(info, commit=before["commit"], machine=before["machine"],
                  durations_s={**before["durations_s"], **info["durations_s"]},
                  rerun=sorted(set(before.get("rerun", [])) | set(only)),
                  rerun_commits={**earlier, **{name: info["commit"] for name in only}},
                  uncommitted=sorted(set(before.get("uncommitted", [])) | set(info["uncommitted"])))
    merged["total_s"] = round(sum(merged["durations_s"].values()), 1)
    return merged


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, for the CI smoke test")
    p.add_argument("--out", type=Path, help="results folder")
    p.add_argument("--work", type=Path, default=ROOT / "bench" / "work", help="scratch folder (corpora, indexes)")
    p.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset of " + ", ".join(BENCHMARKS))
    p.add_argument("--report-only", action="store_true", help="rewrite summary.md and the plot from OUT/*.json")
    args = p.parse_args(argv)
    out = args.out or (ROOT / "bench" / ("work/quick-results" if args.quick else "results"))
    if args.report_only:
        if not (out / "run.json").is_file():
            p.error(f"{out / 'run.json'} not found: nothing to report (run the benchmarks first)")
        log(f"summary: {report.write(out, header(json.loads((out / 'run.json').read_text(encoding='utf-8'))))}")
        return 0
    unknown = sorted(set(filter(None, args.only.split(","))) - set(BENCHMARKS))
    if unknown or not args.only.strip(","):
        p.error(f"--only {args.only!r}: {', '.join(unknown) or 'nothing'} is not one of {', '.join(BENCHMARKS)}")
    only = [b for b in BENCHMARKS if b in args.only.split(",")]
    plan = Plan.make(args.quick)
    started, durations, dirty = time.perf_counter(), {}, uncommitted()
    for name in only:
        durations[name] = run_one(name, args.quick, out, args.work, 600 if args.quick else 3600)
    info = {"plan": plan.to_dict(), "machine": machine(), "commit": git_commit(), "durations_s": durations,
            "total_s": round(time.perf_counter() - started, 1), "note": NOTE, "rerun": [], "uncommitted": dirty}
    previous = out / "run.json"
    if len(only) < len(BENCHMARKS) and previous.is_file():
        info = rerun_record(json.loads(previous.read_text(encoding="utf-8")), info, only)
    write_json(out, "run", info)
    log(f"summary: {report.write(out, header(info))}")
    print(json.dumps({"out": str(out), "total_s": info["total_s"]}))
    return 0
