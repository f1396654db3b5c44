"""The off-topic questions' vectors (abstention's calibration) are cached per model, and a cached file that
does not match what the model gives now is encoded afresh, never used."""
from __future__ import annotations

import numpy as np
import pytest

from bot import embedder, offtopic
from bot.config import CACHE_ENV


class Counting:
    """The real model, counting the texts it encodes (embedder.encode gives it a batch at a time)."""

    def __init__(self, model):
        self.model, self.texts = model, 0

    def __getattr__(self, name):
        return getattr(self.model, name)

    def encode(self, texts, **kwargs):
        self.texts += len(texts)
        return self.model.encode(texts, **kwargs)

    @property
    def calls(self) -> int:
        """Texts encoded since the last look."""
        texts, self.texts = self.texts, 0
        return texts


@pytest.fixture(scope="module")
def fresh(bot) -> np.ndarray:
    return embedder.encode(bot.model, offtopic.questions(), "query")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "offtopic"


def test_a_second_build_encodes_two_questions_not_all(bot, fresh, cache):
    n = len(offtopic.questions())
    model = Counting(bot.model)
    first = offtopic.vectors(model, "some-model")
    assert model.calls == n and len(list(cache.glob("*.npy"))) == 1
    np.testing.assert_allclose(first, fresh, atol=1e-5)
    again = offtopic.vectors(model, "some-model")
    assert model.calls == 2  # the two probes that check the file still matches the model
    np.testing.assert_array_equal(again, first)
    offtopic.vectors(model, "another-model")  # another model setting has a file of its own
    assert model.calls == n and len(list(cache.glob("*.npy"))) == 2
    assert not list(cache.glob(".offtopic-*"))  # no temporary file left behind


@pytest.mark.parametrize("damage", ["garbage", "other model", "fewer rows", "not finite", "other size"])
def test_a_cached_file_that_does_not_match_is_encoded_again(bot, fresh, cache, damage):
    model = Counting(bot.model)
    offtopic.vectors(model, "some-model")
    path = next(cache.glob("*.npy"))
    if damage == "garbage":
        path.write_bytes(b"\x93NUMPY not really")
    else:
        stored = np.load(path)
        changed = {"other model": np.roll(stored, 1, axis=0),  # rows a different model at that name would give
                   "fewer rows": stored[:-1],
                   "not finite": np.where(np.arange(len(stored))[:, None] == 7, np.nan, stored).astype(np.float32),
                   "other size": stored[:, :100]}[damage]
        np.save(path, changed)
    assert model.calls == len(fresh)
    vectors = offtopic.vectors(model, "some-model")
    assert model.calls in (len(fresh), len(fresh) + 2)  # all of them again, after the probes if it could read any
    np.testing.assert_allclose(vectors, fresh, atol=1e-5)
    np.testing.assert_allclose(np.load(path), fresh, atol=1e-5)  # and the file is right again


def test_a_cache_that_cannot_be_written_costs_only_time(bot, fresh, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    model = Counting(bot.model)
    for _ in range(2):
        np.testing.assert_allclose(offtopic.vectors(model, "some-model"), fresh, atol=1e-5)
    assert model.calls == 2 * len(fresh)
    assert blocker.read_text() == "a file where the cache folder would be"
