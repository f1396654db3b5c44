"""What the web chat (ui.py) shows, kept free of Gradio: Markdown escaping, chat messages built from an
Answer, the highlighted document view, and per-session corpora built from uploaded files."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import languages, messages
from .answer import Answer, Citation
from .documents import DocumentError
from .followup import user_turns

MAX_FILES = 5
MAX_FILE_BYTES = 2 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md")
MAX_NAME_CHARS = 120
VIEW_WINDOW = 6000        # characters of context shown either side of a quote in a long document
SOURCES_TITLE = "Fonti / Sources"
CLOSEST_TITLE = "Passaggi più vicini — NON sono una risposta / Closest passages — NOT an answer"
QUOTE_LABEL = "[1]"
COLORS = {"[1]": "#facc15", "[2]": "#bae6fd", "[3]": "#bae6fd", "[4]": "#bae6fd", "[5]": "#bae6fd"}

_WORDS = {  # the chat's own errors; what the bot itself says is in bot/messages.py
    "it": {"error": "Domanda non valida", "document": "Documento non disponibile",
           "failure": "Errore interno, riprova"},
    "en": {"error": "Invalid question", "document": "Document unavailable",
           "failure": "Internal error, please try again"},
}

# Markdown/HTML specials: & < > become entities (so no raw tag ever reaches the page, not even "\\<img");
# inline markup characters get a backslash everywhere, block markers ("# ", "- ", "1. ") only at a line
# start, so ordinary punctuation (. - ' ") stays readable in the copied text.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE = re.compile(r"([\\`*_\[\]|~$])")
_LINE_START = re.compile(r"^([ \t]*)([#+\-=]|\d+[.)])", re.MULTILINE)
_UNESCAPE = re.compile(r"\\([\\`*_\[\]|~$#+\-=.)])")
_UNENTITY = re.compile(r"&(amp|lt|gt);")


def escape_md(text: str) -> str:
    """`text` as Markdown that renders literally (reversible with unescape_md)."""
    text = re.sub(r"[&<>]", lambda m: _ENTITIES[m.group()], text)
    text = _INLINE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def unescape_md(text: str) -> str:
    text = _UNESCAPE.sub(r"\1", text)
    return _UNENTITY.sub(lambda m: {"amp": "&", "lt": "<", "gt": ">"}[m.group(1)], text)


def quote_md(text: str) -> str:
    """A Markdown blockquote of `text`, every line prefixed so multi-line quotes stay one block."""
    lines = (escape_md(line) for line in text.strip().split("\n"))
    # leading blanks would make an indented code block: keep them visible as non-breaking spaces
    return "\n".join("> " + re.sub(r"^[ \t]+", lambda m: "&nbsp;" * len(m.group()), line) for line in lines)


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


def answer_messages(answer: Answer) -> list[dict]:
    """The assistant's turn: the quote (or the abstention) then a collapsed block of cited passages."""
    lang = lang_of(answer.question)
    if answer.abstained:
        msgs = [{"role": "assistant", "content": f"**{escape_md(answer.message)}**\n\n{escape_md(answer.reason)}"}]
        if answer.citations:
            msgs.append({"role": "assistant", "content": _sources_md(answer.citations, lang),
                         "metadata": {"title": CLOSEST_TITLE, "status": "done"}})
        return msgs
    first = answer.citations[0]
    body = f"{quote_md(answer.text)}\n\n{citation_line(1, first, lang)}"
    if answer.uncertain:
        body += f"\n\n_{escape_md(answer.reason)}_"
    return [{"role": "assistant", "content": body},
            {"role": "assistant", "content": _sources_md(answer.citations, lang),
             "metadata": {"title": SOURCES_TITLE, "status": "done"}}]


def error_message(question: str, exc: Exception) -> dict:
    """A refused question ("Invalid question: …"), or a document that changed into something unusable."""
    kind = "document" if isinstance(exc, DocumentError) else "error" if isinstance(exc, ValueError) else "failure"
    return {"role": "assistant", "content": f"{_WORDS[lang_of(question)][kind]}: {escape_md(str(exc))}"}


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


