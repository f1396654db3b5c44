"""Document names: a question naming one document of several is searched in it, without its name."""
import pytest

from bot.naming import DocumentNames, name_of

TEXTS = {"Apache-2.0": "Apache License. Each Contributor grants You a patent license.",
         "MPL-2.0": "Mozilla Public License. Mozilla Foundation is the license steward.",
         "notes/BSD.txt": "Redistributions of source code must retain the copyright notice."}
TITLES = {"Apache-2.0": "Apache License Version 2.0", "MPL-2.0": "Mozilla Public License Version 2.0",
          "notes/BSD.txt": ""}


def test_file_names_as_words():
    assert name_of("Apache-2.0") == "Apache 2.0"
    assert name_of("notes/BSD.txt") == "BSD"
    assert name_of("licenza_mit.md") == "licenza mit"


def test_names_are_the_words_no_other_document_uses():
    names = DocumentNames.fit(TEXTS, TITLES)
    assert names.named("Does the Apache license grant a patent license?") == {"Apache-2.0"}
    assert names.named("Who is the steward of the MPL?") == {"MPL-2.0"}
    assert names.named("what does bsd say about notices?") == {"notes/BSD.txt"}  # file names in any case
    assert names.named("Which license grants patents?") == set()  # every document says "license"
    # title words count only when capitalised like a name ("Public" the name, "public" the word)
    assert names.named("Can I show the work in public?") == set()
    assert names.named("What does the Mozilla Public License say?") == {"MPL-2.0"}
    assert names.named("Compare Apache and MPL.") == {"Apache-2.0", "MPL-2.0"}
    assert names.named("What does MPLv2 say about stewards?") == {"MPL-2.0"}  # a name fused with its version
    assert names.named("Does mpl2 allow it?") == {"MPL-2.0"}


def test_question_without_names():
    names = DocumentNames.fit(TEXTS, TITLES)
    assert names.without_names("Does the Apache license grant a patent license?") == \
        "Does the license grant a patent license?"
    assert names.without_names("In MPL, who is the steward?") == "In , who is the steward?"
    assert names.without_names("Under MPLv2, who is the steward?") == "Under , who is the steward?"


GNU = {"GPL-3": "GNU GENERAL PUBLIC LICENSE. If so, use the GNU Lesser General Public License instead.",
       "LGPL-3": "GNU LESSER GENERAL PUBLIC LICENSE. You may convey it without section 3 of the GNU GPL.",
       "LGPL-2.1": "GNU LESSER GENERAL PUBLIC LICENSE. This is the first released version of the Lesser GPL."}


@pytest.mark.parametrize("question, named, rest", [
    # every text says "Lesser": the name is the file name's acronym, spelled out or completed
    ("What does the Lesser General Public License 2.1 say?", {"LGPL-2.1"}, "What does the say?"),
    ("lesser gpl version 3 linking?", {"LGPL-3"}, "version linking?"),
    ("Under the GNU General Public License, may I sell?", {"GPL-3"}, "Under the GNU , may I sell?"),
    ("What does the Lesser GPL let me skip of the GPL?", {"GPL-3", "LGPL-3", "LGPL-2.1"},
     "What does the let me skip of the ?"),
    # initials of ordinary words are not a name
    ("Can I make general public lectures?", set(), "Can I make general public lectures?"),
])
def test_a_name_spelled_out_as_its_acronym(question, named, rest):
    names = DocumentNames.fit(GNU, {s: t.split(".")[0] for s, t in GNU.items()})
    assert names.named(question) == named
    assert names.without_names(question) == rest


def test_one_document_has_no_names_but_its_file_name_is_known():
    names = DocumentNames.fit({"BSD": "Redistributions must retain the notice."}, {"BSD": ""})
    assert names.named("What does BSD require?") == set()
    assert names.file_names() == ["BSD"]


def test_a_question_naming_its_document_gets_the_clause_not_the_title(more_licenses):
    """Apache-2.0's title block and "How to apply the Apache License" repeat the name the question uses;
    the answer is the patent grant."""
    a = more_licenses.ask("Does the Apache license grant a patent license?")
    assert not a.abstained
    assert a.citations[0].source == "Apache-2.0" and "patent license to make" in a.text


def test_a_file_name_the_text_never_uses_is_not_an_unknown_word(more_licenses):
    """BSD's text never says "BSD": naming it must not count as asking about something the documents lack."""
    a = more_licenses.ask("What must binary redistributions reproduce under BSD?")
    assert not a.abstained
    assert a.citations[0].source == "BSD" and "binary form must reproduce" in a.text


def test_a_name_inside_another_documents_url_is_still_a_name():
    texts = {"GPL-3": "See <https://www.gnu.org/licenses/why-not-lgpl.html> before linking.",
             "LGPL-3": "This version of the GNU Lesser General Public License incorporates the GPL."}
    names = DocumentNames.fit(texts, {"GPL-3": "", "LGPL-3": ""})
    assert names.named("Can I link LGPL code into my application?") == {"LGPL-3"}


def test_search_keeps_to_the_documents_named(more_licenses):
    """The retriever's candidates come from the named documents only (unless none of them has any)."""
    bot = more_licenses
    question = "Who may use the names of contributors to promote products?"
    vector = bot.encode_questions([question])
    sources = lambda scored: {bot.index.segments[i].source for i in scored.ids}  # noqa: E731
    assert len(sources(bot.retriever.search(question, vector))) > 1
    assert sources(bot.retriever.search(question, vector, {"MPL-2.0"})) == {"MPL-2.0"}
    assert len(sources(bot.retriever.search(question, vector, {"elsewhere.txt"}))) > 1


