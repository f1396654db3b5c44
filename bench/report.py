"""The Markdown summary and the latency-against-corpus-size plot, from the JSON files of one run."""
from __future__ import annotations

import json
from pathlib import Path


def load(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))}


def table(header: list[str], rows: list[list]) -> list[str]:
    fmt = lambda v: "–" if v is None else (f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v))  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
           ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows] + [""]


def met(flag) -> str:
    return "met" if flag else "**missed**"


def targets(r: dict) -> list[str]:
    rows = []
    if "warm" in r:
        w = r["warm"]
        rows.append(["warm ask() p50 / encode floor p50", f"{w['ask']['p50_ms']} / {w['floor']['p50_ms']} ms",
                     w["ratio_p50"], "≤ 1.3", met(w["target_met"])])
    if "cold" in r:
        c = r["cold"]
        rows.append(["cold start to first answer / import+load model", f"{c['first_answer']['p50_ms'] / 1000:.2f} / "
                     f"{c['import_and_load_only']['p50_ms'] / 1000:.2f} s", c["ratio_p50"], "≤ 1.3", met(c["target_met"])])
    if "build" in r:
        b = r["build"]
        for name, m in b["builds"].items():
            mode, _, first = name.partition(" ")  # "composed" or "composed (first build on the machine)"
            when = "below" if mode == "pooled" else "from"
            rows.append([f"index build passages/s / bare encode passages/s, contexts {mode} (default {when} "
                         f"{b['compose_from']:,} passages), {first.strip('()') or 'off-topic vectors cached'}",
                         f"{m['build_passages_per_s']} / {b['bare_encode_passages_per_s']}", m["ratio"], "≥ 0.8",
                         met(m["target_met"])])
    if "scaling" in r:
        big = r["scaling"]["sizes"][-1]
        best = min(("flat", "hnsw"), key=lambda v: big[v]["ask"]["p50_ms"])
        p50 = big[best]["ask"]["p50_ms"]
        rows.append([f"ask() p50 at {big['passages']:,} passages ({best})", f"{p50} ms", None, "≤ 50 ms",
                     met(p50 <= 50)])
    if "web" in r:
        s = r["web"]["soak"]
        rows.append([f"server RSS growth over {s['requests']} /ask after warm-up", f"{s['growth_mb']} MB",
                     f"{s['growth_pct']}%", "≤ 5%", met(s["target_met"])])
    return ["## Targets", ""] + table(["measure", "measured (p50)", "ratio", "target", ""], rows)


def details(r: dict) -> list[str]:
    lines: list[str] = []
    if "warm" in r:
        w = r["warm"]
        lines += ["## Warm latency (article, in process)", "",
                  f"{w['questions']} dev questions × {w['repeats']} passes, ask() and the floor timed alternately.", ""]
        lines += table(["", "p50 ms", "p95 ms", "n"], [[k, w[k]["p50_ms"], w[k]["p95_ms"], w[k]["n"]]
                                                     for k in ("floor", "ask", "ask_without_history", "ask_minus_floor") if w.get(k, {}).get("n")])
        if w.get("threads"):
            lines += ["Torch threads, before (one per core) and after (the bot's setting), alternating pass by pass "
                      "in the same process, p50 ms of each pass:", ""]
            lines += table(["threads", "ask p50 per pass", "floor p50 per pass"],
                           [[k, v["ask_p50_ms_per_pass"], v["floor_p50_ms_per_pass"]] for k, v in w["threads"].items()])
    if "cold" in r:
        c = r["cold"]
        lines += ["## Cold start (fresh processes, alternating)", ""]
        lines += table(["process", "p50 s", "p95 s", "n", "peak RSS MB"],
                       [[k, round(c[key]["p50_ms"] / 1000, 2), round(c[key]["p95_ms"] / 1000, 2), c[key]["n"],
                         c["child_peak_rss_mb"][kind]] for k, key, kind in
                        (("first answer", "first_answer", "answer"), ("import + load only", "import_and_load_only", "load"))])
        parts = c["first_answer_parts"]
        lines += ["First-answer process, p50: " + ", ".join(f"{k[:-2]} {v['p50_ms'] / 1000:.2f} s" for k, v in parts.items()), ""]
    if "build" in r:
        lines += build(r["build"])
    lines += memory(r) + scaling(r) + web(r)
    return lines


