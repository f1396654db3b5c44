"""Robustness: bad documents (no text, huge, same names, undecodable names, links, pipes), each refused with
a message naming it, in every language the bot speaks. Documents that change under a running bot are in
test_changing_documents.py."""
from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

import pytest

from bot import Bot, DocumentError
from bot import documents as documents_mod
from conftest import DOC, OTHER, Q_BASE, Q_LIGHT, assert_verbatim, disk_texts, run_cli, write


def test_folder_without_text_files_is_a_clear_error(tmp_path):
    folder = tmp_path / "immagini"
    folder.mkdir()
    (folder / "foto.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    (folder / "dati.bin").write_bytes(bytes(range(256)))
    (folder / "coda.dat").write_bytes(b"x\xff")  # its bad byte near the end: not a character cut at 8 KiB
    (folder / ".nascosto.txt").write_text("Un file nascosto non conta.\n", encoding="utf-8")
    (folder / "vuota").mkdir()
    with pytest.raises(DocumentError, match="immagini.*holds no text files"):
        Bot([folder], index_dir=tmp_path / "index")
    assert not (tmp_path / "index").exists()


def test_a_text_file_without_suffix_cut_mid_character_at_8_kib_is_still_text(tmp_path):
    """Only the first 8 KiB of a file without a text suffix are checked, so a character cut there is fine."""
    (tmp_path / "COPYING").write_bytes(("a" * 8191 + "è e poi il resto del testo.\n").encode("utf-8"))
    assert [d.source for d in documents_mod.load_documents([tmp_path])] == ["COPYING"]


def test_empty_folder_is_a_clear_error(tmp_path):
    (tmp_path / "vuota").mkdir()
    with pytest.raises(DocumentError, match="vuota.*holds no text files"):
        documents_mod.load_documents([tmp_path / "vuota"])


def sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)  # tens of MB on the books, nothing written
    return path


