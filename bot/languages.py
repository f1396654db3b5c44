"""Per-language functions: which language a text is in, what kind of answer a question asks for, stemmers and
word lists. The resources themselves (stopwords, cues, abbreviations...) are data in bot/language_data.py.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from .language_data import LANGUAGES, SPELLINGS, UNITS  # noqa: F401 (used through this module)

COUNT_OF = re.compile(r"\b(?:how many|quant[ei])\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?")  # "how many (calendar) days"
DEFAULT_LANGUAGE = "en"
WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" splits (Markdown's __bold__, snake_case)
FUSED = re.compile(r"([^\W\d_]{2,}?)v?(\d+)")  # a name fused with its version: "gpl2", "gplv3", "python3"
VERSION = re.compile(r"v(\d+(?:\.\d+)*)", re.IGNORECASE)  # a version on its own: "GPL v1", "v2.1"


# a question about the present, and a clause that gives a forecast (any supported language: the passage's may differ)
NOW = re.compile("|".join(res["now"] for res in LANGUAGES.values()), re.IGNORECASE)
PROJECTION = re.compile("|".join(res["projection"] for res in LANGUAGES.values()), re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:%s)\b|n['’]t\b" % "|".join(w for res in LANGUAGES.values() for w in res["negations"]),
                       re.IGNORECASE)


def negated(text: str) -> bool:
    """Does the text negate, in any supported language ("not", "isn't", "non", "senza")?"""
    return _NEGATION.search(text) is not None


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


@lru_cache(maxsize=None)
def _markers(code: str) -> frozenset[str]:
    """Words that tell a text's language: its stopwords, and its greetings and thanks ("ciao", "grazie")."""
    return frozenset(LANGUAGES[code]["stopwords"]) | frozenset(LANGUAGES[code]["chatter"])


def detect(text: str) -> str:
    """The supported language with most stopwords (or greetings) in `text`; a tie (none, or "o", "ok", which both
    have) is guessed."""
    tokens = words(text)
    if not tokens:
        return DEFAULT_LANGUAGE
    hits = sorted(((sum(t in _markers(code) for t in tokens), code) for code in LANGUAGES), reverse=True)
    # no function word, or as many of one language as of another ("o" is Italian and English): ask n-grams
    return hits[0][1] if hits[0][0] > hits[1][0] else _guess(text)


def _guess(text: str, confidence: float = 0.9) -> str:
    """Keywords without function words ("mpl responsabilita morte negligenza"): character n-grams (py3langid)
    decide when confident; English otherwise (names alone, "nato summit", belong to no language). Over our
    416 eval questions this halved wrong detections, 4 -> 2 (docs/design.md)."""
    code, probability = _identifier().classify(text)
    return code if probability >= confidence else DEFAULT_LANGUAGE


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # loads a 3 MB model: only when needed

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


@lru_cache(maxsize=1)
def not_people() -> frozenset[str]:
    """Capitalised words that name no person, accent-folded, in every supported language: countries and regions,
    languages, months and weekdays ("Cina", "Germany", "Italiano", "Mercoledì"), from CLDR's data (babel)."""
    from babel import Locale  # CLDR tables: loaded only for a question that asks for a person

    from .lexical import fold  # lexical imports this module

    out: set[str] = set()
    for code in LANGUAGES:
        locale = Locale(code)
        names = [*locale.territories.values(), *locale.languages.values()]
        names += [n for context in ("format", "stand-alone") for table in (locale.days, locale.months)
                  for n in table[context]["wide"].values()]
        out.update(w for name in names for w in WORD.findall(fold(name)))
    return frozenset(out)


def in_lexicon(word: str) -> bool:
    """Is this a word of any supported language (pyspellchecker's word lists, built from subtitles): not a name
    that no dictionary holds ("Rutte"), a typo or something typed at random ("qweoiu")."""
    return any(word.lower() in checker for checker in _lexicons())


@lru_cache(maxsize=1)
def _lexicons() -> tuple:
    from spellchecker import SpellChecker  # 0.2 s and ~30 MB: only for a question nothing in the documents is about

    return tuple(SpellChecker(language=res["lexicon"], distance=1) for res in LANGUAGES.values())


def expected_types(question: str) -> set[str]:
    """Answer types a question asks for, from the cue words of both languages."""
    q = unscoped(question).lower()
    kinds = {kind for res in LANGUAGES.values() for pattern, kind in res["cues"] if re.search(pattern, q)}
    if kinds & {"duration", "price", "weight", "temperature", "length"}:
        # "quanto tempo": "un anno" holds no figure; "quanto costa": "gratis" neither; a weight, a temperature or
        # a length is a figure in its own unit ("for two people" does not say how heavy, "30 km" how tall)
        return kinds - {"number"}
    units = {unit for m in COUNT_OF.finditer(q) for unit, names in UNITS.items() if {m[1], m[2]} & set(names)}
    return kinds | units | ({"number"} if units else set())


