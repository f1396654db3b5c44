"""Robustness of uploads: disguised binaries, many files at once, unsafe names, never served back over
HTTP, sessions kept apart.

Where each case of the robustness issue is tested (files in tests/):
  bad questions (API, CLI, web)  test_bad_questions (every listed kind through the API, the CLI incl. argv
                                 bytes, the chat event and /ask, then a normal question); test_api, test_cli,
                                 test_ui, test_ui_browser (empty, markup)
  property-based                 test_property (hypothesis): only ValueError, citations verbatim
  bad documents                  test_bad_documents (no text files, huge file, same name twice, names not
                                 UTF-8, changed/added/deleted under a running bot); test_index, test_cli
                                 (empty, non-UTF-8, missing)
  broken index                   test_index (truncated/corrupt FAISS, passages vs vectors, manifest of another
                                 model, missing files, crashes and kills mid-build, two processes at once);
                                 test_bad_documents (manifest of another format version, two threads at once)
  load                           test_load (16 clients x 10 through /ask; memory after warm-up); bench/ (long form)
  uploads                        here; test_ui (size, type, NUL, latin-1, empty, unsafe names, too many);
                                 test_ui_browser (private to its session)
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import Bot, DocumentError
from bot.webapp import MAX_FILE_BYTES, Conversation, take_uploads
from conftest import cached, free_port, handler

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "giappone-nato.txt"


# ================================================================ uploads


CAT = ("Il gatto Micio vive a Bologna con la sua famiglia.\n"
       "La sua veterinaria si chiama Dottoressa Rossi e lavora a Imola.\n")
DOG = ("Il cane Fido vive a Parma con il suo padrone.\n"
       "Il suo addestratore si chiama Marco Bianchi e lavora a Modena.\n")


def uploaded(paths: list[str], names: list[str] | None = None) -> list[dict]:
    """Gradio's FileData of files in its upload cache, as the page's upload event hands them over unprocessed:
    the cached copy's path and the name the browser gave (by default, the copy's)."""
    return [{"path": p, "orig_name": n} for p, n in zip(paths, names or [Path(p).name for p in paths])]


def upload(demo, files: list[dict], corpus=None):
    """The page's two upload steps in turn, through their real functions: lock() reads the files as they arrive,
    on_upload() indexes them. on_upload's outputs: corpus, status, then the page's other updates."""
    taken = handler(demo, "lock")(files)[-1]
    return handler(demo, "on_upload")(taken, corpus, Conversation())


DISGUISED = {
    "png.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    "program.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00",
    "archive.md": b"PK\x03\x04\x14\x00\x00\x00\x08\x00",
    "noise.txt": bytes(range(128, 256)) * 4,  # no NUL, but not UTF-8
    "utf16.txt": "Il gatto vive a Bologna.".encode("utf-16"),
}


@pytest.mark.parametrize("name", list(DISGUISED))
def test_upload_binary_disguised_as_text_is_refused(web, tmp_path, name):
    demo, _ = web
    corpus, status, *_ = upload(demo, uploaded(cached(tmp_path, {name: DISGUISED[name]})))
    assert corpus is None and status.startswith("**Rifiutato / Refused:**")
    assert name in status.replace("\\", "") and ("binary" in status or "UTF-8" in status)


def test_the_same_file_uploaded_twice_or_already_deleted_is_refused_with_a_message(web, tmp_path):
    """Gradio caches uploads by content: the same file twice is one path (refused as a duplicate name), and a
    copy Gradio's delete_cache has already removed is said to be gone."""
    demo, _ = web
    (path,) = cached(tmp_path, {"gatto.txt": CAT.encode()})
    corpus, status, *_ = upload(demo, uploaded([path, path]))
    assert corpus is None and "gatto.txt: two files have the same name" in status
    (path,) = cached(tmp_path / "again", {"gatto.txt": CAT.encode()})
    os.remove(path)
    corpus, status, *_ = upload(demo, uploaded([path]))
    assert corpus is None and status.startswith("**Rifiutato / Refused:**") and "upload it again" in status


def test_the_same_file_uploaded_by_two_sessions_at_once_is_indexed_for_both(web, tmp_path):
    """Both sessions get Gradio's one cached copy; the first to be indexed deleted it after reading, and the
    other, queued behind it (uploads are indexed one at a time), was told its upload was gone."""
    demo, _ = web
    files = uploaded(cached(tmp_path, {"gita.txt": CAT.encode()}))
    lock, index = handler(demo, "lock"), handler(demo, "on_upload")
    first, second = lock(files)[-1], lock(files)[-1]  # both arrive before either is indexed
    corpora = [index(taken, None, Conversation())[0] for taken in (first, second)]
    try:
        assert all(c is not None and set(c.bot.texts) == {"gita.txt"} for c in corpora), corpora
    finally:
        for c in corpora:
            c and c.close()