@pytest.mark.parametrize("given", ["file", "folder"])
def test_very_large_document_is_refused_naming_file_and_limit(tmp_path, given):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ok.txt").write_text("Il faro fu costruito nel 1887.\n", encoding="utf-8")
    big = sparse(folder / "enorme.txt", 40 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(DocumentError) as info:
        Bot([folder] if given == "folder" else [big], index_dir=tmp_path / "index")
    message = str(info.value)
    assert "enorme.txt" in message and "too large" in message
    assert "40.0 MB" in message and f"{documents_mod.MAX_DOCUMENT_MB} MB" in message
    assert documents_mod.MAX_DOCUMENT_ENV in message  # says how to raise it
    assert time.perf_counter() - started < 2, "the size is checked before reading"
    assert not (tmp_path / "index").exists()


def test_document_size_limit_is_configurable(tmp_path, monkeypatch):
    small = tmp_path / "piccolo.txt"
    small.write_text("Il faro fu costruito nel 1887 dal consiglio del porto.\n", encoding="utf-8")
    monkeypatch.setenv(documents_mod.MAX_DOCUMENT_ENV, "0.00001")  # 10 bytes
    with pytest.raises(DocumentError, match="piccolo.txt is too large"):
        documents_mod.load_documents(small)
    big = sparse(tmp_path / "enorme.txt", 30 * 1024 * 1024)
    monkeypatch.setenv(documents_mod.MAX_DOCUMENT_ENV, "50")
    with pytest.raises(DocumentError, match="enorme.txt looks binary"):  # read now (it is all NUL bytes)
        documents_mod.load_documents(big)
    for bad in ("tanti", "nan", "-1", "0", "1e-9"):  # 1e-9: less than a byte, had said "the limit is 0 MB"
        monkeypatch.setenv(documents_mod.MAX_DOCUMENT_ENV, bad)
        with pytest.raises(DocumentError, match=f"{documents_mod.MAX_DOCUMENT_ENV}=.*positive number"):
            documents_mod.load_documents(small)
    monkeypatch.setenv(documents_mod.MAX_DOCUMENT_ENV, "inf")  # no limit
    assert documents_mod.load_documents(small)[0].source == "piccolo.txt"


def test_cli_very_large_document_exits_2(tmp_path, capsys):
    big = sparse(tmp_path / "enorme.md", 25 * 1024 * 1024)
    code, out, err = run_cli(capsys, "index", str(big), "--index-dir", str(tmp_path / "index"))
    assert code == 2 and out == ""
    assert "enorme.md is too large" in err and documents_mod.MAX_DOCUMENT_ENV in err


def test_file_name_that_is_not_utf8_is_refused_naming_it(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "buono.txt").write_text("Il faro fu costruito nel 1887.\n", encoding="utf-8")
    Path(os.fsdecode(os.fsencode(str(folder)) + b"/citt\xe0.txt")).write_text("Testo.\n", encoding="utf-8")
    with pytest.raises(DocumentError, match=r"citt\\xe0\.txt.*not valid UTF-8"):
        documents_mod.load_documents(folder)


def test_same_file_name_given_twice_is_refused_naming_both(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "note.txt").write_text(f"Nota della cartella {sub}.\n", encoding="utf-8")
    with pytest.raises(DocumentError) as info:
        documents_mod.load_documents([tmp_path / "a" / "note.txt", tmp_path / "b" / "note.txt"])
    assert str(tmp_path / "a" / "note.txt") in str(info.value) and str(tmp_path / "b" / "note.txt") in str(info.value)
    with pytest.raises(DocumentError, match="note.txt"):  # two folders whose files collide
        documents_mod.load_documents([tmp_path / "a", tmp_path / "b"])
    # the same file twice is not a conflict
    assert len(documents_mod.load_documents([tmp_path / "a" / "note.txt", tmp_path / "a" / "note.txt"])) == 1


NOTES = {
    "porto/note.txt": "Il faro del molo nord fu costruito nel 1887 dal consiglio del porto.\n",
    "museo/note.txt": "Il museo civico apre alle nove del mattino e chiude alle sei di sera.\n",
}



@pytest.fixture(scope="module")
def notes_bot(tmp_path_factory):
    """Two files called note.txt in different folders of one corpus."""
    base = tmp_path_factory.mktemp("notes")
    return Bot([write(base / "corpus", NOTES)], index_dir=base / "index")


@pytest.mark.parametrize("question, source, needle", [
    ("Quando fu costruito il faro del molo nord?", "porto/note.txt", "1887"),
    ("A che ora apre il museo civico?", "museo/note.txt", "nove"),
])
def test_same_file_name_in_two_folders_cites_the_right_one(notes_bot, question, source, needle):
    assert set(notes_bot.texts) == set(NOTES)
    a = notes_bot.ask(question)
    assert not a.abstained and needle in a.text
    assert a.citations[0].source == source
    assert_verbatim(a.to_dict(), disk_texts(notes_bot))
    assert a.text == NOTES[source].strip()


def test_an_index_folder_inside_the_documents_folder_is_not_read_as_documents(tmp_path):
    """`--docs . --index-dir my-index` from inside the documents: the index's manifest and passages are text
    too, but they are never documents, so the index is built once and questions never trigger a rebuild."""
    folder = write(tmp_path / "corpus", {"nsatu.txt": DOC, "sub/faro.txt": OTHER})
    bot = Bot([folder], index_dir=folder / "sub" / "index")
    assert sorted(d.source for d in bot.documents) == ["nsatu.txt", "sub/faro.txt"]
    built = bot.index.path
    for question in (Q_BASE, Q_LIGHT, Q_BASE):
        a = bot.ask(question)
        assert not a.abstained and not bot.changed() and bot.index.path == built
        assert {c.source for c in a.citations} <= {"nsatu.txt", "sub/faro.txt"}
    again = Bot([folder], index_dir=folder / "sub" / "index")
    assert again.index.path == built and len(again.documents) == 2


@pytest.mark.parametrize("docs, error", [
    (lambda t: [""], "empty"),                                 # Path("") would be the current folder
    (lambda t: [t / "index" / "notes"], "inside the index folder"),
    # not paths at all: a clear error, not "'int' object is not iterable" (b"/docs" had been read byte by byte)
    (lambda t: 5, "not as int"), (lambda t: [None], "not as NoneType"), (lambda t: b"/docs", "not as bytes"),
    (lambda t: [str(t / "index" / "notes" / "a.txt"), b"/docs"], "not as bytes"),
])
def test_document_paths_that_cannot_be_documents_are_refused(tmp_path, docs, error):
    (tmp_path / "index" / "notes").mkdir(parents=True)
    (tmp_path / "index" / "notes" / "a.txt").write_text(OTHER, encoding="utf-8")
    with pytest.raises(DocumentError, match=error):
        Bot(docs(tmp_path), index_dir=tmp_path / "index")


def test_any_iterable_of_paths_will_do(tmp_path):
    write(tmp_path / "docs", {"faro.txt": OTHER, "b.md": DOC})
    bot = Bot((tmp_path / "docs").glob("*.txt"), index_dir=tmp_path / "index")
    assert [d.source for d in bot.documents] == ["faro.txt"]


def test_relative_paths_still_mean_the_same_files_after_a_chdir(tmp_path, monkeypatch):
    """Paths are made absolute when the Bot is made: after os.chdir an edit is reloaded from the same files
    into the same index folder (it looked in the new folder, "does not exist", or built a second index)."""
    write(tmp_path / "corpus", {"faro.txt": OTHER})
    monkeypatch.chdir(tmp_path)
    bot = Bot(["corpus"], index_dir="index")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    (tmp_path / "corpus" / "faro.txt").write_text(OTHER.replace("1887", "1888"), encoding="utf-8")
    a = bot.ask(Q_LIGHT)
    assert not a.abstained and "1888" in a.text
    assert bot.index.path.parent == tmp_path / "index" and not any((tmp_path / "elsewhere").iterdir())


def test_a_file_given_twice_is_one_document(tmp_path):
    """As a file and inside its folder: read, indexed and cited once, under the first name it was given."""
    folder = write(tmp_path / "corpus", {"nsatu.txt": DOC, "sub/faro.txt": OTHER})
    bot = Bot([folder, folder / "sub" / "faro.txt"], index_dir=tmp_path / "index")
    assert sorted(d.source for d in bot.documents) == ["nsatu.txt", "sub/faro.txt"]
    with pytest.raises(ValueError, match="index_dir is empty"):
        Bot([folder], index_dir="")  # "" is not the default folder


@pytest.mark.parametrize("text", ["---\n***\n...!!!???\n", "🏰🏰🏰 🎟️🎟️\n"])
def test_document_without_letters_or_digits_is_refused_naming_it(tmp_path, text):
    (tmp_path / "segni.txt").write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError, match="segni.txt has no words to quote"):
        Bot([tmp_path / "segni.txt"], index_dir=tmp_path / "index")
    assert not (tmp_path / "index").exists()


