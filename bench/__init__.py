"""Benchmarks: latency, cold start, index build, memory, scaling and the web app, in one run.

    python -m bench [--quick] [--out DIR]

Results go to bench/results/*.json plus summary.md and latency_vs_size.png (see bench/run.py).
Benchmarks are not tests: CI runs only the --quick smoke version (tests/test_bench_smoke.py).
"""
