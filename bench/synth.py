"""Synthetic corpora of any size built from real text, and vectors for them composed from real encodings.

Sentences come from Italian and English text on this machine (the bundled article, the shared licence
corpus, Debian's licence texts, the GnuPG help and Vim tutor in both languages). A synthetic passage joins
the first half of one real sentence to the second half of another, so passages are real-looking,
(almost) all distinct, and number as many as asked. Documents hold 40 paragraphs of 5 passages.

Encoding 100k passages twice (sentence + context) with the real model takes hours on 2 cores, so the
scaling benchmark builds through the real index code with a `ComposedEncoder`: a passage's vector is the
normalised sum of the real encodings of its two source sentences; a context's, of its passages'. Queries,
the off-topic null set and everything after the encoder are real.
"""
from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np

from bench.common import ROOT

SOURCES = {  # path -> (language, encoding); missing files are skipped
    ROOT / "seeds" / "giappone-nato.txt": ("it", "utf-8"),
    Path("/usr/share/gnupg/help.it.txt"): ("it", "utf-8"),
    Path("/usr/share/vim/vim90/tutor/tutor.it.utf-8"): ("it", "utf-8"),
    ROOT.parent / "shared" / "eval" / "corpora" / "licenses-dev" / "Artistic": ("en", "utf-8"),
    Path("/usr/share/common-licenses/GPL-3"): ("en", "utf-8"),
    Path("/usr/share/common-licenses/Apache-2.0"): ("en", "utf-8"),
    Path("/usr/share/common-licenses/MPL-2.0"): ("en", "utf-8"),
    Path("/usr/share/gnupg/help.txt"): ("en", "utf-8"),
    Path("/usr/share/vim/vim90/tutor/tutor"): ("en", "utf-8"),
}
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý«\"])")
PER_PARAGRAPH, PER_DOC = 5, 200


def pool(limit: int = 0) -> list[tuple[str, str]]:
    """Distinct real (sentence, language) of 40-300 characters, mostly letters, in a fixed order; at most
    `limit` per language when limit > 0."""
    seen: dict[str, str] = {}
    for path, (language, encoding) in SOURCES.items():
        if not path.is_file():
            continue
        lines = [ln.strip() for ln in path.read_text(encoding=encoding, errors="replace").splitlines()]
        text = " ".join(ln for ln in lines if ln and not ln.startswith(("#", ".", "~", "-", "=")))
        for s in _SPLIT.split(re.sub(r"\s+", " ", text)):
            letters = sum(ch.isalpha() for ch in s)
            if 40 <= len(s) <= 300 and letters > 0.7 * len(s) and s[-1] in ".!?":
                seen.setdefault(s, language)
    by_language: dict[str, list[str]] = {}
    for s, language in seen.items():
        by_language.setdefault(language, []).append(s)
    return [(s, language) for language, ss in by_language.items() for s in (ss[:limit] if limit else ss)]


def halves(sentence: str) -> tuple[str, str]:
    """Split at the comma nearest the middle, else at the middle space."""
    mid = len(sentence) // 2
    cuts = [m.end() for m in re.finditer(r",\s", sentence)] or [m.end() for m in re.finditer(r"\s", sentence)]
    cut = min(cuts, key=lambda c: abs(c - mid)) if cuts else mid
    return sentence[:cut].strip(), sentence[cut:].strip()


def passages(n: int, sentences: list[tuple[str, str]], seed: int = 0) -> list[tuple[str, int, int]]:
    """n distinct (text, source a, source b): head of sentence a + tail of sentence b, same language."""
    rng = random.Random(seed)
    parts = [halves(s) for s, _ in sentences]
    by_language: dict[str, list[int]] = {}
    for i, (_, language) in enumerate(sentences):
        by_language.setdefault(language, []).append(i)
    out, seen = [], set()
    while len(out) < n:
        a = rng.randrange(len(sentences))
        b = rng.choice(by_language[sentences[a][1]])
        head, tail = parts[a][0], parts[b][1]
        text = f"{head} {tail[:1].lower()}{tail[1:]}" if head.endswith(",") else f"{head} {tail}"
        if text not in seen:
            seen.add(text)
            out.append((text, a, b))
    return out


def write_corpus(folder: Path, rows: list[tuple[str, int, int]]) -> list[Path]:
    """Documents of PER_DOC passages, one paragraph (line) per PER_PARAGRAPH passages, blank-line separated."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in range(0, len(rows), PER_DOC):
        chunk = [r[0] for r in rows[d:d + PER_DOC]]
        paras = [" ".join(chunk[p:p + PER_PARAGRAPH]) for p in range(0, len(chunk), PER_PARAGRAPH)]
        path = folder / f"doc-{d // PER_DOC:04d}.txt"
        path.write_text("\n\n".join(paras) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


class ComposedEncoder:
    """Stands in for the SentenceTransformer at build time: texts it was given vectors for are looked up,
    anything else (the off-topic questions, an unexpected split) goes to the real model."""

    def __init__(self, model, table: dict[str, np.ndarray]):
        self.model, self.table, self.prompts = model, table, getattr(model, "prompts", None)
        self.fallbacks = 0

    def encode(self, texts: list[str], **kwargs) -> np.ndarray:
        missing = [t for t in texts if t not in self.table]
        self.fallbacks += len(missing)
        if missing:
            self.table.update(zip(missing, self.model.encode(missing, **kwargs)))
        return np.stack([self.table[t] for t in texts]).astype(np.float32)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def composed_table(docs, rows, pool_vectors: np.ndarray, settings) -> dict[str, np.ndarray]:
    """Vectors for every text the index build will ask for (same segmentation): sentences, contexts, and
    the title lines and headings of composed contexts."""
    from bot.contexts import context_texts, contexts
    from bot.segments import headings
    from bot.segments import segment

    by_text = {text: _unit(pool_vectors[a] + pool_vectors[b]) for text, a, b in rows}
    rng = np.random.default_rng(0)
    table: dict[str, np.ndarray] = {}
    for doc in docs:
        segs = segment(doc, settings.segmentation)
        vecs = [by_text.get(s.text) for s in segs]
        vecs = [v if v is not None else _unit(pool_vectors[rng.integers(len(pool_vectors), size=2)].sum(0))
                for v in vecs]  # a passage Punkt split differently: two random sources
        table.update((s.text, v) for s, v in zip(segs, vecs))
        ctxs = contexts(doc, segs, headings(doc, settings.segmentation))
        for i, (s, context) in enumerate(zip(segs, context_texts(segs, ctxs))):
            near = [vecs[j] for j in (i - 1, i + 1) if 0 <= j < len(segs) and segs[j].paragraph == s.paragraph]
            table[context] = _unit(2 * vecs[i] + sum(near) + 0.5 * vecs[0])
        # the title lines and headings composed contexts encode (large corpora, bot/contexts.py)
        table.update((t, vecs[0]) for c in ctxs for t in (c.lead, c.section) if t and t not in table)
    return table
