"""The command line, run as a user runs it: `python -m bot ...` in a subprocess."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot import Answer, Citation

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "giappone-nato.txt"
WIESBADEN = "Il comando, soprannominato NSatu, ha sede presso una base statunitense a Wiesbaden, in Germania."
CITATION_LINE = re.compile(r"^\[(\d+)\] (\S+), paragraph (\d+), characters (\d+)-(\d+) \(score (-?\d+\.\d+)\)$")


def start(*args: str) -> subprocess.Popen:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", PYTHONIOENCODING="utf-8")
    env.pop("HF_HUB_DISABLE_PROGRESS_BARS", None)  # as a user runs it: no progress bars on a plain ask
    env.pop("BOT_INDEX_DIR", None)
    env.pop("BOT_MODEL", None)
    return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")


def finish(proc: subprocess.Popen, timeout: int = 300) -> subprocess.CompletedProcess:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def run(*args: str) -> subprocess.CompletedProcess:
    return finish(start(*args))


@pytest.fixture(scope="module")
def index_dir(bot) -> str:
    """The session bot's index folder: the CLI finds the article already indexed and only loads it."""
    return str(bot.index.path.parent)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def slow(index_dir, work):
    """The commands that load the model (several seconds each), started together so they overlap;
    each test then waits for its own."""
    docs = work / "docs"
    docs.mkdir()
    (docs / "porto.txt").write_text(PORTO, encoding="utf-8")
    cases = work / "cases.jsonl"
    cases.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in CASES), encoding="utf-8")
    procs = {
        "ask": start("ask", ASK, "--index-dir", index_dir),
        "json": start("ask", FOLLOW_UP, "--history", HISTORY, "--json", "--index-dir", index_dir),
        "abstain": start("ask", "Come si prepara il risotto alla milanese?", "--index-dir", index_dir),
        "uncertain": start("ask", "Quale regione viene citata?", "--index-dir", index_dir),
        "index": start("index", str(docs), "--index-dir", str(work / "index")),
        "eval": start("eval", str(cases), "--index-dir", index_dir, "--out", str(work / "results.json")),
    }
    done: dict[str, subprocess.CompletedProcess] = {}

    def result(name: str) -> subprocess.CompletedProcess:
        if name not in done:
            done[name] = finish(procs[name])
        return done[name]

    yield result
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()


def citation_lines(stdout: str) -> list[tuple]:
    return [CITATION_LINE.match(line).groups() for line in stdout.splitlines() if CITATION_LINE.match(line)]


ASK = "Dove si trova la base del comando NSatu?"
FOLLOW_UP, HISTORY = "E dove ha sede?", "Quale comando NATO interessa al Giappone?"
PORTO = "Il faro del molo nord fu costruito nel 1887.\n\nLe barche da pesca partono prima dell'alba.\n"


def test_ask_prints_quote_and_numbered_citations(slow, bot, article_text):
    proc = slow("ask")
    assert proc.returncode == 0, proc.stderr
    assert "Loading weights" not in proc.stderr and "%|" not in proc.stderr, proc.stderr  # no progress bars
    first = proc.stdout.splitlines()[0]
    assert first.startswith("«") and first.endswith("» [1]")
    quote = first[1:-len("» [1]")]
    assert WIESBADEN in quote
    cites = citation_lines(proc.stdout)
    assert [int(n) for n, *_ in cites] == list(range(1, len(cites) + 1))
    assert cites, proc.stdout
    for n, source, paragraph, start, end, score in cites:
        assert source == SOURCE
        assert 0 <= int(start) < int(end) <= len(article_text)
    _, _, paragraph, start, end, _ = cites[0]
    assert article_text[int(start):int(end)] == quote
    assert paragraph == "9"  # the line of the article that holds it
    # the same answer as the API gives
    expected = bot.ask(ASK)
    assert [(c.source, c.start, c.end) for c in expected.citations] == [(s, int(a), int(b)) for _, s, _, a, b, _ in cites]


