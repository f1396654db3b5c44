"""Lexical evidence: BM25 (bm25s) over sentences, with Snowball stemming and accent folding.

Accents are folded so that typed-without-accents questions ("perche", "citta") still match.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import languages

# the combining diacritical marks NFKD splits off Latin letters (è -> e + U+0300); one regex pass is ~4x
# faster than testing every character, and documents are folded on every load (bot/abstain.py, bot/naming.py)
_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


# terminal colour codes ("\x1b[31m", pasted from a console) whole, so "31m" is not read as a word, and
# other control characters (tab and newline are whitespace already)
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain(text: str) -> str:
    """Typed text made safe to read: lone surrogates as "?", control characters as spaces."""
    return _CONTROL.sub(" ", text.encode("utf-8", "replace").decode("utf-8"))


def fold(text: str) -> str:
    """Lower-case, strip accents."""
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text.lower()))


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Stopwords of every supported language, accent-folded (questions and documents may differ in language)."""
    return frozenset(fold(w) for res in languages.LANGUAGES.values() for w in res["stopwords"])


# a command-line option, kept whole and in its case ("-n" and "-r", "-O" and "-o" are different options)
_OPTION = re.compile(r"(?<![\w-])--?[^\W\d_][\w-]*")


def options(text: str) -> list[str]:
    """The command-line options a text names ("-n", "--force"): they name something, one letter as they are."""
    return _OPTION.findall(text)


def terms(text: str, language: str) -> list[str]:
    """Stemmed content words (stopwords of both supported languages removed), and command-line options."""
    stop = stopwords()
    words = [w for w in languages.WORD.findall(fold(text)) if w not in stop and (len(w) > 1 or w.isdigit())]
    return languages.stemmer(language).stemWords(words) + options(text)


LIST_MARKER = re.compile(r"\s*([-*•]|\(?(\d{1,3}(\.\d{1,3})*|[a-z])[.)])\s")  # a list item's "3.", "-", "(a)"


def restates(question: str, sentence: str, language: str) -> bool:
    """True when every content word of the sentence (its list marker aside) is already in the question: it
    only restates what is asked ("2. Install the package." for "how to install the package on a laptop")."""
    marker = LIST_MARKER.match(sentence)
    words = set(terms(sentence[marker.end():] if marker else sentence, language))
    return bool(words) and words <= set(terms(question, language))


@lru_cache(maxsize=1)
def _referring() -> re.Pattern:
    words = "|".join(sorted(languages.word_list("referring"), key=len, reverse=True))
    return re.compile(rf"[\"«“]?((?:{words})(?:\s+|['’])|[lL]['’])([^\W\d_]{{4,}})", re.IGNORECASE)


def continues(sentence: str, following: str) -> bool:
    """True when `following` opens with a definite article or demonstrative and a noun `sentence` uses: it
    goes on about what `sentence` named ("La giunta nomina un comitato di esperti." / "Il comitato, detto CTS,
    si riunisce..."; "Fixes are prepared..." / "These fixes are not..."), so the two are one statement."""
    m = _referring().match(following)
    return bool(m and m[1][0].isupper() and fold(m[2]) in set(languages.WORD.findall(fold(sentence))))


@lru_cache(maxsize=1)
def _pointing() -> re.Pattern:
    words = "|".join(sorted(languages.word_list("pointing"), key=len, reverse=True))
    return re.compile(rf"[\"«“]?(?:{words})\b", re.IGNORECASE)


def points_back(following: str) -> bool:
    """True when `following` opens with a pronoun, demonstrative or possessive ("This change...", "They help...",
    "Ciò rende..."): it says more about what the sentence before it said."""
    return _pointing().match(following) is not None


@dataclass
class Lexical:
    bm25: "bm25s.BM25"  # noqa: F821
    language: str

    @classmethod
    def fit(cls, texts: list[str], language: str) -> "Lexical":
        import bm25s

        corpus = [terms(t, language) or ["<empty>"] for t in texts]
        model = bm25s.BM25()
        model.index(_to_tokenized(corpus), show_progress=False)
        return cls(model, language)

    def scores(self, question: str) -> np.ndarray:
        """BM25 score of every sentence; all zero when no question term occurs in the corpus."""
        known = [t for t in terms(question, self.language) if t in self.bm25.vocab_dict]
        if not known:
            return np.zeros(self.bm25.scores["num_docs"], dtype=np.float32)
        return self.bm25.get_scores(known).astype(np.float32)

    def holding_all(self, text: str, max_terms: int = 4) -> np.ndarray:
        """Which sentences hold every content word of `text` (a short phrase: more words, or one the corpus
        never uses, and none do)."""
        wanted = set(terms(text, self.language))
        found = np.zeros(self.bm25.scores["num_docs"], dtype=bool)
        if not wanted or len(wanted) > max_terms or not wanted <= self.bm25.vocab_dict.keys():
            return found
        found[:] = True
        for term in wanted:
            found &= self.bm25.get_scores([term]) > 0
        return found

    def save(self, folder: Path) -> None:
        self.bm25.save(str(folder))
        (folder / "language.json").write_text(json.dumps({"language": self.language}), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "Lexical":
        import bm25s

        language = json.loads((folder / "language.json").read_text(encoding="utf-8"))["language"]
        return cls(bm25s.BM25.load(str(folder)), language)


def _to_tokenized(corpus: list[list[str]]):
    """bm25s's Tokenized (ids + vocabulary) from already stemmed token lists."""
    import bm25s

    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(tok, len(vocab)) for tok in doc] for doc in corpus]
    return bm25s.tokenization.Tokenized(ids=ids, vocab=vocab)