def test_a_linked_folder_is_read_and_cited_through_the_link(tmp_path):
    """A documents folder holding only a link to a folder of notes "held no text files"."""
    write(tmp_path / "elsewhere", {"faro.txt": OTHER})
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    bot = Bot([tmp_path / "docs"], index_dir=tmp_path / "index")
    a = bot.ask(Q_LIGHT)
    assert not a.abstained and "1887" in a.text and a.citations[0].source == "notes/faro.txt"
    # a file added inside the linked folder is noticed like one added to the folder itself
    write(tmp_path / "elsewhere", {"museo.txt": NOTES["museo/note.txt"]})
    assert bot.refresh() and sorted(d.source for d in bot.documents) == ["notes/faro.txt", "notes/museo.txt"]


def test_links_back_to_a_walked_folder_or_to_the_index_are_not_followed(tmp_path):
    """A link to an ancestor (or to a folder already walked) would repeat the corpus without end; a link to
    the index folder would read its manifest and passages as documents. Hidden folders stay skipped."""
    folder = write(tmp_path / "corpus", {"nsatu.txt": DOC, "sub/faro.txt": OTHER, ".git/note.txt": OTHER})
    (tmp_path / "index" / "k").mkdir(parents=True)
    (tmp_path / "index" / "k" / "manifest.json").write_text('{"documents": []}', encoding="utf-8")
    write(tmp_path / "museo", {"note.txt": NOTES["museo/note.txt"]})
    for name, target in {"sub/back": folder, "again": folder / "sub", "idx": tmp_path / "index",
                         ".hidden": folder / "sub", "museo": tmp_path / "museo"}.items():
        (folder / name).symlink_to(target, target_is_directory=True)
    docs = documents_mod.load_documents([folder], exclude=tmp_path / "index")
    assert sorted(d.source for d in docs) == ["museo/note.txt", "nsatu.txt", "sub/faro.txt"]


def refused_in_time(paths: list, seconds: float = 10) -> str:
    """The DocumentError message load_documents(paths) gives, failing if it has not returned in `seconds`
    (read in a daemon thread: a read that blocks forever must not hang the test run)."""
    out: list = []

    def run():
        try:
            documents_mod.load_documents(paths)
            out.append("accepted")
        except DocumentError as exc:
            out.append(str(exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert out, f"load_documents({paths}) still running after {seconds} s"
    return out[0]


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_pipe_or_a_device_given_as_a_document_is_refused_at_once(tmp_path, kind):
    """A FIFO with no writer blocked the read forever; a device such as /dev/zero never ends."""
    path = tmp_path / "pipe.txt" if kind == "fifo" else Path(os.devnull)
    if kind == "fifo":
        os.mkfifo(path)
    assert f"{path} is not a regular file" in refused_in_time([path])

def test_every_document_error_is_worded_in_each_language_with_the_same_facts():
    from string import Formatter

    from bot.messages import DOCUMENT_ERRORS

    def fields(template):
        return {name for _, name, _, _ in Formatter().parse(template) if name}

    english = DOCUMENT_ERRORS["en"]
    for lang, texts in DOCUMENT_ERRORS.items():
        assert texts.keys() == english.keys(), lang
        for key, template in texts.items():
            assert fields(template) == fields(english[key]), (lang, key)
    error = DocumentError("not_utf8", path="note.txt", byte=3)
    assert str(error) == "note.txt is not UTF-8 text (byte 3): convert it to UTF-8"
    assert error.say("it") == "note.txt non è testo UTF-8 (byte 3): convertilo in UTF-8"
    assert error.say("xx") == str(error)  # a language without messages gets the English ones
    again = pickle.loads(pickle.dumps(error))  # as another process or a copy gets it
    assert (str(again), again.say("it"), again.fields) == (str(error), error.say("it"), error.fields)
    # a message of a caller's own, as DocumentError was built before it had keys
    assert str(DocumentError("notes.txt is locked")) == DocumentError("notes.txt is locked").say("it") == (
        "notes.txt is locked")
