"""The kinds of thing a question asks for, and whether a passage holds one: a number, a year, a date, a time of
day, a duration, a price, a weight, a temperature, a length, a place, a person, reported speech, a reason.

languages.expected_types reads the kinds from the question's cue words; answer_type_match tells whether a passage
holds them. Retrieval uses it as one piece of evidence (bot/retrieval.py), abstention requires the strict kinds
(bot/abstain.py, check 2). Patterns cover Italian and English alike: a passage's language may differ from the
question's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import languages
from .lexical import LIST_MARKER, fold, stopwords

# a year: 1000-2099, or four digits after "nel", "in", "anno", "year"... ("nel 1320", "in 2150")
_DATED = re.compile(r"\b(?:nel|nell['’]anno|anno|dal|fino al|entro il|in|year|since|until|by)\s+\d{4}\b", re.IGNORECASE)
_YEAR = r"\b(?:1\d\d\d|20\d\d)\b|" + _DATED.pattern
# a date asked for by name ("what date", "in che data"): a year, a month, or a date in figures ("12/03/24",
# "12-03-2024"; "12.03.2024" by its year; a version, "2.1.12", is none); a weekday or "today" only says when, and
# is no date. English "may" is a month only next to a day ("May 3", "3rd of May"), a short month only before or
# after one ("Jan 5", "3 mag")
_MONTHS_LONG = (r"gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre|"
                r"january|february|march|april|june|july|august|september|october|november|december")
_MONTHS_SHORT = r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|gen|mag|giu|lug|ago|set|ott|dic)\.?"
_CALENDAR = re.compile(_YEAR + rf"|\b(?:{_MONTHS_LONG})\b|"
                       r"\bmay\s+\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?may\b|"
                       rf"\b{_MONTHS_SHORT}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTHS_SHORT}(?!\w)|"
                       r"(?<![\w.])\d{1,2}(?:/\d{1,2}/|-\d{1,2}-)\d{2}(?:\d{2})?(?!\d|[\w.]\d)", re.IGNORECASE)
_DATE = re.compile(_CALENDAR.pattern + r"|\b(?:luned|marted|mercoled|gioved|venerd|sabato|domenica|oggi|ieri|monday|"
                   r"tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday)", re.IGNORECASE)
# Italian writes numbers as one word ("duemila", "trentadue", "quarantamila"): two or more of these parts
_IT_PARTS = (r"un|uno|due|tre|tré|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|tredici|quattordici|quindici|"
             r"sedici|diciassette|diciotto|diciannove|venti?|trenta?|quaranta?|cinquanta?|sessanta?|settanta?|ottanta?|"
             r"novanta?|cento|mille|mila")
# not "hundreds", "centinaia": a rough size ("hundreds of CPUs") does not say how many. "XNUMX" is the
# placeholder scraped news text carries where a figure was lost (the bundled article has one): a figure all the same
_NUMERALS = (rf"XNUMX|(?:{_IT_PARTS}){{2,}}|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|venti|trenta|quaranta|"
             r"cinquanta|sessanta|settanta|ottanta|novanta|cento|mille|milion[ei]|miliard[oi]|dozzina|two|three|four|five|"
             r"six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
             r"thousand|million|billion|dozen")
# units of a duration or length: the countable units of languages.UNITS, and finer or textual ones
_UNITS = "|".join([*(w for names in languages.UNITS.values() for w in names), r"seconds?", r"minutes?", r"lines?",
                   r"words?", "characters", "secondi", "secondo", r"minut[oi]", "righe", "parole", "caratteri"])
# labels, not quantities: list markers at a line's start ("1. ", "2.1)"), list items ("(1)", "0)") and references
# ("section 6", "Article 5.2")
_LABEL = re.compile(f"(?m:^{LIST_MARKER.pattern})|"
                    r"\(\d{1,2}\)|(?<![\w.,])\d{1,2}\)|\b(?:sections?|sezion[ei]|articles?|articol[oi]|paragraphs?|"
                    r"paragraf[oi]|clauses?|claus(?:ola|ole)|options?)\s+\d+[a-z]?\d*(?:\.\d+)*"
                    r"(?:\s*(?:and|or|e|o|,)\s*\d+(?:\.\d+)*)*", re.IGNORECASE)


def _unless_closing(label: re.Match) -> str:
    """A label blanked, unless its ")" closes a parenthesis of its line: "(default 4)", "(at most 3 people)"
    hold a figure."""
    line = label.string[label.string.rfind("\n", 0, label.start()) + 1:label.start()]
    closing = label.group().endswith(")") and not label.group().startswith("(") and line.count("(") > line.count(")")
    return label.group() if closing else " "


# a clause: what lies between punctuation ("China has 500 today, and by 2030 it will have 1,000": two)
_CLAUSE = re.compile(r"[^,;:.!?()\n]+")
# a figure starts a token: the digits of a name or version ("CC0", "GPLv2", "v2.1") count nothing
_FIGURE = r"(?<![\w.])\d"
_ISO = r"(?:EUR|USD|GBP|CHF|JPY|CNY|CAD|AUD|SEK|NOK|DKK|PLN|CZK|HUF|INR|BRL)"  # currency codes, as amounts write them
_TYPE_PATTERNS = {
    # "di un minuto", "for a week": one of a unit is a quantity too
    # (number words in any case, "Twelve countries...", but not English "due to")
    "number": re.compile(rf"{_FIGURE}|\b(?!(?i:due\s+to)\b)(?i:{_NUMERALS})\b|\b(?i:a|an|un|uno|una)\s+(?i:{_UNITS})\b"),
    "year": re.compile(_YEAR),  # "in che anno?": a weekday or "today" does not say which year
    "date": _CALENDAR,
    "time": _DATE,  # "when?": a date is preferred, not required (see language_data.py)
    # "when did it happen?": a date, or an event or period it is anchored to ("durante il vertice di Roma",
    # "da quando è finita la guerra", "negli ultimi anni"); not "prima" alone, which is also "first"
    "moment": re.compile(_DATE.pattern + r"|\b(?:durante|dopo|mentre|da quando|quando|entro|fino a|negli ultimi|"
                         r"anni fa|recentemente|di recente|nel corso d\w*|in occasione d\w*|"
                         r"prima (?:di|del|dello|della|dei|degli|delle|dell['’])|during|after|before|since|while|"
                         r"when|recently|ago|last (?:year|month|week)|until|at the time|in the past|earlier|later)\b",
                         re.IGNORECASE),
    # a time of day: "09:30", "9.30-13.00", "10:30:00" (not "3.150,00", "$3.15" nor "version 2.10"), "9 am",
    # "alle 10", "alle nove", "all'una", "at noon", "half past nine" (not "at one point")
    "clock": re.compile(r"(?<![\w.,:$€£])(?<!version )(?<!versione )(?<!release )(?:[01]?\d|2[0-3])[:.][0-5]\d"
                        r"(?::[0-5]\d)?(?!\d|[.,:]\d)|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)|"
                        r"\b(?:(?:alle|dalle|entro le|fino alle|verso le)(?: ore)?|le ore|at|from|until)\s+\d{1,2}"
                        r"(?!\d|[.,:/-]\d|\s*(?:%|per|km|kg|mph|miles|metri))|"
                        r"\ball['’]una\b|\b(?:half past|quarter past|quarter to)\b|"
                        rf"\b(?:alle|dalle|fino alle)\s+(?:{_IT_PARTS})+\b|\b(?:at|from|until)\s+(?:two|three|four|five|"
                        r"six|seven|eight|nine|ten|eleven|twelve)\b(?!\s+(?:of|times|days|weeks|months|years|people|percent))|"
                        r"\b(?:noon|midnight|mezzogiorno|mezzanotte|o['’]clock)\b", re.IGNORECASE),
    "place": re.compile(r"\b(?:a|in|presso|at|from|da|di|al|alla|ai|alle|dal|dalla|nel|nella|nei|nelle)\s+"
                        r"([A-Z][a-zà-ÿ]+)"),
    # "how long?": a figure, or a unit of time or length ("at least one week", "six lines"); "one" only here,
    # where it counts something ("one of the parties" would satisfy any "how many")
    "duration": re.compile(rf"{_FIGURE}|\b(?:{_NUMERALS}|one|{_UNITS})\b", re.IGNORECASE),
    **{unit: re.compile(rf"\b(?:{'|'.join(names)})\b", re.IGNORECASE) for unit, names in languages.UNITS.items()},
    # a price: an amount of money, or that it is free ("free of charge", "gratuitamente")
    # (ISO codes in capitals next to a figure: "4,500 GBP", "CHF 120"; a currency's name, not a compound's first
    # part: "euro-atlantica")
    "price": re.compile(rf"[$€£¥]|(?-i:\b(?:{_ISO}\s?\d[\d.,]*|{_FIGURE}[\d.,]*\s?{_ISO})\b)|"
                        r"\b(?:dollar[is]?|euros?|eur|usd|yen|pounds?|sterlin[ae]|cents?|centesimi|"
                        r"free of charge|no charge|at no cost|gratis|gratuit\w*)\b(?!-\w)", re.IGNORECASE),
    # a weight or a temperature: a figure in its unit ("2.1 kg", "due etti", "180 °C", "90 gradi")
    # ("3G" is no weight: "g" lower-case only; "1° maggio", "3° posto" are ordinals, no temperature)
    "weight": re.compile(rf"(?:{_FIGURE}[\d.,]*[-\s]?|\b(?:{_NUMERALS}|one|a|an|un|uno|una|mezzo|half a)\s)(?:kg|(?-i:g)|"
                         r"mg|hg|gr|lbs?|oz|kilos?|kilograms?|kilogrammes?|grams?|grammes?|pounds?|ounces?|tons?|tonnes?|"
                         r"chil[oi]|chilogramm[oi]|grammi|grammo|ett[oi]|libbr[ae]|once|tonnellat[ae]|quintal[ei])\b",
                         re.IGNORECASE),
    "temperature": re.compile(rf"(?:{_FIGURE}[\d.,]*\s?|\b(?:{_NUMERALS})\s)(?:[°º](?!\s*(?:{_MONTHS_LONG}|posto|"
                              r"classificat\w*|piano|livello|grado|secolo|anno|volta|edizione|round)\b)|degrees?|"
                              r"gradi|grado)|°[CF]\b|\broom temperature\b|\btemperatura ambiente\b",
                              re.IGNORECASE),
    # a length or a distance: a figure in its unit ("20 metri", "a 40-metre hall", "an 80-column terminal"; not "3 in")
    "length": re.compile(rf"(?:{_FIGURE}[\d.,]*[-\s]?|\b(?:{_NUMERALS}|one|a|an|un|uno|una|mezzo|half a)[-\s])(?:km|m|cm|mm|"
                         r"mi|ft|yd|metr[oi]|chilometr[oi]|centimetr[oi]|millimetr[oi]|migli[oa]|meters?|metres?|"
                         r"kilometers?|kilometres?|centimeters?|centimetres?|millimeters?|millimetres?|miles?|feet|"
                         r"foot|inch(?:es)?|yards?|piedi|pollici|piani|floors?|storeys?|stories|"
                         r"columns?|colonn[ae]|characters?|caratteri|pixels?|px)\b", re.IGNORECASE),  # a screen's too
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # reported speech: a quote, a verb of saying, a statement or interview ("in risposta a" is no reply)
    "speech": re.compile(r"[\"“”«»]|\b(?:affermat\w*|affermando|dett[oaie]|dicendo|dichiarat\w*|dichiarazion\w*|"
                         r"aggiunt[oaie]|sottolineat\w*|sottolineando|spiegat\w*|osservat\w*|ribadit\w*|annunciat\w*|"
                         r"avvertit\w*|rispost[oi]|replicat\w*|commentat\w*|allarme|intervista|secondo (?-i:[A-Z])\w*|"
                         r"said|says|told|stated|added|noted|warned|replied|responded|announced|according to|statement|"
                         r"interview)\b", re.IGNORECASE),
    "reason": re.compile(r"\b(?:perch[eéè]|poich[eéè]|in quanto|dato che|siccome|in risposta a\w*|a causa d\w*|"
                         r"per via d\w*|because|since|so that|due to|in response to|as a result of|owing to)\b",
                         re.IGNORECASE),
}


def question_words(question: str) -> frozenset[str]:
    """The question's words, accent-folded: what a place or a person in the answer must not merely repeat."""
    return frozenset(map(fold, languages.WORD.findall(question)))


