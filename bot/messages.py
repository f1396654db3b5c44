"""What the bot tells its users when it does not answer, or answers with little margin, per language, as data.

The reason names the check that stopped the answer (bot/abstain.py) in words a reader can act on: a user told
that "the document never speaks of 'boss'" can ask again with the document's own words.
"""
from __future__ import annotations

from .languages import DEFAULT_LANGUAGE, detect

MESSAGES: dict[str, dict[str, str]] = {
    "it": {
        "abstain": "Il documento non contiene una risposta a questa domanda.",
        "vague": "Chiedimi qualcosa sul documento (chi, che cosa, dove, quando...): rispondo citandone il testo.",
        # why: one per check of bot/abstain.py, filled with what it found ({detail}) and the scores
        "why_vague": "La domanda non nomina nulla da cercare.",
        "why_weak": "Il passo più vicino ha punteggio {score}, sotto la soglia di questo documento "
                    "({threshold}), calibrata sulle domande estranee.",
        "why_code": "Il documento non nomina mai {detail}.",
        "why_kind": "Il passo più vicino non contiene {detail}, che la domanda chiede.",
        "why_word": "Il documento non parla mai di {detail}: il passo più vicino riguarda il resto della domanda.",
        "why_unknown": "Il documento non usa nessuna parola della domanda ({detail}).",
        "why_uncertain": "Risposta incerta: un altro passo ottiene quasi lo stesso punteggio ({where}).",
        "or": " o ", "quote": "«{}»", "paragraph": "paragrafo", "chars": "caratteri",
        # the kinds of thing a question can ask for (languages.expected_types)
        "number": "un numero", "number_now": "un numero attuale", "clock": "un orario", "year": "un anno",
        "date": "una data", "moment": "una data o un momento", "duration": "una durata", "price": "un prezzo",
        "weight": "un peso", "temperature": "una temperatura", "length": "una lunghezza o una distanza",
        "email": "un indirizzo e-mail", "speech": "parole riportate", "person": "il nome di una persona",
        "hours": "un numero di ore", "days": "un numero di giorni", "weeks": "un numero di settimane",
        "months": "un numero di mesi", "years": "un numero di anni",
    },
    "en": {
        "abstain": "The document does not contain an answer to this question.",
        "vague": "Ask me something about the document (who, what, where, when...): I answer with a quote from it.",
        "why_vague": "The question names nothing to look for.",
        "why_weak": "The closest passage scores {score}, below this document's threshold ({threshold}), "
                    "calibrated on unrelated questions.",
        "why_code": "The document never mentions {detail}.",
        "why_kind": "The closest passage holds no {detail}, which the question asks for.",
        "why_word": "The document never speaks of {detail}: the closest passage is about the rest of the question.",
        "why_unknown": "The document uses none of the question's words ({detail}).",
        "why_uncertain": "Uncertain answer: another passage scores almost as high ({where}).",
        "or": " or ", "quote": "“{}”", "paragraph": "paragraph", "chars": "characters",
        "number": "figure", "number_now": "current figure", "clock": "time of day", "year": "year", "date": "date",
        "moment": "date or moment", "duration": "duration", "price": "price", "weight": "weight",
        "temperature": "temperature", "length": "length or distance", "email": "e-mail address",
        "speech": "reported speech", "person": "person's name", "hours": "number of hours",
        "days": "number of days", "weeks": "number of weeks", "months": "number of months", "years": "number of years",
    },
}


