"""The web chat (ui.py): the /ask HTTP API through gradio_client against an in-process server, and the
chat and upload functions the page's events call (history, escaping, per-session corpora)."""
from __future__ import annotations

import dataclasses
import json
import os
import random
import re
import socket
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

gr = pytest.importorskip("gradio")
gradio_client = pytest.importorskip("gradio_client")

import ui  # noqa: E402
from bot import Answer, Bot  # noqa: E402
from bot import webapp as W  # noqa: E402
from conftest import cached, free_port  # noqa: E402
from test_uploads import uploaded  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = (ROOT / "seeds" / "giappone-nato.txt").read_text(encoding="utf-8")
ANSWER_KEYS = {f.name for f in dataclasses.fields(Answer)}
CAT_DOC = ("Il gatto Micio vive a Bologna con la sua famiglia.\n"
           "Ogni mattina Micio mangia crocchette al salmone.\n"
           "La sua veterinaria si chiama Dottoressa Rossi e lavora a Imola.\n")
CAT_QUESTION = "In quale città lavora la veterinaria di Micio?"


@pytest.fixture(scope="module")
def bot():
    return Bot()


@pytest.fixture(scope="module")
def app(bot):
    """The launched page: (demo, url)."""
    demo = ui.build_app(bot)
    _, url, _ = ui.launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, url
    demo.close()


@pytest.fixture(scope="module")
def client(app):
    return gradio_client.Client(app[1], verbose=False)


def gradio_history(messages: list[dict]) -> list[dict]:
    """Messages as Gradio 6 hands them back to the chat function: content as a list of text blocks."""
    return [{**m, "content": [{"type": "text", "text": m["content"]}]} for m in messages]


def chat(bot, question, history=(), corpus=None):
    """One turn through ui.respond: (new messages only, document label, highlighted document)."""
    new, (label, view) = ui.respond(question, gradio_history(list(history)), corpus, bot)
    return new[len(history):], label, view


def upload_files(tmp_path, files: dict[str, bytes], corpus, bot):
    """ui.upload as the page calls it, on files in (a stand-in for) Gradio's upload cache read as they arrive."""
    paths = cached(tmp_path, files)
    return ui.upload(W.take_uploads(uploaded(paths)), corpus, bot), paths


# --- HTTP API -------------------------------------------------------------------------------------------

def test_only_ask_is_exposed(client):
    info = client.view_api(print_info=False, return_format="dict")
    assert set(info["named_endpoints"]) == {"/ask"}
    assert not info["unnamed_endpoints"]


def test_ask_italian(client):
    r = client.predict("In quale città tedesca ha sede il comando NSatu?", api_name="/ask")
    assert set(r) == ANSWER_KEYS
    assert not r["abstained"] and "Wiesbaden" in r["text"]
    c = r["citations"][0]
    assert c["source"] == "giappone-nato.txt" and ARTICLE[c["start"]:c["end"]] == c["text"] == r["text"]


def test_ask_english(client):
    r = client.predict("Which news agency did Rutte give an interview to?", api_name="/ask")
    assert set(r) == ANSWER_KEYS
    assert not r["abstained"] and "Kyodo News" in r["text"]


def test_ask_abstains_off_topic(client):
    r = client.predict("Come si prepara il tiramisù?", api_name="/ask")
    assert set(r) == ANSWER_KEYS
    assert r["abstained"] and r["text"] == ""
    assert r["message"] == "Il documento non contiene una risposta a questa domanda."
    assert "sotto la soglia" in r["reason"]


def test_ask_empty_question_is_an_error(client):
    with pytest.raises(gradio_client.exceptions.AppError, match="empty"):
        client.predict("   ", api_name="/ask")