def answer_type_match(text: str, wanted: set[str], given: frozenset[str] = frozenset(),
                      counted: Counted | None = None) -> float:
    """1.0 when the sentence holds every kind of thing the question asks for, 0 when it asks for none.
    A place must be one the question does not name (`given`: its accent-folded words): "Where did Rossi
    speak?" is not answered by "accanto a Rossi". A figure must count what the question counts (`counted`)
    when the sentence names that: "più treni del solito" does not say how many trains."""
    if not wanted:
        return 0.0
    return float(all(_holds(text, kind, given, counted) for kind in wanted))


@dataclass(frozen=True)
class Counted:
    """What a "how many"/"quanti" question counts: the stems of the (up to two) words after it, in its language,
    and whether it asks how many there are now ("today", "attualmente")."""
    language: str
    stems: frozenset[str]
    now: bool = False

    @classmethod
    def of(cls, question: str) -> Counted | None:
        question = languages.unscoped(question).lower()
        found = {w for m in languages.COUNT_OF.finditer(question) for w in m.groups() if w}
        found = {fold(w) for w in found} - stopwords()
        now = languages.NOW.search(question) is not None
        if not found and not now:
            return None
        language = languages.detect(question)
        return cls(language, frozenset(languages.stemmer(language).stemWords(sorted(found))), now)

    def current(self, text: str) -> str:
        """The text with every clause that gives a forecast blanked, for a question about now: "si prevede che
        entro il 2030 avrà 40 navi" does not say how many there are today."""
        if not self.now:
            return text
        return _CLAUSE.sub(lambda m: " " * len(m.group()) if languages.PROJECTION.search(m.group()) else m.group(),
                           text)

    def near_figure(self, text: str, reach: int = 6) -> bool | None:
        """Is a figure within `reach` words of a word naming what is counted ("40 treni", "XNUMX nuovi vagoni",
        "the number of members is 9", "many people live in Rome, about 3 million")? None if no word names it.
        The words are the two after "how many", so a verb ("how many people *live*") counts as well: a passage
        naming only the verb, far from its figure, is a false abstention this accepts."""
        folded = fold(text)
        if not any(stem[:3] in folded for stem in self.stems):
            return None  # most candidates never name it: no need to split and stem them
        text = _DATED.sub(lambda m: " " * len(m.group()), text)  # "until 2027" dates, counts nothing
        tokens = list(languages.WORD.finditer(text))
        stems = languages.stemmer(self.language).stemWords([fold(t.group()) for t in tokens])
        places = [i for i, stem in enumerate(stems) if stem in self.stems]
        if not places:
            return None
        return any(_TYPE_PATTERNS["number"].search(text, tokens[max(0, i - reach)].start(),
                                                   tokens[min(len(tokens) - 1, i + reach)].end()) for i in places)


