"""Smoke test of the benchmarks (bench/): the whole `python -m bench --quick` run at tiny sizes into a
temporary folder. Checks that every result file is written with sane fields; no timing assertions
(benchmarks are not tests: the full run is `python -m bench`, results in bench/results/)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("matplotlib")
pytest.importorskip("gradio_client")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    out, work = tmp_path_factory.mktemp("bench-out"), tmp_path_factory.mktemp("bench-work")
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
    subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out), "--work", str(work)],
                   cwd=ROOT, env=env, check=True, timeout=600)
    return out


def read(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text(encoding="utf-8"))


def positive(stats: dict) -> bool:
    return stats["n"] > 0 and 0 < stats["p50_ms"] <= stats["p95_ms"]


def test_every_result_file_is_written(results):
    for name in ("run", "warm", "cold", "build", "scaling", "web"):
        assert (results / f"{name}.json").is_file(), name
    assert (results / "latency_vs_size.png").stat().st_size > 1000
    summary = (results / "summary.md").read_text(encoding="utf-8")
    assert "## Targets" in summary and "latency_vs_size.png" in summary


def test_latency_and_cold_start_fields(results):
    warm, cold = read(results, "warm"), read(results, "cold")
    assert positive(warm["floor"]) and positive(warm["ask"]) and warm["ratio_p50"] > 0
    assert positive(cold["first_answer"]) and positive(cold["import_and_load_only"]) and cold["ratio_p50"] > 0
    assert warm["peak_rss_mb"] > 0 and all(v > 0 for v in cold["child_peak_rss_mb"].values())


def test_build_and_scaling_fields(results):
    build, scaling = read(results, "build"), read(results, "scaling")
    assert build["passages"] > 0 and set(build["builds"]) == {
        "pooled", "composed", "pooled (first build on the machine)", "composed (first build on the machine)"}
    assert all(b["build_passages_per_s"] > 0 and b["ratio"] > 0 for b in build["builds"].values())
    size = scaling["sizes"][0]
    for variant in ("flat", "hnsw"):
        assert size[variant]["indexed_passages"] >= size["passages"] * 0.9
        assert positive(size[variant]["ask"]) and size[variant]["index_mb"] > 0
    recall = [r["recall_at_10"] for r in size["recall"]["sentences"]]
    assert all(0 <= r <= 1 for r in recall)


def test_web_fields(results):
    web = read(results, "web")
    assert [level["clients"] for level in web["levels"]] == [1, 2]
    assert all(level["errors"] == 0 and positive(level) for level in web["levels"])
    assert len(web["soak"]["samples"]) >= 2 and web["soak"]["after_warmup_mb"] > 0


def test_a_partial_rerun_keeps_the_full_runs_commit():
    from bench.run import header, rerun_record

    machine = {"cpus": 2, "torch_threads": 2, "load_avg_at_start": [0.1]}
    full = {"commit": "aaa1111", "machine": machine, "durations_s": {"warm": 30.0, "build": 100.0}, "rerun": [],
            "uncommitted": [], "total_s": 130.0, "note": "n", "plan": {"quick": False}}
    again = dict(full, commit="bbb2222", durations_s={"build": 90.0}, uncommitted=["bot/x.py"], total_s=90.0)
    merged = rerun_record(full, again, ["build"])
    assert merged["commit"] == "aaa1111" and merged["rerun_commits"] == {"build": "bbb2222"}
    assert merged["durations_s"] == {"warm": 30.0, "build": 90.0} and merged["total_s"] == 120.0
    assert "Commit aaa1111, full run" in header(merged)[2] and "at commit bbb2222: build" in header(merged)[2]
    # a later re-run of another benchmark keeps the first re-run's commit for it (records written before
    # re-runs had a commit each held one for all)
    later = rerun_record(dict(merged, rerun_commits=None, rerun_commit="bbb2222"), dict(again, commit="ccc3333"), ["warm"])
    assert later["rerun_commits"] == {"build": "bbb2222", "warm": "ccc3333"}
    assert "at commit bbb2222: build. Re-run afterwards, alone, at commit ccc3333: warm." in header(later)[2]


@pytest.mark.parametrize("argv, error", [
    (["--only", "warm,typo"], "typo is not one of warm, cold, build, scaling, web"),
    (["--report-only"], "run.json not found"),
])
def test_bench_options_that_would_do_nothing_are_errors(tmp_path, capsys, argv, error):
    """Before: an unknown --only ran nothing, exited 0 and rewrote the summary as a re-run; --report-only on
    an empty folder was a traceback."""
    from bench.run import main

    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--out", str(tmp_path), "--work", str(tmp_path / "work")])
    assert exit_.value.code == 2 and error in capsys.readouterr().err
    assert not any(tmp_path.iterdir())

