"""Each sentence's context: the document's name and title, its section heading and its neighbours.

Questions often name the document ("in the Apache license..."), the section ("what does it say about
litigation?") or lean on the topic, which the sentence alone may not carry. Context vectors are made one of
two ways (config.VectorIndex.compose_from picks by corpus size):
- encoded: the context read as one text, "name: title heading previous SENTENCE next". The better of the
  two on every dev set, but it encodes each passage a second time, at about three times its length.
- composed: the normalised sum of the vectors of the sentence, its neighbours, the "name: title" line and
  the heading. Only the few distinct titles and headings are encoded, so a build costs little more than
  encoding the sentences once (measurements in docs/design.md).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from . import embedder
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


def context_texts(segs: list[Segment], ctxs: list[Context]) -> list[str]:
    """Each sentence in its context, as one text to encode."""
    def text(j: int | None) -> str:
        return segs[j].text if j is not None else ""

    return [" ".join(p for p in (c.lead, c.section, text(c.prev), s.text, text(c.next)) if p)
            for s, c in zip(segs, ctxs)]


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


def context_vectors(segs: list[Segment], ctxs: list[Context], sentences: np.ndarray, model, composed: bool,
                    batch_size: int = 32, progress: bool = False) -> np.ndarray:
    if composed:
        return compose(ctxs, sentences, model, batch_size)
    return embedder.encode(model, context_texts(segs, ctxs), "passage", batch_size=batch_size, progress=progress)
