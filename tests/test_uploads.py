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
from bot.webapp import Conversation
from conftest import cached, handler

ROOT = Path(__file__).resolve().parent.parent
SOURCE = "giappone-nato.txt"


# ================================================================ uploads


CAT = ("Il gatto Micio vive a Bologna con la sua famiglia.\n"
       "La sua veterinaria si chiama Dottoressa Rossi e lavora a Imola.\n")
DOG = ("Il cane Fido vive a Parma con il suo padrone.\n"
       "Il suo addestratore si chiama Marco Bianchi e lavora a Modena.\n")


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
    paths = cached(tmp_path, {name: DISGUISED[name]})
    corpus, status, *_ = handler(demo, "on_upload")(paths, None, Conversation())
    assert corpus is None and status.startswith("**Rifiutato / Refused:**")
    assert name in status.replace("\\", "") and ("binary" in status or "UTF-8" in status)
    assert not any(os.path.exists(p) for p in paths)  # refused or not, the cached copy is gone


def test_the_same_file_uploaded_twice_or_already_taken_is_refused_with_a_message(web, tmp_path):
    """Gradio caches uploads by content: the same file twice is one path (refused as a duplicate name), and a
    copy another session's upload of the same file has already taken (read, then deleted) is said to be gone."""
    demo, _ = web
    (path,) = cached(tmp_path, {"gatto.txt": CAT.encode()})
    corpus, status, *_ = handler(demo, "on_upload")([path, path], None, Conversation())
    assert corpus is None and "gatto.txt: two files have the same name" in status
    (path,) = cached(tmp_path / "again", {"gatto.txt": CAT.encode()})
    os.remove(path)
    corpus, status, *_ = handler(demo, "on_upload")([path], None, Conversation())
    assert corpus is None and status.startswith("**Rifiutato / Refused:**") and "upload it again" in status


def test_upload_without_words_is_refused(web, tmp_path):
    demo, _ = web
    paths = cached(tmp_path, {"segni.txt": "---\n***\n🏰🏰 ...!!!\n".encode()})
    corpus, status, *_ = handler(demo, "on_upload")(paths, None, Conversation())
    assert corpus is None and status.startswith("**Rifiutato / Refused:**") and "no words to quote" in status


def test_upload_many_files_at_once_is_refused_and_nothing_is_kept(web, tmp_path):
    from bot import webapp as W

    demo, _ = web
    paths = cached(tmp_path, {f"nota{i}.txt": f"Nota numero {i}.\n".encode() for i in range(W.MAX_FILES + 3)})
    corpus, status, *_ = handler(demo, "on_upload")(paths, None, Conversation())
    assert corpus is None and "too many files" in status and str(W.MAX_FILES) in status
    assert not any(os.path.exists(p) for p in paths)


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
    the upload (and the session's copy, and the server's own files) through the file route: all refused."""
    import httpx

    demo, url = web
    base = url.rstrip("/") + "/gradio_api"
    with httpx.Client(timeout=30) as http:
        r = http.post(f"{base}/upload", files=[("files", ("gatti.txt", CAT.encode(), "text/plain"))])
        assert r.status_code == 200, r.text
        (uploaded,) = r.json()
        assert http.get(f"{base}/file={uploaded}").status_code == 200  # Gradio holds it until we take it
        corpus, status, *_ = handler(demo, "on_upload")([uploaded], None, Conversation())
        try:
            assert corpus is not None and "gatti.txt" in status
            session_copy = corpus.bot.documents[0].path
            assert session_copy.read_text(encoding="utf-8") == CAT
            for path in (uploaded, session_copy, corpus.bot.index.path / "manifest.json",
                         ROOT / "seeds" / SOURCE, bot.index.path / "passages.jsonl", "/etc/passwd"):
                got = http.get(f"{base}/file={path}")
                assert got.status_code in (403, 404), (path, got.status_code)
                assert "Micio" not in got.text
        finally:
            corpus and corpus.close()


def test_sessions_never_see_each_others_documents(web, client, tmp_path):
    demo, _ = web
    upload, ask = handler(demo, "on_upload"), handler(demo, "on_ask")
    cat, *_ = upload(cached(tmp_path / "a", {"gatti.txt": CAT.encode()}), None, Conversation())
    dog, *_ = upload(cached(tmp_path / "b", {"cani.txt": DOG.encode()}), None, Conversation())
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
