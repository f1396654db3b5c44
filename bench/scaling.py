"""Scaling: synthetic corpora of growing size (bench/synth.py), each built with an exact (flat) and an
HNSW vector index: build time, size on disk, Bot start-up, retrieval and ask() latency, HNSW recall@10
against exact search at several efSearch values, and a profile of ask() at the largest size."""
from __future__ import annotations

import cProfile
import hashlib
import pstats
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from bench import synth
from bench.common import child_main, log, questions, rss_mb, stats, timed
from bench.warm import floor_encode

VARIANTS = {"flat": 10**12, "hnsw": 0}  # VectorIndex.hnsw_from forcing one index type
EF_SEARCH = (64, 128, 256, 512)


def pool_vectors(model, sentences: list[str], work: Path) -> np.ndarray:
    """Real passage encodings of the sentence pool, cached in the work folder."""
    from bot import embedder

    key = hashlib.sha256("\n".join(sentences).encode()).hexdigest()[:16]
    path = work / f"pool-{key}.npy"
    if not path.exists():
        log(f"encoding the pool of {len(sentences)} real sentences (cached in {work})")
        work.mkdir(parents=True, exist_ok=True)
        np.save(path, embedder.encode(model, sentences, "passage"))
    return np.load(path)


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 2)


def recall_sweep(flat, hnsw, groups: dict[str, np.ndarray], k: int = 10, pool: int = 50) -> list[dict]:
    """HNSW against exact search per query group and efSearch: recall@k (top-k against top-k), the share
    of the exact top-k among HNSW's top-`pool` (retrieval re-scores 50 candidates), search ms per query."""
    rows = []
    for group, queries in groups.items():
        exact = flat.search(queries, k)[1]
        t_flat = min(timed(flat.search, queries, pool)[0] for _ in range(3)) / len(queries)
        rows.append({"queries": group, "index": "flat", "recall_at_10": 1.0, "top10_in_50": 1.0,
                     "search_ms": round(t_flat * 1000, 3)})
        for ef in EF_SEARCH:
            hnsw.hnsw.efSearch = ef
            t, (_, found) = timed(hnsw.search, queries, pool)
            t = min([t] + [timed(hnsw.search, queries, pool)[0] for _ in range(2)]) / len(queries)
            share = lambda n: float(np.mean([len(set(a) & set(b[:n])) / k for a, b in zip(exact, found)]))  # noqa: E731
            rows.append({"queries": group, "index": "hnsw", "ef_search": ef, "recall_at_10": round(share(k), 4),
                         "top10_in_50": round(share(pool), 4), "search_ms": round(t * 1000, 3)})
    return rows


def construction_sweep(flat, groups: dict[str, np.ndarray], values=(80, 200)) -> list[dict]:
    """HNSW graphs over the sentence vectors built with several efConstruction (configured efSearch):
    build seconds and recall against exact search, per query group."""
    from bot.config import VectorIndex
    from bot.index import vector_index

    vectors = flat.reconstruct_n(0, flat.ntotal)
    rows = []
    for ef_c in values:
        params = replace(VectorIndex(), hnsw_from=0, ef_construction=ef_c)
        seconds, hnsw = timed(vector_index, vectors, params)
        hnsw.hnsw.efSearch = params.ef_search
        row = {"ef_construction": ef_c, "ef_search": params.ef_search, "hnsw_m": params.hnsw_m, "build_s": round(seconds, 1)}
        for group, queries in groups.items():
            exact, found = flat.search(queries, 10)[1], hnsw.search(queries, 10)[1]
            row[f"recall_at_10_{group}"] = round(float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found)])), 4)
        rows.append(row)
    return rows


def profile_ask(bot, rows: list[dict], top: int = 12) -> list[dict]:
    """Functions taking the most time (own time) over ask() calls."""
    prof = cProfile.Profile()
    prof.enable()
    for row in rows:
        bot.ask(row["question"], row["history"])
    prof.disable()
    st = pstats.Stats(prof)
    entries = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:top]  # (file, line, name) -> (cc, nc, tt, ct, _)
    per = 1000.0 / len(rows)
    return [{"function": f"{Path(f).name}:{line}({name})", "own_ms_per_ask": round(tt * per, 2),
             "cumulative_ms_per_ask": round(ct * per, 2)} for (f, line, name), (_, _, tt, ct, _) in entries]


