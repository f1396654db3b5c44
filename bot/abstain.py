"""Abstention: answer only when the evidence beats what off-topic questions reach on this corpus.

Scores from one embedding model are compressed and shift with the corpus and with the question's
language (an English question against Italian text scores lower across the board), so no fixed
threshold works. Instead every corpus gets a null distribution: the best scores that a shipped set
of generic off-topic questions (bot/data/offtopic.txt) reach on it, kept per question language.
Then several signals must agree before we answer:
  1. the best passage's score is above a high quantile of the null scores for the question's language;
  2. when the question asks for a number or a date, the quoted passage holds one;
  3. every number or code the question names ("F-16", "1999") occurs somewhere in the corpus.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from . import languages
from .retrieval import answer_type_match

STRICT_TYPES = {"number", "date"}  # types whose absence means the passage cannot be the answer
_WORD = re.compile(r"\w+")


def numeric_tokens(text: str) -> set[str]:
    """Words holding a digit ("2030", "F-16" -> "16", "g7"); linear time even on huge inputs."""
    return {t.lower() for t in _WORD.findall(text) if any(c.isdigit() for c in t)}


@dataclass(frozen=True)
class Decision:
    abstain: bool
    threshold: float
    reason: str = ""


class Abstainer:
    def __init__(self, null_questions: list[str], null_best: np.ndarray, quantile: float, margin: float,
                 corpus_numbers: set[str]):
        self.corpus_numbers = corpus_numbers
        by_lang: dict[str, list[float]] = {}
        for q, score in zip(null_questions, null_best):
            by_lang.setdefault(languages.detect(q), []).append(float(score))
        pooled = float(np.quantile(null_best, quantile))
        self.thresholds = {lang: float(np.quantile(v, quantile)) + margin if len(v) >= 10 else pooled + margin
                           for lang, v in by_lang.items()}
        self.default = pooled + margin

    def threshold(self, question: str) -> float:
        return self.thresholds.get(languages.detect(question), self.default)

    def decide(self, question: str, best_score: float, best_text: str) -> Decision:
        threshold = self.threshold(question)
        if best_score < threshold:
            return Decision(True, threshold, "weak evidence")
        unknown = numeric_tokens(question) - self.corpus_numbers
        if unknown:
            return Decision(True, threshold, f"the documents never mention {', '.join(sorted(unknown))}")
        wanted = languages.expected_types(question) & STRICT_TYPES
        if wanted and not answer_type_match(best_text, wanted):
            return Decision(True, threshold, f"no {'/'.join(sorted(wanted))} in the best passage")
        return Decision(False, threshold)
