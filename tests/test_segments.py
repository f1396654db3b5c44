"""Segmentation: offsets are exact, Italian sentences are cut where a reader would cut them."""
from pathlib import Path

import pytest

from bot.config import Segmentation
from bot.documents import Document, DocumentError, load_documents
from bot.contexts import context_texts, contexts
from bot.segments import document_title, headings, paragraphs, segment

SEED = Path(__file__).parent.parent / "seeds" / "giappone-nato.txt"
P = Segmentation()


def doc(text: str, language: str = "it") -> Document:
    return Document("t.txt", Path("t.txt"), text, "0", language)


def texts(text: str, language: str = "it") -> list[str]:
    segs = segment(doc(text, language), P)
    for s in segs:
        assert text[s.start:s.end] == s.text
    return [s.text for s in segs]


def test_seed_is_byte_identical_to_shared_copy():
    shared = Path(__file__).parent.parent.parent / "shared" / "seeds" / "giappone-nato.txt"
    if not shared.exists():
        pytest.skip("shared/ not beside the repository")
    assert SEED.read_bytes() == shared.read_bytes()


def test_article_offsets_and_paragraphs():
    d = load_documents([SEED])[0]
    segs = segment(d, P)
    assert d.language == "it"
    assert all(d.text[s.start:s.end] == s.text for s in segs)
    # the title has no final period and is its own paragraph: context for every sentence, never quoted
    title = "Giappone e NATO concordano di rafforzare la cooperazione nel settore della difesa"
    assert headings(d, P) == [(1, 0, len(title))] and document_title(d, headings(d, P)) == title
    assert segs[0].text.startswith("Mercoledì il primo ministro") and segs[0].paragraph == 2
    assert all(c.startswith(f"giappone nato: {title} ") for c in context_texts(segs, contexts(d, segs, headings(d, P))))
    # one line per paragraph in this file: 16 paragraphs, numbered as they are in the file
    assert max(s.paragraph for s in segs) == len([l for l in d.text.splitlines() if l.strip()])
    assert any("XNUMX" in s.text for s in segs)


def test_italian_elisions_quotes_and_abbreviations():
    text = ("L'Ucraina e dell'Europa: «Una NATO più forte», ha detto. Il sig. Rossi arriverà l'8 maggio "
            "alle 10.30 a Roma. “Non bisogna essere ingenui”, ha aggiunto Rutte. Fine del discorso dell’ambasciatore.")
    got = texts(text)
    assert got == ["L'Ucraina e dell'Europa: «Una NATO più forte», ha detto.",
                   "Il sig. Rossi arriverà l'8 maggio alle 10.30 a Roma.",
                   "“Non bisogna essere ingenui”, ha aggiunto Rutte.",
                   "Fine del discorso dell’ambasciatore."]


@pytest.mark.parametrize("language, sentences", [
    ("en", ["The office opened in 2015 with approx. 40 staff.", "Mr. J. R. Smith, i.e. the founder, owns 51% of it.",
            "Bugs, patches etc. go to the list, e.g. by mail.", "See Fig. 3 for details."]),
    ("it", ["Il sig. Bianchi e il dott. Rossi l'hanno fondata nel 1990.", "Ne escono ca. 3 mln all'anno, cfr. art. 5.",
            "Si usano molti comandi, ad es. dw e de.", "La lezione finisce qui."]),
    # after an elision ("l'Avv.", "dall’art."), and unit or reference abbreviations before a figure or name
    ("it", ["Il relatore sarà l'Avv. Laura Sarti di Torino.", "Come previsto dall’art. 12 del regolamento, si vota.",
            "Il sig. Romano (int. 3) chiede la parola.", "Presiede la sig.ra Colombo (resp. ufficio tecnico)."]),
    ("it", ["Il preventivo dell'ing. Bianchi arriva domani.", "Poi si decide il da farsi in assemblea."]),
    ("en", ["Call the desk on ext. 214 before noon.", "The short answer is that they can't.",
            "Simmer the sauce for 20 min.", "Stir in the cream and serve it hot."]),  # a contraction, a unit: ends
])
def test_abbreviations_do_not_end_sentences(language, sentences):
    """Abbreviations Punkt's bundled models lack (per-language data in bot/languages.py) leave the sentence whole:
    a quote never starts or stops at "approx." or "dott."."""
    assert texts(" ".join(sentences), language) == sentences