@pytest.mark.parametrize("name", ["Verbale: riunione 3 marzo.txt", "FAQ - domande frequenti?.md",
                                  "Offerta 50% $ sconto!.txt", 'Contratto "finale".txt', "note {bozza}.md",
                                  "nul.txt", "Con.md", "<img src=x onerror=alert(1)>.txt"])
def test_an_upload_is_cited_by_the_name_the_user_gave_it(web, tmp_path, name):
    """Gradio's upload route strips ?:"$!{}<> from names and prefixes Windows device names: the page and every
    citation named a file the user does not have ("Verbale riunione 3 marzo.txt", "_nul.txt")."""
    import httpx

    demo, url = web
    with httpx.Client(timeout=30) as http:  # Gradio's real upload route names its copy
        r = http.post(url.rstrip("/") + "/gradio_api/upload", files=[("files", (name, CAT.encode(), "text/plain"))])
        (path,) = r.json()
    corpus, status, *_ = upload(demo, uploaded([path], [name]))
    try:
        assert corpus is not None, status
        assert set(corpus.bot.texts) == {name} and corpus.bot.documents[0].path.name == name
    finally:
        corpus and corpus.close()


def test_two_names_gradio_makes_one_stay_two_files(web, tmp_path):
    """"a?.txt" and "a.txt" both reached us as "a.txt", refused as "two files have the same name"."""
    demo, _ = web
    paths = cached(tmp_path, {"a.txt": CAT.encode()}) + cached(tmp_path / "b", {"a.txt": DOG.encode()})
    corpus, status, *_ = upload(demo, uploaded(paths, ["a?.txt", "a.txt"]))
    try:
        assert corpus is not None, status
        assert corpus.bot.texts == {"a?.txt": CAT, "a.txt": DOG}
    finally:
        corpus and corpus.close()


@pytest.mark.parametrize("name", ["../evil.txt", ".env.txt", " notes.txt", "a\nb.txt", "x" * 200 + ".txt"])
def test_an_unsafe_name_given_by_the_browser_is_refused(web, tmp_path, name):
    """The name the user gave is what our checks judge now, not Gradio's cleaned copy's ("evil.txt")."""
    demo, _ = web
    corpus, status, *_ = upload(demo, uploaded(cached(tmp_path, {"evil.txt": CAT.encode()}), [name]))
    assert corpus is None and "file name" in status and "refused" in status


def test_an_upload_without_its_name_is_refused_with_a_message(web, tmp_path):
    """A client that posts only paths: the name of Gradio's copy may not be the user's, so nothing is cited by it."""
    demo, _ = web
    corpus, status, *_ = upload(demo, [{"path": p} for p in cached(tmp_path, {"gatti.txt": CAT.encode()})])
    assert corpus is None and status == ("**Rifiutato / Refused:** un file è arrivato senza il suo nome: caricalo "
                                         "dalla pagina · a file came without its name: upload it from the page")


def test_a_file_a_little_over_the_limit_reaches_our_check_and_a_huge_one_does_not(web, bot):
    """Gradio's own limit was ours: a file over 2 MB got its English-only toast ("2.0 Mb") instead of our refusal
    in both languages; a much larger one is still refused by Gradio's upload route."""
    import httpx

    import ui

    base = web[1].rstrip("/") + "/gradio_api"
    with httpx.Client(timeout=60) as http:
        def post(name: str, size: int):
            return http.post(f"{base}/upload", files=[("files", (name, b"a" * size, "text/plain"))])

        big = post("grande.txt", MAX_FILE_BYTES + 1)
        assert big.status_code == 200, big.text
        assert post("enorme.txt", ui.TRANSPORT_LIMIT + 1).status_code == 413
    corpus, status, accepted = ui.upload(take_uploads(uploaded(big.json())), None, bot)
    assert not accepted and status == ("**Rifiutato / Refused:** grande.txt è troppo grande: il limite è 2 MB per "
                                       "file · grande.txt is too large: the limit is 2 MB per file")


def test_gradio_deletes_its_copy_of_an_upload_soon(bot, monkeypatch):
    """The page no longer deletes Gradio's copy of an upload on reading it (another session may be about to read
    the same copy): the app's delete_cache does, within minutes (here shortened to seconds)."""
    import time

    import httpx

    pytest.importorskip("gradio")
    import ui

    assert sum(ui.DELETE_CACHE) <= 600  # checked every minute, removed once five minutes old
    monkeypatch.setattr(ui, "DELETE_CACHE", (1, 1))
    demo = ui.build_app(bot)
    _, url, _ = ui.launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    try:
        content = f"Il faro del molo fu dipinto di rosso il {time.time()}.\n".encode()  # a copy of its own
        r = httpx.post(url.rstrip("/") + "/gradio_api/upload", files=[("files", ("faro.txt", content, "text/plain"))])
        (copy,) = r.json()
        assert take_uploads(uploaded([copy])) == [("faro.txt", content)] and os.path.exists(copy)
        deadline = time.monotonic() + 15
        while os.path.exists(copy) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not os.path.exists(copy)
    finally:
        demo.close()


