"""Web chat: answers about the bundled article (or your own .txt/.md files) with verbatim quotes.

    python ui.py [--host 127.0.0.1] [--port 7860]

Every answer is a quote from the document, cited by source and paragraph, with the quote highlighted
in the document beside the chat; when the document does not say, the bot says so. HTTP API: one
public endpoint, /ask (question -> Answer.to_dict() over the bundled article).
"""
from __future__ import annotations

import argparse
import logging
import os

from bot import Bot
from bot import webapp as W
from bot.documents import DocumentError
from bot.serving import cannot_listen, port_number, stop_cleanly_on_sigterm, url_host

EXAMPLES = [  # written for the UI; the last one shows an abstention
    "Dove ha sede il comando NSatu?",
    "Che cosa pensa Ishiba di una NATO più forte?",
    "What did Japan express interest in?",
    "What will the two sides develop together?",
    "Who won the last football World Cup?",
]
INTRO = """# Domande sul documento · Ask the document
Ogni risposta è una **citazione letterale** del documento, con fonte e paragrafo; se il documento non
lo dice, il bot lo dice. · Every answer is a **verbatim quote** from the document, with its source and
paragraph; when the document does not say, the bot says so."""
UPLOAD_HELP = (f"Carica fino a {W.MAX_FILES} file `.txt` o `.md` (UTF-8, max {W.MAX_FILE_BYTES // 1048576} MB "
               f"ciascuno): valgono solo per questa scheda del browser. · Upload up to {W.MAX_FILES} `.txt` or "
               f"`.md` files (UTF-8, {W.MAX_FILE_BYTES // 1048576} MB each): they are visible only in this "
               "browser tab. · Indicizzarli richiede circa un minuto ogni 100 KB · Indexing takes about a minute "
               "per 100 KB.")
CSS = """
#doc-view .container { max-height: 600px; overflow-y: auto; }
#doc-view .textfield, #doc-view .text { line-height: 1.6; word-break: normal !important; overflow-wrap: anywhere; }
/* WCAG AA (4.5:1): the [1]/[2] labels were white on yellow/light blue, Ask white on orange, the placeholder
   and the footer light grey */
#doc-view .token .label { color: #1f2937 !important; font-weight: 600; }
#send { background: #c2410c !important; border-color: #c2410c !important; color: #fff !important; }
#send:hover { background: #9a3412 !important; }
#question textarea::placeholder { color: #6b7280 !important; opacity: 1; }
footer, footer * { color: #52525b !important; }
#chat .placeholder-content { padding: 0 1em; }  /* the empty chat's text touched its borders on phones */
#chat blockquote { white-space: pre-wrap; }  /* a quote's tabs, runs of spaces and line breaks, as in the file */
"""
# After an answer, scroll the document panel (not the page) so the quote [1] is in view.
SCROLL_TO_QUOTE = """() => setTimeout(() => {
  const box = document.querySelector('#doc-view .container');
  const mark = [...document.querySelectorAll('#doc-view .token.highlighted')]
    .find(t => (t.querySelector('.label')?.textContent || '').trim() === '[1]');
  if (box && mark) box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
}, 150)"""
# Gradio's own per-file limit (its refusal is an English-only toast): above ours, so a file a little too large is
# refused by check_upload in both languages, as other files are; a huge one is still stopped by Gradio.
TRANSPORT_LIMIT = 5 * W.MAX_FILE_BYTES
# Gradio's copies of uploads (the app hands out no other files) are deleted every minute once five minutes old:
# read as soon as they arrive (lock), they are needed for seconds, but not deleted on reading (read_uploads says why).
DELETE_CACHE = (60, 300)
# On load: the page is Italian first (screen readers pick the voice from it); the question box gets the
# focus without scrolling, and only on wide screens (on a phone it would scroll past the introduction). The upload
# status is a polite live region (a screen reader says when indexing ends or a file is refused); the nameless button
# Gradio nests in each sources title (the block's named control) is an empty tab stop, hidden (a click still works).
ON_LOAD = """() => {
  document.documentElement.lang = 'it';
  if (matchMedia('(min-width: 768px)').matches) document.querySelector('#question textarea')?.focus({preventScroll: true});
  const fix = () => {  // both are rendered later: the status when the uploads are opened, sources with answers
    document.querySelector('#status:not([role])')?.setAttribute('role', 'status');
    document.querySelector('#status:not([aria-live])')?.setAttribute('aria-live', 'polite');
    document.querySelectorAll('#chat .thought-group .arrow button:not([tabindex="-1"])').forEach(b => {
      b.tabIndex = -1; b.setAttribute('aria-hidden', 'true'); });
  };
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true});
}"""
# An upload indexed or refused: the focus goes back to the upload button, lost when lock() disabled it.
REFOCUS = """() => { let tries = 0; const back = () => {
  const button = document.querySelector('#upload');
  if (button && !button.disabled) button.focus(); else if (++tries < 200) setTimeout(back, 100); }; back(); }"""
