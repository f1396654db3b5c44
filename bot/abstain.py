"""Abstention: answer only when the evidence beats what off-topic questions reach on this corpus.

Scores from one embedding model are compressed and shift with the corpus and with the question's
language (an English question against Italian text scores lower across the board), so no fixed
threshold works. Instead every corpus gets a null distribution: the best scores that a shipped set
of generic off-topic questions (bot/data/offtopic.txt) reach on it, kept per question language.
Before any of that, a question that names nothing to look for ("What?", "ciao", "Tell me more") is asked to
name something: any passage would be a guess (names_nothing; after a turn, "Why?" is a follow-up instead).
Then several signals must agree before we answer:
  1. the best passage's score is above a high quantile of the null scores for the question's language;
  2. when the question asks for a kind of thing, the quoted passage holds one: a number or a measure ("how old",
     "how long"; a list item "1." or "1)" or a "section 6" is a label, not a quantity), a year or date asked for
     by name ("in che anno", "what year"; "Wednesday" is no date), the moment of a past or planned event ("when was X
     set up?", "when will X join?": a date or an anchor such as "durante la visita", "entro il 2030"; a bare "when"
     is only a preference, as rules answer it with conditions), a count of a unit ("how many days" needs days:
     "five months" does not say how many days), a count of what the passage names next to a figure ("quanti
     treni": "più treni del solito" says no number of trains; a count asked for "today" is not a forecast, "by
     2030"), a price ("how much does it cost", "in euro": an amount of money or "free of charge"), a weight, a
     temperature or a length (a figure in its unit: "2.1 kg", "90 °C", "20 metri"; "for two people" does not say
     how heavy), a person asked for by role ("quale giornalista", "who wrote", "il capo": a name the question
     does not give, not a country or a month), an e-mail address asked for, and what someone said or how they
     reacted ("What did X say?": reported speech, a quote, "ha affermato", "said");
  3. every number or code the question names ("F-16", "1999") occurs somewhere in the corpus (a name fused
     with a number, "GPLv2", counts when the corpus uses both; a bare version, "v2", when it uses the number);
  4. no word of the question that the documents never use pulls it away from the quoted passage: with
     that word left out, the question must not match the passage clearly better ("Who is Ishiba's *wife*?"
     matches the sentence naming Ishiba better without "wife": the passage is about Ishiba, not his wife).
     "Clearly" is a smaller gain when question and passage share a language (Settings.scoring). Words about
     the document ("mentioned") or asking for a name ("si chiama") are never tested: no text needs them; nor,
     when check 2 asks for a figure, the dimension it measures ("how *wide*": a text says "a 40-metre hall").
  5. the documents use at least one content word of a question in their own language ("Chi ha vinto la Serie
     A?" about the article: nothing in it is about any of those words); a question of one word ("sushi",
     "qwertyuiop") in any language; a question whose content words are all of no language ("asdkjh qweoiu?", a
     name the documents never use). Across languages most words are unknown to the documents but are words of
     a language, and the model alone decides. After a turn, a short question that names a topic of its own
     ("Chi ha vinto i mondiali?") is checked too: read after that turn, it would quote that turn's answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import languages
from .languages import WORD
from .lexical import fold, options, stopwords
from .kinds import Counted, answer_type_match, question_words

# types whose absence means the passage cannot be the answer
STRICT_TYPES = {"number", "year", "date", "moment", "clock", "duration", "price", "weight", "temperature", "length",
                "email", "speech", "person", *languages.UNITS}


CODE_RUN = re.compile(r"[^\W_]+(?:[-./][^\W_]+)*")  # words joined by "-", "." or "/": "F-35", "1.5", "24/7"


def numeric_tokens(text: str) -> set[str]:
    """Words holding a digit ("2030", "F-16" -> "16", "g7"); linear time even on huge inputs."""
    return {t.lower() for t in WORD.findall(text) if any(c.isdigit() for c in t)}


def known_code(token: str, numbers: set[str], words: frozenset[str]) -> bool:
    """A numeric token the corpus knows: used as is, or a name it uses fused with a number it uses ("GPLv2"
    about a licence that says "GPL" and "Version 2"), or a version it uses ("v1" where it says "Version 1")."""
    fused, version = languages.FUSED.fullmatch(token), languages.VERSION.fullmatch(token)
    return (token in numbers or bool(fused and fused[1] in words and fused[2] in numbers)
            or bool(version and version[1] in numbers))


def vocabulary(texts: list[str]) -> frozenset[str]:
    """Every word of the documents, accent-folded, with its stem in each supported language."""
    words = {w for text in texts for w in WORD.findall(fold(text))}
    stems = {stem for code in languages.LANGUAGES for stem in languages.stemmer(code).stemWords(list(words))}
    return frozenset(words | stems)


@lru_cache(maxsize=1)
def _untested() -> frozenset[str]:
    """Words check 4 never tests, accent-folded: stopwords, function words, words about the document or
    asking for a name or a meaning."""
    return stopwords() | {fold(w) for w in languages.word_list("function_words", "document_words", "name_words",
                                                               "meaning_words")}


@lru_cache(maxsize=1)
def _qualifiers() -> frozenset[str]:
    """"di", "of"...: words that carry the kind of answer on ("quale agenzia di stampa"), accent-folded."""
    return frozenset(fold(w) for w in languages.word_list("qualifiers"))


@lru_cache(maxsize=1)
def _chatter() -> frozenset[str]:
    return frozenset(fold(w) for w in languages.word_list("chatter"))


@lru_cache(maxsize=1)
def _empty() -> frozenset[str]:
    """Words that name nothing: stopwords, function words, which/quale, asking for a name ("come si chiama?"),
    nouns of a kind of answer ("in quale paese?"), chatter. Not the words about the document that check 4 skips:
    "What is the Document?" asks for the GFDL's definition."""
    return stopwords() | {fold(w) for w in languages.word_list("function_words", "determiners", "name_words",
                                                                 "kinds", "chatter")}


