"""Per-language resources, as data: sentence model, stemmer, stopwords, abbreviations and the cue words of questions.

Only Italian and English are supported for documents; questions in either language are matched against documents
in either. Adding a language means adding one entry to LANGUAGES (and its user-facing texts to bot/messages.py).
The functions that read these are in bot/languages.py.
"""
from __future__ import annotations

import bm25s.stopwords as _sw

# English dimensions a figure measures: "how wide" asks for a figure ("long" too, but "how long" reads as a
# duration, see expected_types), and check 4 does not test the word (bot/abstain.py)
_MEASURES_EN = ["big", "large", "tall", "high", "old", "far", "wide", "long", "deep", "heavy", "thick"]

# people named by their role: "quale giornalista", "the name of the minister", "who is the maintainer" ask for a
# person's name (bot/kinds.py: a name the question does not give, and no country, language, month or day)
_ROLES_IT = (r"giornalist[ai]|ministr[oaie]|president[ei]|presidentessa|autor[ei]|autrice|direttor[ei]|direttrice|"
             r"comandant[ei]|sindac[oi]|avvocat[oi]|portavoce|fondator[ei]|fondatrice|manutentor[ei]|maintainers?|"
             r"sviluppator[ei]|reporter|ambasciator[ei]|successor[ei]|giudic[ei]|redattor[ei]|scrittor[ei]|capo|capi|leader|"
             r"premier|segretari[oae]|cancellier[ei]|governator[ei]|governatrice")
_ROLES_EN = (r"journalists?|ministers?|presidents?|authors?|directors?|commanders?|mayors?|lawyers?|attorneys?|"
             r"spokes(?:person|man|woman)|founders?|maintainers?|developers?|reporters?|ambassadors?|successors?|"
             r"judges?|editors?|writers?|ceo|heads?|leaders?|chiefs?|premiers?|secretar(?:y|ies)|chancellors?|governors?|"
             r"chair(?:man|woman|person)?")
_WORDS = r"(?:\W+[^\W\d_]+)"  # a few words between the question word and the role: "which Daily Herald journalist"


