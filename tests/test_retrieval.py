"""Retrieval's evidence (bot/retrieval.py) on the real article index."""
from __future__ import annotations

import numpy as np


def test_lexical_evidence_counts_half_across_languages(bot):
    """BM25 across languages matches only names ("Rutte"): the same words weigh half as much in an English
    question about the Italian article as in an Italian one (Scoring.lexical_cross_language)."""
    retriever, ids = bot.retriever, np.arange(len(bot.index.segments))
    vector = bot.encode_questions(["Rutte"])[0]
    for question, factor in (("Che cosa ha detto Rutte?", 1.0), ("What did Rutte say?", 0.5)):
        bm25 = bot.index.bm25.scores(question)
        lex = retriever.features(question, vector, ids, bm25)[:, 2]
        np.testing.assert_allclose(lex, factor * bm25 / bm25.max(), rtol=1e-5)
