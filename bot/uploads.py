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
MAX_NAME_BYTES = 255  # a file name on Linux file systems


def bilingual(exc: DocumentError) -> str:
    """A refusal in Italian, then in English: the page does not know the uploader's language yet."""
    return f"{exc.say('it')} · {exc.say('en')}"


def check_upload(name: str, data: bytes, seen: set[str] = frozenset()) -> None:
    """DocumentError, in plain words, for an upload refused before anything is written: unsafe or duplicate
    name, wrong type, too large. Its content (UTF-8, not binary, not empty) is checked by load_documents."""
    # not printable: NUL, line breaks and other control characters (they would break the page's Markdown);
    # spaces around the name are refused too, as the name is cited verbatim
    # and a name the session folder's file system cannot hold (255 bytes) is refused before it is written
    if (not name or "/" in name or "\\" in name or ".." in name or name.startswith(".")
            or not name.isprintable() or name != name.strip() or len(name) > MAX_NAME_CHARS
            or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES):
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


def read_uploads(files: list[dict] | None) -> list[tuple[str, bytes]]:
    """(name the user gave, bytes) of uploads as Gradio's upload event hands them over unprocessed: FileData
    dicts with "path" (Gradio's cached copy) and "orig_name" (the file's name in the browser). Files over the
    size limit are not read in full, nor are the files of a selection with too many.

    The name is the user's own, not the cached copy's: Gradio strips characters such as ?:"$!{} and prefixes
    Windows device names, and citations would name a file the user does not have (check_upload still judges it).
    The cached copy is left where it is: Gradio keeps one copy per content and name, shared by every session that
    uploads the same file at the same moment, so deleting it after reading took another session's upload. The
    page reads it as soon as it arrives, and the app's delete_cache removes it a few minutes later (ui.py)."""
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise DocumentError("upload_count", count=len(files), limit=MAX_FILES)
    out = []
    for f in files:
        name = f.get("orig_name")
        if not name:  # a client that posts paths without names: its files cannot be cited by the user's name
            raise DocumentError("upload_unnamed")
        try:
            with open(f["path"], "rb") as data:
                out.append((name, data.read(MAX_FILE_BYTES + 1)))
        except OSError:  # removed by delete_cache before its event came (minutes after the upload)
            raise DocumentError("upload_gone", name=name) from None
    return out


def take_uploads(files: list[dict] | None) -> list[tuple[str, bytes]] | DocumentError:
    """read_uploads' files, or the refusal it raised: the page reads an upload as soon as it arrives and keeps
    what it read (or why it could not) until the upload's turn to be indexed."""
    try:
        return read_uploads(files)
    except DocumentError as exc:
        return exc
