"""Documents: files read exactly as on disk, named relative to their corpus root."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from . import languages

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".rst"}  # in a folder, other files are kept if they sniff as text


class DocumentError(ValueError):
    """A document cannot be used; the message names the file."""


@dataclass(frozen=True)
class Document:
    source: str   # path relative to the corpus root, with "/" separators: what citations show
    path: Path
    text: str     # Path.read_text(encoding="utf-8"): citation offsets index into this string
    sha256: str
    language: str


def read_document(path: Path, source: str) -> Document:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{path} is not UTF-8 text (byte {exc.start}): convert it to UTF-8") from exc
    text = path.read_text(encoding="utf-8")  # the exact string offsets refer to (universal newlines)
    if "\x00" in text:
        raise DocumentError(f"{path} looks binary (it contains NUL bytes)")
    if not text.strip():
        raise DocumentError(f"{path} is empty")
    return Document(source, path, text, hashlib.sha256(raw).hexdigest(), languages.detect(text[:20000]))


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
        if exc.start < len(head) - 3:  # a character cut at the 8 KiB edge is fine, anything else is not
            return False
    return b"\x00" not in head


def _files_under(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and (p.suffix.lower() in TEXT_SUFFIXES or _looks_like_text(p))
    )


def load_documents(paths: list[str | Path] | str | Path) -> list[Document]:
    """Read files and folders (folders recursively: .txt, .md, .rst and any other file that is UTF-8 text)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths:
        raise DocumentError("no documents given")
    docs: dict[str, Document] = {}
    for given in map(Path, paths):
        if given.is_dir():
            found = [(p, p.relative_to(given).as_posix()) for p in _files_under(given)]
            if not found:
                raise DocumentError(f"{given} holds no text files (looked for {', '.join(sorted(TEXT_SUFFIXES))} "
                                    "and other UTF-8 text files)")
        elif given.exists():
            found = [(given, given.name)]
        else:
            raise DocumentError(f"{given} does not exist")
        for path, source in found:
            if source in docs and docs[source].path.resolve() != path.resolve():
                raise DocumentError(f"two documents would both be cited as {source!r}: {docs[source].path} and {path}; "
                                    "put them in one folder and pass the folder")
            docs[source] = read_document(path, source)
    return list(docs.values())
