"""The web chat in a real browser: headless Debian Chromium driven by playwright against an in-process
server. Screenshots go to tests/artifacts/ (gitignored)."""
from __future__ import annotations

import os
import re
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
# WCAG contrast of an element's text against the first opaque background behind it (label or ancestors)
CONTRAST = """el => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  let bg = el;
  while (bg && (rgb(getComputedStyle(bg).backgroundColor)[3] ?? 1) < 1) bg = bg.parentElement;
  const fg = lum(rgb(getComputedStyle(el).color)), back = lum(bg ? rgb(getComputedStyle(bg).backgroundColor) : [255, 255, 255]);
  return (Math.max(fg, back) + 0.05) / (Math.min(fg, back) + 0.05);
}"""
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
    # no copy button: Gradio's copied the Markdown source ("> ", "\\_", "&amp;"), not the verbatim quote
    assert page.locator("#chat button[aria-label='Copy message']").count() == 0
    # WCAG AA: the [1]/[2] labels, Ask, the footer (and the placeholder, measured through its own colour)
    for element in (marked.locator(".label"), page.locator("#send"), page.locator("footer .show-api")):
        assert element.evaluate(CONTRAST) >= 4.5, element
    placeholder = page.evaluate("getComputedStyle(document.querySelector('#question textarea'), '::placeholder').color")
    assert placeholder == "rgb(107, 114, 128)"  # #6b7280 on white: 4.8:1
    # names and language for screen readers: the box is named, no nameless button, the page is Italian first
    assert page.get_by_role("textbox", name="Domanda / Question").count() == 1
    # (Gradio nested a nameless button, an empty tab stop, in each sources title, the block's named control)
    assert page.evaluate("""[...document.querySelectorAll('button')].filter(b => b.offsetParent && b.tabIndex >= 0 &&
        !b.closest('[aria-hidden=true]') && !(b.getAttribute('aria-label') || b.innerText || b.title).trim())
        .length""") == 0
    assert page.evaluate("document.documentElement.lang") == "it"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)


def test_abstention_says_so_and_why(page):
    reply = ask(page, "Qual è il cognome della moglie di Ishiba?")
    assert "Il documento non contiene una risposta a questa domanda." in reply
    assert "Il documento non parla mai di «moglie»" in reply  # the reason, in the question's language
    assert page.locator("#doc-view .token.highlighted").count() == 0  # nothing marked as if it answered
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-abstain.png"), full_page=True)


def test_the_box_empties_on_submit_and_keeps_what_is_typed_while_waiting(page):
    """The answer's handler emptied the box when it returned, erasing the next question being typed."""
    before = page.locator("#chat [data-testid='bot']").count()
    page.evaluate("""n => {  // note, frame by frame, when the box empties and when the answer shows
        window.__seen = {};
        const look = () => {
            const now = performance.now();
            const box = document.querySelector('#question textarea').value;
            if (box) window.__seen.typed = true;
            else if (window.__seen.typed) window.__seen.empty ??= now;
            if (document.querySelectorAll("#chat [data-testid='bot']").length > n) window.__seen.answer ??= now;
            if (!window.__seen.answer) requestAnimationFrame(look);
        };
        requestAnimationFrame(look);
    }""", before)
    page.fill("#question textarea", "Dove ha sede il comando NSatu?")
    page.press("#question textarea", "Enter")
    page.wait_for_function("window.__seen.empty")
    page.type("#question textarea", "Who did")
    page.wait_for_function("window.__seen.answer")
    page.wait_for_timeout(500)
    seen = page.evaluate("window.__seen")
    assert seen["empty"] < seen["answer"]  # emptied on submit, not when the answer came
    assert page.input_value("#question textarea") == "Who did"


# a pasted question of the box's full length, of words the article never uses: its answer takes seconds
SLOW = " ".join(f"parola{i:04d}" for i in range(200))[:1990] + " NSatu?"


def chat_turns(page) -> list[tuple[str, str]]:
    return page.evaluate("""[...document.querySelectorAll('#chat [data-testid=user], #chat [data-testid=bot]')]
        .map(e => [e.dataset.testid, e.innerText])""")


def send(page, question: str) -> None:
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function("() => document.querySelector('#question textarea').value === ''")


def test_a_question_sent_while_another_is_answered_is_answered_after_it(page):
    """The second question left the box and was never answered: Gradio dropped the event while one ran."""
    send(page, SLOW)
    send(page, "Dove ha sede il comando NSatu?")  # before the first answer comes
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=user]').length == 2")
    page.wait_for_function("() => /Wiesbaden/.test([...document.querySelectorAll('#chat [data-testid=bot]')]"
                           ".map(e => e.innerText).join(' '))")
    users = [text for role, text in chat_turns(page) if role == "user"]
    assert users[0].startswith("parola0000") and users[1] == "Dove ha sede il comando NSatu?"


