"""Shared fixtures: one real bot over the bundled article (and one over the licence corpus), built once
per test session into a temporary index folder. The embedding model itself is the real one, cached in
~/.cache/grounded-qa-bot (or $BOT_CACHE_DIR) and shared with normal use."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")          # never reach for the hub: everything is local
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ARTICLE = ROOT / "seeds" / "giappone-nato.txt"
LICENSES = ROOT.parent / "shared" / "eval" / "corpora" / "licenses-dev"
MORE_LICENSES = ROOT / "eval" / "corpora" / "more-licenses"


@pytest.fixture(scope="session")
def article_text() -> str:
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """Bot over the bundled article, index built once per session in a temporary folder."""
    from bot import Bot

    return Bot(index_dir=tmp_path_factory.mktemp("article-index"))


@pytest.fixture(scope="session")
def license_bot(tmp_path_factory):
    """Bot over ../shared/eval/corpora/licenses-dev (several hard-wrapped English files), if present."""
    if not LICENSES.is_dir():
        pytest.skip(f"{LICENSES} is missing (shared/ not beside the repository)")
    from bot import Bot

    return Bot([LICENSES], index_dir=tmp_path_factory.mktemp("licenses-index"))


@pytest.fixture(scope="session")
def more_licenses(tmp_path_factory):
    """Bot over eval/corpora/more-licenses (Apache-2.0, BSD, MPL-2.0: several documents that name themselves)."""
    from bot import Bot

    return Bot([MORE_LICENSES], index_dir=tmp_path_factory.mktemp("more-licenses-index"))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def web(bot):
    """The web app (ui.py) over the session bot, launched once in-process on loopback: (demo, url).
    Shared by the robustness and load tests."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    pytest.importorskip("gradio")
    import ui

    demo = ui.build_app(bot)
    _, url, _ = ui.launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    yield demo, url
    demo.close()


def handler(demo, name: str):
    """A page event's real function (private events are not callable through gradio_client)."""
    found = [f.fn for f in demo.fns.values() if getattr(f.fn, "__name__", "") == name]
    assert len(found) == 1, f"no single event function named {name!r}"
    return found[0]


# ---------------------------------------------------------------- shared by the robustness tests


def assert_verbatim(answer: dict, texts: dict[str, str]) -> None:
    """An Answer (as to_dict()) whose every citation is the cited file's text at its offsets."""
    assert isinstance(answer["abstained"], bool)
    for c in answer["citations"]:
        assert c["source"] in texts
        assert texts[c["source"]][c["start"]:c["end"]] == c["text"]
    if answer["abstained"]:
        assert answer["text"] == "" and answer["message"]
    else:
        assert answer["citations"] and answer["text"] == answer["citations"][0]["text"]


def disk_texts(bot) -> dict[str, str]:
    """The documents as they are on disk now (not as the bot remembers them)."""
    return {d.source: d.path.read_text(encoding="utf-8") for d in bot.documents}


@pytest.fixture(scope="module")
def client(web):
    """gradio_client on the shared in-process web app."""
    gradio_client = pytest.importorskip("gradio_client")
    return gradio_client.Client(web[1], verbose=False)


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    """bot.cli.main in this process (the model is loaded once, so each call takes a fraction of a second)."""
    from bot import cli

    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cached(tmp_path: Path, files: dict[str, bytes]) -> list[str]:
    """Files in (a stand-in for) Gradio's upload cache, as the upload event hands them over."""
    paths = []
    for i, (name, data) in enumerate(files.items()):
        folder = tmp_path / f"cache{i}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    return paths


# two small documents and a question for each, for bots over folders that tests change under them
DOC = ("Comandi militari in Europa\n\n"
       "Il comando NSatu coordina l'addestramento dei soldati ucraini. "
       "Il comando ha sede presso una base statunitense a Wiesbaden, in Germania.\n")
OTHER = "Il faro del molo nord fu costruito nel 1887 dal consiglio del porto.\n"
Q_BASE, Q_LIGHT = "Dove ha sede il comando NSatu?", "Quando fu costruito il faro del molo nord?"


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write {relative name: text} under folder (UTF-8), making subfolders; the folder."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder

