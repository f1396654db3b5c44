"""Follow-up questions: when a question leans on the chat history, and what earlier turn it leans on."""
from __future__ import annotations

import re

from . import languages
from .abstain import names_nothing
from .lexical import fold, plain, terms

# Openers and pronouns that make a question refer back; Italian clitics (l'ha, lo, gli) included, also fused to
# an infinitive or gerund ("entrarci", "farlo", "parlarne", "usandolo")
_OPENER = re.compile(r"^\s*(e|ed|ma|anche|and|but|also|so|then|what about|e invece|invece)\b", re.IGNORECASE)
_POINTER = re.compile(
    r"\b(it|its|he|him|his|she|her|they|them|their|this|that|there|these|those|"
    r"lui|lei|loro|esso|essa|essi|questo|questa|quello|quella|ciò|lì|là|l'ha|l’ha|lo|gli|ne)\b|"
    r"\b\w{2,}(?:ar|er|ir|ando|endo)(?:ci|vi|lo|la|li|le|ne|gli)\b",
    re.IGNORECASE)
MIN_STANDALONE_TERMS = 3
MAX_CHAIN = 3  # earlier turns read with a follow-up, at most ("Dove ha sede NSatu?" "E in che paese?" "Chi lo dice?")


def user_turns(history) -> list[str]:
    """The user's questions in a history of strings or Gradio message dicts (content str or blocks).

    ValueError when history is not a list of turns (a bare string would otherwise be read char by char).
    """
    if history is None:
        return []
    if isinstance(history, str) or not isinstance(history, (list, tuple)):
        raise ValueError(f"history must be a list of earlier turns (str or message dicts), not {type(history).__name__}")
    out = []
    for turn in history:
        if isinstance(turn, str):
            out.append(turn)
        elif isinstance(turn, dict) and turn.get("role", "user") == "user":
            content = turn.get("content", "")
            if isinstance(content, (list, tuple)):
                content = " ".join(b["text"] for b in content
                                   if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str))
            if isinstance(content, str):
                out.append(content)
    return [t for t in (plain(t).strip() for t in out) if t]


_NAME = re.compile(r"(?<=\S)\s+[\"«“(]?([A-Z][\w-]*)|\b[A-Z]+[a-z]*[A-Z]\w*|\b[A-Z]{2,}\b")  # after the first word


def leans_back(question: str, language: str, min_terms: int = MIN_STANDALONE_TERMS) -> bool:
    """True when the question cannot stand alone: it opens with "and…", uses a pronoun, or has fewer than
    `min_terms` content words and names nobody ("Dove ha sede?"; "Quanti soldati ha il Giappone?" names its
    subject and stands alone)."""
    return bool(_OPENER.search(question) or _POINTER.search(question)) or (len(terms(question, language)) < min_terms
                                                  and not _NAME.search(question))


def may_change_topic(question: str, language: str) -> bool:
    """A follow-up that still names a topic of its own: no pronoun, and either "and" with a bare thing ("E la
    pizza?") or, read as a follow-up only for being short, one word ("sushi?") or two content words ("Chi ha vinto i
    mondiali?"). If the documents use none of its words, it is about something else (abstention check 5), not about
    the earlier turn. One content word with a question word ("Dove si trova?", "E quando è successo?") asks about
    the earlier turn's subject."""
    if _POINTER.search(question):
        return False
    if _OPENER.search(question):
        asking = languages.word_list("question_words")
        return not any(fold(w) in asking for w in languages.WORD.findall(question)) and bool(terms(question, language))
    return len(plain(question).split()) == 1 or len(terms(question, language)) >= 2


def readings(question: str, history, language: str) -> list[str]:
    """What to search for: the question alone, plus the question after the previous user turn when it
    leans back on it (both are scored; see Retriever.search); when that turn clearly leaned back too, after
    the turns back to the one that stood alone (up to MAX_CHAIN). A question that names nothing by itself
    ("Why?", "E dove?") is searched only after them: alone it matches any reason or place."""
    turns = user_turns(history)
    if turns and leans_back(question, language):
        # a previous turn that clearly leaned back itself (one content word at most) brings the one it leaned on;
        # a short one that stood alone ("Quale auto avete noleggiato?") ends the chain, or "E quanto costa?"
        # after it would be read about the turn before it too. A turn that names its own subject ("E dove ha sede
        # NSatu?") stood alone, whatever its opener: the chain ends there too
        start = len(turns) - 1
        while (start > max(0, len(turns) - MAX_CHAIN) and leans_back(turns[start], language, min_terms=2)
               and not _NAME.search(turns[start])):
            start -= 1
        after = " ".join([*turns[start:], question])
        return [after] if names_nothing(question) else [question, after]
    return [question]
