"""The pipeline: documents -> segments -> index -> retrieval -> answer (or abstention)."""
from __future__ import annotations

import os
import re
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import embedder, followup, index as index_mod, languages
from .abstain import Abstainer, numeric_tokens
from .answer import Answer, cite, extract
from .config import DEFAULT_DOCS, DEFAULT_INDEX, INDEX_ENV, Settings, resolve_model
from .documents import load_documents
from .retrieval import Retriever

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_question(question) -> str:
    """The question as searched; ValueError for what is not a question at all."""
    if not isinstance(question, str):
        raise ValueError(f"question must be a str, not {type(question).__name__}")
    question = question.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> '?'
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise ValueError("question is empty: ask something about the document")
    return question


class Bot:
    """A question-answering bot over a fixed set of documents.

    Bot() answers about the bundled article; Bot(paths, index_dir=..., model=...) about any files or folders.
    """

    def __init__(self, paths=None, index_dir: str | Path | None = None, model: str | None = None,
                 settings: Settings | None = None, progress: bool = False, rebuild: bool = False):
        self.settings = (settings or Settings()).with_model(resolve_model(model))
        self.documents = load_documents(paths if paths is not None else [DEFAULT_DOCS])
        self.texts = {d.source: d.text for d in self.documents}
        self.model = embedder.load_model(self.settings.model)
        index_dir = Path(index_dir or os.environ.get(INDEX_ENV) or DEFAULT_INDEX)
        self.index = index_mod.load_or_build(self.documents, self.settings, index_dir, self.model,
                                             progress=progress, rebuild=rebuild)
        self.retriever = Retriever(self.index, self.settings.scoring)
        self.abstainer = self._calibrate()

    @classmethod
    def from_bot(cls, other: "Bot", scoring) -> "Bot":
        """The same documents, model and index, scored differently (for baselines and experiments)."""
        bot = cls.__new__(cls)
        bot.__dict__.update(other.__dict__)
        bot.settings = replace(other.settings, scoring=scoring)
        bot.retriever = Retriever(bot.index, scoring)
        bot.abstainer = bot._calibrate()
        return bot

    def _calibrate(self) -> Abstainer:
        """Null distribution of this corpus: the best scores generic off-topic questions reach on it."""
        questions = index_mod.offtopic_questions()
        best = np.array([self.retriever.search(q, v).scores[0] for q, v in zip(questions, self.index.null_queries)])
        scoring = self.settings.scoring
        numbers = set().union(*(numeric_tokens(t) for t in self.texts.values()))
        return Abstainer(questions, best, scoring.null_quantile, scoring.margin, numbers)

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        return embedder.encode(self.model, [t[: self.settings.max_question_chars] for t in texts], "query")

    def ask(self, question, history=None) -> Answer:
        question = clean_question(question)
        readings = followup.readings(question, history, self.documents[0].language)
        scored = self.retriever.search(readings, self.encode_questions(readings))
        scoring = self.settings.scoring
        best = float(scored.scores[0])
        segs = self.index.segments
        decision = self.abstainer.decide(question, best, segs[int(scored.ids[0])].text)
        searched = readings[-1]
        if decision.abstain:
            closest = [cite(segs[i], s, self.texts[segs[i].source]) for i, s in zip(scored.ids[: scoring.top_k], scored.scores)]
            return Answer(question, "", True, closest, round(best, 4), round(decision.threshold, 4),
                          languages.abstain_message(question), searched)
        citations = extract(scored, segs, self.texts, scoring.pair_gain, scoring.top_k)
        return Answer(question, citations[0].text, False, citations, round(best, 4), round(decision.threshold, 4),
                      "", searched)


_default: Bot | None = None
_default_lock = threading.Lock()


def default_bot() -> Bot:
    global _default
    with _default_lock:
        if _default is None:
            _default = Bot()
        return _default


def ask(question, history=None) -> Answer:
    """Ask the default bot (the bundled article, index in index/)."""
    return default_bot().ask(question, history)
