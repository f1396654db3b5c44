"""The shipped off-topic questions (bot/data/offtopic.txt): what abstention is calibrated against
(bot/abstain.py) and what hubness is measured with (bot/retrieval.py).

Their vectors depend on the model alone, never on the corpus, so they are kept on disk next to the converted
model (cache_dir()/offtopic/), one file per model and question set: every index built after the first one
skips encoding them (300 questions, 2.8 s of the 4.9 s that indexing the article took on 2 cores). A cached
file is used only when two of its questions, encoded again now, give the same vectors: a model replaced at
the same path or name, or a damaged file, is encoded afresh and the file rewritten, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from . import embedder
from .config import cache_dir

QUESTIONS = Path(__file__).parent / "data" / "offtopic.txt"


def questions() -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def questions_sha() -> str:
    return hashlib.sha256(QUESTIONS.read_bytes()).hexdigest()


def vectors(model, name: str, batch_size: int = 32) -> np.ndarray:
    """The questions' query vectors under `model` (whose setting is `name`), from the cache when it holds
    them for this model."""
    texts = questions()
    path = cache_path(name)
    cached = _read(path, len(texts))
    if cached is not None:
        probes = [0, len(texts) - 1]  # one question of each language: the file lists the Italian ones first
        now = embedder.encode(model, [texts[i] for i in probes], "query")
        if now.shape == cached[probes].shape and np.allclose(now, cached[probes], atol=1e-3):
            return cached
    fresh = embedder.encode(model, texts, "query", batch_size=batch_size)
    _write(path, fresh)
    return fresh


def hubness(passages: np.ndarray, probes: np.ndarray, k: int = 10, chunk: int = 8192) -> np.ndarray:
    """Each passage's mean cosine to its k most similar off-topic probe questions: how strongly it attracts
    questions about nothing it says (a "hub": a bare URL, a long generic clause). In chunks, so 100k passages
    never need a 100 x 100k matrix at once."""
    k = min(k, len(probes))
    out = np.zeros(len(passages), np.float32)
    for start in range(0, len(passages), chunk) if k else ():
        sims = probes @ passages[start:start + chunk].T
        out[start:start + chunk] = np.partition(sims, -k, axis=0)[-k:].mean(axis=0)
    return out


def cache_path(name: str) -> Path:
    """The cached vectors' file for the model setting `name` and the current questions."""
    ident = json.dumps({"model": name, "questions": questions_sha()}, sort_keys=True)
    return cache_dir() / "offtopic" / (hashlib.sha256(ident.encode()).hexdigest()[:20] + ".npy")


def _read(path: Path, rows: int) -> np.ndarray | None:
    try:
        found = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError):  # missing, truncated or not a .npy file: encode again
        return None
    ok = found.ndim == 2 and len(found) == rows and found.dtype == np.float32 and bool(np.isfinite(found).all())
    return found if ok else None


def _write(path: Path, array: np.ndarray) -> None:
    """Atomically (a reader sees the old file or the whole new one); a cache that cannot be written (read-only
    home, a file in the folder's place) only costs the next build the same encoding again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".offtopic-", suffix=".npy", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, array)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass
