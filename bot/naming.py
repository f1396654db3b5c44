"""Document names: a question that names a document ("under the Apache license...") is about that document.

A document's names are the words of its file name (unless every file name has them) and the words of its
title that no other document of the corpus uses ("apache", "Mozilla"; not "license", which they all use),
and a file name's acronym spelled out ("Lesser General Public License", "Lesser GPL" for LGPL-3);
a name followed by a version ("GPL version 2", "MPL 1.1", "GPLv2") picks that version among the files the
name fits (GPL-2, not GPL-3). A question that uses one is searched in the documents it names only, and
its sentence-level similarity is the mean of the question read with and without those words: the name
picks the document, so it must not make the sentences that merely repeat it ("How to apply the Apache
License to your work") beat the one that answers. A corpus of one document has no names: there is
nothing to choose between.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .documents import TEXT_SUFFIXES
from .languages import FUSED, VERSION, WORD
from .lexical import fold, stopwords

_URL = re.compile(r"(?:https?://|www\.)\S+")  # "gnu.org/licenses/why-not-lgpl.html" does not make GPL-3 say "LGPL"


def name_of(source: str) -> str:
    """A file name as words: "licenses/Apache-2.0.txt" and "Apache-2.0" -> "Apache 2.0"."""
    path = Path(source)
    name = path.stem if path.suffix.lower() in TEXT_SUFFIXES else path.name
    return name.replace("-", " ").replace("_", " ")


def _words(text: str) -> set[str]:
    return {w for w in WORD.findall(fold(text)) if w not in stopwords() and len(w) > 1 and not w.isdigit()}


_TOKEN = re.compile(r"(?<![^\W_])[vV]?\d+(?:\.\d+)+|[^\W_]+")  # words, and dotted numbers whole ("1.1", "v2.1")
_VERSION_WORDS = frozenset({"version", "versione", "ver", "v"})


def _version(number: str) -> str:
    """"2.0" and "2" are the same version."""
    while number.endswith(".0"):
        number = number[:-2]
    return number


def _file_version(source: str) -> str:
    numbers = [t for t in _TOKEN.findall(name_of(source)) if t[0].isdigit()]
    return _version(numbers[0]) if numbers else ""


def _inverted(words: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    """source -> words  becomes  word -> sources."""
    out: dict[str, set[str]] = {}
    for source, ws in words.items():
        for w in ws:
            out.setdefault(w, set()).add(source)
    return {w: frozenset(sources) for w, sources in out.items()}


def _inside(position: int, acronyms: list[tuple[tuple[int, int], str]]) -> bool:
    """Whether a word starting at `position` is part of a spelled-out acronym."""
    return any(start <= position < end for (start, end), _ in acronyms)


@dataclass(frozen=True)
class DocumentNames:
    sources: tuple[str, ...]
    file_words: dict[str, frozenset[str]]   # word -> documents whose file name holds it (not every file's)
    title_words: dict[str, frozenset[str]]  # same for titles (these count only when capitalised in the question)
    family: dict[str, frozenset[str]] = field(default_factory=dict)  # any file-name/title word -> its documents
    versions: dict[str, str] = field(default_factory=dict)  # source -> the version in its file name ("GPL-2": "2")

    @classmethod
    def fit(cls, texts: dict[str, str], titles: dict[str, str]) -> "DocumentNames":
        """texts: source -> document text; titles: source -> its title ("" when it has none)."""
        if len(texts) < 2:
            return cls(tuple(texts), {}, {})
        used = {source: set(WORD.findall(fold(_URL.sub(" ", text)))) for source, text in texts.items()}
        documents_using = Counter(w for words in used.values() for w in words)

        def own(names: dict[str, set[str]]) -> dict[str, frozenset[str]]:  # the words no other document uses
            return _inverted({s: {w for w in ws if documents_using[w] - (w in used[s]) == 0}
                              for s, ws in names.items()})

        file_words = {s: _words(name_of(s)) for s in texts}
        title_words = {s: _words(titles.get(s, "")) for s in texts}
        # a file-name word names its files even where other texts use it ("GPL" in LGPL-3 refers to the GPL),
        # unless every file has it; a title word only where no other text uses it ("license")
        files = {w: docs for w, docs in _inverted(file_words).items() if len(docs) < len(texts)}
        family = _inverted({s: (file_words[s] | title_words[s]) - _VERSION_WORDS for s in texts})
        versions = {s: v for s in texts if (v := _file_version(s))}
        return cls(tuple(texts), files, own(title_words), family, versions)

    def file_names(self) -> list[str]:
        """Every document's file name as words: words the corpus knows even where its text never uses them."""
        return [name_of(source) for source in self.sources]

    def _acronyms(self, question: str) -> list[tuple[tuple[int, int], str]]:
        """(span, file-name word) of each name spelled out as words: "Lesser General Public License", or
        "Lesser GPL" and "lesser gpl", for "LGPL". Three or more capitalised words whose initials spell a
        file-name word, or words before a file-name word that complete it with their initials ("l" + "gpl");
        the longest run wins."""
        if not self.file_words:  # one document: nothing to name
            return []
        words = list(WORD.finditer(question))
        folded = [fold(m.group()) for m in words]
        out, i = [], 0
        while i < len(words):
            for j in range(min(len(words), i + 5), i + 1, -1):
                run = folded[i:j]
                if any(w in stopwords() or w.isdigit() for w in run):
                    continue
                initials = "".join(w[0] for w in run[:-1])
                spelled = initials + run[-1][0]
                completed = initials + run[-1] if run[-1] in self.file_words else ""
                if j - i >= 3 and all(m.group()[0].isupper() for m in words[i:j]) and spelled in self.file_words:
                    out.append(((words[i].start(), words[j - 1].end()), spelled))
                elif completed in self.file_words:
                    out.append(((words[i].start(), words[j - 1].end()), completed))
                else:
                    continue
                i = j - 1
                break
            i += 1
        return out

    def _matches(self, question: str, acronyms: list) -> list[tuple[tuple[int, int], str]]:
        """(span, document) of every name in the question (acronyms: its _acronyms())."""
        out = [(span, source) for span, word in acronyms for source in self.file_words[word]]
        for m in WORD.finditer(question):
            if _inside(m.start(), acronyms):
                continue
            word = fold(m.group())
            fused = FUSED.fullmatch(word)
            if fused and word not in self.file_words and word not in self.title_words:
                word = fused[1]  # "GPLv2" names what "GPL" names
            sources = self.file_words.get(word, frozenset())
            if m.group()[0].isupper():
                sources = sources | self.title_words.get(word, frozenset())
            out.extend((m.span(), source) for source in sources)
        return out

    def _versioned(self, question: str, acronyms: list) -> tuple[list[tuple[int, int]], set[str], set[str]]:
        """A name followed by a version ("GPL version 2", "Mozilla Public License 1.1", "GPLv2") picks that
        version among the documents the name fits: the spans, the documents picked and their siblings. Of the
        up to four words before the number, the one fitting the fewest documents decides ("mozilla", not
        "license"); a number alone picks nothing ("section 2")."""
        spans, picked, siblings = [], set(), set()
        if not self.versions:
            return spans, picked, siblings
        tokens = sorted([(fold(t.group()), t.span()) for t in _TOKEN.finditer(question)
                         if not _inside(t.start(), acronyms)] +
                        [(word, span) for span, word in acronyms], key=lambda t: t[1])
        for i, (number, span) in enumerate(tokens):
            names = [(w, s) for w, s in tokens[max(0, i - 5):i] if w not in _VERSION_WORDS][-4:]
            fused, bare = FUSED.fullmatch(number), VERSION.fullmatch(number)
            if fused and fused[1] in self.family:  # "gplv2"
                names, number = [(fused[1], span)], fused[2]
            elif bare:  # "gpl v2"
                number = bare[1]
            if not number[0].isdigit():
                continue
            version = _version(number)
            fits = [(w, s) for w, s in names
                    if any(self.versions.get(d) == version for d in self.family.get(w, ()))]
            if not fits:
                continue
            word, name_span = min(fits, key=lambda f: len(self.family[f[0]]))
            picked |= {d for d in self.family[word] if self.versions.get(d) == version}
            siblings |= {d for d in self.family[word] if self.versions.get(d) != version}
            spans += [name_span, span]
        return spans, picked, siblings - picked

    def named(self, question: str) -> set[str]:
        """The documents the question names: by a word only they use, or by name and version."""
        acronyms = self._acronyms(question)
        _, picked, siblings = self._versioned(question, acronyms)
        return ({source for _, source in self._matches(question, acronyms)} - siblings) | picked

    def without_names(self, question: str) -> str:
        """The question with the document names left out."""
        acronyms = self._acronyms(question)
        spans = sorted({span for span, _ in self._matches(question, acronyms)} |
                       set(self._versioned(question, acronyms)[0]), reverse=True)
        for start, end in spans:
            question = question[:start] + question[end:]
        return " ".join(question.split())