def test_a_sentence_ends_only_where_a_space_follows():
    """A Markdown image's "!" or a URL's "?" is not the end of a sentence: a quote of the first half
    ("... mostra !") is no sentence of the file."""
    sentences = ["Il fotografo mostra ![foto](img/molo.png) e altre immagini in galleria.",
                 "Il sito è https://example.org/cerca?q=molo!ok ma si apre lento.", "La mostra chiude alle sei."]
    assert texts(" ".join(sentences)) == sentences


def test_hard_wrapped_lines_do_not_end_sentences():
    text = ("The intent of this document is to state the conditions under which a\n"
            "Package may be copied, such that the Copyright Holder maintains some\n"
            "semblance of artistic control. You may make copies\n"
            "of it.\n\n"
            "1. You may make and give away verbatim copies of the source form of the\n"
            "Standard Version of this Package without restriction.\n")
    got = texts(text, "en")
    assert got[0].startswith("The intent") and got[0].endswith("artistic control.")
    assert got[1] == "You may make copies\nof it."
    assert got[2].startswith("1. You may make")  # the clause number stays with its clause
    segs = segment(doc(text, "en"), P)
    assert [s.paragraph for s in segs] == [1, 1, 2]


def test_crlf_and_headings():
    text = "# Titolo\r\nPrima frase qui. Seconda frase qui.\r\n\r\n- voce di elenco uno\r\n- voce di elenco due\r\n"
    d = doc(text)
    spans = paragraphs(text, P)
    assert [text[s:e] for s, e in spans] == ["# Titolo", "Prima frase qui. Seconda frase qui.",
                                             "- voce di elenco uno", "- voce di elenco due"]
    assert all(text[s.start:s.end] == s.text for s in segment(d, P))


def test_byte_order_mark_and_zero_width_marks_are_not_quoted():
    """A file saved "UTF-8 with BOM" starts with U+FEFF: no quote starts with it, and a heading after it is
    still a heading; zero-width spaces at a sentence's edge are left out too."""
    text = "\ufeff# Orari\n\nL'ufficio apre alle nove. Chiude alle cinque.\u200b\n\n\u200bIl parcheggio è gratuito."
    d = doc(text)
    segs = segment(d, P)
    assert all(text[s.start:s.end] == s.text for s in segs)
    assert [s.text for s in segs if s.text != "# Orari"] == [
        "L'ufficio apre alle nove.", "Chiude alle cinque.", "Il parcheggio è gratuito."]
    assert [text[s:e] for s, e in paragraphs(text, P)][0] == "# Orari"
    assert headings(d, P)[0][1:] == (1, 8)


def test_paragraph_heading_is_glued_to_the_sentence_it_introduces():
    text = ("3. Grant of Patent License. Subject to these terms, each Contributor grants You a patent\n"
            "license to make and use the Work. The grant ends if You sue.\n\n"
            "Definitions.\n\n"
            "Il Giappone e la NATO hanno rafforzato la loro partnership. Lo ha detto Rutte.\n")
    segs = segment(doc(text), P)
    assert [s.text for s in segs] == [
        "3. Grant of Patent License. Subject to these terms, each Contributor grants You a patent\n"
        "license to make and use the Work.", "The grant ends if You sue.",
        # "Definitions." alone in its paragraph is a heading: context, not a quote
        "Il Giappone e la NATO hanno rafforzato la loro partnership.", "Lo ha detto Rutte."]
    assert all(text[s.start:s.end] == s.text for s in segs)
    unglued = segment(doc(text), Segmentation(glue_headings=False, headings_as_context=False))
    assert unglued[0].text == "3. Grant of Patent License." and "Definitions." in [s.text for s in unglued]


