"""The FAISS index type follows the corpus size (Settings.vector_index): exact IndexFlatIP below
hnsw_from passages, IndexHNSWFlat from there on, recorded in the manifest and usable by retrieval."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from bot import Bot
from bot.config import Settings, VectorIndex
from bot.index import vector_index


def unit_vectors(n: int, d: int = 16) -> np.ndarray:
    x = np.random.default_rng(0).normal(size=(n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_flat_below_threshold_hnsw_from_it():
    params = VectorIndex(hnsw_from=20)
    small, large = vector_index(unit_vectors(19), params), vector_index(unit_vectors(20), params)
    assert not hasattr(small, "hnsw") and hasattr(large, "hnsw")
    assert large.hnsw.efConstruction == params.ef_construction


def test_hnsw_finds_and_reconstructs_vectors():
    x = unit_vectors(500)
    index = vector_index(x, VectorIndex(hnsw_from=0))
    index.hnsw.efSearch = 64
    _, found = index.search(x[:20], 1)
    assert (found[:, 0] == np.arange(20)).all()
    assert np.allclose(index.reconstruct_batch(np.array([3, 7], dtype=np.int64)), x[[3, 7]])


def test_bot_on_hnsw_index_answers_like_exact(bot, tmp_path):
    settings = replace(bot.settings, vector_index=VectorIndex(hnsw_from=0))
    hnsw_bot = Bot(index_dir=tmp_path, settings=settings)
    assert hasattr(hnsw_bot.index.sentences, "hnsw")
    assert hnsw_bot.index.sentences.hnsw.efSearch == settings.vector_index.ef_search
    assert hnsw_bot.index.manifest["params"]["vector_index"]["hnsw_from"] == 0
    for question in ("Dove ha sede il comando NSatu?", "Qual è la ricetta della pizza margherita?"):
        a, b = bot.ask(question), hnsw_bot.ask(question)
        assert (a.text, a.abstained) == (b.text, b.abstained)


def test_default_settings_keep_small_corpora_exact(bot):
    assert Settings().vector_index.hnsw_from > 1000
    assert not hasattr(bot.index.sentences, "hnsw")
