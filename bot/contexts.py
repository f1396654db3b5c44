"""Each sentence's context: the document's name and title, its section heading and its neighbours.

Questions often name the document ("in the Apache license..."), the section ("what does it say about
litigation?") or lean on the topic, which the sentence alone may not carry. Context vectors are made one of
two ways (config.VectorIndex.compose_from picks by corpus size):
- pooled: the model reads each paragraph once, after its "name: title heading" line, and a sentence's context
  vector is the mean of the token states of that line, the sentence and its neighbours ("late chunking").
  As good as encoding "name: title heading previous SENTENCE next" as one text per sentence (which models
  without mean pooling still get), at half its cost: each passage is read twice in all, not four times.
- composed: the normalised sum of the vectors of the sentence, its neighbours, the "name: title" line and
  the heading. Only the few distinct titles and headings are encoded, so a build costs little more than
  encoding the sentences once (measurements in docs/design.md).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from . import embedder
from .config import VectorIndex
from .documents import Document
from .naming import name_of
from .segments import Segment, document_title


@dataclass(frozen=True)
class Context:
    lead: str                # "name: title" (no title for the sentence that stands in for it)
    section: str             # the heading of the sentence's section, "" if none
    prev: int | None = None  # the neighbouring sentences in the same paragraph, as indexes into the
    next: int | None = None  # segment list the contexts were made for


def contexts(doc: Document, segs: list[Segment], heads: list[tuple[int, int, int]], offset: int = 0) -> list[Context]:
    """The context of each of one document's segments (heads: segments.headings(doc)); neighbour indexes
    are shifted by `offset`, the position of segs[0] in a longer list."""
    starts = [s for _, s, _ in heads]
    title, title_seg = document_title(doc, heads), None
    if not title and segs and segs[0].paragraph == 1:  # no title paragraph: the opening sentence stands for it
        title, title_seg = segs[0].text, 0
    name = name_of(doc.source)
    out = []
    for i, seg in enumerate(segs):
        k = bisect.bisect(starts, seg.start) - 1
        section = " ".join(doc.text[heads[k][1]:heads[k][2]].split()) if k >= 0 and heads[k][0] != 1 else ""
        lead = f"{name}: {title}" if title and title_seg != i else f"{name}:"
        same = lambda j: 0 <= j < len(segs) and segs[j].paragraph == seg.paragraph  # noqa: E731
        out.append(Context(lead, section, offset + i - 1 if same(i - 1) else None,
                           offset + i + 1 if same(i + 1) else None))
    return out


def context_texts(segs: list[Segment], ctxs: list[Context], which: list[int] | None = None) -> list[str]:
    """Each sentence in its context (or only those of `which`), as one text to encode."""
    def text(j: int | None) -> str:
        return segs[j].text if j is not None else ""

    return [" ".join(p for p in (c.lead, c.section, text(c.prev), segs[i].text, text(c.next)) if p)
            for i, c in ((i, ctxs[i]) for i in (range(len(segs)) if which is None else which))]


def _pieces(segs: list[Segment], piece_chars: int) -> list[tuple[int, int]]:
    """(first, last) segment of each piece of a paragraph the model reads at once: short enough for it."""
    pieces, i = [], 0
    while i < len(segs):
        j = i
        while (j + 1 < len(segs) and segs[j + 1].source == segs[i].source and segs[j + 1].paragraph == segs[i].paragraph
               and segs[j + 1].end - segs[i].start < piece_chars):
            j += 1
        pieces.append((i, j))
        i = j + 1
    return pieces


def pooled(texts: dict[str, str], segs: list[Segment], ctxs: list[Context], model,
           piece_chars: int = VectorIndex.piece_chars, progress: bool = False) -> np.ndarray:
    """Context vectors pooled from one reading of each paragraph (texts: source -> document text)."""
    pieces = _pieces(segs, piece_chars)
    leads = [" ".join(p for p in (ctxs[i].lead, ctxs[i].section) if p) + "\n" for i, _ in pieces]
    read = [lead + texts[segs[i].source][segs[i].start:segs[j].end] for lead, (i, j) in zip(leads, pieces)]
    vectors, cut = {}, []
    for (i, j), lead, (states, spans) in zip(pieces, leads, embedder.token_states(model, read, "passage",
                                                                                  progress=progress)):
        shift = len(lead) - segs[i].start  # document offset -> offset in the text read
        tokens = lambda a, b: (spans[:, 0] < b) & (spans[:, 1] > a)  # noqa: E731  tokens overlapping [a, b)
        own = {k: tokens(segs[k].start + shift, segs[k].end + shift) for k in range(i, j + 1)}
        for k in range(i, j + 1):
            if not len(spans) or spans[-1, 1] < segs[k].end + shift:  # cut off by the model's length limit
                cut.append(k)
                continue
            window = tokens(0, len(lead) - 1) | own[k]
            for n in (ctxs[k].prev, ctxs[k].next):
                window |= own.get(n, False)
            vectors[k] = states[window].mean(axis=0)
    if cut:  # rare (a piece of dense code or URLs): read those in context as one text each
        vectors.update(zip(cut, embedder.encode(model, context_texts(segs, ctxs, cut), "passage")))
    out = np.vstack([vectors[k] for k in range(len(segs))]) if segs else np.zeros((0, 0), np.float32)
    return np.ascontiguousarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float32)


def compose(ctxs: list[Context], sentences: np.ndarray, model, batch_size: int = 32) -> np.ndarray:
    """Context vectors from the sentences' own vectors plus one encoding per distinct lead and heading."""
    extra = sorted({t for c in ctxs for t in (c.lead, c.section) if t})
    vectors = dict(zip(extra, embedder.encode(model, extra, "passage", batch_size=batch_size)))
    out = sentences.copy()
    for i, c in enumerate(ctxs):
        for j in (c.prev, c.next):
            if j is not None:
                out[i] += sentences[j]
        for t in (c.lead, c.section):
            if t:
                out[i] += vectors[t]
    return np.ascontiguousarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float32)


def context_vectors(texts: dict[str, str], segs: list[Segment], ctxs: list[Context], sentences: np.ndarray, model,
                    composed: bool, piece_chars: int = VectorIndex.piece_chars, batch_size: int = 32,
                    progress: bool = False) -> np.ndarray:
    if composed:
        return compose(ctxs, sentences, model, batch_size)
    if embedder.mean_pooled(model):
        return pooled(texts, segs, ctxs, model, piece_chars, progress)
    return embedder.encode(model, context_texts(segs, ctxs), "passage", batch_size=batch_size, progress=progress)