def test_heading_paragraphs_are_context_not_quotes():
    text = ("                Apache License\n           Version 2.0, January 2004\n\n"
            "TERMS AND CONDITIONS\n\n"
            "8. Litigation\n-------------\n\n"
            "Any litigation relating to this License may be brought only in the\ncourts of a jurisdiction.\n\n"
            "10. THIS PACKAGE IS PROVIDED \"AS IS\" AND WITHOUT ANY EXPRESS OR IMPLIED WARRANTIES OF ANY KIND.\n")
    d = Document("Apache-2.0", Path("Apache-2.0"), text, "0", "en")
    segs = segment(d, P)
    # title, shouted heading and underlined heading are not quoted; a shouted clause is a sentence
    assert [s.paragraph for s in segs] == [4, 5]
    assert segs[1].text.startswith("10. THIS PACKAGE")
    assert document_title(d, headings(d, P)) == "Apache License Version 2.0, January 2004"
    assert [text[s:e] for _, s, e in headings(d, P)][1:] == ["TERMS AND CONDITIONS", "8. Litigation"]
    # each sentence is read after the file name, the title and its section's heading
    assert context_texts(segs, contexts(d, segs, headings(d, P)))[0].startswith(
        "Apache 2.0: Apache License Version 2.0, January 2004 8. Litigation Any litigation")


def test_a_sentence_in_capitals_or_a_capitalised_list_item_is_quotable():
    """A warning written in capitals that ends as a sentence, a bullet whose words are names ("- Made in
    Italy.") and a table's row are text to quote, not headings, and so is a title-cased list item that holds a
    figure or a "label: value" pair; a capitalised line without a full stop and a table's underlined header
    still are."""
    text = ("Kettle manual\n\nFill the kettle with water before switching it on.\n\n"
            "WARNING: NEVER IMMERSE THE KETTLE IN WATER.\n\nNO WARRANTY\n\n13. MULTIPLE-LICENSED CODE.\n\n"
            "- Made in Italy.\n- Ships from Lyon, France.\n\n- Installation\n\n"
            "| Product | Price |\n|---|---|\n| Saffron Bun | £1.80 |\n\n"
            "- Weight: 2.1 Kg\n- **Colour:** Forest Green\n- Coach from Manchester Piccadilly at 09:30\n- **Travel**\n\n"
            "- Chapter 3\n\n* Step 1\n\n- Part 2: Getting Started\n\n- See Also: Related Projects\n")
    d = Document("kettle.txt", Path("kettle.txt"), text, "0", "en")
    assert [s.text for s in segment(d, P)] == ["Fill the kettle with water before switching it on.",
                                               "WARNING: NEVER IMMERSE THE KETTLE IN WATER.", "- Made in Italy.",
                                               "- Ships from Lyon, France.", "| Saffron Bun | £1.80 |",
                                               "- Weight: 2.1 Kg", "- **Colour:** Forest Green",
                                               "- Coach from Manchester Piccadilly at 09:30"]
    assert [text[s:e] for _, s, e in headings(d, P)] == ["Kettle manual", "NO WARRANTY", "13. MULTIPLE-LICENSED CODE.",
                                                          "- Installation", "| Product | Price |", "- **Travel**",
                                                          "- Chapter 3", "* Step 1", "- Part 2: Getting Started",
                                                          "- See Also: Related Projects"]