def names_nothing(question: str) -> bool:
    """Every word is a function word or chatter ("What?", "How much?", "Tell me more", "ciao", "?"): nothing
    to look for. Any passage would be a guess (on the article, such questions had scored above the threshold)."""
    return not options(question) and all(w in _empty() or (len(w) < 2 and not w.isdigit())
                                         for w in WORD.findall(fold(question)))


def only_chatter(question: str) -> bool:
    """Every word is chatter ("Grazie!", "ok"): no question at all, not even a follow-up."""
    return all(w in _chatter() for w in WORD.findall(fold(question)))


def _spellings(word: str) -> list[str]:
    """The word, and its other English spellings: "licence" for a text that says "license", and back."""
    out = [word]
    if len(word) >= 5:
        for a, b in languages.SPELLINGS:
            out += [word.replace(x, y) for x, y in ((a, b), (b, a)) if x in word]
    return out


def unknown_words(question: str, vocab: frozenset[str], limit: int | None = 8, kinds: bool = False) -> list[re.Match]:
    """Content words of the question that the documents never use, in any form we can match (names and
    shared words are known; in a cross-language question most words are unknown, which is fine: the
    check below asks the model whether leaving each out helps)."""
    out, kind_words = [], 0
    # a figure or a duration asked for is checked by check 2; the dimension it measures ("how *wide*") is not
    measured = languages.expected_types(question) & {"number", "duration", "length"}
    measures = languages.word_list("measures") if measured else frozenset()
    for m in WORD.finditer(question):
        word = fold(m.group())
        # the (up to two) words right after "which/quale…" name the kind of answer ("which port city", "quale
        # agenzia di stampa": "di/of" does not end it):
        # a passage holding an instance of it ("Genova") rarely holds those words, so they are not tested.
        # Words asking for a name ("si chiama", "name") are not tested either: a text names without saying so
        if word in languages.word_list("determiners"):
            kind_words = 2
            continue
        if kind_words and word in _qualifiers():
            continue  # "quale agenzia *di* stampa": the kind goes on
        if word in _untested():
            kind_words = 0  # "which *is* the capital": the kind words have ended
            continue
        if kind_words:
            kind_words -= 1
            if not kinds:  # tested only when asked (check 5: "What voltage...?" uses a word the documents know)
                continue
        if len(word) < 3 or any(c.isdigit() for c in word) or word in measures or _known(word, vocab):
            continue
        out.append(m)
        if limit and len(out) == limit:
            break
    return out