def build(b: dict) -> list[str]:
    p = next(m for name, m in b["builds"].items() if "ratio_to_bare_encode_of_everything_built" in m)
    lines = ["## Index build (real model)", "",
             f"{b['passages']} synthetic passages (mean {b['mean_chars']['sentence']} characters; contexts as one text "
             f"{b['mean_chars']['context']}). Bare encode of the sentences {b['bare_encode_sentences_s']} s (runs before "
             f"and after the builds: {b['bare_encode_sentences_runs_s']} s); pooled contexts alone "
             f"{b['pooled_contexts_s']} s, where encoding each context as one text (before 2026-11-28) takes "
             f"{b['bare_encode_contexts_s']} s; the {b.get('offtopic_questions', 100)} off-topic questions {b['encode_offtopic_s']} s "
             "(the first build on a machine encodes them; later ones read them from the cache). The machine's first "
             f"pooled build against those parts timed alone: {p['ratio_to_bare_encode_of_everything_built']}×.", "",
             "Inside each build (timed per encode call; pooled contexts read token states, so they fall in "
             "\"everything else\"; for composed builds the other encode calls are the title lines and headings; then "
             "the off-topic questions, or the two of them that check the cached vectors):", ""]
    lines += table(["contexts", "build s", "sentences s", "other encode calls s", "everything else s",
                    "sentence share of build"],
                   [[mode, m["build_s"], m["encode_inside_build"]["sentences_s"],
                     m["encode_inside_build"]["other_encode_calls_s"], m["encode_inside_build"]["everything_else_s"],
                     m["sentence_encode_share_of_build"]] for mode, m in b["builds"].items()])
    return lines


def memory(r: dict) -> list[str]:
    rows = [[name, r[name]["peak_rss_mb"]] for name in ("warm", "build", "scaling") if name in r]
    if "cold" in r:
        rows += [[f"cold ({k})", v] for k, v in r["cold"]["child_peak_rss_mb"].items()]
    if "web" in r:
        rows.append(["web server", r["web"]["server_peak_rss_mb"]])
    return (["## Memory (peak RSS, each benchmark its own process)", ""] + table(["process", "MB"], rows)) if rows else []


def scaling(r: dict) -> list[str]:
    if "scaling" not in r:
        return []
    s = r["scaling"]
    rows = [[z["passages"], v, z[v]["build_s_without_encoding"], z[v]["index_mb"], z[v]["bot_init_s"],
             z[v]["retrieval"]["p50_ms"], z[v]["ask"]["p50_ms"], z[v]["ask"]["p95_ms"], z[v]["floor"]["p50_ms"],
             z[v]["ask_minus_floor"]["p50_ms"]]
            for z in s["sizes"] for v in ("flat", "hnsw")]
    lines = ["## Scaling (synthetic corpora)", "", s["note"] + ".", ""]
    lines += table(["passages", "index", "build s (no encoder)", "index MB", "Bot() s", "retrieval p50 ms",
                    "ask p50 ms", "ask p95 ms", "floor p50 ms",
                    "ask − floor p50 ms"], rows)
    big = s["sizes"][-1]
    lines += [f"HNSW against exact search at {big['passages']:,} passages: recall@10, and the share of the exact "
              "top 10 among HNSW's top 50 (retrieval re-scores 50 candidates per index):", ""]
    lines += table(["queries", "index", "efSearch", "sentences recall@10", "sentences top10-in-50",
                    "contexts recall@10", "contexts top10-in-50", "sentences search ms/query"],
                   [[a["queries"], a["index"], a.get("ef_search"), a["recall_at_10"], a["top10_in_50"],
                     b["recall_at_10"], b["top10_in_50"], a["search_ms"]]
                    for a, b in zip(big["recall"]["sentences"], big["recall"]["contexts"])])
    lines += [f"Where ask() spends its time at {big['passages']:,} passages (cProfile, own time):", ""]
    own = {v: {e["function"]: e["own_ms_per_ask"] for e in big[f"profile_{v}"]} for v in ("flat", "hnsw")}
    names = list(dict.fromkeys(e["function"] for v in ("flat", "hnsw") for e in big[f"profile_{v}"][:8]))
    lines += table(["function", "flat ms/ask", "hnsw ms/ask"], [[n, own["flat"].get(n), own["hnsw"].get(n)] for n in names])
    return lines + ["![latency against corpus size](latency_vs_size.png)", ""]


