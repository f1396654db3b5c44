"""Documents: files read exactly as on disk, named relative to their corpus root."""
from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import languages, messages

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".rst"}  # in a folder, other files are kept if they sniff as text
# Largest document accepted, per file. Indexing embeds every sentence twice on the CPU (measured: about 75 s
# per 100 KB of prose on 2 cores, so 5 MB is about an hour and tens of MB would take many hours): a larger
# file is refused, before it is read, with a message naming it. Raise it with BOT_MAX_DOCUMENT_MB (megabytes).
MAX_DOCUMENT_MB = 5
MAX_DOCUMENT_ENV = "BOT_MAX_DOCUMENT_MB"


class DocumentError(ValueError):
    """A document cannot be used; the message names the file. Raised by key with the facts to fill in, so that
    each language's wording (bot/messages.py) can be given: str() is the English one."""

    def __init__(self, key: str, **fields):
        self.key, self.fields = key, fields
        super().__init__(self.say("en"))

    def say(self, lang: str) -> str:
        return messages.document_error(lang, self.key, self.fields)

    def __reduce__(self):  # copied or pickled as its key and facts (its args hold only the English text)
        return functools.partial(type(self), self.key, **self.fields), ()


@dataclass(frozen=True)
class Document:
    source: str   # path relative to the corpus root, with "/" separators: what citations show
    path: Path
    text: str     # Path.read_text(encoding="utf-8"): citation offsets index into this string
    sha256: str
    language: str
    stamp: tuple = field(default=(), compare=False)  # file_stamp when read: a later change shows


def max_document_bytes() -> int:
    value = os.environ.get(MAX_DOCUMENT_ENV, "").strip()
    try:
        mb = float(value) if value else MAX_DOCUMENT_MB
    except ValueError:
        mb = float("nan")
    if mb == float("inf"):
        return sys.maxsize  # "inf": no limit
    if not mb * 1024 * 1024 >= 1:  # also NaN, and less than a byte ("1e-9": every file would be "over 0 MB")
        raise DocumentError("bad_limit", env=MAX_DOCUMENT_ENV, value=value)
    return int(mb * 1024 * 1024)


def file_stamp(path: Path) -> tuple:
    """What changes when a file is edited, replaced or deleted (then ()), without reading it."""
    try:
        return _stamp(os.stat(path))
    except OSError:
        return ()


def _stamp(st: os.stat_result) -> tuple:
    # ctime too: an in-place edit of the same size whose mtime is put back (cp -p, touch -r, tar x) keeps
    # inode, size and mtime, but any write or utime sets ctime. A chmod sets it too: that costs a reload
    # (the same contents hash to the same index key, so it is loaded, not rebuilt)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def read_document(path: Path, source: str) -> Document:
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        raise DocumentError("name_not_utf8", path=repr(os.fsencode(path))) from None
    limit = max_document_bytes()
    try:
        # O_NONBLOCK: opening a FIFO with no writer would wait forever; it is refused below instead
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):  # a FIFO, socket or device (/dev/zero) may never end
                raise DocumentError("not_regular", path=path)
            if st.st_size > limit:
                raise DocumentError("too_large", path=path, size=st.st_size / 1048576, limit=limit / 1048576,
                                    env=MAX_DOCUMENT_ENV)
            stamp = _stamp(st)  # before reading: a change while we read shows as a change later
            raw = f.read(limit + 1) if limit < sys.maxsize else f.read()
    except OSError as exc:
        raise DocumentError("unreadable", path=path, reason=str(exc.strerror or exc)) from exc
    if len(raw) > limit:  # grew since the stat
        raise DocumentError("grew_too_large", path=path, limit=limit / 1048576, env=MAX_DOCUMENT_ENV)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError("not_utf8", path=path, byte=exc.start) from exc
    # the exact string offsets refer to: Path.read_text's universal newlines, from the very bytes hashed
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        raise DocumentError("binary", path=path)
    if all(blank(ch) for ch in text):  # a byte-order mark alone is empty too
        raise DocumentError("empty", path=path)
    if not any(ch.isalnum() for ch in text):  # "---", "***", emoji: no sentence to quote
        raise DocumentError("no_words", path=path)
    return Document(source, path, text, hashlib.sha256(raw).hexdigest(), languages.detect(text[:20000]), stamp)


# invisible marks no quote starts or ends with: a byte-order mark (Windows editors put one at a file's
# start), zero-width spaces and joiners
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060"


def blank(ch: str) -> bool:
    """Whitespace, or an invisible mark."""
    return ch.isspace() or ch in INVISIBLE


def _looks_like_text(path: Path) -> bool:
    """For files without a text suffix ("COPYING", "CC0-1.0"): UTF-8 without NUL bytes in the first 8 KiB."""
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
    except OSError:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a character cut at the 8 KiB edge is fine (only in a longer file: "x\xff" is no text), anything else is not
        if exc.start < len(head) - 3 or len(head) < 8192:
            return False
    return b"\x00" not in head


