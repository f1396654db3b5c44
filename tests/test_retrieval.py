"""Retrieval's evidence (bot/retrieval.py) on the real article index."""
from __future__ import annotations

import numpy as np
import pytest

from bot import languages


def test_lexical_evidence_counts_half_across_languages(bot):
    """BM25 across languages matches only names ("Rutte"): the same words weigh half as much in an English
    question about the Italian article as in an Italian one (Scoring.lexical_cross_language)."""
    retriever, ids = bot.retriever, np.arange(len(bot.index.segments))
    vector = bot.encode_questions(["Rutte"])[0]
    for question, factor in (("Che cosa ha detto Rutte?", 1.0), ("What did Rutte say?", 0.5)):
        bm25 = bot.index.bm25.scores(question)
        lex = retriever.features(question, vector, ids, bm25)[:, 2]
        np.testing.assert_allclose(lex, factor * bm25 / bm25.max(), rtol=1e-5)


@pytest.mark.parametrize("question, subject", [
    ("Chi è il segretario generale della NATO?", "il segretario generale"),  # up to its first function word
    ("What is a Transparent copy under the Free Documentation License?", "a transparent copy"),
    ("chi e rutte", "rutte"),
    ("What is Rutte's nationality?", "rutte s nationality"),  # a possessive: the head noun is last
    ('What is a "work that uses the Library" under the LGPL?', "work that uses the library"),  # quoted: whole
    ("Cos'è NSatu?", "nsatu"),
    ("E chi è Ishiba?", "ishiba"),
    ("Who's Rutte?", "rutte"),
    ("What is a covered work?", "a covered work"),
    ("What is the NOTICE file for?", ""),    # ends in a function word: asks what it is for, not what it is
    ("Dove ha sede il comando?", ""),
    ("Which seas are named?", ""),
])
def test_definition_subject(question, subject):
    assert languages.definition_subject(question) == subject


@pytest.mark.parametrize("subject, sentence, defines", [
    ("the package", '"package" refers to the collection of files', True),
    ("covered work", 'a "covered work" means either the unmodified program', True),
    ("zstandard", "__zstandard__, or `zstd` as short version, is a fast lossless compression algorithm", True),
    ("nsatu", "l'nsatu è un comando", True),
    ("xz utils", "the version number format of xz utils is x.y.zs", False),  # XZ Utils is not the subject
    ("zstd", "the zstd port in vcpkg is kept up to date", False),           # the port is
    ("work that uses the library", 'linked with it, is called a "work that uses the library".', True),
    ("opaque", 'a copy that is not "transparent" is called "opaque".', True),
    ("work that uses the library", 'however, linking a "work that uses the library" with the library', False),
    ("the package", "a package may be copied", False),                       # no defining verb
    ("a transparent copy", 'a "transparent" copy of the document means a machine-readable copy', True),
])
def test_definition_of_finds_sentences_that_define_their_subject(subject, sentence, defines):
    assert bool(languages.definition_of(subject).search(sentence)) is defines


def test_who_is_question_prefers_the_sentence_that_introduces_the_person(bot, article_text):
    """A news text says who someone is where it first names them; later sentences use the bare surname."""
    (first,) = bot.retriever.introductions("Chi è Ishiba?")
    first_mention = article_text.index("Ishiba")
    seg = bot.index.segments[first]
    assert seg.start <= first_mention < seg.end
    a = bot.ask("Who is Rutte?")
    assert not a.abstained and "segretario generale della NATO Mark Rutte" in a.text


def test_what_is_question_prefers_a_licence_s_definition_to_its_first_mention(license_bot):
    """A licence uses "Package" in its preamble and defines it later: the definition is what X is."""
    ids = license_bot.retriever.introductions("What is the Package?")
    texts = [license_bot.index.segments[i].text for i in ids]
    assert any(t.startswith('"Package" refers to') for t in texts)
    assert license_bot.ask("What is the Package?").text.startswith('"Package" refers to')
