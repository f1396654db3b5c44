"""The pipeline: documents -> segments -> index -> retrieval -> answer (or abstention)."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from . import embedder, followup, index as index_mod, languages, messages, offtopic
from .abstain import (Abstainer, Decision, names_nothing, numeric_tokens, only_chatter, strongest_pull, unknown_to,
                      unknown_words, vocabulary, without)
from .answer import Answer, cite, extract, rival
from .config import DEFAULT_DOCS, DEFAULT_INDEX, INDEX_ENV, Settings, resolve_model
from .documents import absolute, file_stamp, load_documents, walk
from .lexical import plain, restates
from .naming import DocumentNames
from .retrieval import Retriever, language_lift


def clean_question(question) -> str:
    """The question as searched; ValueError for what is not a question at all."""
    if not isinstance(question, str):
        raise ValueError(f"question must be a str, not {type(question).__name__}")
    question = plain(question).strip()
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
        # absolute: a later os.chdir changes nothing (a reload would look elsewhere)
        self.paths = absolute([DEFAULT_DOCS] if paths is None else paths)
        if isinstance(index_dir, str) and not index_dir.strip():
            raise ValueError("index_dir is empty: give a folder")  # not the default one
        self.index_dir = Path(os.path.abspath(index_dir or os.environ.get(INDEX_ENV) or DEFAULT_INDEX))
        if self.index_dir.is_file():  # said first: a file inside the documents' folder would go missing from them
            raise index_mod.not_a_folder(self.index_dir)
        self.model = None
        self._rw = _ReadWrite()
        self._load(progress, rebuild)

    def _load(self, progress: bool = False, rebuild: bool = False) -> None:
        """Read the documents and load (or build) their index. The stamps refresh() compares are set last:
        a reload that fails (say, a document was deleted) is tried again by the next ask(), never half-used."""
        folders = self._folder_stamps()  # before listing them: a file added meanwhile shows as a change
        skipped: dict = {}  # files with nothing to quote yet, watched like documents
        documents = load_documents(self.paths, exclude=self.index_dir, skipped=skipped)
        if self.model is None:
            self.model = embedder.load_model(self.settings.model)
        index = index_mod.load_or_build(documents, self.settings, self.index_dir, self.model,
                                        progress=progress, rebuild=rebuild)
        self.documents, self.texts, self.index = documents, {d.source: d.text for d in documents}, index
        self.languages = index.languages
        self.corpus_languages = frozenset(self.languages.values())  # check 5 asks if a question shares theirs
        self.retriever = Retriever(self.index, self.settings.scoring)
        self.names = DocumentNames.fit(self.texts, index.titles)
        # what the documents say, for abstention checks 3 and 4; independent of scoring (see from_bot). A file's name
        # counts: "What was decided in minutes-2024-03-12?" names that document, not a date the text never gives
        self.numbers = set().union(*(numeric_tokens(t) for t in [*self.texts.values(), *self.names.file_names()]))
        self.words = vocabulary([*self.texts.values(), *self.names.file_names()])
        self._vocabularies: dict[frozenset[str], frozenset[str]] = {}
        self.abstainer = self._calibrate()
        self._folders, self._stamps = folders, {**skipped, **{d.path: d.stamp for d in documents}}

    def _folder_stamps(self) -> dict:
        # every folder load_documents walks, linked ones too: a file added or deleted there changes what it lists
        return {folder: self._listing(folder) for given in map(Path, self.paths) if given.is_dir()
                for folder, _ in walk(given, self.index_dir)}

    def _listing(self, folder: Path) -> tuple[str, ...]:
        """What a folder holds, by name: not its time, which the index folder changes when it is made among the
        documents (the first ask() reloaded everything for it), nor hidden entries; () if it is gone."""
        try:
            names = os.listdir(folder)
        except OSError:
            return ()
        return tuple(sorted(n for n in names if not n.startswith(".") and folder / n != self.index_dir))

    def changed(self) -> bool:
        """True when a document (or a folder of them) was edited, replaced, added or deleted since it was read."""
        return (any(file_stamp(path) != stamp for path, stamp in self._stamps.items())
                or any(self._listing(folder) != names for folder, names in self._folders.items()))

    def refresh(self) -> bool:
        """Reload documents and index if anything changed on disk (True if it did), so no answer ever quotes
        text the file no longer holds. DocumentError, naming the file, if a document is gone or unusable now.
        Costs one stat per document and one listing per folder when nothing changed; ask() calls it first."""
        if not self.changed():
            return False
        with self._rw.writing():  # waits for answers in progress; new ones wait for the reload
            if not self.changed():
                return False  # another thread reloaded meanwhile
            self._load()
        return True

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
        """Null distribution of this corpus: the best scores generic off-topic questions reach on it (after the
        language lift of a corpus of both languages, measured on the same searches)."""
        questions = offtopic.questions()
        retriever = self.retriever
        retriever.lift = {}  # measured on these very searches
        scored = [retriever.search(q, v) for q, v in zip(questions, self.index.null_queries)]
        retriever.lift = language_lift([languages.detect(q) for q in questions], scored, retriever.segment_languages)
        best = np.array([float(np.max(s.scores + retriever.lifted(q, s.ids))) for q, s in zip(questions, scored)])
        scoring = self.settings.scoring
        return Abstainer(questions, best, scoring.null_quantile, scoring.margin, self.numbers, self.words)

    def _vocabulary(self, named: set[str]) -> frozenset[str]:
        """Check 4's known words: those of the documents a question names, else of all of them. A question
        about one README that uses a word only the other README has still asks for something its document
        never says."""
        if not named:
            return self.words
        key = frozenset(named)
        known = self._vocabularies.get(key)
        if known is None:  # built outside the dict, so a concurrent clear() cannot lose it
            known = vocabulary([*(self.texts[s] for s in key), *self.names.file_names()])
            if len(self._vocabularies) > 64:
                self._vocabularies.clear()
            self._vocabularies[key] = known
        return known

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        return embedder.encode_spread(self.model, [t[: self.settings.max_question_chars] for t in texts], "query")

    def _pull(self, question: str, words: list, qvec: np.ndarray, variants: np.ndarray, seg_id: int,
              decision: Decision) -> Decision:
        """Check 4 of bot/abstain.py: abstain when leaving out a word the documents never use makes the
        question match its passage clearly better (the passage is about the rest of the question)."""
        ids = np.array([seg_id])
        sentence, context = self.index.vectors("sentences", ids)[0], self.index.vectors("contexts", ids)[0]
        s = self.settings.scoring
        score = lambda v: s.dense * (v @ sentence) + s.context * (v @ context)  # noqa: E731
        k, gain = strongest_pull(float(score(qvec)), score(variants))
        same = languages.detect(question) == self.languages[self.index.segments[seg_id].source]
        if gain >= (s.max_pull_same_language if same else s.max_pull):
            return Decision(True, decision.threshold, "word", (words[k].group(),))
        return decision

    def ask(self, question, history=None) -> Answer:
        question = clean_question(question)
        self.refresh()
        with self._rw.reading():
            return self._answer(question, history)

    def _answer(self, question: str, history=None) -> Answer:
        """Answer an already cleaned question (ask() cleans it and makes sure the documents are current)."""
        readings = followup.readings(question, history, self.documents[0].language)
        searched = readings[-1]
        if names_nothing(searched) or only_chatter(question):  # "What?", "ciao"; after a turn "Why?" leans on it
            return Answer(question, "", True, threshold=round(self.abstainer.threshold(question), 4),
                          message=messages.abstain_message(question, "vague"), resolved_question=question,
                          reason=messages.abstain_reason(question, "vague"), check="vague")
        n = len(readings)
        # documents the question names are searched alone (bot/naming.py); a follow-up that names its own
        # ("And for the GPL?") moves to them, leaving the one the earlier turn named
        named = self.names.named(question)
        if not named and n > 1:
            named = self.names.named(readings[-1])
        free = [self.names.without_names(r) for r in readings] if named else []
        # a standalone question is also encoded without each word the documents never use (check 4 of
        # bot/abstain.py), in the same batch: one model call either way
        vocab = self._vocabulary(named)
        words = unknown_words(searched, vocab) if n == 1 else []
        vectors = self.encode_questions(readings + free + [without(searched, w) for w in words])
        scored = self.retriever.search(readings, vectors[:n], named, vectors[n: n + len(free)] if named else None,
                                       free or None)
        scoring = self.settings.scoring
        best = float(scored.scores[0])
        segs = self.index.segments
        decision = self.abstainer.decide(question, best, segs[int(scored.ids[0])].text)
        # check 5: nothing in the documents is about any word of the question itself; a short question after a turn
        # can be a new topic too ("Chi ha vinto i mondiali?" is no question about the turn before)
        if not decision.abstain and (n == 1 or followup.may_change_topic(question, self.documents[0].language)):
            language = languages.detect(readings[0])
            nothing = unknown_to(readings[0], vocab, self.corpus_languages == {language})
            decision = Decision(True, decision.threshold, "unknown", nothing) if nothing else decision
        if words and not decision.abstain:
            decision = self._pull(searched, words, vectors[0], vectors[n + len(free):], int(scored.ids[0]), decision)
        if decision.abstain:
            closest = [cite(segs[i], s, self.texts[segs[i].source]) for i, s in zip(scored.ids[: scoring.top_k], scored.scores)]
            reason = messages.abstain_reason(question, decision.why, decision.found, best, decision.threshold)
            return Answer(question, "", True, closest, round(best, 4), round(decision.threshold, 4),
                          messages.abstain_message(question), searched, reason, decision.why)
        citations = extract(scored, segs, self.texts, scoring.pair_gain, scoring.top_k,
                            lambda seg: restates(searched, seg.text, self.languages[seg.source]), scoring.quote_chars,
                            frozenset(languages.expected_types(question)))
        # a near tie with another paragraph, just above the threshold: usually the wrong one of two (design.md)
        k = rival(scored, segs, citations[0])
        uncertain = (k is not None and best - float(scored.scores[k]) < scoring.uncertain_gap
                     and best - decision.threshold < scoring.uncertain_over)
        reason = messages.uncertain_reason(question, segs[int(scored.ids[k])]) if uncertain else ""
        return Answer(question, citations[0].text, False, citations, round(best, 4), round(decision.threshold, 4),
                      "", searched, reason, uncertain=uncertain)


class _ReadWrite:
    """Many readers (answers) at once, or one writer (a reload) alone; a waiting writer goes first."""

    def __init__(self):
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False

    @contextmanager
    def reading(self):
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self):
        with self._cond:
            self._cond.wait_for(lambda: not self._writer)
            self._writer = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


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
