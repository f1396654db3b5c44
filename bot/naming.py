"""Document names: a question that names a document ("under the Apache license...") is about that document.

A document's names are the words of its file name and title that no other document of the corpus uses
("apache", "mozilla"; not "license", which they all use). A question that uses one is searched in the
documents it names only, and its sentence-level similarity is the mean of the question read with and
without those words: the name picks the document, so it must not make the sentences that merely repeat
it ("How to apply the Apache License to your work") beat the one that answers. A corpus of one
document has no names: there is nothing to choose between.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .documents import TEXT_SUFFIXES
from .lexical import fold, stopwords

_WORD = re.compile(r"\w+")


def name_of(source: str) -> str:
    """A file name as words: "licenses/Apache-2.0.txt" and "Apache-2.0" -> "Apache 2.0"."""
    path = Path(source)
    name = path.stem if path.suffix.lower() in TEXT_SUFFIXES else path.name
    return name.replace("-", " ").replace("_", " ")


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold(text)) if w not in stopwords() and len(w) > 1 and not w.isdigit()}


@dataclass(frozen=True)
class DocumentNames:
    sources: tuple[str, ...]
    file_words: dict[str, frozenset[str]]   # source -> words of its file name no other document uses (any case)
    title_words: dict[str, frozenset[str]]  # source -> same for its title (they count only when capitalised)

    @classmethod
    def fit(cls, texts: dict[str, str], titles: dict[str, str]) -> "DocumentNames":
        """texts: source -> document text; titles: source -> its title ("" when it has none)."""
        if len(texts) < 2:
            return cls(tuple(texts), {}, {})
        used = {source: set(_WORD.findall(fold(text))) for source, text in texts.items()}

        def own(source: str, words: set[str]) -> frozenset[str]:
            return frozenset(w for w in words if not any(w in v for other, v in used.items() if other != source))

        return cls(tuple(texts), {s: own(s, _words(name_of(s))) for s in texts},
                   {s: own(s, _words(titles.get(s, ""))) for s in texts})

    def file_names(self) -> list[str]:
        """Every document's file name as words: words the corpus knows even where its text never uses them."""
        return [name_of(source) for source in self.sources]

    def _matches(self, question: str) -> list[tuple[re.Match, str]]:
        out = []
        for m in _WORD.finditer(question):
            word = fold(m.group())
            for source in self.file_words:
                if word in self.file_words[source] or (word in self.title_words[source] and m.group()[0].isupper()):
                    out.append((m, source))
        return out

    def named(self, question: str) -> set[str]:
        """The documents the question names."""
        return {source for _, source in self._matches(question)}

    def without_names(self, question: str) -> str:
        """The question with the document names left out."""
        spans = sorted({m.span() for m, _ in self._matches(question)}, reverse=True)
        for start, end in spans:
            question = question[:start] + question[end:]
        return " ".join(question.split())