def test_clearing_the_chat_while_an_answer_comes_keeps_it_clear(page):
    """The late answer came back with the history it was sent with: the cleared turns reappeared."""
    ask(page, "Dove ha sede il comando NSatu?")
    send(page, SLOW)
    page.locator("#chat button[aria-label='Clear']").click()
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=user]').length == 0")
    reply = ask(page, "Di quale comando NATO vorrebbe far parte il Giappone?")  # answered after the slow one
    assert "comando NATO" in reply
    users = [text for role, text in chat_turns(page) if role == "user"]
    assert users == ["Di quale comando NATO vorrebbe far parte il Giappone?"], users


LIGHTHOUSE = ("Il faro del molo\n\nIl faro del molo nord fu costruito nel 1887.\n"
              "La lanterna\tè alta  venti   metri e si vede da 30 km.\n\n"
              "    Il custode del faro si chiama Aldo Bianchi e abita\n    nella casa bianca accanto alla torre.\n")


def test_a_quote_selected_in_the_chat_copies_as_it_is_in_the_file(page):
    """Tabs became spaces, runs of spaces one, and an indented line's spaces non-breaking ones."""
    page.get_by_text("Your own documents").click()
    choose(page, {"faro.txt": LIGHTHOUSE.encode()})
    page.wait_for_selector("#status :text('faro.txt')")
    page.wait_for_selector("#question textarea:enabled")
    for question in ("Quanto è alta la lanterna?", "Dove abita il custode del faro?"):
        reply = ask(page, question)
        start, end = map(int, re.search(r"caratteri (\d+)–(\d+)", reply).groups())
        copied = page.locator("#chat [data-testid='bot'] blockquote").last.evaluate("""e => {
            const range = document.createRange(); range.selectNodeContents(e);
            const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
            return selection.toString(); }""")
        assert copied.strip("\n") == LIGHTHOUSE[start:end], question