INDEXING = "Indicizzazione in corso… / Indexing…"


def respond(message: str, history: list | None, corpus: W.Corpus | None, default_bot: Bot):
    """One chat turn: (new history, (document label, highlighted document)). The question is read
    with the earlier user turns, so follow-ups ("E dove ha sede?") work."""
    history = W.readable(list(history or []))  # sent back to the page, which cannot take lone surrogates
    bot = corpus.bot if corpus else default_bot
    if not str(message).strip():  # only spaces: no empty bubble, and no language to pick, so both
        return history + [W.blank_message()], W.document_view(bot)
    try:
        answer = bot.ask(message, W.history_turns(history))
    except ValueError as exc:
        return history + [W.user_message(str(message)), W.error_message(str(message), exc)], W.document_view(bot)
    except Exception as exc:  # an index, disk or model failure while reloading changed documents: say so, keep serving
        logging.getLogger(__name__).exception("answering failed")
        return history + [W.user_message(str(message)), W.error_message(str(message), exc)], W.document_view(bot)
    return history + [W.user_message(message)] + W.answer_messages(answer), W.document_view(bot, answer)


def upload(taken: list[tuple[str, bytes]] | DocumentError, corpus: W.Corpus | None, default_bot: Bot):
    """Index uploaded files (W.take_uploads' result) for this session: (corpus, status Markdown, accepted). On
    refusal the session keeps the corpus it had."""
    try:
        if isinstance(taken, DocumentError):
            raise taken
        new = W.build_corpus(taken, default_bot.settings.model, Bot)
    except DocumentError as exc:  # readable: a name the browser sent with a lone surrogate, which JSON cannot hold
        return corpus, W.readable(f"**Rifiutato / Refused:** {W.escape_md(W.bilingual(exc))}"), False
    if corpus:
        corpus.close()
    names = ", ".join(W.escape_md(d.source) for d in new.bot.documents)
    return new, f"**Pronto** — ora rispondo su / Ready, now answering about: {names}", True


def back_to_article(corpus: W.Corpus | None):
    if corpus:
        corpus.close()
    return None, "Di nuovo sull'articolo / Back to the article"


