"""The web chat in a real browser: headless Debian Chromium driven by playwright against an in-process
server. Screenshots go to tests/artifacts/ (gitignored)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
                allow_module_level=True)
pytest.importorskip("gradio")
sync_api = pytest.importorskip("playwright.sync_api")

import ui  # noqa: E402
from conftest import free_port  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"]
TIMEOUT = 30_000
CAT_DOC = ("Il gatto Micio vive a Bologna con la sua famiglia.\n"
           "La sua veterinaria si chiama Dottoressa Rossi e lavora a Imola.\n")


@pytest.fixture(scope="module")
def url():
    demo = ui.build_app()
    _, url, _ = ui.launch(demo, "127.0.0.1", free_port(), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT)
    pg.goto(url)
    pg.wait_for_selector("#question textarea")
    yield pg
    context.close()


def ask(page, question: str) -> str:
    """Type a question, press Enter, wait for the reply; the text of the last reply bubble."""
    before = page.locator("#chat [data-testid='bot']").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll(\"#chat [data-testid='bot']\").length > n", arg=before)
    page.wait_for_timeout(300)  # the document panel updates with the same event
    return page.locator("#chat [data-testid='bot']").nth(before).inner_text()


def test_answer_shows_quote_sources_and_highlight(page):
    assert "giappone-nato.txt" in page.inner_text("#corpus")
    reply = ask(page, "Di quale comando NATO vorrebbe far parte il Giappone?")
    assert "comando NATO" in reply
    reply = ask(page, "E dove ha sede?")  # a follow-up: the browser sends the history back
    assert "Wiesbaden" in reply and "[1] giappone-nato.txt, paragrafo 9" in reply
    quote = page.locator("#chat [data-testid='bot'] blockquote").last
    assert "Wiesbaden" in quote.inner_text()
    title = page.locator("#chat .thought-group .title", has_text="Fonti / Sources").last
    title.click()  # expand the collapsed sources block
    page.wait_for_timeout(300)
    page.evaluate("document.querySelector('#chat .bubble-wrap').scrollTop = 1e6")
    page.wait_for_timeout(300)
    sources = page.locator("#chat .thought-group").last.inner_text()
    assert "[1] giappone-nato.txt, paragrafo 9, caratteri" in sources
    marked = page.locator("#doc-view .token.highlighted", has=page.locator(".label", has_text="[1]"))
    assert marked.count() == 1 and "Wiesbaden" in marked.inner_text()
    assert marked.is_visible()  # the document panel scrolled to the quote
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)


def test_abstention_says_so_and_why(page):
    reply = ask(page, "Qual è il cognome della moglie di Ishiba?")
    assert "Il documento non contiene una risposta a questa domanda." in reply
    assert "Il documento non parla mai di «moglie»" in reply  # the reason, in the question's language
    assert page.locator("#doc-view .token.highlighted").count() == 0  # nothing marked as if it answered
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-abstain.png"), full_page=True)


def test_markup_in_question_is_shown_not_run(page):
    reply = ask(page, "<img src=x onerror=\"window.__pwned=1\"> Which news agency interviewed Rutte?")
    assert reply.strip()  # answered or abstained: either way a reply, and the markup stayed text
    assert page.locator("#chat img").count() == 0
    assert "<img src=x" in page.locator("#chat [data-testid='user']").last.inner_text()
    assert page.evaluate("window.__pwned") is None


def test_upload_is_private_to_its_session(page, browser, url):
    page.get_by_text("Your own documents").click()
    with page.expect_file_chooser() as chooser:
        page.click("#upload")
    chooser.value.set_files(files=[{"name": "gatti.txt", "mimeType": "text/plain", "buffer": CAT_DOC.encode()}])
    page.wait_for_selector("#status :text('gatti.txt')")
    assert "gatti.txt" in page.inner_text("#corpus")
    reply = ask(page, "In quale città lavora la veterinaria?")
    assert "Imola" in reply and "[1] gatti.txt" in reply
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-upload.png"), full_page=True)

    other = browser.new_context().new_page()  # another user, at the same time
    try:
        other.set_default_timeout(TIMEOUT)
        other.goto(url)
        other.wait_for_selector("#question textarea")
        assert "gatti.txt" not in other.inner_text("#corpus")
        assert "gatti.txt" not in ask(other, "In quale città lavora la veterinaria?")
    finally:
        other.context.close()

    page.click("#back")
    page.wait_for_selector("#corpus :text('giappone-nato.txt')")
    assert "gatti.txt" not in page.inner_text("#corpus")