def test_phone_first_visit_stays_on_the_introduction(browser, url):
    """autofocus scrolled a 390 px screen down to the question box, past the title and the document line."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT)
        pg.goto(url)
        pg.wait_for_selector("#question textarea")
        pg.wait_for_timeout(1000)
        assert pg.evaluate("window.scrollY") == 0 and pg.locator("#corpus").is_visible()
        gaps = pg.evaluate("""(() => {  // the empty chat's text, from the chat box's borders
            const box = document.querySelector('#chat').getBoundingClientRect();
            const text = document.querySelector('#chat .placeholder-content p').getBoundingClientRect();
            return [text.left - box.left, box.right - text.right]; })()""")
        assert min(gaps) >= 12, gaps
    finally:
        context.close()


def test_markup_in_question_is_shown_not_run(page):
    reply = ask(page, "<img src=x onerror=\"window.__pwned=1\"> Which news agency interviewed Rutte?")
    assert reply.strip()  # answered or abstained: either way a reply, and the markup stayed text
    assert page.locator("#chat img").count() == 0
    assert "<img src=x" in page.locator("#chat [data-testid='user']").last.inner_text()
    assert page.evaluate("window.__pwned") is None
    # nor does a bare URL, a "www." name or an e-mail address become a link (a document could plant one in a quote)
    ask(page, "Is https://example.com/reset, www.example.org or help@example.com in the article?")
    assert page.locator("#chat a").count() == 0
    asked = [text for role, text in chat_turns(page) if role == "user"][-1]
    assert "https://example.com/reset, www.example.org or help@example.com" in asked


def choose(page, files: dict[str, bytes]) -> None:
    with page.expect_file_chooser() as chooser:
        page.click("#upload")
    chooser.value.set_files(files=[{"name": n, "mimeType": "text/plain", "buffer": b} for n, b in files.items()])


def test_upload_is_private_to_its_session(page, browser, url):
    ask(page, "Dove ha sede il comando NSatu?")
    page.get_by_text("Your own documents").click()
    assert page.locator("#back").is_disabled()  # already on the article: nothing to go back to, no chat wiped
    # a selection with a file of another type is refused whole, in both languages (Gradio dropped the file
    # with an English toast and indexed the rest)
    choose(page, {"gatti.txt": CAT_DOC.encode(), "slides.pdf": b"%PDF-1.4"})
    page.wait_for_selector("#status :text('Rifiutato')")
    assert "solo file .txt e .md" in page.inner_text("#status") and "gatti.txt" not in page.inner_text("#corpus")
    assert page.locator("#chat [data-testid='bot']").count() >= 1  # the conversation is still there
    # a file over the limit is refused as the others are, in both languages in the status line (Gradio's own
    # limit, an English toast, is higher: a huge file still meets it)
    choose(page, {"grande.txt": b"a" * (ui.W.MAX_FILE_BYTES + 1)})
    page.wait_for_selector("#status :text('grande.txt è troppo grande: il limite è 2 MB per file')")
    assert "grande.txt is too large: the limit is 2 MB per file" in page.inner_text("#status")
    assert page.locator(".toast-body").count() == 0
    choose(page, {"gatti.txt": CAT_DOC.encode()})
    # while indexing nothing can be asked (it was answered from the old document, then wiped); the refusal
    # above is gone and the status says what is happening, in both languages
    page.wait_for_selector("#question textarea:disabled")
    assert page.locator("#send").is_disabled() and "Rifiutato" not in page.inner_text("#status")
    assert page.locator("#upload").is_disabled()  # a second selection now was silently dropped
    assert "Indicizzazione in corso… / Indexing…" in page.inner_text("#status")
    assert "hide" in page.locator("#doc-view .wrap").first.get_attribute("class")  # no overlay on the document
    page.wait_for_selector("#status :text('gatti.txt')")
    page.wait_for_selector("#question textarea:enabled")
    assert "Sto rispondendo sui tuoi documenti" in page.inner_text("#corpus")
    # the old conversation is gone, and the chat says why; the examples about the article are hidden
    assert page.locator("#chat [data-testid='user']").count() == 0
    assert "la conversazione ricomincia" in page.inner_text("#chat")
    assert page.get_by_text("Dove ha sede il comando NSatu?").count() == 0
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
    page.wait_for_selector("#back:disabled")  # the step after the switch unlocks the page (a moment later)
    assert "la conversazione ricomincia" in page.inner_text("#chat")
    assert page.get_by_text("Dove ha sede il comando NSatu?").count() == 1  # the article's examples are back


def upload_in(page, files: dict[str, bytes]) -> str:
    """Open the uploads, choose `files`, wait until they are indexed or refused: the status line."""
    page.get_by_text("Your own documents").click()
    choose(page, files)
    page.wait_for_function("() => /Pronto|Rifiutato/.test(document.querySelector('#status').innerText)")
    return page.inner_text("#status")


def test_the_same_file_uploaded_by_three_users_at_once_is_indexed_for_each(browser, url):
    """A class given the same handout: Gradio keeps one copy of a file per content and name, the first upload
    indexed deleted it after reading, and the third user, queued behind, was told the upload was gone."""
    handout = {"gita.txt": ("La gita parte da piazza Dante alle otto in punto.\n" * 40).encode()}
    contexts = [browser.new_context() for _ in range(3)]
    try:
        pages = [c.new_page() for c in contexts]
        for pg in pages:
            pg.set_default_timeout(TIMEOUT * 4)
            pg.goto(url)
            pg.get_by_text("Your own documents").click()
        for pg in pages:  # one right after the other: the later ones wait while the first is indexed
            choose(pg, handout)
        for pg in pages:
            pg.wait_for_function("() => /Pronto|Rifiutato/.test(document.querySelector('#status').innerText)")
        assert [pg.inner_text("#status").startswith("Pronto") for pg in pages] == [True] * 3, \
            [pg.inner_text("#status") for pg in pages]
    finally:
        for c in contexts:
            c.close()


def test_an_upload_is_named_as_the_user_named_it(page):
    """Gradio strips ?:"$!{} from upload names: the page and the citations named "Verbale riunione 3 marzo.txt",
    a file the user does not have."""
    name = 'Verbale: riunione "3 marzo"?.txt'
    assert name in upload_in(page, {name: CAT_DOC.encode()})
    page.wait_for_selector("#question textarea:enabled")
    assert name in page.inner_text("#corpus") and name in page.inner_text("#doc-view")
    assert f"[1] {name}, paragrafo 1" in ask(page, "In quale città lavora la veterinaria?")


def test_after_an_upload_the_focus_returns_and_the_result_is_announced(page):
    """The upload button, disabled while indexing, lost the keyboard focus for good (a Tab started again at the
    top of the page), and the result line was in no live region: a screen reader said nothing."""
    page.get_by_text("Your own documents").click()
    status = page.locator("#status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    choose(page, {"slides.pdf": b"%PDF-1.4"})  # a click focuses the button, as Enter on it does
    page.wait_for_selector("#status :text('Rifiutato')")
    page.wait_for_function("() => document.activeElement?.id === 'upload'")