def test_markdown_and_rest_markup_a_reader_never_sees():
    """YAML front matter is one quotable line per key (its first is the title); an HTML comment and a reST
    directive line are never quoted; a tab-indented "#" line is code, not a heading."""
    text = ("---\ntitle: Moving the server room\nauthor: Lena Park\ndate: 2024-03-02\n---\n\n"
            "<!-- draft: do not publish -->\n\nWe move in April.\n\n.. code-block:: bash\n\n   falcon -n\n\n"
            "\t# copy the files\n\trsync -a /srv/ b:/srv/\n")
    d = Document("post.md", Path("post.md"), text, "0", "en")
    assert [s.text for s in segment(d, P)] == ["author: Lena Park", "date: 2024-03-02", "We move in April.",
                                               "falcon -n", "# copy the files\n\trsync -a /srv/ b:/srv/"]
    assert document_title(d, headings(d, P)) == "title: Moving the server room"


def test_title_cased_headings_keep_function_words_lower_case():
    text = ("  13. Use with the Other Public License.\n\n"
            "  Notwithstanding any other provision of this License, you may combine the work.\n\n"
            "  3. Protecting Users' Legal Rights From Anti-Circumvention Law.\n\n"
            "  No covered work shall be deemed part of a technological measure.\n\n"
            "  That's all there is to it!\n\n"
            "  D. Preserve all the copyright notices of the Document.\n")
    d = Document("GPL", Path("GPL"), text, "0", "en")
    assert [" ".join(text[s:e].split()) for _, s, e in headings(d, P)] == [
        "13. Use with the Other Public License.", "3. Protecting Users' Legal Rights From Anti-Circumvention Law."]
    # a sentence of function words and a list item in sentence case are quotable text
    assert [s.text for s in segment(d, P)][-2:] == [
        "That's all there is to it!", "D. Preserve all the copyright notices of the Document."]


def test_boxed_text_is_prose_inside_a_frame():
    """MPL-2.0 prints two sections in an ASCII box: the "*  " margin is not a bullet, the frame lines are not
    passages, and the heading inside the box is a heading."""
    box = ("*" * 40 + "\n*" + " " * 38 + "*\n"
           "*  6. Disclaimer of Warranty           *\n"
           "*  -------------------------           *\n"
           "*" + " " * 38 + "*\n"
           "*  Covered Software is provided on an  *\n"
           "*  as is basis, without warranty of    *\n"
           "*  any kind. The entire risk is yours. *\n"
           "*" + " " * 38 + "*\n" + "*" * 40 + "\n")
    text = "Some License\n\n" + box
    d = Document("box.txt", Path("box.txt"), text, "0", "en")
    segs = segment(d, P)
    assert [s.text for s in segs] == [
        "Covered Software is provided on an  *\n*  as is basis, without warranty of    *\n*  any kind.",
        "The entire risk is yours."]
    assert [text[s:e] for _, s, e in headings(d, P)] == ["Some License", "6. Disclaimer of Warranty"]
    assert len({s.paragraph for s in segs}) == 1


def test_readme_structure_contents_underlines_subsections_and_code():
    text = ("XZ Utils\n========\n\n"
            "    0. Overview\n    1. Documentation\n       1.1. Overall documentation\n    2. Version numbering\n\n\n"
            "0. Overview\n-----------\n\n    XZ Utils provide a data-compression library.\n\n"
            "1.1. Overall documentation\n\n    README              This file\n\n"
            "2. Version numbering\n--------------------\n\n"
            "    The version number format is X.Y.ZS. Testing can be done so:\n\n"
            "        # <Edit the .po file in the po directory.>\n        make install\n")
    d = Document("README", Path("README"), text, "0", "en")
    heads = [" ".join(text[s:e].split()) for _, s, e in headings(d, P)]
    # the title, every underlined or sub-numbered heading, and the table of contents that repeats them
    assert heads == ["XZ Utils", "0. Overview", "1. Documentation", "1.1. Overall documentation",
                     "2. Version numbering", "0. Overview", "1.1. Overall documentation", "2. Version numbering"]
    quoted = texts(text, "en")
    assert quoted[0] == "XZ Utils provide a data-compression library." and "README              This file" in quoted
    # an indented "#" is code (a shell comment), not a heading
    assert quoted[-1] == "# <Edit the .po file in the po directory.>\n        make install"
    ctx = context_texts(segment(d, P), contexts(d, segment(d, P), headings(d, P)))
    assert ctx[-1].startswith("README: XZ Utils 2. Version numbering ")


