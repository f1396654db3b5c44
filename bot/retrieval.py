"""Retrieval: score every candidate sentence by several kinds of evidence.

    score = w_dense   * cos(question, sentence)
          + w_context * cos(question, sentence in context)        (name, title, section, neighbours)
          + w_lexical * BM25(question, sentence) / best BM25      (only where the question shares words;
                                                                  halved across languages: names only)
          + w_type    * [sentence holds what the question asks for: a number, a date, a place, a reason]
          + w_intro   * [a "who/what is X?" question, and the sentence defines X, or first names it]
          + w_neg     * [the question negates ("not", "non", "senza") and so does the sentence]
          - w_hub     * hubness of the sentence (mean cosine to its 10 nearest off-topic probe questions)
          + lift      (question language, sentence language): in a corpus of both languages, how far a
                      question's scores on the other language's sentences start behind (language_lift)

Dense search (FAISS) over both vector sets proposes the candidates; the rest re-scores them.
All scoring functions are pure: they take arrays and return arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import languages
from .config import Scoring
from .index import Index
from .kinds import Counted, answer_type_match, question_words


def combine(features: np.ndarray, scoring: Scoring) -> np.ndarray:
    """Columns of `features`: dense, context, lexical, answer type, introduction, hubness, negation."""
    weights = np.array([scoring.dense, scoring.context, scoring.lexical, scoring.answer_type, scoring.introduces,
                        -scoring.hubness, scoring.negation], dtype=np.float32)
    return features @ weights


def language_lift(question_languages: list[str], scored: list["Scored"], segment_languages: np.ndarray
                  ) -> dict[tuple[str, str], float]:
    """What to add to a sentence's score so both languages of a mixed corpus start level: a question scores lower
    on every sentence of the other language (by 0.01-0.04 for English questions, 0.05-0.08 for Italian ones on
    the evaluation corpora), so it quoted a sentence of its own language that shares a few words over the one
    that answers, or abstained. Measured with the off-topic questions: per question language, the mean of their
    best score among each language's sentences; a language's lift is how far its mean falls behind the best
    one's. {} when the corpus has one language."""
    if len(set(segment_languages.tolist())) < 2:
        return {}
    best: dict[tuple[str, str], list[float]] = {}
    for lq, s in zip(question_languages, scored):
        seen: set[str] = set()
        for i, score in zip(s.ids, s.scores):  # best first: the first of each language is its best
            lp = str(segment_languages[i])
            if lp not in seen:
                seen.add(lp)
                best.setdefault((lq, lp), []).append(float(score))
    mean = {pair: float(np.mean(v)) for pair, v in best.items()}
    top = {lq: max(m for (q, _), m in mean.items() if q == lq) for lq, _ in mean}
    return {(lq, lp): top[lq] - m for (lq, lp), m in mean.items()}


@dataclass(frozen=True)
class Scored:
    ids: np.ndarray        # candidate segment ids, best first
    scores: np.ndarray     # combined score per candidate
    features: np.ndarray   # raw evidence per candidate (rows match ids)