def _known(word: str, vocab: frozenset[str]) -> bool:
    """A folded word the documents use, in any spelling or stemmed form we can match."""
    return any(w in vocab or any(languages.stemmer(code).stemWord(w) in vocab for code in languages.LANGUAGES)
               for w in _spellings(word))


def unknown_to(question: str, vocab: frozenset[str], same_language: bool) -> tuple[str, ...]:
    """Check 5: the question's content words if the documents use none of them and the question is in their
    language, is one word, or has only words of no language (names the documents never use, typos, keyboard
    mashing); else ()."""
    # the kind words after "which/what" count here, though check 4 leaves them untested: in "What voltage does it
    # need?" the documents know "voltage"
    content = unknown_words(question, frozenset(), limit=None, kinds=True)
    if not content:
        return ()
    unknown = unknown_words(question, vocab, limit=None, kinds=True)
    # a number or code the documents use is something they share with the question ("Which bug was #219?"), and
    # so is a two-letter name ("What does *ps* stand for?"), too short to be a content word above
    shared = (t for t in map(fold, WORD.findall(question))
              if len(t) >= 2 and (any(c.isdigit() for c in t) or (len(t) == 2 and t not in _untested())))
    if len(unknown) < len(content) or any(t in vocab for t in shared):
        return ()
    # across languages most words are unknown to the documents yet have a translation in them ("lighthouse":
    # "faro"), which the model matches; a word of no language has none
    if not (same_language or len(WORD.findall(question)) == 1
            or not any(languages.in_lexicon(m.group()) for m in unknown)):
        return ()
    return tuple(dict.fromkeys(m.group() for m in unknown))[:8]  # each once, and a few: the reason names them


def without(question: str, word: re.Match) -> str:
    return " ".join((question[: word.start()] + question[word.end():]).split())


def strongest_pull(question_score: float, variant_scores: np.ndarray) -> tuple[int, float]:
    """Which left-out word raises the passage's score most, and by how much."""
    if not len(variant_scores):
        return -1, 0.0
    gains = np.asarray(variant_scores) - question_score
    best = int(np.argmax(gains))
    return best, float(gains[best])


@dataclass(frozen=True)
class Decision:
    abstain: bool
    threshold: float
    why: str = ""                   # the check that abstained: "weak", "code", "kind", "word" or "unknown"
    found: tuple[str, ...] = ()     # what it found missing: the codes, the kinds of thing, the word


class Abstainer:
    def __init__(self, null_questions: list[str], null_best: np.ndarray, quantile: float, margin: float,
                 corpus_numbers: set[str], corpus_words: frozenset[str] = frozenset()):
        self.corpus_numbers, self.corpus_words = corpus_numbers, corpus_words
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
            return Decision(True, threshold, "weak")
        unknown = {t for t in numeric_tokens(question) if not known_code(t, self.corpus_numbers, self.corpus_words)}
        if unknown:
            # quoted as written, with the letters and digits it is joined to: "GPLv4", "F-35", "1.5"
            written = sorted({r for r in CODE_RUN.findall(question) if any(w.lower() in unknown for w in WORD.findall(r))})
            return Decision(True, threshold, "code", tuple(written))
        wanted = languages.expected_types(question) & STRICT_TYPES
        counted, given = Counted.of(question), question_words(question)
        if wanted and not answer_type_match(best_text, wanted, given, counted):
            if counted and counted.now:  # "how many today?": the passage may hold a forecast, never a current figure
                wanted = {"number_now" if kind == "number" else kind for kind in wanted}
            return Decision(True, threshold, "kind", tuple(sorted(wanted)))
        return Decision(False, threshold)
