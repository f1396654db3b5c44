"""Uploaded files of the web chat (ui.py): checked, written to a session's private temporary folder and indexed
there; refusals said in Italian and English, as the page is."""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .documents import DocumentError

MAX_FILES = 5
MAX_FILE_BYTES = 2 * 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md")
MAX_NAME_CHARS = 120


def bilingual(exc: DocumentError) -> str:
    """A refusal in Italian, then in English: the page does not know the uploader's language yet."""
    return f"{exc.say('it')} · {exc.say('en')}"


def check_upload(name: str, data: bytes, seen: set[str] = frozenset()) -> None:
    """DocumentError, in plain words, for an upload refused before anything is written: unsafe or duplicate
    name, wrong type, too large. Its content (UTF-8, not binary, not empty) is checked by load_documents."""
    # not printable: NUL, line breaks and other control characters (they would break the page's Markdown);
    # spaces around the name are refused too, as the name is cited verbatim
    if (not name or "/" in name or "\\" in name or ".." in name or name.startswith(".")
            or not name.isprintable() or name != name.strip() or len(name) > MAX_NAME_CHARS):
        raise DocumentError("upload_name", name=name[:MAX_NAME_CHARS])
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise DocumentError("upload_type", name=name)
    if name in seen:
        raise DocumentError("upload_duplicate", name=name)
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError("upload_size", name=name, limit=MAX_FILE_BYTES // 1048576)


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
        raise DocumentError("upload_none")
    if len(files) > MAX_FILES:
        raise DocumentError("upload_count", count=len(files), limit=MAX_FILES)
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
        # the message names the uploaded file, never the server's temporary path
        shown = {k: v if isinstance(v, (int, float)) else str(v).replace(str(docs) + os.sep, "").replace(tmp.name, "…")
                 for k, v in exc.fields.items()}
        raise DocumentError(exc.key, **shown) from None
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
                raise DocumentError("upload_gone", name=name) from None
            finally:
                try:
                    os.remove(p)
                except OSError:
                    pass
        out.append((name, read[p]))
    return out