def test_markdown_tables_and_one_clause_per_line():
    text = ("## Benchmarks\n\n"
            "| Compressor name         | Ratio | Compression|\n"
            "| ---------------         | ------| -----------|\n"
            "| **zstd 1.5.1 -1**       | 2.887 |   530 MB/s |\n"
            "| [zlib] 1.2.11 -1        | 2.743 |    95 MB/s |\n\n"
            "This repository represents the reference implementation, provided as an open-source dual licensed library,\n"
            "and a command line utility producing and decoding `.zst`, `.gz`, `.xz` and `.lz4` files in many formats.\n"
            "Should your project require another programming language, a list of ports is provided on the homepage.\n")
    d = Document("README.md", Path("README.md"), text, "0", "en")
    heads = [text[s:e] for _, s, e in headings(d, P)]
    assert heads == ["## Benchmarks", "| Compressor name         | Ratio | Compression|"]  # a table's header row
    quoted = texts(text, "en")
    # each row its own passage (not a "| ... |" box), read under the header row
    assert quoted[:2] == ["| **zstd 1.5.1 -1**       | 2.887 |   530 MB/s |", "| [zlib] 1.2.11 -1        | 2.743 |    95 MB/s |"]
    # a long line ending mid-sentence continues on the next, lower-case line; a new sentence starts a paragraph
    assert quoted[2].startswith("This repository") and quoted[2].endswith("in many formats.")
    assert [s.paragraph for s in segment(d, P)][2:] == [5, 6]


def test_a_label_line_over_its_text_is_a_heading():
    text = (".gpg.keygen.name\nInserisci il nome del proprietario della chiave\n.\n\n"
            "--verbose\n    Print more about what is being done.\n\n"
            "    http://zlib.net/manual.html\n    http://zlib.net/zlib_how.html\n")
    d = Document("help.txt", Path("help.txt"), text, "0", "it")
    assert [text[s:e] for _, s, e in headings(d, P)] == [".gpg.keygen.name", "--verbose"]
    quoted = texts(text)
    assert quoted[:2] == ["Inserisci il nome del proprietario della chiave", "Print more about what is being done."]
    assert "http://zlib.net/manual.html" in quoted[2]  # a URL is not a label


def test_an_faq_question_is_the_heading_of_its_answer():
    text = ("Why does ps get signal 17?\n\n\tNo ps release has ever had this problem. Upgrade procps.\n\n"
            "Where do I send bug reports?\n\n\tTo the Debian bug tracking system. Why? It is public.\n")
    d = Document("FAQ", Path("FAQ"), text, "0", "en")
    assert [text[s:e] for _, s, e in headings(d, P)] == ["Why does ps get signal 17?", "Where do I send bug reports?"]
    assert document_title(d, headings(d, P)) == ""  # the first question is not the document's title
    assert texts(text, "en") == ["No ps release has ever had this problem.", "Upgrade procps.",
                                 "To the Debian bug tracking system.", "Why? It is public."]
    ctx = context_texts(segment(d, P), contexts(d, segment(d, P), headings(d, P)))
    assert ctx[2].startswith("FAQ: Where do I send bug reports? To the Debian")


def test_a_file_that_is_only_a_heading_is_still_quotable():
    segs = segment(doc("Appunti di viaggio"), P)
    assert [s.text for s in segs] == ["Appunti di viaggio"]


def test_overlong_sentence_is_split_at_clause_boundaries():
    clause = "questa è una clausola piuttosto lunga che continua ancora"
    text = "; ".join([clause] * 30) + "."
    segs = segment(doc(text), P)
    assert len(segs) > 1
    assert all(len(s.text) <= P.max_sentence_chars for s in segs)
    assert all(text[s.start:s.end] == s.text for s in segs)


