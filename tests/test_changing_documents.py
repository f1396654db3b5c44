"""Robustness: documents that change under a running bot (edited, replaced, deleted, added, unusable), and index
states a crash or another process can leave. Never a stale or mixed index, never a citation of text the file
does not hold."""
from __future__ import annotations

import json
import os
import threading
import time

import pytest

from bot import Bot, DocumentError
from bot import index as index_mod
from conftest import DOC, OTHER, Q_BASE, Q_LIGHT, assert_verbatim, disk_texts, write

# ================================================================ documents that change under a running bot


@pytest.fixture
def live(tmp_path):
    """A bot over a folder (nsatu.txt, faro.txt) and one over a single file, both already built."""
    folder = write(tmp_path / "corpus", {"nsatu.txt": DOC, "faro.txt": OTHER})
    return folder, Bot([folder], index_dir=tmp_path / "index")


def test_changed_document_is_reloaded_before_answering(live):
    folder, bot = live
    old_key = bot.index.path.name
    assert "Wiesbaden" in bot.ask(Q_BASE).text
    # shift every offset and change the answer: the old index would cite the wrong characters
    (folder / "nsatu.txt").write_text("Aggiornamento di oggi.\n\n" + DOC.replace("Wiesbaden", "Ramstein"),
                                      encoding="utf-8")
    a = bot.ask(Q_BASE)
    assert not a.abstained and "Ramstein" in a.text and "Wiesbaden" not in a.text
    assert_verbatim(a.to_dict(), disk_texts(bot))
    assert bot.texts["nsatu.txt"] == (folder / "nsatu.txt").read_text(encoding="utf-8")
    assert bot.index.path.name != old_key and not (bot.index_dir / old_key).exists()
    assert bot.refresh() is False  # nothing changed since


def test_change_that_keeps_size_and_time_is_still_noticed(live):
    """A same-length edit saved with the old modification time (a copy with preserved times, a clock
    step): the inode or size/mtime pair differs, or the file was replaced by rename."""
    folder, bot = live
    path = folder / "nsatu.txt"
    st = path.stat()
    new = DOC.replace("Wiesbaden", "Stoccarda")[: len(DOC)]
    new = new + " " * (len(DOC) - len(new))
    tmp = folder / ".nsatu.tmp"
    tmp.write_text(new, encoding="utf-8")
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, path)  # how editors save: a new file renamed over the old one
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    a = bot.ask(Q_BASE)
    assert "Stoccarda" in a.text
    assert_verbatim(a.to_dict(), disk_texts(bot))