def measure_bot(bot, rows: list[dict]) -> dict:
    """Retrieval alone (question vectors given) and whole ask(), ask interleaved with the encode floor."""
    qv = bot.encode_questions([r["question"] for r in rows])
    for r in rows[:2]:
        bot.ask(r["question"], r["history"])
    retrieval = [timed(bot.retriever.search, r["question"], v)[0] for r, v in zip(rows, qv)]
    floor, ask = [], []
    for r in rows:
        floor.append(timed(floor_encode, bot.model, r["question"])[0])
        ask.append(timed(bot.ask, r["question"], r["history"])[0])
    return {"retrieval": stats(retrieval), "floor": stats(floor), "ask": stats(ask),
            "ask_minus_floor": stats([a - f for a, f in zip(ask, floor)])}


def one_size(n: int, model, sentences, vectors, rows: list[dict], work: Path, largest: bool = False) -> dict:
    from bot import Bot, index as index_mod
    from bot.config import Settings, VectorIndex
    from bot.documents import load_documents

    corpus = synth.passages(n, sentences)
    folder = work / f"corpus-{n}"
    started = time.perf_counter()
    paths = synth.write_corpus(folder, corpus)
    docs = load_documents(paths)
    table = synth.composed_table(docs, corpus, vectors, Settings())
    result: dict = {"passages": n, "documents": len(paths), "prepare_s": round(time.perf_counter() - started, 1)}
    bots = {}
    for variant, threshold in VARIANTS.items():
        settings = Settings(vector_index=replace(VectorIndex(), hnsw_from=threshold))
        encoder = synth.ComposedEncoder(model, table)
        index_dir = work / f"index-{n}-{variant}"
        build_s, idx = timed(index_mod.load_or_build, docs, settings, index_dir, encoder, rebuild=True)
        init_s, bot = timed(Bot, paths, index_dir=index_dir, settings=settings)
        log(f"{n} passages, {variant}: built in {build_s:.1f} s, bot ready in {init_s:.1f} s")
        result[variant] = {"build_s_without_encoding": round(build_s, 2), "index_mb": folder_mb(idx.path),
                           "indexed_passages": len(idx.segments), "encoder_fallbacks": encoder.fallbacks,
                           "bot_init_s": round(init_s, 2), **measure_bot(bot, rows), "rss_mb": rss_mb()}
        bots[variant] = bot
    queries = {"dev": bots["flat"].encode_questions([r["question"] for r in rows]),
               "offtopic": bots["flat"].index.null_queries}
    result["recall"] = {which: recall_sweep(getattr(bots["flat"].index, which), getattr(bots["hnsw"].index, which),
                                            queries) for which in ("sentences", "contexts")}
    if largest:
        result["ef_construction"] = construction_sweep(bots["flat"].index.sentences, queries)
    for which in (bots["hnsw"].index.sentences, bots["hnsw"].index.contexts):
        which.hnsw.efSearch = VectorIndex().ef_search  # back to the configured value
    result["profile_flat"] = profile_ask(bots["flat"], rows)
    result["profile_hnsw"] = profile_ask(bots["hnsw"], rows)
    return result


def run(plan, work: Path) -> dict:
    from bot import embedder
    from bot.config import DEFAULT_MODEL, VectorIndex

    model = embedder.load_model(DEFAULT_MODEL)
    pool = synth.pool(plan.pool_limit)
    vectors = pool_vectors(model, [s for s, _ in pool], work)
    rows = questions(plan.scaling_questions)
    sizes = [one_size(n, model, pool, vectors, rows, work / "scaling", n == max(plan.sizes)) for n in plan.sizes]
    return {"sizes": sizes, "pool_sentences": len(pool), "questions": len(rows),
            "configured": VectorIndex().__dict__,
            "note": "vectors of synthetic passages are composed from real encodings (bench/synth.py); build_s "
                    "excludes the encoder, whose throughput is measured in build.json"}


if __name__ == "__main__":
    child_main("scaling", run)