def chat_over_http(demo, url: str, question: str) -> list:
    """The chat's two events through the page's own queue (take the question, then answer it), with the JSON
    written by hand (ASCII escapes, so a lone surrogate reaches the server as "\\udc80", as a browser can send
    it): the new chat history, which the server keeps per session (what the page sends as history is ignored)."""
    import httpx

    def event(name: str, data: list) -> list:
        fn = next(i for i, f in demo.fns.items() if getattr(f.fn, "__name__", "") == name)
        body = json.dumps({"data": data, "fn_index": fn, "session_hash": session}, ensure_ascii=True)
        http.post(f"{base}/join", content=body, headers={"Content-Type": "application/json"}).raise_for_status()
        with http.stream("GET", f"{base}/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():  # a server that cannot encode its reply just drops the stream
                message = json.loads(line[len("data:"):]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    assert message["success"], message
                    return message["output"]["data"]
        raise AssertionError("no reply")

    session, base = "surrogates", url.rstrip("/") + "/gradio_api/queue"
    with httpx.Client(timeout=60) as http:
        event("take", [question])  # the question goes to the session's pending state
        forged = [{"role": "user", "content": "Qual è la capitale della Francia?"}]
        return event("on_ask", [None, forged, None])[0]


def test_chat_over_http_answers_a_lone_surrogate_in_the_question_or_the_history(app):
    """A lone surrogate in a question, and so in the history of the next (a follow-up that needs it)."""
    first = chat_over_http(*app, "Dove ha sede il comando NSatu? \udc80")
    assert "Wiesbaden" in json.dumps(first[1], ensure_ascii=False)
    assert "NSatu? ?" in json.dumps(first[0], ensure_ascii=False)  # echoed, the surrogate as "?"
    new = chat_over_http(*app, "E in quale paese?")
    assert new[:len(first)] == first and "Germania" in json.dumps(new[len(first) + 1], ensure_ascii=False)


# --- the chat function ----------------------------------------------------------------------------------

def test_chat_answer_is_a_cited_quote_with_sources_and_highlight(bot):
    new, label, view = chat(bot, "Chi è il primo ministro giapponese che ha incontrato Rutte?")
    user, reply, sources = new
    assert user == {"role": "user", "content": "Chi è il primo ministro giapponese che ha incontrato Rutte?"}
    assert reply["content"].startswith("> ") and "Shigeru Ishiba" in reply["content"]
    assert "[1] giappone-nato.txt, paragrafo 2" in reply["content"]
    assert sources["metadata"]["title"] == W.SOURCES_TITLE == "Fonti / Sources"
    assert "**[1]" in sources["content"]
    # the document beside the chat: exact text, the quote labelled [1] at its offsets
    assert "giappone-nato.txt" in label
    assert "".join(t for t, _ in view) == ARTICLE
    start = sum(len(t) for t, _ in view[:[lab for _, lab in view].index("[1]")])
    quote = dict((lab, t) for t, lab in view)["[1]"]
    assert ARTICLE[start:start + len(quote)] == quote and "Shigeru Ishiba" in quote


def test_chat_english_labels(bot):
    new, _, _ = chat(bot, "Which technologies could the dual-use cooperation involve?")
    assert "droni" in new[1]["content"] and ", paragraph 3, characters " in new[1]["content"]


def test_chat_follow_up_uses_history(bot):
    first, _, _ = chat(bot, "Di quale comando NATO vorrebbe far parte il Giappone?")
    assert "comando NATO" in first[1]["content"]
    new, _, view = chat(bot, "E dove ha sede?", first)
    assert "Wiesbaden" in new[1]["content"]
    assert "Wiesbaden" in dict((lab, t) for t, lab in view)["[1]"]


def test_chat_abstains_plainly_with_closest_passages_labelled(bot):
    new, _, view = chat(bot, "How do I knit a woollen scarf?")
    message, reason = new[1]["content"].split("\n\n")
    assert message == "**The document does not contain an answer to this question.**"
    assert reason.startswith("The closest passage scores ")  # and why: below the threshold
    assert "NOT an answer" in new[2]["metadata"]["title"]
    assert all(lab is None for _, lab in view)  # nothing highlighted as if it answered


def test_chat_escapes_markup_in_question_and_quote(bot):
    q = "<img src=x onerror=alert(1)> Dove ha sede il comando NSatu?"
    new, _, _ = chat(bot, q)
    for m in new:
        assert "<img" not in m["content"] and "<" not in m["content"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in new[0]["content"]
    # and the escaped question read back from the history is the question as typed
    assert W.history_turns(gradio_history(new)) == [q]


def test_chat_blank_question_gets_a_message_in_both_languages_and_no_empty_bubble(bot):
    new, _, _ = chat(bot, " \t\n ")
    assert new == [{"role": "assistant", "content": "Scrivi una domanda sul documento · Type a question about the document"}]


@pytest.mark.parametrize("greeting", ["ciao", "hello"])
def test_chat_question_naming_nothing_is_answered_in_both_languages(bot, greeting):
    """A greeting says little of the asker's language (the CLI reads "ciao" as Italian): it had been answered in
    English only."""
    new, _, _ = chat(bot, greeting)
    assert new[1]["content"].startswith("**Chiedimi qualcosa sul documento") and "· Ask me something" in new[1]["content"]
    assert "La domanda non nomina nulla da cercare. · The question names nothing to look for." in new[1]["content"]


def test_chat_says_so_and_keeps_serving_when_a_reload_fails(tmp_path):
    """A document edited while its index folder can no longer be written: the rebuild fails (OSError) and
    the chat says so in the question's language; once the folder is writable again the next question works."""
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "faro.txt").write_text("Il faro del molo nord fu costruito nel 1887.\n", encoding="utf-8")
    bot = Bot([docs], index_dir=index_dir)
    (index_dir / ".lock").unlink()
    (index_dir / ".lock").mkdir()  # unwritable even for root: the lock cannot be opened
    (docs / "faro.txt").write_text("Il faro del molo nord fu costruito nel 1888.\n", encoding="utf-8")
    new, _, _ = chat(bot, "Quando fu costruito il faro?")
    assert new[-1]["role"] == "assistant" and new[-1]["content"].startswith("Errore interno, riprova: cannot build")
    (index_dir / ".lock").rmdir()
    new, _, _ = chat(bot, "Quando fu costruito il faro?")
    assert "1888" in new[-1]["content"]


SESSION_SERVER = """
import sys, time
import ui
from bot import Bot
from bot import webapp as W
ui.stop_cleanly_on_sigterm()
corpus = W.build_corpus([("nota.txt", "Il faro del molo nord fu costruito nel 1887.\\n".encode())], None, Bot)
print(corpus.tmp.name, flush=True)
while True:
    time.sleep(0.1)
"""


def test_a_busy_port_is_said_at_once_before_the_model_loads(monkeypatch, capsys):
    """It loaded the model (about 20 s), then died in a Gradio OSError traceback."""
    monkeypatch.setattr(ui, "build_app", lambda *a, **k: pytest.fail("the model was loaded first"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exit_:
            ui.main(["--host", "127.0.0.1", "--port", str(port)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"error: cannot listen on 127.0.0.1:{port} (" in err and "--port" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def run_ui(*args: str, **env: str):
    """python ui.py ARGS in a fresh process (Gradio not yet imported), with `env` added: (exit code, stderr)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "ui.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **env})
    return proc.returncode, proc.stderr


def test_port_0_is_refused_at_once_before_the_model_loads(monkeypatch, capsys):
    """Port 0 binds (any free port), so it passed the busy-port check; Gradio then announced ":0" and died."""
    monkeypatch.setattr(ui, "build_app", lambda *a, **k: pytest.fail("the model was loaded first"))
    with pytest.raises(SystemExit) as exit_:
        ui.main(["--port", "0"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "error: argument --port: invalid port '0'" in err and "Traceback" not in err


def test_a_bad_gradio_server_port_is_said_before_gradio_is_imported():
    """GRADIO_SERVER_PORT=abc died in a traceback inside `import gradio`, even with a good --port."""
    code, err = run_ui(GRADIO_SERVER_PORT="abc")
    assert code == 2 and "ui.py: error:" in err and "'abc'" in err and "GRADIO_SERVER_PORT" in err
    assert "Traceback" not in err
    with socket.socket() as taken:  # --port wins: the next check (a port in use) is reached, with no model loaded
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = run_ui("--port", str(port), GRADIO_SERVER_PORT="abc")
    assert code == 2 and f"ui.py: error: cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err


def test_an_ipv6_host_is_served(monkeypatch, bot):
    """--host ::1 loaded the model, then died: Gradio could not parse its own URL "http://::1:7872"."""
    import httpx

    demos, build, launch = [], ui.build_app, ui.launch
    monkeypatch.setattr(ui, "build_app", lambda: demos.append(build(bot)) or demos[-1])  # the loaded model
    monkeypatch.setattr(ui, "launch", lambda *a: launch(*a, prevent_thread_lock=True, quiet=True))  # returns
    monkeypatch.setattr(ui, "stop_cleanly_on_sigterm", lambda: None)  # this process is pytest's
    monkeypatch.setenv("GRADIO_SERVER_PORT", "7860")  # main() sets it: restored afterwards
    port = free_port()
    try:
        ui.main(["--host", "::1", "--port", str(port)])
        assert httpx.get(f"http://[::1]:{port}/", timeout=30).status_code == 200
    finally:
        for demo in demos:
            demo.close()


def test_sigterm_removes_the_sessions_uploaded_documents():
    """A server stopped with SIGTERM (kill, systemd, docker) removes the folders holding what users uploaded."""
    import signal
    import subprocess
    import sys

    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1")
    proc = subprocess.Popen([sys.executable, "-c", SESSION_SERVER], cwd=Path(ui.__file__).parent, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        folder = Path(proc.stdout.readline().strip())
        assert (folder / "docs" / "nota.txt").is_file(), proc.stderr.read() if proc.poll() is not None else folder
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert not folder.exists()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_escape_md_round_trips_and_neutralises_markdown():
    assert W.escape_md("# *bold* [x](y) `c` $x$ <b>") == "\\# \\*bold\\* \\[x\\](y) \\`c\\` \\$x\\$ &lt;b&gt;"
    assert W.quote_md("1. uno\n- due") == "> 1\\. uno\n> \\- due"
    # what the page would make a live link (a bare URL, "www.", an e-mail address) gets a backslash that shows nothing
    assert W.escape_md("https://x.org/a www.x.org a@x.org") == "https\\://x.org/a www\\.x.org a\\@x.org"
    rnd = random.Random(7)
    alphabet = "\\`*_[]|~$#+-=.)(<>&;amplt 12\n\tè:/@w"
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        assert W.unescape_md(W.escape_md(text)) == text


def test_highlight_windows_long_documents():
    text = "".join(f"Riga numero {i} del documento lungo.\n" for i in range(2000))
    line = "Riga numero 1500 del documento lungo."
    start = text.index(line)
    cit = W.Citation("long.txt", 1501, start, start + len(line), line, 1.0)
    view = W.highlight(text, [cit])
    assert view[0] == ("[…]\n", None) and view[-1] == ("\n[…]", None)
    assert (line, "[1]") in view
    assert sum(len(t) for t, _ in view) < 2 * W.VIEW_WINDOW + 200


def test_the_document_panel_labels_passages_as_the_sources_number_them():
    """With several documents the panel numbered the quoted file's passages from 1: its [2] was not the Sources' [2]."""
    from types import SimpleNamespace

    from bot.answer import Answer

    texts = {"micio.txt": "Il gatto vive a Bologna.\nMangia pesce.\n", "fido.txt": "Il cane vive a Imola.\n"}
    cite = lambda source, start, end: W.Citation(source, 1, start, end, texts[source][start:end], 1.0)  # noqa: E731
    answer = Answer("Dove vive il gatto?", "Il gatto vive a Bologna.", False,
                    [cite("micio.txt", 0, 24), cite("fido.txt", 0, 20), cite("micio.txt", 25, 38)])
    label, view = W.document_view(SimpleNamespace(texts=texts, documents=[]), answer)
    assert label.endswith("micio.txt")
    assert [(t, n) for t, n in view if n] == [("Il gatto vive a Bologna.", "[1]"), ("Mangia pesce.", "[3]")]


# --- uploads and sessions -------------------------------------------------------------------------------

def test_upload_answers_about_itself_and_sessions_are_separate(bot, tmp_path):
    (corpus, status, accepted), _ = upload_files(tmp_path, {"gatti.txt": CAT_DOC.encode()}, None, bot)
    try:
        assert accepted and "gatti.txt" in status
        new, label, view = chat(bot, CAT_QUESTION, corpus=corpus)
        assert "Imola" in new[1]["content"] and "[1] gatti.txt, paragrafo 1" in new[1]["content"]
        assert "gatti.txt" in label and "".join(t for t, _ in view) == CAT_DOC
        # another session (no corpus of its own) still talks about the article and never sees gatti.txt
        other, label, _ = chat(bot, CAT_QUESTION)
        assert "gatti.txt" not in label and not any("gatti" in m["content"] for m in other)
        assert W.corpus_md(bot, False).count("giappone-nato.txt") == 1
        folder = corpus.tmp.name
    finally:
        _, status = ui.back_to_article(corpus)
    assert not os.path.exists(folder)  # going back to the article deletes the session's files and index
    assert "article" in status


@pytest.mark.parametrize("name, data, reason, italian", [
    ("big.txt", b"a" * (W.MAX_FILE_BYTES + 1), "too large", "big.txt è troppo grande: il limite è 2 MB"),
    ("nul.txt", b"testo\x00\x01\x02 binario", "binary", "nul.txt sembra binario"),
    ("latin1.txt", "città".encode("latin-1"), "not UTF-8", "latin1.txt non è testo UTF-8 (byte 4)"),
    ("vuoto.md", b" \n\n ", "empty", "vuoto.md è vuoto"),
    ("segni.txt", b"... --- !!!", "no words", "segni.txt non ha parole da citare"),
    ("slides.pdf", b"%PDF-1.4 ...", "only .txt and .md", "sono accettati solo file .txt e .md"),
])
def test_upload_refuses_bad_files_with_a_message(bot, tmp_path, name, data, reason, italian):
    (corpus, status, accepted), _ = upload_files(tmp_path, {name: data}, None, bot)
    assert not accepted and corpus is None
    assert status.startswith("**Rifiutato / Refused:**") and reason in status.replace("\\", "")
    assert italian in status.replace("\\", "")  # the reason in Italian too, as the rest of the page
    assert str(tmp_path) not in status and "/tmp" not in status  # no server paths in messages


def test_refused_upload_keeps_the_session_corpus(bot, tmp_path):
    (corpus, _, _), _ = upload_files(tmp_path / "a", {"gatti.txt": CAT_DOC.encode()}, None, bot)
    try:
        (kept, status, accepted), _ = upload_files(tmp_path / "b", {"x.txt": b"\x00"}, corpus, bot)
        assert not accepted and kept is corpus and os.path.isdir(corpus.tmp.name)
    finally:
        corpus.close()


@pytest.mark.parametrize("name", ["../evil.txt", "a/b.txt", "a\\b.txt", ".hidden.txt", "x..txt", "a\nb.txt",
                                  "a\rb.txt", "tab\there.txt", "bell\x07.txt", "x\u2028y.txt", " notes.txt", "notes.txt ",
                                  pytest.param("🎉" * 70 + ".txt", id="284-bytes")])  # more than a Linux file name holds
def test_upload_refuses_unsafe_names(name):
    with pytest.raises(W.DocumentError, match="file name"):
        W.check_upload(name, b"ciao")


def test_upload_refuses_too_many_and_duplicate_files():
    with pytest.raises(W.DocumentError) as info:
        W.build_corpus([(f"f{i}.txt", b"ciao") for i in range(W.MAX_FILES + 1)], "unused", Bot)
    assert W.bilingual(info.value) == "troppi file (6): al massimo 5 alla volta · too many files (6): at most 5 at a time"
    with pytest.raises(W.DocumentError) as info:
        W.build_corpus([("a.txt", b"ciao"), ("a.txt", b"ciao")], "unused", Bot)
    assert W.bilingual(info.value) == "a.txt: due file hanno lo stesso nome · a.txt: two files have the same name"


def test_an_upload_refusal_never_shows_the_server_path(tmp_path):
    """Every fact of a refusal is scrubbed of the session's temporary folder, an OSError given as the reason too."""
    def failing_factory(paths, **_):
        raise W.DocumentError("unreadable", path=paths[0], reason=OSError(f"cannot open {paths[0]}"))

    with pytest.raises(W.DocumentError) as info:
        W.build_corpus([("a.txt", b"ciao")], "unused", failing_factory)
    assert str(info.value) == "cannot read a.txt: cannot open a.txt" and "qa-session-" not in W.bilingual(info.value)


def test_chat_marks_an_uncertain_answer_under_its_citation(bot):
    new, _, _ = chat(bot, "Quale regione viene citata?")
    body = new[1]["content"]
    badge, quote = body.split("\n\n", 1)
    assert badge == "⚠️ **Risposta incerta**"  # seen first, even above a long quote on a phone
    assert quote.startswith("> ") and "[1] giappone-nato.txt" in quote  # still the quote and its citation...
    assert body.rstrip().endswith("_") and "Risposta incerta: un altro passo" in body  # ...then why, in italics
    assert re.search(r"caratteri \d+-\d+\)", body)  # offsets as Answer.reason gives them (the CLI prints it too)


def test_header_says_what_it_answers_about_in_good_italian_without_markdown(bot, tmp_path):
    assert W.corpus_md(bot, False).startswith("Sto rispondendo sull'articolo / Answering about the article: ")
    (corpus, _, _), _ = upload_files(tmp_path, {"ricette.md": b"# Ricette di famiglia\n\nIl ragu si cuoce a lungo.\n"},
                                     None, bot)
    try:
        line = W.corpus_md(corpus.bot, True)
        assert line.startswith("Sto rispondendo sui tuoi documenti / Answering about your documents: ")
        assert line.endswith(" — *Ricette di famiglia*")  # the heading's text, not "\# Ricette"
    finally:
        corpus.close()


@pytest.mark.parametrize("first_line, title", [
    ("\ufeff# Ricette di famiglia", "Ricette di famiglia"),   # a byte-order mark hid the heading's "#"
    ("Ricette di famiglia  ", "Ricette di famiglia"),         # trailing spaces put one before the closing "*"
    ("Verbale " + "della riunione " * 12, ("Verbale " + "della riunione " * 12)[:160].rstrip() + "…"),  # cut at a space
])
def test_header_title_is_italic_text_without_stray_markup(bot, tmp_path, first_line, title):
    (corpus, _, _), _ = upload_files(tmp_path, {"ricette.md": (first_line + "\n\nIl ragu si cuoce a lungo.\n").encode()},
                                     None, bot)
    try:
        assert W.corpus_md(corpus.bot, True).endswith(f" — *{W.escape_md(title)}*")
    finally:
        corpus.close()