def highlight(text: str, citations: list[Citation] = ()) -> list[tuple[str, str | None]]:
    """gr.HighlightedText value built from offsets: plain text around each cited span, the answer
    labelled [1] and supporting passages [2], [3] (those that do not overlap an earlier one)."""
    spans: list[tuple[int, int, str]] = []
    for n, c in enumerate(citations, 1):
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
        cited = [c for c in answer.citations if c.source == source]
    else:
        source, cited = bot.documents[0].source, []
    return f"Documento / Document — {source}", highlight(bot.texts[source], cited)


def corpus_md(bot, uploaded: bool) -> str:
    """What the page says it is answering about."""
    docs = bot.documents
    names = ", ".join(f"**{escape_md(d.source)}**" for d in docs)
    title = docs[0].text.strip().split("\n", 1)[0][:160]
    what = "i tuoi documenti / your documents" if uploaded else "l'articolo / the article"
    line = f"Sto rispondendo su {what}: {names}"
    if len(docs) == 1:
        line += f" — *{escape_md(title)}*"
    return line


def check_upload(name: str, data: bytes, seen: set[str] = frozenset()) -> None:
    """DocumentError, in plain words, for an upload refused before anything is written: unsafe or duplicate
    name, wrong type, too large. Its content (UTF-8, not binary, not empty) is checked by load_documents."""
    # not printable: NUL, line breaks and other control characters (they would break the page's Markdown);
    # spaces around the name are refused too, as the name is cited verbatim
    if (not name or "/" in name or "\\" in name or ".." in name or name.startswith(".")
            or not name.isprintable() or name != name.strip() or len(name) > MAX_NAME_CHARS):
        raise DocumentError(f"file name {name[:MAX_NAME_CHARS]!r} refused: use a plain name such as notes.txt")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise DocumentError(f"{name}: only {' and '.join(UPLOAD_SUFFIXES)} files are accepted")
    if name in seen:
        raise DocumentError(f"{name}: two files have the same name")
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"{name} is too large: the limit is {MAX_FILE_BYTES // 1048576} MB per file")


@dataclass
class Corpus:
    """One browser session's own documents: files and index in a private temporary directory."""

    bot: object
    tmp: tempfile.TemporaryDirectory = field(repr=False)

    def close(self) -> None:
        self.tmp.cleanup()


def build_corpus(files: list[tuple[str, bytes]], model: str, bot_factory) -> Corpus:
    """Validate uploads (name, bytes), write them to a fresh temporary directory and index them there.
    DocumentError (message naming the file, never a server path) when anything is refused."""
    if not files:
        raise DocumentError("no files uploaded")
    if len(files) > MAX_FILES:
        raise DocumentError(f"too many files ({len(files)}): at most {MAX_FILES} at a time")
    seen: set[str] = set()
    for name, data in files:
        check_upload(name, data, seen)
        seen.add(name)
    tmp = tempfile.TemporaryDirectory(prefix="qa-session-")
    try:
        docs = Path(tmp.name, "docs")
        docs.mkdir()
        paths = []
        for name, data in files:
            path = docs / name
            path.write_bytes(data)
            paths.append(path)
        bot = bot_factory(paths, index_dir=Path(tmp.name, "index"), model=model, progress=True)
        return Corpus(bot, tmp)
    except DocumentError as exc:
        tmp.cleanup()
        raise DocumentError(str(exc).replace(str(docs) + os.sep, "").replace(tmp.name, "…")) from None
    except BaseException:
        tmp.cleanup()
        raise


def read_uploads(paths) -> list[tuple[str, bytes]]:
    """(file name, bytes) of files Gradio saved in its upload cache; the cached copies are then deleted
    so nothing uploaded stays reachable by URL. Files over the size limit are not read in full."""
    out, read = [], {}
    for p in map(str, paths or []):
        name = os.path.basename(p)
        if p not in read:  # the same file twice is one cached copy (Gradio names them by content)
            try:
                with open(p, "rb") as f:
                    read[p] = f.read(MAX_FILE_BYTES + 1)
            except OSError:  # taken by another session's upload of the same file, deleted after reading
                raise DocumentError(f"{name}: the upload is no longer there, please upload it again") from None
            finally:
                try:
                    os.remove(p)
                except OSError:
                    pass
        out.append((name, read[p]))
    return out
