"""The index: passages + FAISS vectors + BM25 + a manifest, built once and loaded when fresh.

On disk (plain files, one folder per corpus/model/parameter combination, named by their hash):
    index/<key>/manifest.json     model, parameters, document hashes and titles, checksums of every file below
    index/<key>/passages.jsonl    one sentence a line: source, paragraph, offsets (no text: it comes from the file)
    index/<key>/sentences.faiss   one vector per sentence (exact IndexFlatIP; HNSW for large corpora)
    index/<key>/contexts.faiss    one vector per sentence in its context (bot/contexts.py: name, title, heading, neighbours)
    index/<key>/bm25/             bm25s's own plain-file format
    index/<key>/null.npy          embeddings of the shipped off-topic questions (abstention calibration)
    index/<key>/hub.npy           each sentence's hubness: mean cosine to its nearest off-topic questions
A folder is written under a temporary name and renamed into place only when complete, and the
manifest's checksums are verified on load, so a crashed or corrupted build is never used.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from . import embedder, lexical, offtopic
from .contexts import context_vectors, contexts
from .config import Settings, VectorIndex
from .documents import Document
from .segments import Segment, document_title, headings, segment

FORMAT_VERSION = 22  # bump whenever segmentation or what is stored changes: old indexes are rebuilt


class IndexError_(RuntimeError):
    """An index folder is unusable (missing, truncated, corrupt or from other inputs)."""


@dataclass
class Index:
    segments: list[Segment]
    sentences: "faiss.Index"          # noqa: F821  (faiss is imported lazily)
    contexts: "faiss.Index"           # noqa: F821
    bm25: lexical.Lexical
    null_queries: np.ndarray
    hub: np.ndarray                   # per passage: how much off-topic questions like it (see offtopic.hubness())
    manifest: dict
    path: Path

    @property
    def titles(self) -> dict[str, str]:
        """source -> the document's title, found while segmenting ("" when it has none)."""
        return {d["source"]: d["title"] for d in self.manifest["documents"]}

    @property
    def languages(self) -> dict[str, str]:
        """source -> the document's language code."""
        return {d["source"]: d["language"] for d in self.manifest["documents"]}

    def vectors(self, which: str, ids: np.ndarray) -> np.ndarray:
        index = self.sentences if which == "sentences" else self.contexts
        if not len(ids):
            return np.zeros((0, index.d), np.float32)
        return index.reconstruct_batch(np.asarray(ids, dtype=np.int64))


def index_key(docs: list[Document], settings: Settings) -> str:
    ident = {"format": FORMAT_VERSION, "params": settings.index_params(), "offtopic": offtopic.questions_sha(),
             "documents": sorted((d.source, d.sha256) for d in docs)}
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:20]


def vector_index(vectors: np.ndarray, params: VectorIndex) -> "faiss.Index":  # noqa: F821
    """Exact IndexFlatIP for small corpora, IndexHNSWFlat (inner product) from params.hnsw_from passages:
    flat search cost grows linearly with the corpus (see bench/results/scaling.json)."""
    import faiss

    if len(vectors) < params.hnsw_from:
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], params.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params.ef_construction
    index.add(vectors)
    return index


def _search_params(index: "faiss.Index", params: VectorIndex) -> "faiss.Index":  # noqa: F821
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = params.ef_search  # not stored in the file
    return index


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")


