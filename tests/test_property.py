"""Property tests: whatever text is asked (and whatever history precedes it), the bot either rejects a
question with no content with ValueError or returns an Answer whose every citation is verbatim."""
from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import Answer

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])
_BLANK = re.compile(r"[\x00-\x1f\x7f]")


def blank(question: str) -> bool:
    """Nothing left once control characters and whitespace are dropped: the bot must refuse it."""
    return not _BLANK.sub(" ", question).strip()


def check(bot, question, history=None) -> None:
    try:
        answer = bot.ask(question, history)
    except ValueError as exc:
        assert str(exc), "the error must say what is wrong"
        # only a question with nothing to search for may be refused
        assert not any(ch.isalnum() for ch in question), f"refused {question!r}: {exc}"
        return
    assert not blank(question), f"{question!r} is empty but was answered"
    assert isinstance(answer, Answer)
    for c in answer.citations:
        text = bot.texts[c.source]
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start:c.end] == c.text
    if answer.abstained:
        assert answer.text == ""
    else:
        assert answer.citations and answer.text == answer.citations[0].text
    json.dumps(answer.to_dict(), ensure_ascii=False).encode("utf-8")


# Words of the article and of English questions about it, so that many examples are answered, not abstained.
WORDS = ("Giappone NATO comando NSatu Wiesbaden Germania Rutte Ishiba Tokyo Cina Russia Ucraina difesa cooperazione "
         "Corea droni quantistica dove chi quando quanti perché sede base ha e il la di che Japan Where is based who "
         "what China warships 2022 2030 ? , . « » \" '").split()
word_questions = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
any_text = st.text(max_size=300)
turn = st.one_of(
    st.text(max_size=80),
    st.builds(lambda r, c: {"role": r, "content": c}, st.sampled_from(["user", "assistant", "system"]), st.text(max_size=80)),
    st.builds(lambda c: {"role": "user", "content": [{"type": "text", "text": c}]}, st.text(max_size=80)),
)


@SETTINGS
@given(question=any_text)
def test_any_text_is_refused_or_answered_verbatim(bot, question):
    check(bot, question)


@SETTINGS
@given(question=word_questions)
def test_questions_from_document_words_are_answered_verbatim(bot, question):
    check(bot, question)


@SETTINGS
@given(question=st.one_of(word_questions, any_text), history=st.lists(turn, max_size=4))
def test_any_history_is_accepted(bot, question, history):
    check(bot, question, history)


NAME_WORDS = st.sampled_from(["Apache", "apache", "MPL", "Mozilla", "Public", "BSD", "bsd", "License", "2.0", "CC0"])


@SETTINGS
@given(question=st.lists(st.one_of(NAME_WORDS, st.text(max_size=12)), min_size=1, max_size=8).map(" ".join))
def test_questions_naming_documents_are_answered_verbatim(more_licenses, question):
    """Several documents, questions mixing their names (bot/naming.py) with arbitrary text."""
    check(more_licenses, question)