@pytest.mark.parametrize("text", [
    " ".join(["parola"] * 3000),                                         # one huge line, no punctuation at all
    "\n".join(["la luna sale piano sopra il mare nero"] * 180),         # verse: short lines, no stops
    "北约与日本同意加强防务合作。双方领导人在东京会面。" * 60,                # Chinese: Punkt knows only Latin stops
    "a" * 2000,                                                          # one token longer than a sentence may be
])
def test_no_passage_is_longer_than_a_sentence_may_be_even_without_punctuation(text):
    """A passage is the unit quoted: a file without the usual stops must not become one quote."""
    parts = texts(text)
    assert len(parts) > 1 and all(len(p) <= P.max_sentence_chars for p in parts)


def test_a_megabyte_of_one_token_is_cut_without_running_out_of_stack():
    """A Markdown note with an embedded base64 image: the cutter once recursed once per 600 characters."""
    blob = "iVBORw0KGgo" * 100_000
    text = f"Riunione giovedì alle 10.\n\n![logo](data:image/png;base64,{blob})\n\nPortate i documenti."
    segs = segment(doc(text), P)
    assert all(text[s.start:s.end] == s.text and len(s.text) <= P.max_sentence_chars for s in segs)
    assert segs[0].text == "Riunione giovedì alle 10." and segs[-1].text == "Portate i documenti."


@pytest.mark.parametrize("content,message", [(b"", "empty"), (b"  \n\t\n", "empty"), (b"\xef\xbb\xbf\n", "empty"),
                                             (b"caf\xe9 latte", "not UTF-8"), (b"ab\x00cd", "binary")])
def test_bad_documents_name_the_file(tmp_path, content, message):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    with pytest.raises(DocumentError, match=message) as err:
        load_documents([f])
    assert "bad.txt" in str(err.value)


def test_missing_file_and_empty_folder(tmp_path):
    with pytest.raises(DocumentError, match="does not exist"):
        load_documents([tmp_path / "nope.txt"])
    (tmp_path / "img.png").write_bytes(b"\x89PNG")
    with pytest.raises(DocumentError, match="no text files"):
        load_documents([tmp_path])


def test_same_name_in_two_folders_is_refused(tmp_path):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "x.txt").write_text(f"Testo {sub}.", encoding="utf-8")
    with pytest.raises(DocumentError, match="x.txt"):
        load_documents([tmp_path / "a", tmp_path / "b"])
    docs = load_documents([tmp_path])  # one corpus root: sources differ by folder
    assert sorted(d.source for d in docs) == ["a/x.txt", "b/x.txt"]


@pytest.mark.parametrize("language", ["en", "it"])
def test_a_block_of_fields_is_quoted_line_by_line_not_taken_for_a_title(language):
    """An e-mail's or a form's header at the top of a file has no full stop and can be title-cased, as titles
    are; it is facts ("Date: 3 March 2025"), each line one sentence (a short one too: "To: Team")."""
    header = "From: Anna Verdi\r\nTo: Team\r\nDate: 3 March 2025\r\nSubject: Office Move\r\n\r\n"
    body = "Hi all, we move to the new office on Monday.\r\n"
    assert texts(header + body, language) == ["From: Anna Verdi", "To: Team", "Date: 3 March 2025",
                                              "Subject: Office Move", body.strip()]
    record = "Intro paragraph that says something.\n\nName:\tMario Rossi\nRole:\tWarehouse Manager\n"
    assert texts(record, language)[1:] == ["Name:\tMario Rossi", "Role:\tWarehouse Manager"]
    assert headings(doc(header + body, language), P) == []
    # one such line alone at the top is still the title; lines that are not all fields are prose or a title
    assert texts("Subject: Office Move\n\nWe move on Monday.\n", language) == ["We move on Monday."]
    assert texts("GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n\nEveryone may copy it.\n", language) == [
        "Everyone may copy it."]