def test_ask_json_with_history_matches_answer_to_dict(slow, bot):
    proc = slow("json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == {f.name for f in dataclasses.fields(Answer)}
    assert all(set(c) == {f.name for f in dataclasses.fields(Citation)} for c in data["citations"])
    expected = bot.ask(FOLLOW_UP, history=[HISTORY]).to_dict()
    assert set(data) == set(expected)
    for key in data:
        if key in ("score", "threshold"):
            assert data[key] == pytest.approx(expected[key], abs=1e-3)
        elif key == "citations":
            strip = lambda cs: [{k: v for k, v in c.items() if k != "score"} for c in cs]  # noqa: E731
            assert strip(data[key]) == strip(expected[key])
        else:
            assert data[key] == expected[key], key
    assert not data["abstained"] and WIESBADEN in data["text"]


def test_ask_off_topic_says_so_and_shows_closest_passages(slow):
    proc = slow("abstain")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "documento" in lines[0].lower() and not lines[0].startswith("«")
    assert lines[1].startswith("Il passo più vicino ha punteggio")  # why it abstained
    assert "Closest passages (not an answer):" in proc.stdout
    assert all(source == SOURCE for _, source, *_ in citation_lines(proc.stdout))


def test_ask_prints_the_uncertain_mark_between_quote_and_citations(slow):
    proc = slow("uncertain")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("«") and lines[2].startswith("Risposta incerta: un altro passo")
    assert re.search(r"\(giappone-nato\.txt, paragrafo \d+, caratteri \d+-\d+\)\.$", lines[2]), lines[2]
    assert CITATION_LINE.match(lines[4])


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_ask_empty_question_exits_2_with_message(question):
    proc = run("ask", question)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("bot: error:") and "empty" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_document_exits_2_naming_it(tmp_path):
    proc = run("ask", "Dove?", "--docs", str(tmp_path / "manca.txt"), "--index-dir", str(tmp_path / "index"))
    assert proc.returncode == 2
    assert "manca.txt" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "index").exists()


def test_non_utf8_document_exits_2_naming_it(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Città di Wiesbaden\n".encode("latin-1"))
    proc = run("index", str(tmp_path / "latin1.txt"), "--index-dir", str(tmp_path / "index"))
    assert proc.returncode == 2
    assert "latin1.txt" in proc.stderr and "UTF-8" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "index").exists()


def test_index_builds_into_the_given_folder(slow, work):
    proc = slow("index")
    assert proc.returncode == 0, proc.stderr
    assert "indexed 1 document(s), 2 passages" in proc.stdout
    folders = [p for p in (work / "index").iterdir() if p.is_dir()]
    assert len(folders) == 1 and str(folders[0]) in proc.stdout
    manifest = json.loads((folders[0] / "manifest.json").read_text(encoding="utf-8"))
    assert [d["source"] for d in manifest["documents"]] == ["porto.txt"]
    assert manifest["passages"] == 2


CASES = [
    {"id": "t1", "lang": "it", "question": "In quale città tedesca ha sede NSatu?", "history": [],
     "evidence": [WIESBADEN], "answer": "Wiesbaden", "kind": "factoid"},
    {"id": "t2", "lang": "it", "question": "E in che paese si trova?",
     "history": ["Quale comando coordina gli aiuti NATO all'Ucraina?"],
     "evidence": [WIESBADEN], "answer": "Germania", "kind": "followup"},
    {"id": "t3", "lang": "en", "question": "Who won the 1998 Tour de France?", "history": [],
     "evidence": [], "answer": None, "kind": "unanswerable"},
]


def test_eval_prints_metrics(slow, work):
    out = work / "results.json"
    proc = slow("eval")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert {"hit@1", "answer", "abstain", "false_abstain", "verbatim"} <= set(summary)
    assert summary["cases"] == 3
    assert summary["verbatim"] == 1.0
    for key in ("hit@1", "answer", "abstain", "false_abstain"):
        assert 0.0 <= summary[key] <= 1.0
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["summary"] == summary and [c["id"] for c in saved["cases"]] == ["t1", "t2", "t3"]
    assert out.stat().st_mode & 0o044 == 0o044  # readable by others, as a file written plainly would be
    # the cases are easy: the factoid is a hit, the off-topic one abstains
    by_id = {c["id"]: c for c in saved["cases"]}
    assert by_id["t1"]["hit@1"] and by_id["t1"]["answer"]
    assert by_id["t3"]["abstained"]
    # abstentions counted by the check that made them, near misses apart from answerable questions
    checks = summary["abstained_by"]
    assert checks[by_id["t3"]["check"]]["unanswerable"] >= 1
    abstained = sum(c["abstained"] for c in by_id.values())
    assert sum(n["unanswerable"] + n["answerable"] for n in checks.values()) == abstained
    assert summary["uncertain"]["answers"] == sum(c["uncertain"] for c in by_id.values())


