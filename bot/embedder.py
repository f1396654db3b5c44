"""The sentence-embedding model: resolved from one setting, loaded once, used with E5 prompts."""
from __future__ import annotations

import os
import threading
import weakref
from contextlib import contextmanager, nullcontext
from functools import lru_cache

import numpy as np

from .config import DEFAULT_MODEL, cache_dir


class ModelError(RuntimeError):
    """The embedding model cannot be loaded; the message says which setting to change."""


THREADS_ENV = "BOT_TORCH_THREADS"


def set_threads() -> int:
    """Torch intra-op threads: $BOT_TORCH_THREADS, default 1. A question is one short sequence, and when
    another process holds a core every parallel op of a 2-thread encode waits for it: measured on 2 cores
    with other work running, one query encode took ~950 ms with 2 threads and ~20 ms with 1
    (bench/results/summary.md). Set it to the core count on an otherwise idle machine for faster builds."""
    import torch

    value = os.environ.get(THREADS_ENV, "").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{THREADS_ENV}={value!r} is not a positive whole number of threads")
    threads = int(value)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


@lru_cache(maxsize=4)
def load_model(name: str):
    """A SentenceTransformer for `name`: the bundled default, a local folder or a model name in the HF cache.

    Never downloads: HF_HUB_OFFLINE is forced, so a name that is not cached fails fast with a clear error.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer  # heavy import: only when a model is needed

    set_threads()
    path = name
    if name == DEFAULT_MODEL:
        from .e5model import ensure_model

        path = str(ensure_model(cache_dir()))
    from transformers.utils import logging as transformers_logging

    # transformers 5 draws a "Loading weights" bar on every load: noise on each CLI answer. Off for the
    # load only, so an application that embeds the bot keeps its own bars
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:  # sentence-transformers raises many types for a missing or broken model
        raise ModelError(f"cannot load embedding model {name!r}: {exc}. Pass another sentence-transformers "
                         "model name or local folder with model=..., the BOT_MODEL environment variable "
                         "or the --model CLI flag") from exc
    finally:
        if bars:
            transformers_logging.enable_progress_bar()


def _prompt(model, kind: str) -> str | None:
    """E5-style models were trained with 'query: '/'passage: ' prefixes; others get none."""
    return (getattr(model, "prompts", None) or {}).get(kind)


class Gate:
    """One forward pass at a time per model (the tokenizer is not thread-safe, and one pass keeps the cores
    bounded), questions first: a build or an upload takes its turn batch by batch, and a question waiting
    goes before its next batch, so a user's question waits for one batch, not for another user's whole upload."""

    def __init__(self):
        self._cond = threading.Condition()
        self._busy = False
        self._waiting_questions = 0

    @property
    def busy(self) -> bool:
        return self._busy

    @contextmanager
    def turn(self, question: bool = False):
        with self._cond:
            self._waiting_questions += question
            try:
                self._cond.wait_for(lambda: not self._busy and (question or not self._waiting_questions))
            finally:
                self._waiting_questions -= question
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    @contextmanager
    def turn_if_free(self):
        """The turn now, if nothing else holds or awaits it (yields True), else nothing (yields False)."""
        with self._cond:
            free = not self._busy and not self._waiting_questions
            self._busy = self._busy or free
        try:
            yield free
        finally:
            if free:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


_gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_gates_guard = threading.Lock()
QUESTION_BATCH = 16  # encodes of at most this many queries are questions (a question and its check-4 variants)


def gate_for(model) -> Gate:
    """One gate per model object: every bot sharing it (uploads, the default) encodes one batch at a time."""
    with _gates_guard:
        return _gates.setdefault(model, Gate())


BATCH_CHARS = 32 * 200  # a batch holds up to batch_size texts, and fewer long ones: about a second's work


def batches(texts: list[str], batch_size: int) -> list[list[int]]:
    """Indices of the texts, longest first (as sentence-transformers orders them, for little padding), in batches
    of batch_size texts or BATCH_CHARS characters, whichever is reached first: a question waiting for the model's
    gate waits for one batch."""
    out: list[list[int]] = []
    chars = 0
    for i in sorted(range(len(texts)), key=lambda i: -len(texts[i])):
        if not out or len(out[-1]) == batch_size or chars + len(texts[i]) > BATCH_CHARS:
            out.append([])
            chars = 0
        out[-1].append(i)
        chars += len(texts[i])
    return out


def encode(model, texts: list[str], kind: str, batch_size: int = 32, progress: bool = False) -> np.ndarray:
    """L2-normalised float32 vectors, one row per text; kind is 'query' or 'passage'. A batch per turn of the
    model's gate (see Gate)."""
    gate, question = gate_for(model), kind == "query" and len(texts) <= QUESTION_BATCH
    groups = batches(texts, batch_size)
    if progress:
        from tqdm.auto import tqdm

        groups = tqdm(groups, desc="Batches", unit="batch")
    vectors = None
    for group in groups:
        with gate.turn(question):
            part = model.encode([texts[i] for i in group], batch_size=batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False, prompt=_prompt(model, kind))
        if vectors is None:  # the model's width, as it gives it
            vectors = np.empty((len(texts), part.shape[1]), np.float32)
        vectors[group] = part
    if vectors is None:  # no texts: the model's own empty answer
        return np.ascontiguousarray(model.encode([], convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)
    return vectors


def mean_pooled(model) -> bool:
    """True for a plain transformer + mean pooling with a fast tokenizer (the default model): its sentence
    vector is the mean of its token states, so the mean over any span of them is a vector of the same kind."""
    modules = list(model) if hasattr(model, "__iter__") else []
    config = modules[1].get_config_dict() if len(modules) > 1 and hasattr(modules[1], "get_config_dict") else {}
    tokenizer = getattr(model, "tokenizer", None)
    return (config.get("pooling_mode") == "mean" and hasattr(modules[0], "auto_model")
            and bool(getattr(tokenizer, "is_fast", False)))


def token_states(model, texts: list[str], kind: str, batch_size: int = 16, progress: bool = False):
    """For each text, its tokens' last hidden states and their character spans in the text (the prompt's
    tokens left out), in input order. Texts too long for the model are cut: their later tokens are missing."""
    import torch

    prompt = _prompt(model, kind) or ""
    out: list = [None] * len(texts)
    groups = batches(texts, batch_size)
    if progress:
        from tqdm.auto import tqdm

        groups = tqdm(groups, desc="contexts", unit="batch")
    for chunk in groups:
        with gate_for(model).turn(), torch.inference_mode():
            enc = model.tokenizer([prompt + texts[i] for i in chunk], return_offsets_mapping=True, truncation=True,
                                  max_length=model.max_seq_length, padding=True, return_tensors="pt")
            offsets = enc.pop("offset_mapping").numpy() - len(prompt)
            states = model[0].auto_model(**enc).last_hidden_state.float().numpy()
        mask = enc["attention_mask"].numpy().astype(bool)
        for row, i in enumerate(chunk):
            ends = offsets[row, :, 1]
            real = mask[row] & (ends > offsets[row, :, 0]) & (ends > 0)  # not specials, not the prompt
            out[i] = (states[row][real], offsets[row][real])
    return out


def encode_spread(model, texts: list[str], kind: str) -> np.ndarray:
    """encode() of a few short texts (a question and its check-4 variants), split over the cores. On one core
    each text beyond the first adds ~40% of a single encode (1 / 2 / 3 / 5 / 9 dev questions with variants:
    16 / 22 / 28 / 41 / 67 ms); in parallel the batch costs about what its largest part does. Separate
    forward passes need no synchronisation between threads, so unlike torch's intra-op threads (see
    set_threads) a busy core only makes this as slow as one batch, not slower. With more torch threads than
    one ($BOT_TORCH_THREADS) there are fewer free cores and fewer parts."""
    import torch

    parts = min(len(texts), (os.cpu_count() or 1) // torch.get_num_threads())  # cores torch's threads leave free
    # parts cost more CPU in all than one batch: spread only when no other request is encoding or waiting to
    # (under load, with several web clients, the cores are busy anyway and throughput matters more)
    with gate_for(model).turn_if_free() if parts >= 2 else nullcontext(False) as free:
        if free:
            chunks = [list(c) for c in np.array_split(np.array(texts, dtype=object), parts)]
            features = [model.preprocess(chunk, prompt=_prompt(model, kind)) for chunk in chunks]
            others = [_pool().submit(_forward, model, f) for f in features[1:]]
            return np.ascontiguousarray(np.vstack([_forward(model, features[0]), *(f.result() for f in others)]),
                                        dtype=np.float32)
    return encode(model, texts, kind)


def _forward(model, features: dict) -> np.ndarray:
    import torch

    with torch.inference_mode():
        return torch.nn.functional.normalize(model(features)["sentence_embedding"].float(), dim=1).numpy()


@lru_cache(maxsize=1)
def _pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=max((os.cpu_count() or 1) - 1, 1), thread_name_prefix="encode")