def skipped(path: Path, folder: Path, exclude: Path | None = None) -> bool:
    """A hidden file or folder under `folder`, or anything inside `exclude` (the index folder, which may
    sit among the documents: its manifest and passage files are text too, and would be read as documents),
    by its name or through a link."""
    if any(part.startswith(".") for part in path.relative_to(folder).parts):
        return True
    return exclude is not None and (_inside(Path(os.path.abspath(path)), Path(os.path.abspath(exclude)))
                                    or _inside(path.resolve(), Path(exclude).resolve()))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def walk(folder: Path, exclude: Path | None = None):
    """os.walk over `folder` and its subfolders, linked ones too (a link to a folder of notes is part of the
    corpus), each real folder once: a link back to an ancestor, or to a folder already walked, is not entered
    again. Hidden folders and `exclude` are left out. Paths stay as reached, through the links."""
    seen: set[Path] = set()
    for top, subdirs, names in os.walk(folder, followlinks=True):
        real = Path(top).resolve()
        if real in seen:
            subdirs[:] = []
            continue
        seen.add(real)
        # folders before links to them, so a folder is named by its own path when both lead to it
        subdirs[:] = sorted((d for d in subdirs if not skipped(Path(top, d), folder, exclude)),
                            key=lambda d: (os.path.islink(os.path.join(top, d)), d))
        yield Path(top), names


def _files_under(folder: Path, exclude: Path | None = None) -> list[Path]:
    return sorted(
        p for top, names in walk(folder, exclude) for p in (top / n for n in names)
        if p.is_file() and not skipped(p, folder, exclude) and (p.suffix.lower() in TEXT_SUFFIXES or _looks_like_text(p))
    )


def absolute(paths) -> list[Path]:
    """A path or an iterable of paths (str or os.PathLike), made absolute so that a later os.chdir changes nothing.
    DocumentError for anything else (5, None, b"/docs", which would be read byte by byte) and for an empty path,
    which Path("") would read as the current folder."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    elif isinstance(paths, (bytes, dict)) or not hasattr(paths, "__iter__"):
        raise DocumentError("not_a_path", kind=type(paths).__name__)
    paths = list(paths)
    wrong = [p for p in paths if not isinstance(p, (str, os.PathLike))]
    if wrong:
        raise DocumentError("not_a_path", kind=type(wrong[0]).__name__)
    if any(isinstance(p, str) and not p.strip() for p in paths):
        raise DocumentError("empty_path")
    return [Path(os.path.abspath(p)) for p in paths]


def load_documents(paths, exclude: str | Path | None = None,
                   skipped: dict[Path, tuple] | None = None) -> list[Document]:
    """Read files and folders (a path or an iterable of them; folders recursively, linked ones too: .txt, .md, .rst
    and any other UTF-8 text file; not hidden ones, nor those inside `exclude`). A file found in a folder with
    nothing to quote (empty, or no letter or digit: a new note, a placeholder) is left out, with its file_stamp in
    `skipped`, so that a bot notices when it gets some text; given by name, or when a folder holds nothing else,
    it is an error."""
    given_paths = absolute(paths)
    if not given_paths:
        raise DocumentError("none_given")
    exclude = Path(os.path.abspath(exclude)) if exclude is not None else None
    docs: dict[str, Document] = {}
    files: set[Path] = set()  # every file met, resolved: one given twice is read once
    read: set[Path] = set()   # those that are documents
    for given in given_paths:
        if exclude is not None and _inside(given, exclude):
            raise DocumentError("in_index", path=given, index=exclude)
        if given.is_dir():
            found = [(p, p.relative_to(given).as_posix()) for p in _files_under(given, exclude)]
            if not found:
                raise DocumentError("no_text_files", path=given, suffixes=", ".join(sorted(TEXT_SUFFIXES)))
        elif given.exists():
            found = [(given, given.name)]
        else:
            raise DocumentError("missing", path=given)
        nothing: DocumentError | None = None  # the first file in this folder with nothing to quote
        for path, source in found:
            if path.resolve() in files:
                continue  # given twice (as a file and inside its folder): read and cited once
            files.add(path.resolve())
            if source in docs:
                raise DocumentError("same_source", source=source, first=docs[source].path, second=path)
            stamp = file_stamp(path)  # before reading: a change while we read shows as a change later
            try:
                docs[source] = read_document(path, source)
                read.add(path.resolve())
            except DocumentError as exc:
                if not given.is_dir() or exc.key not in ("empty", "no_words"):
                    raise
                nothing = nothing or exc
                if skipped is not None:
                    skipped[path] = stamp
        if nothing and not any(path.resolve() in read for path, _ in found):
            raise nothing  # a folder of empty files: said of the first
    return list(docs.values())