def unscoped(question: str) -> str:
    """The question without a leading scope ("Under the GPL, how many..." -> "how many...")."""
    question = question.strip()
    for res in LANGUAGES.values():
        scope = re.match(res["scope"], question, re.IGNORECASE)
        if scope:
            return question[scope.end():]
    return question


def definition_subject(question: str) -> str:
    """X in "who/what is X?", up to its first function word ("chi è il sindaco di Torino" -> "il sindaco";
    "what is a Bundled Edition under the licence" -> "a bundled edition"); "" for
    any other question, including "what is X for?" (a subject ending in a function word is a clause). A
    quoted subject is taken whole."""
    q = unscoped(question)  # "Under the GPL, what is a covered work?"
    for res in LANGUAGES.values():
        cue = re.match(res["definition"], q, re.IGNORECASE)
        if not cue:
            continue
        # 'what is a "tool that reads the Archive"': a quoted subject is one term
        quoted = re.search(r'["“«]([^"”»]{2,80})["”»]', q[cue.end():])
        if quoted:
            return " ".join(words(quoted[1]))
        subject = words(q[cue.end():])
        function = [any(w in other["stopwords"] for other in LANGUAGES.values()) for w in subject]
        if not subject or function[-1]:
            return ""
        if re.search(r"\w['’]s\b", q[cue.end():]):  # "Rossi's party": the head comes after the "'s"
            return " ".join(subject)
        first = function.index(False)
        end = next((i for i in range(first, len(subject)) if function[i]), len(subject))
        return " ".join(subject[:end])
    return ""


def _prefix(word: str, language: str) -> str:
    """What every form of `word` starts with: its stem, cut where the stemmer respelled it (copy -> copi,
    libraries -> librari: "cop", "librar")."""
    stem = os.path.commonprefix([word, stemmer(language).stemWord(word)])
    return stem.rstrip("i") if len(stem.rstrip("i")) >= 3 else stem


def definition_of(subject: str) -> re.Pattern:
    """A (lower-cased) sentence that defines `subject`: it opens with the subject's words (each stem as a
    prefix; an article, quotes or markup before), perhaps an apposition or a qualifier ("of the document"),
    then a defining verb ('"standard version" refers to', '"transparent" copy of the document means',
    "__zstandard__, or `zstd` as short version, is"); or anywhere, a naming verb and then the subject
    ('is called a "tool that reads the archive"')."""
    stems = [_prefix(w, detect(subject)) for w in words(subject)
             if not any(w in res["stopwords"] for res in LANGUAGES.values())]
    articles, qualifiers = ("|".join(sorted({w for res in LANGUAGES.values() for w in res[key]}))
                            for key in ("articles", "qualifiers"))
    verbs = "|".join(sorted({v for res in LANGUAGES.values() for v in res["defining"]}, key=len, reverse=True))
    name = r"\w*(?:\W+\w+){0,2}?\W+".join(re.escape(s) for s in stems)
    naming = "|".join(sorted({v for res in LANGUAGES.values() for v in res["naming"]}, key=len, reverse=True))
    return re.compile(rf"^[\W_]*(?:(?:{articles})[\W_]+)?{name}\w*"
                      rf"(?:,[^,.;]{{1,80}},|[\W_]+(?:{qualifiers})(?:[\W_]+[^\W_]+){{1,3}}?)?[\W_]+(?:{verbs})\b"
                      rf"|\b(?:{naming})[\W_]+(?:(?:{articles})[\W_]+)?[\"“'`«]?{name}")


@lru_cache(maxsize=None)
def word_list(*keys: str) -> frozenset[str]:
    """The words of these per-language lists, every language together: "determiners" ("which", "quale"),
    "document_words" ("mentioned"), "name_words" ("si chiama"), "meaning_words" ("significa"), "function_words"
    ("secondo"), "measures" ("how *wide*"), "qualifiers" ("di"), "kinds" ("paese"), "chatter" ("grazie"); see
    bot/abstain.py; "question_words" ("quando", "why"), see bot/followup.py."""
    return frozenset(w for res in LANGUAGES.values() for key in keys for w in res[key])


@lru_cache(maxsize=None)
def stemmer(code: str):
    import Stemmer  # PyStemmer: Snowball stemmers in C

    return Stemmer.Stemmer(LANGUAGES.get(code, LANGUAGES[DEFAULT_LANGUAGE])["stemmer"])