def test_usage_errors_exit_2(capsys):
    proc = run("frobnicate")
    assert proc.returncode == 2 and "usage:" in proc.stderr
    assert run("--help").returncode == 0
    from bot import cli
    from bot.config import DEFAULT_INDEX

    with pytest.raises(SystemExit):
        cli.main(["ask", "--help"])
    # the default index folder as it is, wherever the command runs from (it had said "index/")
    assert str(DEFAULT_INDEX) in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("lines, error", [
    (['{"id": "a", "question": "Dove?"'], "line 1: not valid JSON"),
    ([json.dumps(CASES[0]), '{"id": "b", "question": "Dove?"}'], "line 2: missing kind"),
    (['{"id": "c", "question": "Dove?", "kind": "trivia", "evidence": ["x"]}'], "is not one of factoid, descriptive"),
    (['{"id": "d", "question": "Dove?", "kind": "factoid", "evidence": []}'], "needs evidence"),
    (['{"id": "e", "question": "Dove?", "kind": "factoid", "evidence": "Wiesbaden"}'], "list of non-empty strings"),
    (['["not", "a", "case"]'], "not a JSON object"),
    (['{"id": null, "question": "Dove?", "kind": "unanswerable"}'], "id must be a string"),
    (['{"id": "f", "question": "   ", "kind": "unanswerable"}'], "line 1: question is empty"),
    (['{"id": "g", "question": "Dove?", "kind": "factoid", "evidence": ["Wiesbaden"], "answer": 5}'],
     "line 1: answer must be a string"),
    ([""], "no cases"),
])
def test_eval_names_the_file_and_line_of_a_bad_case(work, lines, error):
    """Checked before the model loads: a plain message, exit status 2, no traceback."""
    path = work / "bad-cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run("eval", str(path))
    assert proc.returncode == 2 and error in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert str(path) in proc.stderr


def test_eval_out_is_checked_before_the_run(work, capsys):
    """A bad --out is said before the model loads and the cases run, not after (results lost)."""
    from conftest import run_cli

    cases = work / "one-case.jsonl"
    cases.write_text(json.dumps(CASES[0]) + "\n", encoding="utf-8")
    for out, error in ((work / "no-such-folder" / "r.json", "does not exist"), (work, "is a folder"),
                       # a folder that takes no file: named as --out, not as the probe's temporary file
                       (Path("/proc/r.json"), "--out /proc/r.json: cannot write in /proc")):
        code, stdout, err = run_cli(capsys, "eval", str(cases), "--out", str(out))
        assert code == 2 and error in err and stdout == "" and ".bot-out-" not in err, err


@pytest.mark.parametrize("argv, error", [
    (["eval", "x.jsonl", "--max-chars", "0"], "argument --max-chars: must be a positive number of characters, not '0'"),
    (["eval", "x.jsonl", "--max-chars", "abc"], "argument --max-chars: must be a positive number of characters, not 'abc'"),
    (["ask", "Dove?", "--index-dir", ""], "is empty"),
    (["index", "seeds", "--docs", "other"], "either as PATHS or with --docs"),
    (["ask", "Dove?", "--model", ""], "argument --model: is empty"),  # it had silently meant the default model
])
def test_options_that_mean_nothing_are_usage_errors(argv, error, capsys):
    from bot import cli

    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2 and error in capsys.readouterr().err


def test_a_reader_that_leaves_early_is_no_error(index_dir):
    """`bot ask ... | head -0`: the pipe closes before the answer is written; nothing to report, exit 0."""
    proc = start("ask", "Dove ha sede il comando NSatu?", "--index-dir", index_dir)
    proc.stdout.close()  # the model is still loading: the answer will meet a closed pipe
    err = proc.stderr.read()
    assert proc.wait(timeout=300) == 0 and "Broken pipe" not in err and "Traceback" not in err, err