def build_app(bot: Bot | None = None) -> gr.Blocks:
    """The chat app over `bot` (default: the bundled article, loaded now, once)."""
    import gradio as gr  # here, not on import: main() checks GRADIO_SERVER_PORT first, which Gradio int()s on import

    default_bot = bot or Bot()

    def _view(label_value):
        label, value = label_value
        return gr.HighlightedText(value=value, label=label)

    def take(message):
        """The question leaves the box at once, so what is typed while the answer comes is kept."""
        return message, ""

    def on_ask(message, chat: W.Conversation, corpus):
        """The chat's history is the server's (`chat`), not the page's: a question sent while another is being
        answered waits and follows it, and an answer to a chat cleared meanwhile is not shown."""
        if not message:  # nothing typed: nothing to do (blank or unreadable input gets a message from respond)
            return gr.skip(), gr.skip()
        with chat.turn() as generation:
            history, view = respond(message, chat.messages, corpus, default_bot)
            if not chat.add(generation, history):
                return gr.skip(), gr.skip()
        return history, _view(view)

    def lock(uploaded):
        """While an upload is indexed nothing can be asked (the answer would come from the old documents), and
        nothing else uploaded (the second selection was silently dropped). The files are read now (DELETE_CACHE)."""
        off = gr.update(interactive=False)
        return off, off, off, off, INDEXING, W.take_uploads(uploaded)

    def unlock(corpus):
        on = gr.update(interactive=True)
        return on, on, on, gr.update(interactive=corpus is not None)

    def on_upload(taken, corpus, chat: W.Conversation, progress=gr.Progress()):
        progress(None, desc=INDEXING)  # the index build's own bars are internal and English only
        corpus, status, accepted = upload(taken, corpus, default_bot)
        return (*_switch(corpus, status, chat), None) if accepted else (corpus, status, *[gr.skip()] * 4, None)

    def on_back(corpus, chat: W.Conversation):
        if corpus is None:  # already on the article: the conversation stays
            return None, "Già sull'articolo / Already on the article", *[gr.skip()] * 4
        return _switch(*back_to_article(corpus), chat)

    def _switch(corpus, status, chat: W.Conversation):
        current = corpus.bot if corpus else default_bot
        # the examples are about the article; a conversation about other documents starts over, and says so
        chat.reset([W.restart_message(current)])
        return (corpus, status, W.corpus_md(current, corpus is not None), chat.messages,
                _view(W.document_view(current)), gr.update(visible=corpus is None))

    def on_clear(corpus, chat: W.Conversation):
        chat.reset()
        return _view(W.document_view(corpus.bot if corpus else default_bot))

    label, value = W.document_view(default_bot)
    with gr.Blocks(title="Domande sul documento · Ask the document", analytics_enabled=False,
                   delete_cache=DELETE_CACHE) as demo:
        corpus = gr.State(None, delete_callback=lambda c: c.close() if c else None)
        pending = gr.State("")  # the question being answered, once taken out of the box
        taken = gr.State(None)  # an upload's names and bytes, from its arrival until it is indexed (then None)
        chat = gr.State(W.Conversation())  # this tab's conversation (each tab gets a deep copy of its own)
        gr.Markdown(INTRO)
        header = gr.Markdown(W.corpus_md(default_bot, False), elem_id="corpus")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                # no copy buttons: Gradio copies the Markdown source (escaped quote, "> ", "**"), not the
                # verbatim quote; the rendered quote can be selected and copied as it is in the document
                chatbot = gr.Chatbot(
                    label="Chat", height=560, elem_id="chat", sanitize_html=True, allow_tags=False,
                    latex_delimiters=[], render_markdown=True, feedback_options=None, buttons=[],
                    placeholder="Fai una domanda sul documento · Ask a question about the document")
                with gr.Row():
                    question = gr.Textbox(  # the hidden label is still the box's accessible name
                        label="Domanda / Question", show_label=False, scale=5, elem_id="question",
                        placeholder="Scrivi una domanda… · Type a question…",
                        max_length=default_bot.settings.max_question_chars)
                    send = gr.Button("Chiedi / Ask", variant="primary", scale=1, elem_id="send")
                examples = gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Esempi / Examples")
            with gr.Column(scale=2):
                doc_view = gr.HighlightedText(
                    value=value, label=label, elem_id="doc-view", color_map=W.COLORS, show_legend=False,
                    show_inline_category=True, combine_adjacent=False, interactive=False)
        with gr.Accordion("I tuoi documenti · Your own documents", open=False, elem_id="uploads"):
            gr.Markdown(UPLOAD_HELP)
            with gr.Row():
                # no file_types: Gradio would drop other files with an English-only toast and index the rest;
                # upload() refuses the whole selection, saying why in both languages
                files = gr.UploadButton("Carica / Upload .txt, .md", file_count="multiple", elem_id="upload")
                back = gr.Button("Torna all'articolo / Back to the article", elem_id="back", interactive=False)
            status = gr.Markdown("", elem_id="status")

        switch_outputs = [corpus, status, header, chatbot, doc_view, examples.dataset]
        # "multiple": a question sent while another is answered is answered next ("once" dropped it)
        gr.on([question.submit, send.click], take, [question], [pending, question], api_visibility="private",
              show_progress="hidden", trigger_mode="multiple").then(
            on_ask, [pending, chat, corpus], [chatbot, doc_view], api_visibility="private",
            show_progress="minimal", trigger_mode="multiple").then(None, js=SCROLL_TO_QUOTE, api_visibility="private")
        files.click(None, None, status, js="() => ''", api_visibility="private")  # no stale message
        # preprocess=False: the handler gets Gradio's FileData, with the name the user gave (orig_name), not
        # only the path of Gradio's copy, whose name Gradio has changed (a path outside Gradio's upload folder is
        # still refused before any handler runs: processing_utils._check_allowed)
        files.upload(lock, [files], [question, send, files, back, status, taken], api_visibility="private",
                     preprocess=False).then(
            on_upload, [taken, corpus, chat], switch_outputs + [taken], api_visibility="private",
            show_progress_on=[status], concurrency_limit=1, concurrency_id="indexing").then(
            unlock, [corpus], [question, send, files, back], api_visibility="private").then(
            None, js=REFOCUS, api_visibility="private")
        back.click(on_back, [corpus, chat], switch_outputs, api_visibility="private").then(
            unlock, [corpus], [question, send, files, back], api_visibility="private")
        chatbot.clear(on_clear, [corpus, chat], [doc_view], api_visibility="private")

        def ask(question: str) -> dict:
            """Ask about the bundled article. Returns Answer.to_dict(): the verbatim quote ("" when
            abstaining), abstained, citations (source, paragraph, start, end, text, score), message and
            reason (what the bot says when abstaining, and why)..."""
            try:
                return default_bot.ask(question).to_dict()
            except ValueError as exc:  # the caller's mistake, not the server's: no traceback in its log
                raise gr.Error(str(exc), print_exception=False) from None

        gr.api(ask, api_name="ask")
    demo.queue(default_concurrency_limit=4, max_size=64)
    return demo


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **kwargs):
    """Launch with the app's safety settings (no share link, upload size cap, no SSR node server)."""
    return demo.launch(server_name=host, server_port=port, share=False, max_file_size=TRANSPORT_LIMIT,
                       ssr_mode=False, css=CSS, js=ON_LOAD, footer_links=["api"], **kwargs)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # a string default goes through `type` too (a bad GRADIO_SERVER_PORT is refused as a bad --port is)
    p.add_argument("--host", type=url_host, default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    p.add_argument("--port", type=port_number, default=os.environ.get("GRADIO_SERVER_PORT", "7860"))
    args = p.parse_args(argv)
    # Gradio reads GRADIO_SERVER_PORT with int() when imported (a traceback for "abc"); --port wins over it
    os.environ["GRADIO_SERVER_PORT"] = str(args.port)
    busy = cannot_listen(args.host, args.port)
    if busy:  # said now, not after loading the model (about 20 s) in a Gradio traceback
        p.exit(2, f"{p.prog}: error: cannot listen on {args.host}:{args.port} ({busy}): choose another --port "
                  "or stop what uses it\n")
    stop_cleanly_on_sigterm()
    launch(build_app(), args.host, args.port)


if __name__ == "__main__":
    main()
