#!/usr/bin/env python3
"""One entry point for a fresh machine with only Python 3.11+ (standard library only):

    python3 run.py chat                 # the web chat (ui.py) on http://127.0.0.1:7860
    python3 run.py test [pytest args]   # the test suite (what CI runs)
    python3 run.py ask "question" [...] # one question on the command line (python -m bot ask ...)

Every command first does its own idempotent setup: creates .venv/ if missing, installs the CPU build of torch
and then this package with its [ui,test] extras, re-running pip only when pyproject.toml changed since the
last successful install. Set TORCH_INDEX_URL to install torch from another index (e.g. PyTorch's CPU index).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".run-py-installed"
TORCH = "torch==2.13.0"  # pinned first: a plain `torch` requirement would pull a multi-GB CUDA build
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"run.py: {message}", file=sys.stderr, flush=True)


def call(cmd: list[str], **kwargs) -> None:
    say("$ " + " ".join(map(str, cmd)))
    subprocess.run(cmd, check=True, **kwargs)


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"run.py: Python 3.11+ is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        try:
            call([sys.executable, "-m", "venv", str(VENV)])
        except subprocess.CalledProcessError:
            sys.exit("run.py: could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)")
    wanted = hashlib.sha256(TORCH.encode() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return  # installed from this very pyproject.toml already
    pip = [str(PYTHON), "-m", "pip", "install", "--progress-bar", "off"]
    torch_index = ["--index-url", os.environ["TORCH_INDEX_URL"]] if os.environ.get("TORCH_INDEX_URL") else []
    call(pip + torch_index + [TORCH])
    call(pip + ["-e", ".[ui,test]"], cwd=ROOT)
    STAMP.write_text(wanted + "\n")


def ensure_chromium() -> None:
    """Headless Chromium for the browser tests (they skip themselves when it is missing)."""
    if CHROMIUM.exists():
        return
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        say(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): browser tests will skip")
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        call(["apt-get", "update"], env=env)
        call(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=env)
    except (subprocess.CalledProcessError, OSError) as exc:
        say(f"could not install chromium ({exc}): browser tests will skip")


def child_env() -> dict:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1", GRADIO_ANALYTICS_ENABLED="False",
               TOKENIZERS_PARALLELISM="false", PYTHONUNBUFFERED="1")
    env.pop("PYTHONHOME", None)
    return env


def run_child(args: list[str]) -> int:
    try:
        return subprocess.run([str(PYTHON), *args], cwd=ROOT, env=child_env()).returncode
    except KeyboardInterrupt:
        return 130


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description="Set up .venv if needed, then run the bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("chat", help="open the web chat (ui.py); extra arguments go to ui.py")
    sub.add_parser("test", help="run the test suite; extra arguments go to pytest")
    ask = sub.add_parser("ask", help="answer one question; extra arguments go to `python -m bot ask`")
    ask.add_argument("question")
    args, extra = parser.parse_known_args(argv)
    ensure_venv()
    if args.command == "chat":
        return run_child(["ui.py", *extra])
    if args.command == "ask":
        return run_child(["-m", "bot", "ask", args.question, *extra])
    ensure_chromium()
    return run_child(["-m", "pytest", "-q", *extra])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as exc:
        say(f"setup failed: {' '.join(map(str, exc.cmd))} exited with {exc.returncode}")
        sys.exit(exc.returncode or 1)
