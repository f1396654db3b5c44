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
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .documents import TEXT_SUFFIXES
from .languages import FUSED, WORD
from .lexical import fold, stopwords

_URL = re.compile(r"(?:https?://|www\.)\S+")  # "gnu.org/licenses/why-not-lgpl.html" does not make GPL-3 say "LGPL"


def name_of(source: str) -> str:
    """A file name as words: "licenses/Apache-2.0.txt" and "Apache-2.0" -> "Apache 2.0"."""
    path = Path(source)
    name = path.stem if path.suffix.lower() in TEXT_SUFFIXES else path.name
    return name.replace("-", " ").replace("_", " ")


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall(fold(text)) if w not in stopwords() and len(w) > 1 and not w.isdigit()}


@dataclass(frozen=True)
class DocumentNames:
    sources: tuple[str, ...]
    file_words: dict[str, frozenset[str]]   # word -> documents whose file name holds it and no other text uses it
    title_words: dict[str, frozenset[str]]  # same for titles (these count only when capitalised in the question)

    @classmethod
    def fit(cls, texts: dict[str, str], titles: dict[str, str]) -> "DocumentNames":
        """texts: source -> document text; titles: source -> its title ("" when it has none)."""
        if len(texts) < 2:
            return cls(tuple(texts), {}, {})
        used = {source: set(WORD.findall(fold(_URL.sub(" ", text)))) for source, text in texts.items()}
        documents_using = Counter(w for words in used.values() for w in words)

        def own(names: dict[str, set[str]]) -> dict[str, frozenset[str]]:
            out: dict[str, set[str]] = {}
            for source, words in names.items():
                for w in words:
                    if documents_using[w] - (w in used[source]) == 0:  # no other document uses it
                        out.setdefault(w, set()).add(source)
            return {w: frozenset(sources) for w, sources in out.items()}

        return cls(tuple(texts), own({s: _words(name_of(s)) for s in texts}),
                   own({s: _words(titles.get(s, "")) for s in texts}))

    def file_names(self) -> list[str]:
        """Every document's file name as words: words the corpus knows even where its text never uses them."""
        return [name_of(source) for source in self.sources]

    def _matches(self, question: str) -> list[tuple[re.Match, str]]:
        out = []
        for m in WORD.finditer(question):
            word = fold(m.group())
            fused = FUSED.fullmatch(word)
            if fused and word not in self.file_words and word not in self.title_words:
                word = fused[1]  # "GPLv2" names what "GPL" names
            sources = self.file_words.get(word, frozenset())
            if m.group()[0].isupper():
                sources = sources | self.title_words.get(word, frozenset())
            out.extend((m, source) for source in sources)
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
