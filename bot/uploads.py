"""Uploaded files of the web chat (ui.py): checked, written to a session's private temporary folder and indexed
there; refusals said in Italian and English, as the page is."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .documents import DocumentError

MAX_FILES = 5
MAX_FILE_BYTES = 2 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md")
MAX_NAME_CHARS = 120
# load_documents (shared with the CLI) words its refusals in English: the page adds the Italian
_ITALIAN = [
    (re.compile(r"(.+) is empty"), "{} è vuoto"),
    (re.compile(r"(.+) is not UTF-8 text \(byte (\d+)\): convert it to UTF-8"),
     "{} non è testo UTF-8 (byte {}): convertilo in UTF-8"),
    (re.compile(r"(.+) looks binary \(it contains NUL bytes\)"), "{} sembra binario (contiene byte NUL)"),
    (re.compile(r"(.+) has no words to quote \(no letters or digits\)"),
     "{} non ha parole da citare (né lettere né cifre)"),
]


def bilingual(message: str) -> str:
    """A refusal of load_documents in Italian, then as it is; other messages (already in both) unchanged."""
    for pattern, italian in _ITALIAN:
        found = pattern.fullmatch(message)
        if found:
            return f"{italian.format(*found.groups())} · {message}"
    return message


def check_upload(name: str, data: bytes, seen: set[str] = frozenset()) -> None:
    """DocumentError, in plain words, for an upload refused before anything is written: unsafe or duplicate
    name, wrong type, too large. Its content (UTF-8, not binary, not empty) is checked by load_documents."""
    # not printable: NUL, line breaks and other control characters (they would break the page's Markdown);
    # spaces around the name are refused too, as the name is cited verbatim
    if (not name or "/" in name or "\\" in name or ".." in name or name.startswith(".")
            or not name.isprintable() or name != name.strip() or len(name) > MAX_NAME_CHARS):
        shown = repr(name[:MAX_NAME_CHARS])
        raise DocumentError(f"nome di file {shown} rifiutato: usa un nome semplice come note.txt · "
                            f"file name {shown} refused: use a plain name such as notes.txt")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise DocumentError(f"{name}: sono accettati solo file .txt e .md · {name}: only .txt and .md files are accepted")
    if name in seen:
        raise DocumentError(f"{name}: due file hanno lo stesso nome · {name}: two files have the same name")
    if len(data) > MAX_FILE_BYTES:
        mb = MAX_FILE_BYTES // 1048576
        raise DocumentError(f"{name} è troppo grande: il limite è {mb} MB per file · "
                            f"{name} is too large: the limit is {mb} MB per file")


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
        raise DocumentError("nessun file caricato · no files uploaded")
    if len(files) > MAX_FILES:
        raise DocumentError(f"troppi file ({len(files)}): al massimo {MAX_FILES} alla volta · "
                            f"too many files ({len(files)}): at most {MAX_FILES} at a time")
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
                raise DocumentError(f"{name}: il file caricato non c'è più, caricalo di nuovo · "
                                    f"{name}: the upload is no longer there, please upload it again") from None
            finally:
                try:
                    os.remove(p)
                except OSError:
                    pass
        out.append((name, read[p]))
    return out
