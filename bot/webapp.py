"""What the web chat (ui.py) shows, kept free of Gradio: Markdown escaping, chat messages built from an
Answer and the highlighted document view; per-session corpora built from uploaded files are in uploads.py
(imported here too, as the page's one module)."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager

from . import languages, messages
from .answer import Answer, Citation
from .documents import INVISIBLE, DocumentError
from .followup import user_turns
from .uploads import (MAX_FILE_BYTES, MAX_FILES, Corpus, bilingual, build_corpus, check_upload,  # noqa: F401
                      read_uploads, take_uploads)

VIEW_WINDOW = 6000        # characters of context shown either side of a quote in a long document
SOURCES_TITLE = "Fonti / Sources"
CLOSEST_TITLE = "Passaggi più vicini — NON sono una risposta / Closest passages — NOT an answer"
QUOTE_LABEL = "[1]"
COLORS = {"[1]": "#facc15", "[2]": "#bae6fd", "[3]": "#bae6fd", "[4]": "#bae6fd", "[5]": "#bae6fd"}

_WORDS = {  # the chat's own errors; what the bot itself says is in bot/messages.py
    "it": {"error": "Domanda non valida", "document": "Documento non disponibile",
           "failure": "Errore interno, riprova", "uncertain": "Risposta incerta"},
    "en": {"error": "Invalid question", "document": "Document unavailable",
           "failure": "Internal error, please try again", "uncertain": "Uncertain answer"},
}
BLANK = "Scrivi una domanda sul documento · Type a question about the document"
RESTART = ("Ora rispondo su {names}: la conversazione ricomincia da qui. · "
           "Now answering about {names}: the conversation starts over here.")
# Markdown/HTML specials: & < > become entities (so no raw tag ever reaches the page, not even "\\<img");
# inline markup characters get a backslash everywhere, block markers ("# ", "- ", "1. ") only at a line
# start, so ordinary punctuation (. - ' ") stays readable in the copied text.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE = re.compile(r"([\\`*_\[\]|~$])")
_LINE_START = re.compile(r"^([ \t]*)([#+\-=]|\d+[.)])", re.MULTILINE)
# what the page's Markdown would turn into a live link (bare URLs, "www." names, e-mail addresses): a backslash
# before the ":" of "://", the "." after "www" and an "@" breaks the pattern, and shows nothing
_AUTOLINK = re.compile(r"(?<=\w)(?=://)|(?<=\bwww)(?=\.)|(?<=\w)(?=@\w)", re.IGNORECASE)
_UNESCAPE = re.compile(r"\\([\\`*_\[\]|~$#+\-=.):@])")
_UNENTITY = re.compile(r"&(amp|lt|gt);")
_EDGE_BLANKS = re.compile(r"^[ \t]+|[ \t]+$|\t")  # and tabs anywhere, which Markdown turns into spaces


def escape_md(text: str) -> str:
    """`text` as Markdown that renders literally (reversible with unescape_md)."""
    text = re.sub(r"[&<>]", lambda m: _ENTITIES[m.group()], text)
    text = _INLINE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(r"\\", text)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def unescape_md(text: str) -> str:
    text = _UNESCAPE.sub(r"\1", text)
    return _UNENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def quote_md(text: str) -> str:
    """A Markdown blockquote of `text`, every line prefixed so multi-line quotes stay one block."""
    lines = (escape_md(line) for line in text.strip().split("\n"))
    # blanks at a line's start would make an indented code block, at its end a line break, and a tab would become
    # spaces: written as character references they stay what they are, and the page shows the quote's whitespace
    # as it is (CSS pre-wrap), so that selecting it copies the file's text
    return "\n".join("> " + _EDGE_BLANKS.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group()), line)
                      for line in lines)


def lang_of(question: str) -> str:
    code = languages.detect(question)
    return code if code in _WORDS else "en"


def citation_line(n: int, c: Citation, lang: str) -> str:
    return f"[{n}] {messages.place(lang, escape_md(c.source), c.paragraph, c.start, c.end, '–')}"


def _sources_md(citations: list[Citation], lang: str) -> str:
    parts = []
    for n, c in enumerate(citations, 1):
        parts.append(f"**{citation_line(n, c, lang)}** · score {c.score:.3f}\n\n{quote_md(c.text)}")
    return "\n\n".join(parts)


def user_message(question: str) -> dict:
    return {"role": "user", "content": escape_md(readable(question))}


def readable(value):
    """A chat history (lists, dicts, strings) with lone surrogates as "?", as the bot reads them: the page
    gets JSON, which cannot hold them (the server's encoder refuses, and the connection drops unanswered)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, (list, tuple)):
        return [readable(v) for v in value]
    if isinstance(value, dict):
        return {k: readable(v) for k, v in value.items()}
    return value


def blank_message() -> dict:
    return {"role": "assistant", "content": BLANK}


def restart_message(bot) -> dict:
    """Said when the session switches documents: the earlier turns were about others, so they are gone."""
    names = ", ".join(f"**{escape_md(d.source)}**" for d in bot.documents)
    return {"role": "assistant", "content": RESTART.format(names=names)}


def _both(key: str, why: str) -> tuple[str, str]:
    """A message of bot/messages.py and its reason, in Italian then English."""
    it, en = messages.MESSAGES["it"], messages.MESSAGES["en"]
    return f"{it[key]} · {en[key]}", f"{it[why]} · {en[why]}"


def answer_messages(answer: Answer) -> list[dict]:
    """The assistant's turn: the quote (or the abstention) then a collapsed block of cited passages."""
    lang = lang_of(answer.question)
    if answer.abstained:
        # a question naming nothing ("ciao") is too short to tell its language: say it in both
        message, reason = _both("vague", "why_vague") if answer.check == "vague" else (answer.message, answer.reason)
        msgs = [{"role": "assistant", "content": f"**{escape_md(message)}**\n\n{escape_md(reason)}"}]
        if answer.citations:
            msgs.append({"role": "assistant", "content": _sources_md(answer.citations, lang),
                         "metadata": {"title": CLOSEST_TITLE, "status": "done"}})
        return msgs
    first = answer.citations[0]
    body = f"{quote_md(answer.text)}\n\n{citation_line(1, first, lang)}"
    if answer.uncertain:  # marked before the quote, where it is seen even under a long quote on a phone
        body = f"⚠️ **{_WORDS[lang]['uncertain']}**\n\n{body}\n\n_{escape_md(answer.reason)}_"
    return [{"role": "assistant", "content": body},
            {"role": "assistant", "content": _sources_md(answer.citations, lang),
             "metadata": {"title": SOURCES_TITLE, "status": "done"}}]


def error_message(question: str, exc: Exception) -> dict:
    """A refused question ("Invalid question: …"), or a document that changed into something unusable."""
    kind = "document" if isinstance(exc, DocumentError) else "error" if isinstance(exc, ValueError) else "failure"
    lang = lang_of(question)
    said = exc.say(lang) if isinstance(exc, DocumentError) else str(exc)
    return {"role": "assistant", "content": f"{_WORDS[lang][kind]}: {escape_md(said)}"}


def history_turns(history) -> list[str]:
    """The user's earlier questions as typed (the chat shows them Markdown-escaped)."""
    return [unescape_md(t) for t in user_turns(history)]


def _window(text: str, lo: int, hi: int) -> tuple[int, int]:
    """A window around [lo, hi) no wider than VIEW_WINDOW either side, cut at line ends when possible."""
    start, end = max(0, lo - VIEW_WINDOW), min(len(text), hi + VIEW_WINDOW)
    if start > 0:
        nl = text.find("\n", start, lo)
        start = nl + 1 if nl != -1 else start
    if end < len(text):
        nl = text.rfind("\n", hi, end)
        end = nl if nl != -1 else end
    return start, end


def highlight(text: str, citations: list[Citation] = (), numbers: list[int] | None = None) -> list[tuple[str, str | None]]:
    """gr.HighlightedText value built from offsets: plain text around each cited span, the answer
    labelled [1] and supporting passages [2], [3] (those that do not overlap an earlier one), or by `numbers`
    (their numbers among the Sources, which may cite other documents too)."""
    spans: list[tuple[int, int, str]] = []
    for n, c in zip(numbers or range(1, len(citations) + 1), citations):
        if not any(c.start < e and s < c.end for s, e, _ in spans):
            spans.append((c.start, c.end, f"[{n}]"))
    spans.sort()
    if citations:
        lo, hi = _window(text, citations[0].start, citations[0].end)
    else:
        lo, hi = 0, min(len(text), 2 * VIEW_WINDOW)
    out: list[tuple[str, str | None]] = [("[…]\n", None)] if lo > 0 else []
    pos = lo
    for s, e, label in spans:
        if s < pos or e > hi:
            continue
        if s > pos:
            out.append((text[pos:s], None))
        out.append((text[s:e], label))
        pos = e
    if pos < hi:
        out.append((text[pos:hi], None))
    if hi < len(text):
        out.append(("\n[…]", None))
    return out


def document_view(bot, answer: Answer | None = None) -> tuple[str, list]:
    """(label, HighlightedText value) of the document an answer quotes, or of the first document."""
    if answer is not None and answer.citations and not answer.abstained:
        source = answer.citations[0].source
        numbered = [(n, c) for n, c in enumerate(answer.citations, 1) if c.source == source]
    else:
        source, numbered = bot.documents[0].source, []
    return f"Documento / Document — {source}", highlight(bot.texts[source], [c for _, c in numbered],
                                                          [n for n, _ in numbered])


def corpus_md(bot, uploaded: bool) -> str:
    """What the page says it is answering about."""
    docs = bot.documents
    names = ", ".join(f"**{escape_md(d.source)}**" for d in docs)
    first = docs[0].text.lstrip(INVISIBLE).strip().split("\n", 1)[0]
    title = re.sub(r"^#+\s*", "", first).strip()  # a Markdown heading's text, without a byte-order mark
    if len(title) > 160:
        title = title[:160].rstrip() + "…"  # a space before the closing "*" would show it as a star
    what = ("Sto rispondendo sui tuoi documenti / Answering about your documents" if uploaded
            else "Sto rispondendo sull'articolo / Answering about the article")
    line = f"{what}: {names}"
    if len(docs) == 1:
        line += f" — *{escape_md(title)}*"
    return line


class Conversation:
    """One browser tab's chat, kept on the server. Answers join it one at a time, in the order asked (a question
    sent while another is answered waits for it, and reads it as history); an answer that comes after the chat
    was cleared or switched documents is dropped: it would bring the old turns back."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.generation = 0  # bumped by every reset: a late answer can tell
        self._turn = threading.Lock()

    def __deepcopy__(self, memo) -> Conversation:
        """Gradio gives each tab a deep copy of a state's value: a conversation of its own, with its own lock."""
        copy = Conversation()
        copy.messages = [dict(m) for m in self.messages]
        return copy

    def reset(self, messages: list[dict] | None = None) -> None:
        self.messages, self.generation = list(messages or []), self.generation + 1

    @contextmanager
    def turn(self):
        """Hold the chat for one answer; yields the generation it started in."""
        generation = self.generation
        with self._turn:
            yield generation

    def add(self, generation: int, messages: list[dict]) -> bool:
        """Make `messages` the chat, unless it was reset since `generation`."""
        if generation != self.generation:
            return False
        self.messages = messages
        return True
