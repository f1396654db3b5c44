"""Index build throughput with the real model: passages per second of bot.index.build against bare
model.encode of the same passages, for both ways of making context vectors (bot/contexts.py):
pooled (each paragraph read once more, after its name, title and heading, and every sentence's context
pooled from its token states; the default below VectorIndex.compose_from passages) and composed (from the
sentence vectors; the default from there). Each both ways: the machine's first build, which encodes the
off-topic calibration questions, and any later one, which reads their vectors from the cache
(bot/offtopic.py). Also timed: encoding every context as one text, which pooling replaced (2026-11-28)."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from bench import synth
from bench.common import child_main, log, ratio, timed

MODES = {"pooled": 10**12, "composed": 0}  # VectorIndex.compose_from forcing one way
FIRST = " (first build on the machine)"  # suffix of the builds made with no cached off-topic vectors


def bare_encode(model, texts: list[str], kind: str, batch_size: int):
    """model.encode itself, all texts in one call: the floor a build is measured against."""
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False, prompt=(getattr(model, "prompts", None) or {}).get(kind))


def timed_build(docs, settings, folder: Path, model, n: int, bare_pps: float) -> dict:
    """bot.index.build, with the time of each embedder.encode call it makes (sentences, then titles and headings
    when composing, then the off-topic questions); pooled contexts read token states directly, so their time
    is in everything_else_s."""
    from bot import embedder
    from bot import index as index_mod

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    encode, seconds = embedder.encode, []

    def timed_encode(*args, **kwargs):
        took, vectors = timed(encode, *args, **kwargs)
        seconds.append(round(took, 2))
        return vectors

    embedder.encode = timed_encode
    try:
        build_s, _ = timed(index_mod.build, docs, settings, folder, model)
    finally:
        embedder.encode = encode
    calls = {"sentences_s": seconds[0], "other_encode_calls_s": seconds[1:],
             "everything_else_s": round(build_s - sum(seconds), 2)}
    pps = n / build_s
    return {"build_s": round(build_s, 2), "build_passages_per_s": round(pps, 2), "ratio": ratio(pps, bare_pps),
            "target_met": pps >= 0.8 * bare_pps, "encode_inside_build": calls,
            "sentence_encode_share_of_build": ratio(calls["sentences_s"], build_s)}


def run(plan, work: Path) -> dict:
    from bot import embedder, offtopic
    from bot.config import DEFAULT_MODEL, Settings
    from bot.contexts import context_texts, contexts, pooled
    from bot.documents import load_documents
    from bot.segments import headings, segment

    settings = Settings()
    model = embedder.load_model(DEFAULT_MODEL)
    docs = load_documents(synth.write_corpus(work / f"build-corpus-{plan.build_passages}",
                                             synth.passages(plan.build_passages, synth.pool(plan.pool_limit), seed=1)))
    segs_by_doc = [(d, segment(d, settings.segmentation)) for d in docs]
    sentences = [s.text for _, ss in segs_by_doc for s in ss]
    ctxs_by_doc = [contexts(d, ss, headings(d, settings.segmentation)) for d, ss in segs_by_doc]
    in_context = [c for (_, ss), cs in zip(segs_by_doc, ctxs_by_doc) for c in context_texts(ss, cs)]
    n = len(sentences)
    batch = settings.batch_size
    bare_encode(model, sentences[:32], "passage", batch)  # warm-up
    log(f"build throughput: {n} passages, contexts pooled and composed")
    bare_s, _ = timed(bare_encode, model, sentences, "passage", batch)
    builds = {}
    for mode, compose_from in MODES.items():
        mode_settings = replace(settings, vector_index=replace(settings.vector_index, compose_from=compose_from))
        for name in (mode + FIRST, mode):  # the first fills the cache the second reads
            if name.endswith(FIRST):
                offtopic.cache_path(settings.model).unlink(missing_ok=True)
            builds[name] = timed_build(docs, mode_settings, work / "build-index", model, n, n / bare_s)
    contexts_s, _ = timed(bare_encode, model, in_context, "passage", batch)
    pooled_s = sum(timed(pooled, {d.source: d.text}, ss, cs, model)[0] for (d, ss), cs in zip(segs_by_doc, ctxs_by_doc))
    offtopic_s, _ = timed(bare_encode, model, offtopic.questions(), "query", batch)
    bare_again_s, _ = timed(bare_encode, model, sentences, "passage", batch)
    bare = (bare_s + bare_again_s) / 2  # before and after the builds: drift on a shared machine averages out
    for b in builds.values():  # ratios against the averaged bare encode
        b["ratio"] = ratio(n / b["build_s"], n / bare)
        b["target_met"] = n / b["build_s"] >= 0.8 * n / bare
    first = builds["pooled" + FIRST]
    first["ratio_to_bare_encode_of_everything_built"] = ratio(bare + pooled_s + offtopic_s, first["build_s"])
    return {
        "passages": n, "compose_from": settings.vector_index.compose_from, "builds": builds,
        "bare_encode_sentences_s": round(bare, 2), "bare_encode_passages_per_s": round(n / bare, 2),
        "bare_encode_contexts_s": round(contexts_s, 2), "pooled_contexts_s": round(pooled_s, 2),
        "encode_offtopic_s": round(offtopic_s, 2), "offtopic_questions": len(offtopic.questions()),
        "bare_encode_sentences_runs_s": [round(bare_s, 2), round(bare_again_s, 2)], "target_ratio": 0.8,
        "mean_chars": {"sentence": round(sum(map(len, sentences)) / n, 1),
                       "context": round(sum(map(len, in_context)) / n, 1)},
    }


if __name__ == "__main__":
    child_main("build", run)
