"""Per-language resources, as data: sentence model, stemmer, stopwords and answer-type cues.

Only Italian and English are supported for documents; questions in either language are matched
against documents in either. Adding a language means adding one entry to LANGUAGES (and its user-facing
texts to bot/messages.py).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

import bm25s.stopwords as _sw

# English dimensions a figure measures: "how wide" asks for a figure ("long" too, but "how long" reads as a
# duration, see expected_types), and check 4 does not test the word (bot/abstain.py)
_MEASURES_EN = ["big", "large", "tall", "high", "old", "far", "wide", "long", "deep", "heavy", "thick"]

LANGUAGES: dict[str, dict] = {
    "it": {
        "punkt": "italian",
        # abbreviations Punkt's bundled model lacks, so that "il dott. Rossi" and "ad es. questo" stay one sentence
        "abbreviations": ["dott", "dott.ssa", "sig.ra", "sigg", "avv", "arch", "geom", "rag", "on", "sen", "cfr",
                          "es", "p.es", "ca", "art", "artt", "cap", "nr", "n", "vol", "fig", "mln", "mld", "ss",
                          "segg", "e.g", "approx", "int", "resp", "sez", "pagg", "tit", "succ"],
        # articles and prepositions that elide before an abbreviation ("l'Avv.", "dall'art."), which Punkt reads
        # as one word
        "elisions": ["l", "dell", "all", "dall", "nell", "sull", "coll", "un", "quell"],
        "stemmer": "italian",
        "stopwords": frozenset(_sw.STOPWORDS_ITALIAN) | {"cosa", "cos", "quale", "quali", "quanto", "quanti", "quante",
                                                          "dove", "quando", "perché", "perche", "chi", "come", "ha",
                                                          "hanno", "è"},
        # question cue (regex on the lower-cased question) -> answer type the passage should hold. "year" and
        # "date" (asked for by name) are required; "time" (when?) only preferred: in rules and contracts "when" asks
        # for a condition ("when You institute litigation") as often as for a date. The "moment" of a past event is
        # required. No "person" (who/chi): a capitalised-word pattern matches nearly every sentence (docs/design.md)
        "cues": [
            # not "per quanto riguarda" (as for), "in quanto" (since), "tanto quanto" (as much as), nor a number
            # negated ("se la fattura non ha nessun numero di serie"); the plural always counts ("per quanti anni")
            (r"^(e\s+)?(quanti|quante|quanto|quanta)\b|\bquant[ei]\b|(?<!per )(?<!in )(?<!tanto )\bquant[ao]\b(?! riguard)|"
             r"(?<!nessun )(?<!alcun )(?<!senza )\bnumero di\b|\bquanto dista\b|\b(che|quale) percentuale\b", "number"),
            (r"\b(?:a|da|entro|fino a) (?:che|quale) or(?:a|ario)\b|\bche or[ae] (?:è|e'|sono)(?!\w)", "clock"),  # time of day
            (r"\b(che|quale) anno\b", "year"),  # "in che anno", "entro quale anno", "da quale anno"
            (r"\b(che|quale) data\b|\bqual\W?\s?è la data\b", "date"),
            (r"^(e\s+)?quando\b|\b(che|quale) giorno\b", "time"),
            # but "when" of a past event ("quando è stato creato", "quando ha invaso") asks for its moment: a past
            # tense is an auxiliary and a participle (regular, or a common irregular one); "è consentito" is present
            (r"^(e\s+)?quando\b[^?]{0,60}?\b(?:(?:è|e'|sono|era|erano) stat[oaie]|(?:ha|hanno|aveva|avevano) "
             r"(?:\w+(?:at|ut|it)[oaie]|(?:invas|pres|mess|fatt|scritt|decis|chius|apert|conclus|scelt|espress|"
             r"promess|assunt|rimast|giunt)[oaie])|(?:è|sono) (?:nat|mort)[oaie]|fu|furono|venne|vennero)\b", "moment"),
            (r"^(e\s+)?(dove|da dove)\b|\b(in|a|da) (quale|che) (città|paese|luogo|stato)\b|\bsede\b", "place"),
            (r"^(e\s+)?(perch[eé]|come mai|per quale (motivo|ragione))\b", "reason"),
            (r"\bquanto tempo\b|\bquanto a lungo\b|\bquanto (dura|durano|durerà|è durat[oa])\b", "duration"),
            # a price: "quanto costa", "quanto si paga", "in euro"
            (r"\bquanto (costa|costano|è costat[oaie]|costerà|si paga|bisogna pagare|devo pagare)\b|"
             r"\b(qual è il|quale è il|che) prezzo\b|\bin (euro|dollari|yen|sterline)\b", "price"),
            # a measure asked for by its dimension: a figure in a unit of weight or a temperature
            (r"\bquanto pes(a|ano|ava|avano)\b|\b(qual è|quale è|qual'è|che) (il )?peso\b", "weight"),
            (r"\b(che|quale) temperatura\b|\bqual è la temperatura\b|\bquanti gradi\b", "temperature"),
            (r"\bindirizz[oi] (e-?mail|di posta)", "email"),  # an address asked for, not "posso mandarlo per email?"
            # what someone said is answered by reported speech: a quote or a verb of saying (not "in risposta a").
            # Not "aggiunto"/"add": "cosa ha aggiunto la versione 2?" asks for a feature
            (r"\b(cosa|che|come)\b[^?]{0,20}\b(ha|hanno)\s+(detto|risposto|dichiarato|affermato|replicato|reagito|"
             r"commentato|sostenuto|annunciato|avvertito)\b", "speech"),
        ],
        # "who/what is X?" asks what X is: a text says it where it defines X, or first names it (bot/retrieval.py)
        "definition": r"^(?:e\s+)?(?:chi\s+|che\s+cos(?:a\s+|['’]\s*)|cosa\s+|cos['’]\s*)(?:è|e'|e|era|sono|erano)\s+",
        # a leading scope before the question proper ("Nella GPL, che cos'è...?"): skipped when reading it
        "scope": r"(?:in|nel|nella|nello|nei|nelle|secondo|per|sotto|in base a)\b[^,?]{1,60},\s*",
        # verbs that define what comes before them ('"Pacchetto" indica...', "Il Comitato è un organo")
        "defining": ["è", "sono", "significa", "indica", "si intende", "si riferisce"],
        "articles": ["il", "lo", "la", "l", "i", "gli", "le", "un", "uno", "una"],
        # a sentence opening with these and a noun the previous one used goes on about the same thing
        "referring": ["il", "lo", "la", "l", "i", "gli", "le", "questo", "questa", "questi", "queste", "tale", "tali"],
        # a sentence opening with these points back to the one before ("Ciò rende...", "Questa scelta...")
        "pointing": ["questo", "questa", "questi", "queste", "ciò", "tale", "tali", "esso", "essa", "essi", "esse",
                     "lui", "lei", "loro", "il suo", "la sua", "i suoi", "le sue", "il loro", "la loro", "i loro",
                     "le loro"],
        "naming": ["si chiama", "si chiamano", "è detto", "è detta", "detto", "detta", "chiamato", "chiamata",
                   "noto come", "nota come"],
        "qualifiers": ["di", "del", "dello", "della", "dei", "degli", "delle", "per"],  # "copia *del documento* è"
        # interrogative determiners: the words right after them name the kind of answer ("quale agenzia")
        "determiners": ["quale", "quali", "che", "quanti", "quante", "quanto", "quanta"],
        # words about the document rather than about what it says ("quali paesi sono citati nell'articolo")
        "document_words": ["articolo", "testo", "documento", "menziona", "menzionato", "menzionati", "menzionata",
                           "menzionate", "cita", "citato", "citati", "citata", "citate", "descrive", "descritto",
                           "descritti", "descritta", "descritte"],
        # words asking for a name ("come si chiama X?"): a text names a thing without saying "si chiama"
        "name_words": ["chiama", "chiamano", "chiamato", "chiamata", "chiamati", "chiamate", "nome", "nomi"],
        # the dimension a figure measures ("quanto è largo"): a text gives the figure, not the word
        "measures": ["grande", "grandi", "alto", "alta", "alti", "alte", "largo", "larga", "larghi", "larghe", "lungo",
                     "lunga", "lunghi", "lunghe", "profondo", "profonda", "pesante", "pesanti", "veloce", "veloci",
                     "vecchio", "vecchia", "lontano", "lontana", "distante", "ampio", "ampia"],
        # function words the stopword list lacks (prepositions, modals, quantifiers): they carry no topic
        "function_words": ["qual", "secondo", "sotto", "sopra", "entro", "oltre", "durante", "circa", "verso", "dopo",
                           "prima", "senza", "fra", "insieme", "ogni", "qualche", "qualcosa", "qualcuno", "posso",
                           "puoi", "può", "possiamo", "potete", "possono", "devo", "devi", "deve", "dobbiamo", "dovete",
                           "devono", "viene", "vengono", "già", "ancora", "sempre", "mai", "molto", "poco", "altro",
                           "altri", "stesso", "cioè", "ovvero", "oppure", "però", "quindi", "dunque", "invece",
                           "inoltre", "esattamente"],
        # negation: a question that negates is answered by a sentence that does (embeddings barely see it)
        "negations": ["non", "nessuno", "nessuna", "nessun", "mai", "niente", "nulla", "senza", "né", "neanche",
                      "nemmeno", "neppure"],
        # nouns that name only the kind of answer: "E in quale paese?" alone names nothing to look for
        "kinds": ["paese", "città", "luogo", "posto", "anno", "mese", "giorno", "data", "ora", "persona", "cosa",
                  "modo", "motivo", "ragione"],
        # greetings, thanks, assent and bare requests: a turn of these alone asks nothing of the documents
        "chatter": ["ciao", "salve", "buongiorno", "buonasera", "arrivederci", "grazie", "mille", "prego", "ok", "okay",
                    "sì", "va", "bene", "perfetto", "ottimo", "scusa", "scusami", "favore", "dimmi", "spiegami",
                    "raccontami"],
    },
    "en": {
        "punkt": "english",
        "abbreviations": ["i.e", "e.g", "etc", "approx", "cf", "fig", "figs", "vol", "vols", "pp", "dept", "incl",
                          "resp", "est", "al", "tel", "ext"],  # not units ("min.", "hr."): they end sentences
        "elisions": [],
        "stemmer": "english",
        "stopwords": frozenset(_sw.STOPWORDS_EN_PLUS) | {"what", "which", "who", "whom", "whose", "where", "when", "how",
                                                         "why", "does", "did", "do", "is", "are", "was", "were"},
        "cues": [
            (rf"^(and\s+)?(exactly\s+)?how (many|much|{'|'.join(_MEASURES_EN)})\b|\bnumber of\b|"
             r"\bwhat percentage\b|\b(tele)?(phone|fax) numbers?\b", "number"),  # measures: "how old", "what
            # percentage" are answered with a figure; so is a phone number (Italian: "numero di telefono", above)
            (r"\bwhat time\b(?! (?:of (?:the )?(?:year|month|season|day|life)|period|frame|limit|zone|span|scale|"
             r"line|range|window))", "clock"),  # a time of day: "at 9:30", not "in 2024"
            (r"\bwhat year\b|\bwhich year\b", "year"),
            (r"\bwhat date\b", "date"),
            (r"^(and\s+)?when\b|\b(what|which) day\b", "time"),
            (r"^(and\s+)?when (was|were|did)\b", "moment"),  # a past event: "when was X set up?"
            (r"^(and\s+)?where\b|\b(which|what) (city|town|country|place)\b|\bheadquartered\b|\bbased\b", "place"),
            (r"^(and\s+)?why\b|\bfor what reason\b", "reason"),
            (r"^(and\s+)?how long\b|\bfor how long\b", "duration"),
            (r"\bhow much (does|do|did|will|would|is|are|was|were)\b.*\b(cost|costs|charge|pay)\b|\bhow much money\b|"
             r"\bwhat(\W?s| is| was) the (price|cost)\b|\bin (dollars|euros?|yen|pounds)\b", "price"),
            (r"\bhow heavy\b|\bweigh(s|ed)?\b|\bwhat(\W?s| is| was) the weight\b", "weight"),
            (r"\b(what|which) temperature\b|\bhow (hot|cold|warm)\b|\bwhat(\W?s| is) the temperature\b", "temperature"),
            (r"\be-?mail address", "email"),  # an address asked for, not "can I send it by email?"
            (r"^(and\s+)?(what|how)( else)? did\b[^?]{1,80}?\b(say|reply|answer|respond|react|claim|warn|insist|tell|"
             r"declare|state|announce|comment)\b", "speech"),  # not "what does the licence say": a text says
        ],
        "definition": r"^(?:and\s+)?(?:who|what)(?:\s+(?:is|was|are|were)|['’]s)\s+",
        "scope": r"(?:in|under|according to|for|within)\b[^,?]{1,60},\s*",
        "defining": ["is", "are", "means", "mean", "shall mean", "refers to", "refer to", "stands for"],
        "articles": ["the", "a", "an"],
        "referring": ["the", "this", "these", "that", "those", "such"],
        "pointing": ["this", "these", "that", "those", "such", "it", "its", "they", "their", "he", "she", "his", "her"],
        "naming": ["is called", "are called", "called", "is referred to as", "referred to as", "known as"],
        "qualifiers": ["of", "for"],
        "determiners": ["which", "what", "whose", "many", "much"],
        "document_words": ["article", "text", "document", "mention", "mentions", "mentioned", "cite", "cites",
                           "cited", "describe", "describes", "described"],
        "name_words": ["called", "name", "names", "named"],
        "measures": _MEASURES_EN,
        "function_words": ["according", "someone", "something", "anyone", "anything", "everyone", "could", "would",
                           "might", "must", "may", "shall", "also", "still", "already", "via", "upon", "within",
                           "exactly"],
        "negations": ["not", "no", "never", "none", "nothing", "nobody", "neither", "nor", "without", "unless",
                      "cannot"],
        "kinds": ["country", "city", "town", "place", "year", "month", "day", "date", "time", "person", "thing", "way",
                  "reason"],
        "chatter": ["hello", "hi", "hey", "thanks", "thank", "ok", "okay", "yes", "yeah", "bye", "goodbye", "please",
                    "sorry", "great", "cool", "tell", "explain"],
    },
}
# "how many days?" is answered by a figure *of days*: units a count can ask for, with each language's words
UNITS: dict[str, list[str]] = {
    "hours": ["hour", "hours", "ore"], "days": ["day", "days", "giorno", "giorni"],
    "weeks": ["week", "weeks", "settimana", "settimane"], "months": ["month", "months", "mese", "mesi"],
    "years": ["year", "years", "anno", "anni"],
}
# British and American spellings (licence/license, colour/color, organise/organize): check 4 must not read a
# question's "licence" as a word the licence never uses
SPELLINGS = [("ence", "ense"), ("our", "or"), ("isation", "ization"), ("ise", "ize"), ("yse", "yze"), ("tre", "ter")]
COUNT_OF = re.compile(r"\b(?:how many|quant[ei])\s+([^\W\d_]+)(?:\s+([^\W\d_]+))?")  # "how many (calendar) days"
DEFAULT_LANGUAGE = "en"
WORD = re.compile(r"[^\W_]+")  # letters and digits: "_" splits (Markdown's __bold__, snake_case)
FUSED = re.compile(r"([^\W\d_]{2,}?)v?(\d+)")  # a name fused with its version: "gpl2", "gplv3", "python3"
VERSION = re.compile(r"v(\d+(?:\.\d+)*)", re.IGNORECASE)  # a version on its own: "GPL v1", "v2.1"


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


def expected_types(question: str) -> set[str]:
    """Answer types a question asks for, from the cue words of both languages."""
    q = unscoped(question).lower()
    kinds = {kind for res in LANGUAGES.values() for pattern, kind in res["cues"] if re.search(pattern, q)}
    if kinds & {"duration", "price", "weight", "temperature"}:
        # "quanto tempo": "un anno" holds no figure; "quanto costa": "gratis" neither; a weight or a temperature
        # is a figure in its own unit ("for two people" does not say how heavy)
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
    "document_words" ("mentioned"), "name_words" ("si chiama"), "function_words" ("secondo"),
    "measures" ("how *wide*"), "qualifiers" ("di"), "kinds" ("paese"), "chatter" ("grazie"); see bot/abstain.py."""
    return frozenset(w for res in LANGUAGES.values() for key in keys for w in res[key])


@lru_cache(maxsize=None)
def stemmer(code: str):
    import Stemmer  # PyStemmer: Snowball stemmers in C

    return Stemmer.Stemmer(LANGUAGES.get(code, LANGUAGES[DEFAULT_LANGUAGE])["stemmer"])
