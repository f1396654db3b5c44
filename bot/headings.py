"""Headings: which paragraphs only name what follows (a title, "8. Litigation", "## Install", an FAQ's question),
and so are context for the sentences under them, never a quote. Pure predicates on a paragraph's text; the
segmenter (bot/segments.py) adds what needs the whole document (underlines, repeats of headings)."""
from __future__ import annotations

import re

from .lexical import fold, stopwords

BULLET = re.compile(r"\s*[-*•]\s")
NUMBERED = re.compile(r"\s*\(?\d{1,3}(\.\d{1,3})*[.)]\s")  # "1.", "1.2.", "(3)"
TABLE_ROW = re.compile(r"\s*\|(.*\|){2,}\s*$")  # "| tool | 1.25 | 90 MB/s |": a paragraph of its own, not a box
HEADING = re.compile(r" {0,3}#{1,6}\s")  # Markdown's: deeper-indented "# ..." is code (a shell comment)
_LONG_WORD = re.compile(r"[^\W\d_]{4,}")
_SUBSECTION = re.compile(r"\s*\d{1,3}(\.\d{1,3})+\.?\s+\S")  # "1.3. Documentation for liblzma"
FULL_STOP = re.compile(r"[.!?;:\"»”)]\s*$")
_LABEL_VALUE = re.compile(r"\s*[-*•]\s+\**[^\W\d_]+\**:\**\s+\S")  # "- Weight: 2.1 kg", "- **Venue:** Hillside Lodge"
# a line of a field block ("From: Anna", "Role:\tWarehouse manager", "Data di nascita: 3 maggio"): a one- to
# three-word label, a colon, then its value
_FIELD = re.compile(r"[ \t]*\**[^\W\d_][\w'’-]*(?:[ \t][\w'’-]+){0,2}\**:\**[ \t]+\S")
_NUMBERED_TITLE = re.compile(r"\s*[-*•]\s+\**[^\W\d_]+\s+\d+(?:\.\d+)*\b")  # "- Chapter 3", "* Step 1", "- Part 2: ..."
_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z]")
_SPOKEN_END = re.compile(r"[^.][.!][\"»”)]?\s*$")  # ends as a sentence does ("..." and "etc.." aside)


def is_label(text: str) -> bool:
    """One token naming what follows, on a line of its own: ".gpg.keygen.name", "--verbose", "[core]",
    "Note:" (not a URL, not a sentence ending in a full stop)."""
    return (2 <= len(text) <= 60 and not any(c.isspace() for c in text) and any(c.isalpha() for c in text)
            and "://" not in text and not text.startswith("www.") and text[-1] not in ".!?;,")


def is_title_cased(text: str) -> bool:
    """A short title-cased line ("3. Grant of Patent License.", "13. Use with the GNU Affero General Public
    License.", "Definitions."): its longer words are capitalised except function words, as titles write them.
    It names what follows and answers nothing alone."""
    words = [w for w in _LONG_WORD.findall(text) if fold(w) not in stopwords()]
    return len(text) <= 80 and 0 < len(words) <= 8 and all(w[0].isupper() for w in words)


def is_heading_paragraph(text: str, first: bool, indent: int = 0) -> bool:
    """A paragraph that only names what follows: a short title-cased or capitalised line ("8. Litigation",
    "TERMS AND CONDITIONS"), a Markdown heading, a sub-numbered line ("1.3. Documentation for liblzma"), a
    one-token label (".gpg.keygen.name"), a lone question (an FAQ's: its answer is the next paragraph), or
    the document's opening paragraph when it is short and has no full stop (its title). _kinds() adds
    underlined lines and repeats of headings (a table of contents). Headings are context for the sentences
    under them, never the quote.
    indent: spaces before the paragraph on its first line ("#" indented 4 or more is code, as in Markdown)."""
    letters = [c for c in text if c.isalpha()]
    capitals = bool(letters) and all(c.isupper() for c in letters)
    # a line in capitals is a heading ("NO WARRANTY"), unless it ends as a sentence of three words or more
    # ("WARNING: NEVER IMMERSE THE KETTLE IN WATER."); so is a title-cased one, unless it is a list item
    # that ends as a sentence ("- Made in Italy.")
    ends = bool(_SPOKEN_END.search(text))
    bullet = bool(BULLET.match(text))
    sentence = ends and (len(_LONG_WORD.findall(text)) >= 3 and not NUMBERED.match(text) if capitals  # "13.
                         else bullet)  # MULTIPLE-LICENSED CODE." is a section's title
    # a list item that states a fact, however title-cased: it holds a figure or a one-word label and its value
    # ("- Weight: 2.1 kg", "- **Venue:** Hillside Lodge", "- Coach from Manchester Piccadilly at 09:30"); not a
    # numbered title ("- Chapter 3", "* Step 1", "- Part 2: Getting Started") nor "- See Also: Related Projects"
    sentence = sentence or bullet and not _NUMBERED_TITLE.match(text) and (
        any(c.isdigit() for c in text) or bool(_LABEL_VALUE.match(text)))
    shouting = len(text) <= 80 and capitals
    title = first and len(text) <= 200 and not FULL_STOP.search(text)
    subsection = len(text) <= 80 and bool(_SUBSECTION.match(text)) and not FULL_STOP.search(text)
    markdown = indent <= 3 and bool(HEADING.match(text))
    question = len(text) <= 200 and text.endswith("?") and not _SENTENCE_END.search(text[:-1])
    if TABLE_ROW.match(text):
        return False  # a table's row ("| Saffron bun | £1.80 |"), however capitalised; its header is underlined
    if is_fields(text):
        return False  # fields ("From: Anna Verdi" / "Date: 3 March 2025"): facts, however short and title-cased
    return ((is_title_cased(text) or shouting) and not sentence) or markdown or title or subsection or question or (
        is_label(text))


def is_fields(text: str) -> bool:
    """Two or more lines, each a label and its value: an e-mail's or a form's header, a record."""
    lines = text.splitlines()
    return len(lines) >= 2 and all(_FIELD.match(line) for line in lines)