def test_an_in_place_edit_that_puts_the_old_time_back_is_noticed(live):
    """Same inode, same size, the old mtime put back (cp -p, touch -r, tar x onto the file): the change
    time still moves, so the quote is never the old text."""
    folder, bot = live
    path = folder / "nsatu.txt"
    assert "Wiesbaden" in bot.ask(Q_BASE).text
    st = path.stat()
    with open(path, "r+", encoding="utf-8") as f:  # rewritten in place: the inode stays
        f.write(DOC.replace("Wiesbaden", "Wiesbadan"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (st.st_ino, st.st_size, st.st_mtime_ns)
    a = bot.ask(Q_BASE)
    assert "Wiesbadan" in a.text
    assert_verbatim(a.to_dict(), disk_texts(bot))


def test_a_change_of_permissions_only_reloads_and_never_rebuilds(live, monkeypatch):
    """chmod moves the change time as well: the next question reads the documents again, finds the same
    contents (so the same index key) and loads the index it has; nothing is embedded again."""
    folder, bot = live
    built = bot.index.path
    monkeypatch.setattr(index_mod, "build", lambda *a, **k: pytest.fail("rebuilt for a chmod"))
    os.chmod(folder / "faro.txt", 0o600)
    assert bot.changed()
    a = bot.ask(Q_BASE)
    assert "Wiesbaden" in a.text and bot.index.path == built and not bot.changed()


def test_an_index_made_inside_the_documents_folder_is_no_change_of_theirs(tmp_path, monkeypatch):
    """Creating the index folder there touches the documents folder: the first ask() must not reload for it."""
    folder = write(tmp_path / "corpus", {"nsatu.txt": DOC})
    bot = Bot([folder], index_dir=folder / "index")
    assert not bot.changed()
    loads = []
    monkeypatch.setattr(bot, "_load", lambda *a, **k: loads.append(1))
    assert bot.ask(Q_BASE).text and loads == []


def test_document_deleted_from_a_folder_is_dropped(live):
    folder, bot = live
    (folder / "faro.txt").unlink()
    a = bot.ask(Q_LIGHT)
    assert set(bot.texts) == {"nsatu.txt"}
    assert all(c.source == "nsatu.txt" for c in a.citations)
    assert_verbatim(a.to_dict(), disk_texts(bot))


def test_document_added_to_a_folder_is_picked_up(live):
    folder, bot = live
    write(folder, {"sub/museo.txt": "Il museo civico apre alle nove del mattino e chiude alle sei di sera.\n"})
    a = bot.ask("A che ora apre il museo civico?")
    assert "sub/museo.txt" in bot.texts
    assert not a.abstained and a.citations[0].source == "sub/museo.txt"
    assert_verbatim(a.to_dict(), disk_texts(bot))


def test_deleted_document_given_by_name_is_an_error_naming_it_until_restored(tmp_path):
    path = write(tmp_path, {"nsatu.txt": DOC}) / "nsatu.txt"
    bot = Bot([path], index_dir=tmp_path / "index")
    path.unlink()
    for _ in range(2):  # every time, never the remembered text
        with pytest.raises(DocumentError, match="nsatu.txt does not exist"):
            bot.ask(Q_BASE)
    path.write_text(DOC.replace("Wiesbaden", "Ramstein"), encoding="utf-8")
    a = bot.ask(Q_BASE)
    assert "Ramstein" in a.text
    assert_verbatim(a.to_dict(), disk_texts(bot))


def test_document_turned_unusable_is_an_error_naming_it(live):
    folder, bot = live
    (folder / "faro.txt").write_bytes("Citt\u00e0 di Wiesbaden\n".encode("latin-1"))
    with pytest.raises(DocumentError, match="faro.txt is not UTF-8"):
        bot.ask(Q_BASE)


@pytest.mark.parametrize("question, said", [
    (Q_BASE, "Documento non disponibile: nsatu.txt non esiste"),  # in the asker's language
    ("Where is the NSatu command based?", "Document unavailable: nsatu.txt does not exist"),
])
def test_web_chat_says_which_document_is_gone(tmp_path, question, said):
    pytest.importorskip("gradio")
    import ui

    path = write(tmp_path, {"nsatu.txt": DOC}) / "nsatu.txt"
    bot = Bot([path], index_dir=tmp_path / "index")
    path.unlink()
    history, _ = ui.respond(question, [], None, bot)
    assert history[-1]["role"] == "assistant"
    content = history[-1]["content"].replace("\\", "")
    assert content.startswith(said.split(":")[0] + ":") and content.endswith(said.split(": ")[1])


def test_answers_during_an_edit_are_always_verbatim(live):
    """Threads keep asking while the file is rewritten: every answer quotes one whole version of the file
    (the one that was on disk when it was asked), and once the rewrite is seen, only the new one."""
    folder, bot = live
    versions = [DOC, "Premessa lunga, che sposta tutti gli offset.\n\n" + DOC.replace("Wiesbaden", "Ramstein")]
    results, errors, stop = [], [], threading.Event()

    def worker():
        while not stop.is_set():
            try:
                started = time.perf_counter()
                a = bot.ask(Q_BASE)
                results.append((started, time.perf_counter(), a))
            except Exception as exc:  # noqa: BLE001 - any exception is a failure, collected for the assert
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    (folder / "nsatu.txt").write_text(versions[1], encoding="utf-8")
    written = time.perf_counter()
    deadline = time.time() + 120
    while time.time() < deadline and not any(t > written and "Ramstein" in a.text for _, t, a in results):
        time.sleep(0.1)
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    first_new = min(end for _, end, a in results if "Ramstein" in a.text)
    for started, _, a in results:
        text = versions[1] if "Ramstein" in a.text else versions[0]
        if started > first_new:
            assert text is versions[1], "an answer from the old text after the new one was in use"
        for c in a.citations:
            assert (text if c.source == "nsatu.txt" else OTHER)[c.start:c.end] == c.text
    assert bot.texts["nsatu.txt"] == versions[1]


# ================================================================ broken index


def test_manifest_of_another_format_version_is_rebuilt(live):
    folder, bot = live
    key = bot.index.path
    manifest = json.loads((key / "manifest.json").read_text(encoding="utf-8"))
    manifest["format"] = index_mod.FORMAT_VERSION - 1
    (key / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(index_mod.IndexError_, match="other documents, model or parameters"):
        index_mod.load(key, bot.documents, bot.settings)
    again = Bot([folder], index_dir=bot.index_dir)
    assert again.index.path == key and again.index.manifest["format"] == index_mod.FORMAT_VERSION
    a = again.ask(Q_BASE)
    assert "Wiesbaden" in a.text
    assert_verbatim(a.to_dict(), disk_texts(again))


def test_two_threads_building_the_same_index_build_it_once(tmp_path, monkeypatch):
    folder = write(tmp_path / "corpus", {"nsatu.txt": DOC})
    calls = []
    real = index_mod.build

    def spy(*args, **kwargs):
        calls.append(1)
        time.sleep(0.5)  # widen the window in which the other thread would build too
        return real(*args, **kwargs)

    monkeypatch.setattr(index_mod, "build", spy)
    bots, errors = [], []

    def make():
        try:
            bots.append(Bot([folder], index_dir=tmp_path / "index"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=make) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors and len(bots) == 2
    assert len(calls) == 1, "the lock lets one build; the other loads the result"
    assert bots[0].index.path == bots[1].index.path
    assert not list((tmp_path / "index").glob(".building-*"))
    for b in bots:
        assert_verbatim(b.ask(Q_BASE).to_dict(), disk_texts(b))