# Why a document or upload cannot be used (documents.DocumentError, by key). The CLI and the Python API say it
# in English; the web chat in the asker's language, or in both where the page does not know it yet.
DOCUMENT_ERRORS: dict[str, dict[str, str]] = {
    "it": {
        "name_not_utf8": "{path}: il nome del file non è UTF-8 valido, rinominalo",
        "not_regular": "{path} non è un file normale (una pipe o un dispositivo): indica un file di testo o una cartella",
        "too_large": "{path} è troppo grande ({size:.1f} MB; il limite è {limit:g} MB per documento): dividilo, "
                     "o alza il limite con {env}=<megabyte>",
        "grew_too_large": "{path} è troppo grande (il limite è {limit:g} MB per documento): dividilo, "
                          "o alza il limite con {env}=<megabyte>",
        "unreadable": "impossibile leggere {path}: {reason}",
        "not_utf8": "{path} non è testo UTF-8 (byte {byte}): convertilo in UTF-8",
        "binary": "{path} sembra binario (contiene byte NUL)",
        "empty": "{path} è vuoto",
        "no_words": "{path} non ha parole da citare (né lettere né cifre)",
        "bad_limit": "{env}={value!r} non è un numero positivo di megabyte (almeno un byte; o inf per nessun limite)",
        "empty_path": "il percorso di un documento è vuoto: indica un file o una cartella",
        "not_a_path": "un documento si indica con un percorso (str o Path) o una lista di percorsi, non con {kind}",
        "none_given": "nessun documento indicato",
        "in_index": "{path} è dentro la cartella dell'indice {index}: tieni l'indice altrove (--index-dir)",
        "no_text_files": "{path} non contiene file di testo (cercati {suffixes} e altri file di testo UTF-8)",
        "missing": "{path} non esiste",
        "same_source": "due documenti sarebbero citati entrambi come {source!r}: {first} e {second}; "
                       "mettili in una cartella e indica la cartella",
        "upload_name": "nome di file {name!r} rifiutato: usa un nome semplice come note.txt",
        "upload_type": "{name}: sono accettati solo file .txt e .md",  # uploads.UPLOAD_SUFFIXES
        "upload_duplicate": "{name}: due file hanno lo stesso nome",
        "upload_size": "{name} è troppo grande: il limite è {limit} MB per file",
        "upload_none": "nessun file caricato",
        "upload_count": "troppi file ({count}): al massimo {limit} alla volta",
        "upload_gone": "{name}: il file caricato non c'è più, caricalo di nuovo",
        "upload_unnamed": "un file è arrivato senza il suo nome: caricalo dalla pagina",
    },
    "en": {
        "name_not_utf8": "{path}: the file name is not valid UTF-8, rename it",
        "not_regular": "{path} is not a regular file (a pipe or a device): give a text file or a folder",
        "too_large": "{path} is too large ({size:.1f} MB; the limit is {limit:g} MB per document): split it, "
                     "or raise the limit with {env}=<megabytes>",
        "grew_too_large": "{path} is too large (the limit is {limit:g} MB per document): split it, "
                          "or raise the limit with {env}=<megabytes>",
        "unreadable": "cannot read {path}: {reason}",
        "not_utf8": "{path} is not UTF-8 text (byte {byte}): convert it to UTF-8",
        "binary": "{path} looks binary (it contains NUL bytes)",
        "empty": "{path} is empty",
        "no_words": "{path} has no words to quote (no letters or digits)",
        "bad_limit": "{env}={value!r} is not a positive number of megabytes (one byte at least; or inf for no limit)",
        "empty_path": "a document path is empty: give a file or folder",
        "not_a_path": "documents are given as a path (str or Path) or a list of paths, not as {kind}",
        "none_given": "no documents given",
        "in_index": "{path} is inside the index folder {index}: keep the index elsewhere (--index-dir)",
        "no_text_files": "{path} holds no text files (looked for {suffixes} and other UTF-8 text files)",
        "missing": "{path} does not exist",
        "same_source": "two documents would both be cited as {source!r}: {first} and {second}; "
                       "put them in one folder and pass the folder",
        "upload_name": "file name {name!r} refused: use a plain name such as notes.txt",
        "upload_type": "{name}: only .txt and .md files are accepted",
        "upload_duplicate": "{name}: two files have the same name",
        "upload_size": "{name} is too large: the limit is {limit} MB per file",
        "upload_none": "no files uploaded",
        "upload_count": "too many files ({count}): at most {limit} at a time",
        "upload_gone": "{name}: the upload is no longer there, please upload it again",
        "upload_unnamed": "a file came without its name: upload it from the page",
    },
}


def document_error(lang: str, key: str, fields: dict) -> str:
    """A DocumentError's message in `lang` (English if there is none in it); a key with no message is a message
    of its own, as callers of DocumentError("...") wrote it."""
    template = DOCUMENT_ERRORS.get(lang, DOCUMENT_ERRORS["en"]).get(key)
    return key if template is None else template.format(**fields)


def _texts(question: str) -> dict[str, str]:
    return MESSAGES.get(detect(question), MESSAGES[DEFAULT_LANGUAGE])


def place(lang: str, source: str, paragraph: int, start: int, end: int, dash: str = "-") -> str:
    """Where a passage is, as a reader checks it: "giappone-nato.txt, paragrafo 9, caratteri 1910-2006"."""
    texts = MESSAGES.get(lang, MESSAGES[DEFAULT_LANGUAGE])
    return f"{source}, {texts['paragraph']} {paragraph}, {texts['chars']} {start}{dash}{end}"


def abstain_message(question: str, why: str = "abstain") -> str:
    """What to tell the user, in the question's language: "abstain" (the documents do not say) or "vague"
    (the question asks nothing to look for)."""
    return _texts(question)[why]


def abstain_reason(question: str, why: str, found: tuple[str, ...] = (), score: float = 0.0,
                   threshold: float = 0.0) -> str:
    """Why the bot abstained, in the question's language. why: "vague", "weak" (score below threshold),
    "code" (found: the numbers or codes the documents never use), "kind" (found: the kinds of thing asked for,
    such as "number"), "word" (found: the word the documents never use) or "unknown" (found: the question's
    words, none of which the documents use)."""
    texts = _texts(question)
    if why == "kind":
        detail = texts["or"].join(texts.get(kind, kind) for kind in found)
    else:  # the question's own words and codes, quoted: a few (a pasted page may hold thousands)
        detail = ", ".join([texts["quote"].format(item) for item in found[:8]] + ["…"] * (len(found) > 8))
    digits = next((d for d in range(3, 7) if f"{score:.{d}f}" != f"{threshold:.{d}f}"), 6)  # never "0.871 < 0.871"
    return texts["why_" + why].format(detail=detail, score=f"{score:.{digits}f}", threshold=f"{threshold:.{digits}f}")


def uncertain_reason(question: str, rival) -> str:
    """Why an answer is marked uncertain: where the passage that nearly tied with it is (a Segment)."""
    where = place(detect(question), rival.source, rival.paragraph, rival.start, rival.end)  # as the CLI cites
    return _texts(question)["why_uncertain"].format(where=where)