def names_someone(text: str, given: frozenset[str]) -> bool:
    """Does the text name someone the question does not (`given`: its accent-folded words)? A capitalised word
    inside a sentence, not a country, language, month or day, nor a form of a question's word ("Giappone" for
    "Giapponese"): for "Quale giornalista ha intervistato Verdi?", "In un'intervista, Verdi ha parlato della
    Francia" names no one."""
    for m in languages.WORD.finditer(text):
        word = m.group()
        if not word[0].isupper() or word.isupper():
            continue  # an acronym ("NATO", "<INVIO>") names no one
        before = text[:m.start()].rstrip()
        if not before or before[-1] in ".!?:;\"«“(•*-–—#>|":
            continue  # a sentence or an item starts with a capital anyway
        folded = fold(word)
        if (folded not in given and folded not in languages.not_people()
                and not any(len(g) >= 4 and folded[:4] == g[:4] for g in given)):
            return True
    return False


def _holds(text: str, kind: str, given: frozenset[str], counted: Counted | None = None) -> bool:
    if kind == "person":
        return names_someone(text, given)
    if kind == "place":
        return any(fold(m.group(1)) not in given for m in _TYPE_PATTERNS[kind].finditer(text))
    if kind in ("number", "duration"):
        text = _LABEL.sub(_unless_closing, text)  # "0) Convey ... by section 6" counts nothing
    if kind == "number" and counted is not None:
        text = counted.current(text)
        near = counted.near_figure(text)
        if near is not None:
            return near
    if kind == "duration":
        text = _TYPE_PATTERNS["clock"].sub(" ", text)  # "leaves at 16:00" says when, not how long
    return _TYPE_PATTERNS[kind].search(text) is not None