def build(docs: list[Document], settings: Settings, folder: Path, model, progress: bool = False) -> None:
    """Write a complete index for `docs` into the (new, empty) `folder`."""
    import faiss

    params = settings.segmentation
    segs_by_doc = [(d, segment(d, params), headings(d, params)) for d in docs]
    segs, ctxs = [], []
    for d, ss, heads in segs_by_doc:
        ctxs += contexts(d, ss, heads, offset=len(segs))
        segs += ss
    kw = {"batch_size": settings.batch_size, "progress": progress}
    sentences = embedder.encode(model, [s.text for s in segs], "passage", **kw)
    composed = len(segs) >= settings.vector_index.compose_from  # pooled or composed: see bot/contexts.py
    in_context = context_vectors({d.source: d.text for d in docs}, segs, ctxs, sentences, model, composed,
                                 settings.vector_index.piece_chars, **kw)
    for name, vectors in (("sentences", sentences), ("contexts", in_context)):
        faiss.write_index(vector_index(vectors, settings.vector_index), str(folder / f"{name}.faiss"))
    null = offtopic.vectors(model, settings.model, settings.batch_size)
    np.save(folder / "null.npy", null)
    np.save(folder / "hub.npy", offtopic.hubness(sentences, null))
    lexical.Lexical.fit([s.text for s in segs], docs[0].language).save(folder / "bm25")
    with open(folder / "passages.jsonl", "w", encoding="utf-8") as f:
        for s in segs:
            row = {k: v for k, v in asdict(s).items() if k != "text"}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    manifest = {
        "format": FORMAT_VERSION, "model": settings.model, "params": settings.index_params(),
        "documents": [{"source": d.source, "sha256": d.sha256, "language": d.language, "where": _where(d),
                       "title": document_title(d, heads)} for d, _, heads in segs_by_doc],
        "passages": len(segs), "files": {p.relative_to(folder).as_posix(): _sha(p) for p in _files(folder)},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")


def load(folder: Path, docs: list[Document], settings: Settings | None = None) -> Index:
    """Load and verify an index folder; raise IndexError_ if anything does not match."""
    import faiss

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # the folder's name is only a hash: check the manifest describes these inputs (a folder copied or
        # renamed from another model/corpus, or an edited manifest, would otherwise give wrong citations)
        expected = {"format": FORMAT_VERSION,
                    "documents": sorted([d.source, d.sha256] for d in docs)}
        found = {"format": manifest["format"],
                 "documents": sorted([d["source"], d["sha256"]] for d in manifest["documents"])}
        if settings is not None:
            expected.update(model=settings.model, params=settings.index_params())
            found.update(model=manifest["model"], params=manifest["params"])
        if found != expected:
            raise IndexError_(f"{folder}: built from other documents, model or parameters")
        required = {"passages.jsonl", "sentences.faiss", "contexts.faiss", "null.npy", "hub.npy"}
        missing = required - set(manifest["files"])
        if missing:
            raise IndexError_(f"{folder}: manifest lists no checksum for {', '.join(sorted(missing))}")
        for name, digest in manifest["files"].items():
            if _sha(folder / name) != digest:
                raise IndexError_(f"{folder / name} does not match its checksum")
        texts = {d.source: d.text for d in docs}
        segs = []
        with open(folder / "passages.jsonl", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                segs.append(Segment(text=texts[row["source"]][row["start"]:row["end"]], **row))
        params = (settings or Settings()).vector_index
        sentences = _search_params(faiss.read_index(str(folder / "sentences.faiss")), params)
        contexts = _search_params(faiss.read_index(str(folder / "contexts.faiss")), params)
        hub = np.load(folder / "hub.npy")
        if not sentences.ntotal == contexts.ntotal == len(segs) == len(hub) == manifest["passages"]:
            raise IndexError_(f"{folder}: vectors and passages do not match")
        return Index(segs, sentences, contexts, lexical.Lexical.load(folder / "bm25"),
                     np.load(folder / "null.npy"), hub, manifest, folder)
    except IndexError_:
        raise
    except Exception as exc:  # missing file, bad JSON, faiss or numpy read errors: all mean "rebuild"
        raise IndexError_(f"{folder}: unusable index ({type(exc).__name__}: {exc})") from exc


class _Unwritable(OSError):
    """The index folder cannot be written (read-only, not ours): a fresh index in it can still be read."""


def not_a_folder(index_dir: Path) -> NotADirectoryError:
    return NotADirectoryError(f"the index folder {index_dir} is a file: choose another --index-dir")


@contextmanager
def _locked(index_dir: Path):
    """Serialise builds between processes sharing an index folder."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = open(index_dir / ".lock", "w")
    except (FileExistsError, NotADirectoryError):  # a file where the folder should be
        raise not_a_folder(index_dir) from None
    except OSError as exc:
        raise _Unwritable(exc.errno, exc.strerror) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_or_build(docs: list[Document], settings: Settings, index_dir: Path, model,
                  progress: bool = False, rebuild: bool = False) -> Index:
    """The fresh index for `docs`: loaded if a verified one exists, else built atomically."""
    index_dir = Path(index_dir)
    folder = index_dir / index_key(docs, settings)
    try:
        return _load_or_build(docs, settings, index_dir, folder, model, progress, rebuild)
    except _Unwritable as exc:
        if folder.exists() and not rebuild:  # a prebuilt index on a read-only disk: read it (it is verified)
            try:
                return load(folder, docs, settings)
            except IndexError_:
                pass
        raise OSError(f"cannot build the index in {index_dir} ({exc.strerror}): make it writable, or choose "
                      "another folder with --index-dir or BOT_INDEX_DIR") from None


def _load_or_build(docs: list[Document], settings: Settings, index_dir: Path, folder: Path, model,
                   progress: bool, rebuild: bool) -> Index:
    with _locked(index_dir):
        if folder.exists() and not rebuild:
            try:
                return load(folder, docs, settings)
            except IndexError_:
                pass  # corrupt or half-deleted: rebuilt below
        tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=index_dir))
        try:
            tmp.chmod(0o755)  # mkdtemp's 0700 would hide a prebuilt, shared index from every other user
            build(docs, settings, tmp, model, progress)
            if folder.exists():
                shutil.rmtree(folder)
            os.rename(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for stale in index_dir.iterdir():
            if stale.is_dir() and stale != folder and _superseded(stale, docs, settings):
                shutil.rmtree(stale, ignore_errors=True)
        return load(folder, docs, settings)


def _where(doc: Document) -> str:
    """Which file on disk a document is (a hash of its absolute path: README.md of one project is not
    README.md of another)."""
    return hashlib.sha256(os.fsencode(os.path.abspath(doc.path))).hexdigest()[:16]


def _superseded(folder: Path, docs: list[Document], settings: Settings) -> bool:
    """True for leftovers of crashed builds and for older builds with the same model over any of the same
    files (edited, added or removed documents, changed parameters). Indexes of other models or of unrelated
    corpora sharing index_dir are kept, so switching between them does not rebuild."""
    if folder.name.startswith(".building-"):
        return True  # we hold the lock, so no build is running
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # the same file: same name, and the same place on disk or the same content (a corpus moved elsewhere)
        theirs = {(d["source"], key) for d in manifest["documents"] for key in (d.get("where"), d["sha256"])}
        ours = {(d.source, key) for d in docs for key in (_where(d), d.sha256)}
        return manifest["model"] == settings.model and bool(theirs & ours)
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not an index folder of ours: leave it alone