def test_an_index_dir_that_is_a_file_is_said_so(bot, work, capsys):
    from conftest import run_cli

    (work / "a-file").write_text("not a folder", encoding="utf-8")
    code, _, err = run_cli(capsys, "ask", "Dove ha sede il comando NSatu?", "--index-dir", str(work / "a-file"))
    assert code == 2 and "is a file: choose another --index-dir" in err, err
    # ...also when that file is one of the documents (it had read "holds no text files")
    (work / "notes").mkdir(exist_ok=True)
    (work / "notes" / "note.txt").write_text("Il comando ha sede a Wiesbaden.", encoding="utf-8")
    code, _, err = run_cli(capsys, "ask", "Dove?", "--docs", str(work / "notes"),
                           "--index-dir", str(work / "notes" / "note.txt"))
    assert code == 2 and "is a file: choose another --index-dir" in err, err


def test_eval_refuses_cases_about_other_documents(bot):
    """Cases whose evidence is in none of the documents (the licence cases run against the article) would all
    count as misses: an error that says which cases and what to pass instead."""
    from bot.evaluate import evaluate

    case = {"id": "lic1", "question": "Can I sell it?", "kind": "factoid", "evidence": ["You may charge a fee"]}
    with pytest.raises(ValueError, match=r"evidence of 1 case\(s\) \(lic1\) is in none of the documents "
                                         r"\(giappone-nato\.txt\): pass .* --docs"):
        evaluate(bot, [case])
    case = dict(case, doc="CC0-1.0", evidence=["Rutte"])  # the file named as the case names it, not as we do
    with pytest.raises(ValueError, match=r"cases name doc 'CC0-1.0', not the name of any document here "
                                         r"\(giappone-nato\.txt\): pass the folder that holds it with --docs"):
        evaluate(bot, [case])


def test_a_document_cannot_drive_the_terminal(work, bot, capsys):
    """Escape sequences and bidirectional overrides in a file are shown as escapes, not run by the terminal
    (recoloured, moved or hidden text would not be the quote); --json keeps the exact text."""
    from conftest import run_cli

    folder = work / "escapes"
    folder.mkdir()
    text = "Il comando NSatu ha sede a Wiesbaden.\x1b[8m Questo era nascosto\x1b[0m, disse \u202eil portavoce.\n"
    (folder / "nota.txt").write_text(text, encoding="utf-8")
    argv = ["ask", "Dove ha sede il comando NSatu?", "--docs", str(folder), "--index-dir", str(work / "escapes-index")]
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0 and "\x1b" not in out and "\u202e" not in out
    assert "Wiesbaden.\\x1b[8m Questo era nascosto\\x1b[0m, disse \\u202eil portavoce." in out
    code, out, _ = run_cli(capsys, *argv, "--json")
    answer = json.loads(out)
    assert code == 0 and answer["text"] == text.strip() == text[answer["citations"][0]["start"]:answer["citations"][0]["end"]]


def test_bad_thread_setting_is_named(index_dir, monkeypatch):
    monkeypatch.setenv("BOT_TORCH_THREADS", "abc")  # it had said "invalid literal for int()"
    proc = run("ask", "Dove ha sede il comando NSatu?", "--index-dir", index_dir)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == "bot: error: BOT_TORCH_THREADS='abc' is not a positive whole number of threads"


def test_ctrl_c_is_said_in_one_line(tmp_path):
    """Interrupted while building (once its progress bar shows: an interrupt inside a C extension's import would
    be that extension's ImportError, a race no test should depend on), the command says so, without a traceback,
    and ends killed by SIGINT as interrupted programs do (a shell shows $? 130). CPython had so ended only at
    some moments (when a library's import had run the interrupted code through exec), with status 130 at others.
    Nothing is half-written."""
    import signal

    index_dir = tmp_path / "index"
    proc = start("index", str(ROOT / "seeds"), "--index-dir", str(index_dir))
    shown = ""
    while "%" not in shown:  # the build's progress bar: the imports and the model's load are done
        char = proc.stderr.read(1)
        assert char, f"no progress bar: {shown}"
        shown += char
    proc.send_signal(signal.SIGINT)
    done = finish(proc)
    err = shown + done.stderr
    assert done.returncode == -signal.SIGINT and err.strip().endswith("bot: interrupted"), err
    assert "Traceback" not in err
    assert [p.name for p in index_dir.iterdir()] == [".lock"]  # no index, no .building-* leftover