class Retriever:
    """fit(index) once, then search(question, vector) per question."""

    def __init__(self, index: Index, scoring: Scoring, candidates: int = 50):
        self.index, self.scoring, self.candidates = index, scoring, candidates
        language = index.languages
        self.segment_languages = np.array([language[s.source] for s in index.segments])
        self.lift: dict[tuple[str, str], float] = {}  # set by the bot's calibration: see language_lift()

    def lifted(self, question: str, ids: np.ndarray) -> np.ndarray:
        """Each candidate's language lift for this question (zeros in a one-language corpus)."""
        if not self.lift:
            return np.zeros(len(ids), np.float32)
        lq = languages.detect(question)
        return np.array([self.lift.get((lq, str(lp)), 0.0) for lp in self.segment_languages[ids]], np.float32)

    def features(self, question: str, qvec: np.ndarray, ids: np.ndarray, lexical: np.ndarray | None = None,
                 name_free: np.ndarray | None = None) -> np.ndarray:
        segs = self.index.segments
        sentences = self.index.vectors("sentences", ids)
        dense = sentences @ qvec
        if name_free is not None:  # the question also read without the document names it uses (bot/naming.py)
            dense = 0.5 * (dense + sentences @ name_free)
        context = self.index.vectors("contexts", ids) @ qvec
        bm25 = self.index.bm25.scores(question) if lexical is None else lexical
        top = float(bm25.max()) if bm25.size else 0.0
        lex = bm25[ids] / top if top > 0 else np.zeros(len(ids), np.float32)
        same = self.segment_languages[ids] == languages.detect(question)
        lex = np.where(same, lex, lex * self.scoring.lexical_cross_language)  # across languages only names match
        wanted, given = languages.expected_types(question), question_words(question)
        counted = Counted.of(question)
        types = np.array([answer_type_match(segs[i].text, wanted, given, counted) for i in ids], dtype=np.float32)
        intro = np.isin(ids, self.introductions(question)).astype(np.float32)
        negation = [languages.negated(segs[i].text) for i in ids] if languages.negated(question) else np.zeros(len(ids))
        return np.column_stack([dense, context, lex, types, intro, self.index.hub[ids], negation]).astype(np.float32)

    def introductions(self, question: str) -> list[int]:
        """For "who/what is X?", the sentence of each document that says what X is: the first that defines it
        ('"Standard Version" refers to...'), else the first that names it. News and READMEs say who or what
        something is where they first mention it ("il sindaco di Torino Mario Rossi") and later
        repeat the bare name; licences define their terms after using them."""
        subject = languages.definition_subject(question)
        if not subject:
            return []
        first: dict[str, int] = {}
        defining: dict[str, int] = {}
        definition = languages.definition_of(subject)
        for i in np.flatnonzero(self.index.bm25.holding_all(subject)):  # segments are in document order
            seg = self.index.segments[i]
            first.setdefault(seg.source, int(i))
            if seg.source not in defining and definition.search(seg.text.lower()):
                defining[seg.source] = int(i)
        return list({**first, **defining}.values())

    def candidates_for(self, question: str, qvec: np.ndarray, bm25: np.ndarray) -> set[int]:
        k = min(self.candidates, len(self.index.segments))
        ids: set[int] = set()
        for index in (self.index.sentences, self.index.contexts):
            _, found = index.search(qvec.reshape(1, -1), k)
            ids.update(int(i) for i in found[0] if i >= 0)
        ids.update(int(i) for i in np.argsort(-bm25)[:k] if bm25[i] > 0)  # rare exact words dense search misses
        return ids

    def search(self, questions: str | list[str], qvecs: np.ndarray, sources: set[str] | None = None,
               name_free: np.ndarray | None = None, name_free_texts: list[str] | None = None) -> Scored:
        """Candidates for one question, or for several readings of it (a follow-up alone and with the
        turn it follows), scored by the mean over readings so neither the old topic nor the new words win alone.
        sources: only these documents (the ones the question names); name_free: each reading's vector
        without those names; name_free_texts: each reading without them, for BM25 (inside the named document
        its name is no evidence, and BM25 would favour the shortest sentence repeating it)."""
        questions = [questions] if isinstance(questions, str) else questions
        qvecs = qvecs.reshape(len(questions), -1)
        free = [None] * len(questions) if name_free is None else name_free.reshape(len(questions), -1)
        bm25 = [self.index.bm25.scores(q) for q in (name_free_texts or questions)]
        ids: set[int] = set()
        for q, v, b in zip(questions, qvecs, bm25):
            ids |= self.candidates_for(q, v, b)
        segs = self.index.segments
        if sources and any(segs[i].source in sources for i in ids):
            ids = {i for i in ids if segs[i].source in sources}
        cand = np.array(sorted(ids), dtype=np.int64)
        feats = np.mean([self.features(q, v, cand, b, f) for q, v, b, f in zip(questions, qvecs, bm25, free)], axis=0)
        scores = combine(feats, self.scoring) + self.lifted(questions[0], cand)
        order = np.argsort(-scores, kind="stable")
        return Scored(cand[order], scores[order], feats[order])