def web(r: dict) -> list[str]:
    if "web" not in r:
        return []
    w = r["web"]
    lines = ["## End to end: web app /ask on loopback", "", w["queue"] + ".", ""]
    lines += table(["clients", "p50 ms", "p95 ms", "requests", "requests/s", "errors", "server CPU ms/request",
                    "client CPU ms/request"],
                   [[x["clients"], x["p50_ms"], x["p95_ms"], x["n"], x["requests_per_s"], x["errors"],
                     x.get("server_cpu_ms_per_request"), x.get("client_cpu_ms_per_request")] for x in w["levels"]])
    s = w["soak"]
    lines += [f"Server RSS over {s['requests']} requests ({s['clients']} clients): "
              + ", ".join(f"{x['requests']}: {x['rss_mb']}" for x in s["samples"][:: max(1, len(s["samples"]) // 10)])
              + f" MB; after warm-up {s['after_warmup_mb']} → {s['end_mb']} MB ({s['growth_pct']}%).", ""]
    return lines


def before_after(r: dict) -> list[str]:
    """The optimisation measured in this run: exact search (before) against HNSW (after) at the largest size,
    and the HNSW build beam width first tried (efConstruction 80) against the one kept."""
    if "scaling" not in r:
        return []
    big = r["scaling"]["sizes"][-1]
    f, h = big["flat"], big["hnsw"]
    rows = [[name, get(f), get(h)] for name, get in (
        ("ask() p50 ms", lambda x: x["ask"]["p50_ms"]), ("ask() p95 ms", lambda x: x["ask"]["p95_ms"]),
        ("ask() − floor p50 ms (paired)", lambda x: x["ask_minus_floor"]["p50_ms"]),
        ("retrieval p50 ms", lambda x: x["retrieval"]["p50_ms"]), ("Bot() start-up s", lambda x: x["bot_init_s"]),
        ("build s (no encoder)", lambda x: x["build_s_without_encoding"]), ("index MB", lambda x: x["index_mb"]))]
    lines = ["## Before / after optimisation (same run)", "",
             f"At {big['passages']:,} passages: before = exact IndexFlatIP, after = IndexHNSWFlat as configured "
             "(`Settings.vector_index`). Exact search costs two flat searches per reading of a question, and 100 more "
             "at start-up for the abstention calibration; see the profile above for where ask() spends its time.", ""]
    lines += table(["measure", "before (flat)", "after (HNSW)"], rows)
    if big.get("ef_construction"):
        lines += ["HNSW efConstruction, sentence vectors (efSearch as configured):", ""]
        lines += table(["efConstruction", "build s", "recall@10 dev", "recall@10 off-topic"],
                       [[x["ef_construction"], x["build_s"], x["recall_at_10_dev"], x["recall_at_10_offtopic"]]
                        for x in big["ef_construction"]])
    return lines


def plot(r: dict, path: Path) -> Path | None:
    if "scaling" not in r:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = r["scaling"]["sizes"]
    x = [z["passages"] for z in sizes]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for v, style in (("flat", "-"), ("hnsw", "--")):
        ax.plot(x, [z[v]["ask"]["p50_ms"] for z in sizes], "o" + style, label=f"ask() p50, {v}")
        ax.plot(x, [z[v]["retrieval"]["p50_ms"] for z in sizes], "s" + style, label=f"retrieval p50, {v}")
    ax.plot(x, [z["flat"]["floor"]["p50_ms"] for z in sizes], "k:", label="floor: one query encode")
    ax.axhline(50, color="red", lw=0.8, label="50 ms target")
    ax.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms", title="Latency against corpus size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(out: Path, header: list[str]) -> Path:
    r = load(out)
    plot(r, out / "latency_vs_size.png")
    earlier = [f"- [{f.parent.name}/summary.md]({f.parent.name}/summary.md)" for f in sorted(out.glob("*/summary.md"))]
    earlier = ["## Earlier runs kept for comparison", ""] + earlier + [""] if earlier else []
    text = "\n".join(["# Benchmark results", ""] + header + targets(r) + details(r) + before_after(r) + earlier)
    path = out / "summary.md"
    path.write_text(text + "\n", encoding="utf-8")
    return path