def test_upload_without_words_is_refused(web, tmp_path):
    demo, _ = web
    corpus, status, *_ = upload(demo, uploaded(cached(tmp_path, {"segni.txt": "---\n***\n🏰🏰 ...!!!\n".encode()})))
    assert corpus is None and status.startswith("**Rifiutato / Refused:**") and "no words to quote" in status


def test_upload_many_files_at_once_is_refused_and_nothing_is_kept(web, tmp_path):
    from bot import webapp as W

    demo, _ = web
    paths = cached(tmp_path, {f"nota{i}.txt": f"Nota numero {i}.\n".encode() for i in range(W.MAX_FILES + 3)})
    corpus, status, *_ = upload(demo, uploaded(paths))
    assert corpus is None and "too many files" in status and str(W.MAX_FILES) in status


@pytest.mark.parametrize("name", ["../evil.txt", "../../etc/evil.txt", "a/b.txt", "a\\b.txt", "..\\x.txt",
                                  "/abs/evil.txt", ".env.txt", "x..txt", "nul\x00.txt", "x" * 200 + ".txt"])
def test_upload_name_with_path_parts_is_refused_and_nothing_written(tmp_path, name, monkeypatch):
    from bot import webapp as W

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(DocumentError, match="file name") as info:
        W.build_corpus([(name, b"Il gatto vive a Bologna.\n")], "unused", Bot)
    assert str(tmp_path) not in str(info.value)
    assert list(tmp_path.iterdir()) == []  # not even a session folder was made


def test_upload_over_http_is_never_served_back(web, bot, tmp_path):
    """Upload through Gradio's real /upload route, let the page's upload event take it, then try to fetch
    the session's copy (and its index, and the server's own files) through the file route: all refused. (Gradio's
    own copy stays until its delete_cache removes it: test_gradio_deletes_its_copy_of_an_upload_soon.)"""
    import httpx

    demo, url = web
    base = url.rstrip("/") + "/gradio_api"
    with httpx.Client(timeout=30) as http:
        r = http.post(f"{base}/upload", files=[("files", ("gatti.txt", CAT.encode(), "text/plain"))])
        assert r.status_code == 200, r.text
        (copy,) = r.json()
        assert http.get(f"{base}/file={copy}").status_code == 200  # Gradio's own copy, named by its content
        corpus, status, *_ = upload(demo, uploaded([copy]))
        try:
            assert corpus is not None and "gatti.txt" in status
            session_copy = corpus.bot.documents[0].path
            assert session_copy.read_text(encoding="utf-8") == CAT
            for path in (session_copy, corpus.bot.index.path / "manifest.json",
                         ROOT / "seeds" / SOURCE, bot.index.path / "passages.jsonl", "/etc/passwd"):
                got = http.get(f"{base}/file={path}")
                assert got.status_code in (403, 404), (path, got.status_code)
                assert "Micio" not in got.text
        finally:
            corpus and corpus.close()


def test_sessions_never_see_each_others_documents(web, client, tmp_path):
    demo, _ = web
    ask = handler(demo, "on_ask")
    cat, *_ = upload(demo, uploaded(cached(tmp_path / "a", {"gatti.txt": CAT.encode()})))
    dog, *_ = upload(demo, uploaded(cached(tmp_path / "b", {"cani.txt": DOG.encode()})))
    try:
        assert set(cat.bot.texts) == {"gatti.txt"} and set(dog.bot.texts) == {"cani.txt"}
        assert cat.bot.index_dir != dog.bot.index_dir
        for corpus, own, other_q in ((cat, "gatti.txt", "Dove lavora l'addestratore Marco Bianchi?"),
                                     (dog, "cani.txt", "Dove lavora la veterinaria Dottoressa Rossi?")):
            history, view = ask(other_q, Conversation(), corpus)
            text = " ".join(m["content"] for m in history)
            assert ({"gatti.txt", "cani.txt"} - {own}).pop() not in text + view.label
            assert own in view.label
        # the public API answers about the bundled article only, whatever sessions uploaded
        for q in ("Dove lavora la veterinaria Dottoressa Rossi?", "Dove lavora l'addestratore Marco Bianchi?"):
            r = client.predict(q, api_name="/ask")
            assert all(c["source"] == SOURCE for c in r["citations"])
            assert "Imola" not in r["text"] and "Modena" not in r["text"]
    finally:
        cat.close()
        dog.close()
    assert not os.path.exists(cat.tmp.name) and not os.path.exists(dog.tmp.name)
