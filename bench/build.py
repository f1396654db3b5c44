"""Index build throughput with the real model: passages per second of bot.index.build against bare
model.encode of the same passages. The build encodes every passage twice (the sentence, and the
sentence in its context: document name, title, neighbours), so the bare encode of the contexts is
timed too: it shows where the build's time goes."""
from __future__ import annotations

import shutil
from pathlib import Path

from bench import synth
from bench.common import child_main, log, ratio, timed


class TimedModel:
    """The real model, with the time of each encode call the build makes (sentences, contexts, off-topic):
    the build's own split between encoding and everything else, under the same machine load."""

    def __init__(self, model):
        self.model, self.prompts, self.calls = model, getattr(model, "prompts", None), []

    def encode(self, texts, **kwargs):
        seconds, vectors = timed(self.model.encode, texts, **kwargs)
        self.calls.append(round(seconds, 2))
        return vectors


def run(plan, work: Path) -> dict:
    from bot import embedder, index as index_mod
    from bot.config import DEFAULT_MODEL, Settings
    from bot.documents import load_documents
    from bot.segments import headings, segment

    settings = Settings()
    model = embedder.load_model(DEFAULT_MODEL)
    docs = load_documents(synth.write_corpus(work / f"build-corpus-{plan.build_passages}",
                                             synth.passages(plan.build_passages, synth.pool(plan.pool_limit), seed=1)))
    segs_by_doc = [(d, segment(d, settings.segmentation)) for d in docs]
    sentences = [s.text for _, ss in segs_by_doc for s in ss]
    contexts = [c for d, ss in segs_by_doc
                for c in index_mod.context_texts(d, ss, headings(d, settings.segmentation))]
    n = len(sentences)
    embedder.encode(model, sentences[:32], "passage")  # warm-up
    log(f"build throughput: {n} passages")
    bare_s, _ = timed(embedder.encode, model, sentences, "passage", batch_size=settings.batch_size)
    folder = work / "build-index"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    timed_model = TimedModel(model)
    build_s, _ = timed(index_mod.build, docs, settings, folder, timed_model)
    in_build = dict(zip(("sentences_s", "contexts_s", "offtopic_s"), timed_model.calls))
    in_build["everything_else_s"] = round(build_s - sum(timed_model.calls), 2)
    contexts_s, _ = timed(embedder.encode, model, contexts, "passage", batch_size=settings.batch_size)
    offtopic_s, _ = timed(embedder.encode, model, index_mod.offtopic_questions(), "query")
    bare_again_s, _ = timed(embedder.encode, model, sentences, "passage", batch_size=settings.batch_size)
    bare = (bare_s + bare_again_s) / 2  # before and after the build: drift on a shared machine averages out
    build_pps, bare_pps = n / build_s, n / bare
    return {
        "passages": n, "build_s": round(build_s, 2), "bare_encode_sentences_s": round(bare, 2),
        "bare_encode_contexts_s": round(contexts_s, 2), "encode_offtopic_s": round(offtopic_s, 2),
        "build_passages_per_s": round(build_pps, 2), "bare_encode_passages_per_s": round(bare_pps, 2),
        "ratio": ratio(build_pps, bare_pps), "target_ratio": 0.8, "target_met": build_pps >= 0.8 * bare_pps,
        "ratio_to_bare_encode_of_everything_built": ratio(bare + contexts_s + offtopic_s, build_s),
        "bare_encode_sentences_runs_s": [round(bare_s, 2), round(bare_again_s, 2)],
        "encode_inside_build": in_build,
        "sentence_encode_share_of_build": ratio(in_build["sentences_s"], build_s),
        "mean_chars": {"sentence": round(sum(map(len, sentences)) / n, 1),
                       "context": round(sum(map(len, contexts)) / n, 1)},
    }


if __name__ == "__main__":
    child_main("build", run)