def _person(which: str, of: str, name: str, who: str, roles: str, doing: str) -> str:
    """Which/name/who within a few words of a role ("which *of* the..." ends the kind words), or who did
    something only a person or an organisation does ("who wrote", "chi ha fondato")."""
    kind_word = rf"(?:\s+(?!(?:{of})\b)[^\W\d_]+)"
    return (rf"\b(?:{which}){kind_word}{{0,2}}?\s+(?:{roles})\b|\b(?:{name}){_WORDS}{{0,4}}?\W+(?:{roles})\b|"
            rf"\b{who}{_WORDS}{{0,4}}?\W+(?:{roles})\b|\b{who}\s+(?:{doing})\b")


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
        "lexicon": "it",  # pyspellchecker's word list
        "stopwords": frozenset(_sw.STOPWORDS_ITALIAN) | {"cosa", "cos", "quale", "quali", "quanto", "quanti", "quante",
                                                          "dove", "quando", "perché", "perche", "chi", "come", "ha",
                                                          "hanno", "è"},
        # question cue (regex on the lower-cased question) -> answer type the passage should hold. "year" and
        # "date" (asked for by name) are required; "time" (when?) only preferred: in rules and contracts "when" asks
        # for a condition ("when You institute litigation") as often as for a date. The "moment" of a past event is
        # required. A person only when asked by role ("quale giornalista"): a bare who/chi is answered by "chiunque",
        # "the Licensor" as often as by a name (docs/design.md)
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
             r"promess|assunt|rimast|giunt)[oaie])|(?:è|sono) (?:nat|mort)[oaie]|fu|furono|venne|vennero|"
             r"\w+rà|\w+ranno)(?!\w)", "moment"),  # or a future one: "quando si terrà / aderirà"
            (r"^(e\s+)?(dove|da dove)\b|\b(in|a|da) (quale|che) (città|paese|luogo|stato)\b|\bsede\b", "place"),
            (r"^(e\s+)?(perch[eé]|come mai|per quale (motivo|ragione))\b", "reason"),
            # "quanto ci vuole / ci mette": how long it takes
            (r"\bquanto tempo\b|\bquanto a lungo\b|\bquanto (dura|durano|durerà|è durat[oa])\b|"
             r"\bquanto ci (vuole|vogliono|vorrà|mette|mettono|metterà|si mette|impiega)\b", "duration"),
            # a price: "quanto costa", "quanto si paga", "in euro"
            (r"\bquanto (costa|costano|è costat[oaie]|costerà|si paga|bisogna pagare|devo pagare)\b|"
             r"\b(qual è il|quale è il|che) prezzo\b|\bin (euro|dollari|yen|sterline)\b|\bquant[oi] (soldi|denaro)\b|"
             r"\bquanto (ha|hanno|aveva|avevano|avrà|avranno) (pagato|speso)\b", "price"),
            # a measure asked for by its dimension: a figure in a unit of weight or a temperature
            # (not "che peso ha avuto la crisi", "quanti gradi di giudizio": a weight or degrees of something else)
            (r"\bquanto pes(a|ano|ava|avano)\b|\bquanto è pesante\b|\b(qual è|quale è|qual'è) (il )?(suo |loro )?peso"
             r"(\?|$| (di|del|della|dello|dei|degli|delle|dell['’]))", "weight"),
            (r"\b(che|quale) temperatura\b|\bqual è la temperatura\b|\bquanti gradi\b(?! di\b)", "temperature"),
            # a height, width, depth or distance (not "quanto è lungo": a period, as often as a length)
            (r"\bquanto (è|e'|sono|era|erano) (alt|larg|profond|spess|distant)[oaie]\b|\bquanto dista(no|va)?\b|"
             r"\b(qual è|quale è|qual'è) (l['’]altezza|la larghezza|la profondità|la distanza)\b", "length"),
            (_person("quale|quali", "di|del|della|dei|degli|delle|dello|dell", "nome|nomi|chiama|chiamano", "chi",
                     _ROLES_IT, r"(?:(?:ha|hanno|aveva|avrà)\s+)?(?:scritto|scrisse|mantiene|mantengono|fondato|"
                                r"creato|inventato|redatto|succederà)"), "person"),
            (r"\bindirizz[oi] (e-?mail|di posta)", "email"),  # an address asked for, not "posso mandarlo per email?"
            # what someone said is answered by reported speech: a quote or a verb of saying (not "in risposta a").
            # Not "aggiunto"/"add": "cosa ha aggiunto la versione 2?" asks for a feature
            (r"\b(cosa|che|come)\b[^?]{0,20}\b(ha|hanno)\s+(detto|risposto|dichiarato|affermato|replicato|reagito|"
             r"commentato|sostenuto|annunciato|avvertito)\b", "speech"),
        ],
        # a count asked for as it stands now ("quante navi ha oggi?"), and a clause that gives a forecast instead
        # ("si prevede che entro il 2030 avrà 40 navi"): the forecast does not say how many there are now
        "now": r"\b(?:oggi|attualmente|adesso|al momento|ad oggi|oggigiorno|in questo momento)\b",
        "projection": r"\b(?:entro (?:il |la fine del )?\d{4}|si prevede|prevede che|si stima che|si prevedono)\b",
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
        # words that ask: "E quando?" asks about the earlier turn; "E la pizza?" names a thing of its own (followup.py)
        "question_words": ["chi", "cosa", "che", "dove", "quando", "come", "perché", "perche", "quale", "quali",
                           "qual", "quanto", "quanta", "quanti", "quante"],
        # words about the document rather than about what it says ("quali paesi sono citati nell'articolo")
        "document_words": ["articolo", "testo", "documento", "menziona", "menzionato", "menzionati", "menzionata",
                           "menzionate", "cita", "citato", "citati", "citata", "citate", "descrive", "descritto",
                           "descritti", "descritta", "descritte"],
        # words asking for a name ("come si chiama X?"): a text names a thing without saying "si chiama"
        "name_words": ["chiama", "chiamano", "chiamato", "chiamata", "chiamati", "chiamate", "nome", "nomi"],
        # ...or for a meaning ("cosa significa E4?"): a manual explains a code without saying "significa". Unlike
        # a name, a meaning asked alone ("E cosa significa?") is still a question: of the previous turn's words
        "meaning_words": ["significa", "significano", "significato", "significati", "significhi"],
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
        "lexicon": "en",
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
            # a past event ("when was X set up?") or a planned one ("when will Japan join?", "when is X expected to")
            (r"^(and\s+)?when (was|were|did|will)\b|^(and\s+)?when (is|are)\b[^?]{0,60}?\b(?:planning|planned|"
             r"expected|going|due|scheduled) to\b", "moment"),
            (r"^(and\s+)?where\b|\b(which|what) (city|town|country|place)\b|\bheadquartered\b|\bbased\b", "place"),
            (r"^(and\s+)?why\b|\bfor what reason\b", "reason"),
            (r"^(and\s+)?how long\b|\bfor how long\b", "duration"),
            (r"\bhow much (does|do|did|will|would|is|are|was|were|has|have)\b.*\b(cost|costs|charge|pay|paid|spend|spent)\b|"
             r"\bhow much money\b|"
             r"\bwhat(\W?s| is| was) the (price|cost)\b|\bin (dollars|euros?|yen|pounds)\b", "price"),
            # not "how do the judges weigh the evidence": a weight asked for by "how much", "how heavy", "what is..."
            (r"\bhow heavy\b|\b(how much|what) (does|do|did|will|would|is|are|was|were)\b[^?]{0,60}\bweigh(ed)?\b|"
             r"\bwhat(\W?s| is| was) (the|its|their) weight\b|['’]s weight\b", "weight"),
            (r"\b(what|which) temperature\b|\bhow (hot|cold)\b|\bwhat(\W?s| is| was) the temperature\b", "temperature"),
            # not "how long" (a period as often), "how high" (a price, a risk) nor "how big" (a size of anything)
            (r"\bhow (tall|wide|deep|far|thick)\b|\bwhat(\W?s| is| was) the (height|width|depth|distance)\b", "length"),
            (_person("which", "of", "name|names|named|called", "who", _ROLES_EN,
                     r"(?:(?:will|did|has|have)\s+)?(?:wrote|written|maintains?|maintained|drafted|founded|created|"
                     r"invented|authored|succeed\w*)"), "person"),
            (r"\be-?mail address", "email"),  # an address asked for, not "can I send it by email?"
            (r"^(and\s+)?(what|how)( else)? did\b[^?]{1,80}?\b(say|reply|answer|respond|react|claim|warn|insist|tell|"
             r"declare|state|announce|comment)\b", "speech"),  # not "what does the licence say": a text says
        ],
        "now": r"\b(?:today|currently|now|at present|presently|nowadays|at the moment|as of today)\b",
        "projection": r"\b(?:by (?:the end of )?\d{4}|expected to|projected to|forecasts?|forecast to|predicted to|"
                      r"estimated to reach)\b",
        "definition": r"^(?:and\s+)?(?:who|what)(?:\s+(?:is|was|are|were)|['’]s)\s+",
        "scope": r"(?:in|under|according to|for|within)\b[^,?]{1,60},\s*",
        "defining": ["is", "are", "means", "mean", "shall mean", "refers to", "refer to", "stands for"],
        "articles": ["the", "a", "an"],
        "referring": ["the", "this", "these", "that", "those", "such"],
        "pointing": ["this", "these", "that", "those", "such", "it", "its", "they", "their", "he", "she", "his", "her"],
        "naming": ["is called", "are called", "called", "is referred to as", "referred to as", "known as"],
        "qualifiers": ["of", "for"],
        "determiners": ["which", "what", "whose", "many", "much"],
        "question_words": ["what", "who", "whom", "whose", "where", "when", "why", "how", "which"],
        "document_words": ["article", "text", "document", "mention", "mentions", "mentioned", "cite", "cites",
                           "cited", "describe", "describes", "described"],
        "name_words": ["called", "name", "names", "named"],
        "meaning_words": ["mean", "means", "meaning", "meanings"],
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
