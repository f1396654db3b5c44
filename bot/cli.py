"""Command line: `python -m bot ask|index|eval ...` (also installed as the `bot` console script)."""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import tempfile
from pathlib import Path

from .config import DEFAULT_DOCS, DEFAULT_INDEX, INDEX_ENV, MODEL_ENV


def _bot(args, progress: bool = False, rebuild: bool = False):
    from .pipeline import Bot  # heavy imports only once arguments are known to be valid

    return Bot(args.docs or None, index_dir=args.index_dir, model=args.model, progress=progress, rebuild=rebuild)


def cmd_ask(args) -> int:
    from .messages import place
    from .pipeline import clean_question

    clean_question(args.question)  # reject a bad question before loading the model
    answer = _bot(args).ask(args.question, args.history)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if answer.abstained:
        print(answer.message)
        print(answer.reason)
        if answer.citations:
            print("\nClosest passages (not an answer):")
    else:
        print(f"«{shown(answer.text)}» [1]\n")
        if answer.uncertain:
            print(f"{shown(answer.reason)}\n")
    for n, c in enumerate(answer.citations, 1):
        print(f"[{n}] {shown(place('en', c.source, c.paragraph, c.start, c.end), one_line=True)} (score {c.score:.3f})")
        if n > 1 or answer.abstained:
            print(f"    {shown(' '.join(c.text.split())[:160], one_line=True)}")
    return 0


# control characters (but line breaks and tabs) and bidirectional overrides: a document's escape sequence
# would recolour, move or hide text on the terminal, so the quote on screen would not be the file's
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)")


def shown(text: str, one_line: bool = False) -> str:
    """Text for the terminal, each control character written as its escape ("\\x1b"; in one line, line breaks
    too: a file name can hold one); --json is exact."""
    pattern = re.compile(rf"{_CONTROL.pattern}|[\r\n\t]") if one_line else _CONTROL
    return pattern.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def cmd_index(args) -> int:
    bot = _bot(args, progress=True, rebuild=True)
    print(f"indexed {len(bot.documents)} document(s), {len(bot.index.segments)} passages -> {bot.index.path}")
    thresholds = sorted(bot.abstainer.thresholds.items())
    print("abstention thresholds: " + ", ".join(f"{lang} {value:.4f}" for lang, value in thresholds))
    return 0


def _writable(path: str) -> Path:
    """The --out file, checked before a long run: its folder exists and takes a file; not a folder itself."""
    out = Path(path)
    if out.is_dir():
        raise ValueError(f"--out {path} is a folder: give a file name")
    if not out.absolute().parent.is_dir():
        raise ValueError(f"--out {path}: the folder {out.absolute().parent} does not exist")
    try:
        tempfile.NamedTemporaryFile(dir=out.absolute().parent, prefix=".bot-out-").close()
    except OSError as exc:
        raise OSError(f"--out {path}: cannot write in {out.absolute().parent} ({exc.strerror})") from None
    return out


def _write_json(out: Path, data) -> None:
    """Written whole or not at all: a failure never leaves an earlier results file truncated."""
    fd, tmp = tempfile.mkstemp(dir=out.absolute().parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, ensure_ascii=False)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would make the results private to whoever ran them
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def cmd_eval(args) -> int:
    from .evaluate import compare, evaluate, load_cases, table

    cases = load_cases(args.cases)
    out = _writable(args.out) if args.out else None
    max_chars = args.max_chars or (800 if any(c.get("doc") for c in cases) else 450)
    bot = _bot(args)
    if args.baselines:
        runs = compare(bot, cases, max_chars)
        print(table(runs))
        if out:
            _write_json(out, runs)
        return 0
    summary, results = evaluate(bot, cases, max_chars)
    if args.verbose:
        for r in results:
            ok = r.get("hit@1", r["abstained"])
            print(f"{'ok ' if ok else 'BAD'} {r['id']:7} {r['kind']:12} abst={r['check'] or '-':5} s={r['score']:.3f} "
                  f"{r['question'][:60]!r} -> {r['top'][:70]!r}")
    print(json.dumps(summary, indent=2))
    if out:
        _write_json(out, {"summary": summary, "cases": results})
    return 0


def _positive(text: str) -> int:
    # argparse would name this function ("invalid _positive value") for the ValueError of int("abc")
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of characters, not {text!r}")
    return value


def _folder(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a folder")
    return text


def _model(text: str) -> str:
    if not text.strip():  # "" would silently mean the default model
        raise argparse.ArgumentTypeError("is empty: give a model name or folder")
    return text


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--docs", nargs="+", metavar="PATH", help=f"files or folders to answer from (default {DEFAULT_DOCS})")
    common.add_argument("--index-dir", type=_folder, help=f"where the index lives (default: ${INDEX_ENV} or {DEFAULT_INDEX})")
    common.add_argument("--model", type=_model, help=f"sentence-transformers model name or folder (default: ${MODEL_ENV} or the bundled "
                                        "multilingual-e5-small)")
    p = argparse.ArgumentParser(prog="bot", description="Answers questions with verbatim, cited quotes from documents.")
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("ask", parents=[common], help="answer one question")
    a.add_argument("question")
    a.add_argument("--history", nargs="*", default=[], metavar="TURN", help="earlier user questions, oldest first")
    a.add_argument("--json", action="store_true", help="print Answer.to_dict() as JSON")
    a.set_defaults(run=cmd_ask)
    i = sub.add_parser("index", parents=[common], help="build or rebuild the index")
    i.add_argument("paths", nargs="*", help="files or folders (same as --docs)")
    i.set_defaults(run=cmd_index)
    e = sub.add_parser("eval", parents=[common], help="metrics on a JSONL case file")
    e.add_argument("cases")
    e.add_argument("--max-chars", type=_positive, help="longest citation that counts (default 450, 800 for cases with 'doc')")
    e.add_argument("--out", help="also write summary and per-case results (with --baselines: each run's summary) "
                                 "to this JSON file")
    e.add_argument("-v", "--verbose", action="store_true", help="one line per case (not with --baselines)")
    e.add_argument("--baselines", action="store_true",
                   help="also run BM25 only, dense only and all-MiniLM-L6-v2 on the same cases; print a table")
    e.set_defaults(run=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if getattr(args, "paths", None):
        if args.docs:
            p.error("give the documents either as PATHS or with --docs, not both")
        args.docs = args.paths
    from .documents import DocumentError
    from .embedder import ModelError

    try:
        return args.run(args)
    except BrokenPipeError:  # "bot eval ... -v | head": the reader left; no error of ours (Python's advice)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush cannot fail again
        return 0
    except (ValueError, DocumentError, ModelError, OSError) as exc:
        print(f"bot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: an index is built aside and renamed into place, so nothing is half-written
        print("bot: interrupted", file=sys.stderr)
        return INTERRUPTED


INTERRUPTED = 130  # main()'s status after Ctrl-C (128 + SIGINT, as a shell reports it)


def entry() -> None:
    """The console script and `python -m bot`: main(), ending after Ctrl-C as interrupted programs should, killed by
    SIGINT (a shell loop that runs it stops too; $? is 130). Done here, not left to chance: CPython itself ends so
    whenever the interrupt passed through code that a library ran with exec during an import, even if caught."""
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    sys.exit(code)