def test_bm25_inside_a_named_document_leaves_the_name_out(more_licenses):
    """Every sentence of the MPL that repeats "Mozilla" would match the name; BM25 reads the question without it."""
    bot = more_licenses
    question = "Under the Mozilla license, who may modify the license?"
    named, free = bot.names.named(question), bot.names.without_names(question)
    assert named == {"MPL-2.0"} and "Mozilla" not in free
    vectors = bot.encode_questions([question, free])
    scored = bot.retriever.search(question, vectors[:1], named, vectors[1:], [free])
    lexical = dict(zip(scored.ids.tolist(), scored.features[:, 2].tolist()))
    for i, value in lexical.items():
        if bot.index.bm25.scores(free)[i] == 0:
            assert value == 0, bot.index.segments[i].text  # no credit for the name alone
    with_name = bot.retriever.search(question, vectors[:1], named, vectors[1:])
    assert any(bot.index.bm25.scores(free)[i] == 0 and f[2] > 0 for i, f in zip(with_name.ids, with_name.features))


def test_words_of_other_documents_are_unknown_to_a_question_naming_one(more_licenses):
    """Check 4 tests the words the named document never uses, even if another document uses them: asking
    BSD about trademarks asks for something BSD does not say, though Apache-2.0 speaks of trademarks."""
    from bot.abstain import unknown_words

    bot = more_licenses
    assert "trademark" in bot.texts["Apache-2.0"].lower() and "trademark" not in bot.texts["BSD"].lower()
    question = "Does the BSD licence grant trademark rights?"
    assert bot.names.named(question) == {"BSD"}
    unknown = lambda vocab: [m.group() for m in unknown_words(question, vocab)]  # noqa: E731
    assert "trademark" in unknown(bot._vocabulary({"BSD"}))
    assert "trademark" not in unknown(bot._vocabulary(set()))  # the whole corpus knows it


SIBLINGS = {"GPL-2": "GNU General Public License, version 2. Section 2: you may modify the Program.",
            "GPL-3": "GNU General Public License, version 3. To convey a work means...",
            "LGPL-3": "This version of the GNU Lesser General Public License incorporates the GNU GPL version 3.",
            "MPL-1.1": "Mozilla Public License 1.1. Netscape may publish new versions.",
            "MPL-2.0": "Mozilla Public License 2.0. Mozilla Foundation is the license steward."}
SIBLING_TITLES = {"GPL-2": "GNU GENERAL PUBLIC LICENSE Version 2", "GPL-3": "GNU GENERAL PUBLIC LICENSE Version 3",
                  "LGPL-3": "GNU LESSER GENERAL PUBLIC LICENSE Version 3",
                  "MPL-1.1": "MOZILLA PUBLIC LICENSE Version 1.1", "MPL-2.0": "Mozilla Public License Version 2.0"}


@pytest.mark.parametrize("question, named", [
    ("What does the GPL version 2 say about modifying?", {"GPL-2"}),
    ("Under GPLv3, what is conveying?", {"GPL-3"}),
    ("Which law governs the Mozilla Public License 1.1?", {"MPL-1.1"}),   # "mozilla" decides, not "license"
    ("mpl 2.0 steward", {"MPL-2.0"}),
    ("What does the GPL say about conveying?", {"GPL-2", "GPL-3"}),       # LGPL-3's "GNU GPL" is a reference
    ("What does section 2 of the GPL say?", {"GPL-2", "GPL-3"}),          # a number alone is not a version
    ("Compare the MPL 1.1 with GPLv2", {"MPL-1.1", "GPL-2"}),
    ("Under GPL v2, may I sell copies?", {"GPL-2"}),                     # a version on its own: "v2"
    ("mpl v1.1 netscape", {"MPL-1.1"}),
    ("Who is the license steward?", set()),
])
def test_a_name_with_a_version_picks_that_version(question, named):
    assert DocumentNames.fit(SIBLINGS, SIBLING_TITLES).named(question) == named


def test_the_version_is_left_out_with_the_name():
    names = DocumentNames.fit(SIBLINGS, SIBLING_TITLES)
    # the whole name goes when its words spell the file name's acronym ("MPL")
    assert names.without_names("Which law governs the Mozilla Public License 1.1?") == "Which law governs the ?"
    assert names.without_names("Under GPLv2, may I sell copies?") == "Under , may I sell copies?"


def test_a_follow_up_naming_another_document_moves_to_it(more_licenses):
    """"And under the BSD licence?" after a question about Apache keeps the topic but not the document."""
    history = ["Under the Apache license, may I use the licensor's trademarks to promote my product?"]
    answer = more_licenses.ask("And what does the BSD license say?", history)
    assert not answer.abstained
    assert {c.source for c in answer.citations} == {"BSD"}, [(c.source, c.text[:60]) for c in answer.citations]


def test_a_file_name_with_figures_is_a_name_the_documents_know(tmp_path):
    """Its figures are no code the documents never mention (check 3): the question is about that file."""
    (tmp_path / "minutes-2024-03-12.md").write_text("The board decided to repaint the hall in green.", encoding="utf-8")
    (tmp_path / "minutes-2024-04-09.md").write_text("The board approved the budget for the garden.", encoding="utf-8")
    from bot import Bot

    bot = Bot([tmp_path], index_dir=tmp_path / "index")
    a = bot.ask("What did the board decide in minutes-2024-03-12?")
    assert not a.abstained and a.citations[0].source == "minutes-2024-03-12.md", (a.check, a.reason)
    assert bot.ask("What did the board decide in minutes-2024-05-07?").check == "code"  # "05", "07": no such file

