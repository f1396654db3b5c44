"""Abstention (bot/abstain.py), mostly check 4: a word the documents never use that pulls the question away from
the passage it matched. Pure parts on hand-made inputs, then the real bot on near-miss questions."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bot import Bot, languages, messages, offtopic
from bot.abstain import (STRICT_TYPES, Abstainer, names_nothing, numeric_tokens, only_chatter, strongest_pull,
                         unknown_to, unknown_words, vocabulary, without)
from bot.lexical import fold, terms
from bot.kinds import Counted, answer_type_match

VOCAB = vocabulary(["Il comando NSatu ha sede a Wiesbaden, in Germania.", "Rutte parlò con Kyodo News nel 2030."])


def words(question: str) -> list[str]:
    return [m.group() for m in unknown_words(question, VOCAB)]


def test_fold_lowercases_and_strips_accents():
    assert fold("Perché CITTÀ façade naïve Ångström") == "perche citta facade naive angstrom"


def test_underscores_split_words():
    # Markdown's __bold__ and snake_case names: the words inside match the same words asked for
    assert terms("Zstd offers a __training mode__", "en") == terms("zstd offers a training mode", "en")
    assert terms("CMAKE_BUILD_TYPE", "en") == terms("cmake build type", "en")
    assert "training" in vocabulary(["a __training mode__"])


def test_vocabulary_holds_folded_words_and_stems():
    assert {"wiesbaden", "germania", "kyodo", "news", "rutte"} <= VOCAB
    assert "parlo" in VOCAB  # accents folded


def test_unknown_words_skip_names_stopwords_numbers_and_the_answer_kind():
    assert words("When was Rutte born?") == ["born"]
    assert words("Dove ha sede il comando NSatu?") == []            # every word is in the documents
    assert words("Did Rutte arrive in 2031?") == ["arrive"]           # numbers are check 3's business
    # the noun right after which/quale names the kind of answer, which the passage rarely spells out
    assert words("Which news agency interviewed Rutte?") == ["interviewed"]
    assert words("Quale agenzia ha intervistato Rutte?") == ["intervistato"]
    # ...with its complement: "quale agenzia di stampa", "which kind of agency"
    assert words("Quale agenzia di stampa ha intervistato Rutte?") == ["intervistato"]
    assert words("Which kind of agency interviewed Rutte?") == ["interviewed"]
    assert words("What is the capital of Germany?") == ["capital", "Germany"]
    assert words("Cos'è NSatu?") == []                                 # "cos'" is "cosa", a question word
    # function words the stopword lists lack carry no topic: "secondo", "qual", "può", "according"
    assert words("Secondo Rutte, qual è la sede e chi può visitarla?") == ["visitarla"]
    assert words("According to Rutte, who could visit it?") == ["visit"]
    # the dimension a figure measures: check 2 asks the passage for the figure, a text never says "wide"
    assert words("How wide is the Rutte terminal?") == ["terminal"]
    assert words("Quanto è largo il terminale di Rutte?") == ["terminale"]
    assert words("How long is the Rutte terminal?") == ["terminal"]  # a duration or a length: check 2 too
    assert words("Is the Rutte terminal wide?") == ["terminal", "wide"]  # no figure asked: "wide" is tested


def test_british_and_american_spellings_are_the_same_word():
    vocab = vocabulary(["This License covers the color of the center."])
    assert [m.group() for m in unknown_words("Does the licence cover the colour of the centre, and the font?",
                                             vocab)] == ["font"]
    assert [m.group() for m in unknown_words("What licenses?", vocabulary(["This Licence."]))] == []


def test_without_removes_exactly_that_word():
    q = "When was Rutte born?"
    (born,) = unknown_words(q, VOCAB)
    assert without(q, born) == "When was Rutte ?"


def test_strongest_pull():
    assert strongest_pull(1.0, np.array([0.99, 1.03, 1.01])) == (1, pytest.approx(0.03))
    assert strongest_pull(1.0, np.array([])) == (-1, 0.0)


@pytest.mark.parametrize("question", [
    "What is the population of Tokyo?",
    "Who is the wife of Shigeru Ishiba?",  # ("How tall is...?" now abstains on check 2 as well: no figure)
    "Qual è il colore preferito di Ishiba?",
])
def test_near_miss_questions_abstain_because_of_the_pulling_word(bot, question):
    assert bot.ask(question).abstained
    lenient = Bot.from_bot(bot, replace(bot.settings.scoring, max_pull=float("inf"), max_pull_same_language=float("inf")))
    assert not lenient.ask(question).abstained  # the other checks alone would have quoted something


@pytest.mark.parametrize("question", ["qwertyuiop", "sushi", "xkcd?"])
def test_a_one_word_question_the_documents_never_use_abstains(bot, question):
    """Check 5: a lone word the article never uses, in any language, has nothing to be matched on (these were
    quoted, the cosine alone passing the threshold)."""
    a = bot.ask(question)
    assert a.abstained and a.check == "unknown" and question.strip("?") in a.reason
    assert not bot.ask("Wiesbaden?").abstained  # a word it uses


def test_check_5_needs_the_documents_language_or_one_word(bot):
    """Every content word unknown: in the documents' language nothing in them is about the question; across
    languages that is the rule (an English question about the Italian article), so only one word counts."""
    words = bot.words
    assert unknown_to("Chi ha vinto il campionato di calcio?", words, same_language=True) == (
        "vinto", "campionato", "calcio")
    assert unknown_to("Chi ha vinto il campionato di calcio?", words, same_language=False) == ()
    assert unknown_to("Which seas are mentioned?", words, same_language=False) == ()  # answerable (the Mar...)
    assert unknown_to("Chi ha incontrato Rutte?", words, same_language=True) == ()  # "Rutte" is known
    # so is the kind of thing asked for, which check 4 leaves untested: the documents do speak of ministers
    assert unknown_to("Quale ministro ha vinto il campionato?", words, same_language=True) == ()
    # but not "much" or a measure: this text uses them and never speaks of sushi or costs
    english = vocabulary(["How much is known about the long history of the kettle, and how old is it?"])
    assert unknown_to("How much does the sushi cost?", english, same_language=True) == ("sushi", "cost")
    assert unknown_to("How long did the Olympics last?", english, same_language=True) == ("Olympics", "last")
    # a number or code the documents use is shared with them: check 5 leaves the question to the others
    assert unknown_to("Which bug was #219?", vocabulary(["Fixed a crash on empty dates (#219)."]), True) == ()
    # so is a two-letter name the documents use; a two-letter word they lack is no evidence either way
    faq = vocabulary(["ps displays information about a selection of the active processes."])
    assert unknown_to("What does ps stand for?", faq, same_language=True) == ()
    assert unknown_to("What does vi stand for?", faq, same_language=True) == ("stand",)
    assert unknown_to("sushi", words, same_language=False) == ("sushi",)
    # every word counts, however long the question; each unknown word is named once, a few at most
    assert unknown_to("Dove ha sede il comando NSatu? " + "bla " * 100, words, same_language=True) == ()
    assert unknown_to("Chi ha vinto il calcio? " + "bla " * 100, words, same_language=True) == ("vinto", "calcio", "bla")


def test_check_5_across_languages_when_no_word_is_of_any_language(bot):
    """Across languages a word the documents lack may still have a translation in them ("warships"); a word of
    no language (keyboard mashing, a name they never use) has none: every content word such, nothing in them is
    about the question."""
    words = bot.words
    assert unknown_to("asdkjh qweoiu zxcmnb?", words, same_language=False) == ("asdkjh", "qweoiu", "zxcmnb")
    assert unknown_to("What is Xqvorm Blintzak?", words, same_language=False) == ("Xqvorm", "Blintzak")
    assert unknown_to("Who leads the warships of Xqvorm?", words, same_language=False) == ()  # "leads", "warships"
    assert unknown_to("Cosa dice Xqvorm sulla pizzeria?", bot_english := vocabulary(["The cat sat on the mat."]),
                      same_language=False) == ()  # "dice", "pizzeria" are Italian: the model decides
    assert unknown_to("Xqvorm and Rutte?", words, same_language=False) == ()  # a name the article uses
    assert unknown_to("Xqvorm and Rutte?", bot_english, same_language=False) == ("Xqvorm", "Rutte")


def test_a_question_of_no_language_is_not_answered(bot):
    """It scored above the article's threshold (check 1) and had been answered with a quote, marked uncertain."""
    a = bot.ask("asdkjh qweoiu zxcmnb?")
    assert a.abstained and a.check == "unknown" and a.text == ""
    assert all(w in a.reason for w in ("asdkjh", "qweoiu", "zxcmnb"))


@pytest.mark.parametrize("question, needle", [
    ("Which news agency did Rutte give an interview to?", "Kyodo News"),
    ("Where is the NSatu command based?", "Wiesbaden"),
    ("Quando la Russia ha invaso l'Ucraina?", "2022"),
    # the text holds what the question asks for: reported speech, the moment of a past event
    ("What did Rutte say about China's navy?", "navi militari"),
    ("Cosa ha affermato Ishiba durante l'apparizione congiunta?", "benefici"),
    ("When did NATO extend its reach to South Korea?", "Negli ultimi anni"),
    ("Quando hanno concordato Ishiba e Rutte di cooperare?", "Mercoledì"),
])
def test_answerable_questions_are_still_answered(bot, question, needle):
    a = bot.ask(question)
    assert not a.abstained and needle in a.text


@pytest.mark.parametrize("question,types", [
    ("In che anno è stato firmato l'accordo?", {"year"}), ("What year was it signed?", {"year"}),
    ("Da quale anno è in vigore?", {"year"}), ("Entro quale anno finirà?", {"year"}),
    ("Quando è stato firmato l'accordo?", {"time", "moment"}), ("When does the licence terminate?", {"time"}),
    # "when" of a past event asks for its moment; a present tense asks for a condition as often
    ("When was the office opened?", {"time", "moment"}), ("And when did Russia invade?", {"time", "moment"}),
    ("Quando la Russia ha invaso l'Ucraina?", {"time", "moment"}), ("Quando fu fondata?", {"time", "moment"}),
    ("Quando è consentito copiarlo?", {"time"}), ("Quando ha effetto la revoca?", {"time"}),
    # and of a planned one: a future tense, or "is planning / expected to"
    ("When will they sign it?", {"time", "moment"}), ("When is the city planning to open it?", {"time", "moment"}),
    ("Quando si terrà il vertice?", {"time", "moment"}), ("Quando aderiranno?", {"time", "moment"}),
    ("In che giorno è stato firmato?", {"time"}), ("On which day did they meet?", {"time"}),  # a weekday will do
    ("Quanti soldati ci sono?", {"number"}), ("Who signed it?", set()), ("Dove ha sede?", {"place"}),
    ("Qual è la data della firma?", {"date"}), ("In che data scade?", {"date"}),
    ("In quale formato si inserisce una data?", set()),  # a date mentioned, not asked for
    ("Perché non dovrei cancellarla?", {"reason"}), ("Why are the stats not shown?", {"reason"}),
    ("How long must the offer stay valid?", {"duration"}), ("Quanto è durato l'incontro?", {"duration"}),
    ("Quanto ci vuole per arrivare?", {"duration"}), ("Quanto ci mette il treno?", {"duration"}),  # how long it takes
    ("Per quanto riguarda la Cina, cosa ha detto?", {"speech"}),  # "per quanto riguarda" is "as for", not a count
    ("How old is he?", {"number"}), ("What percentage do they pay?", {"number"}), ("Quanto dista?", {"length"}),
    ("A che ora è iniziato?", {"clock"}), ("Che ora è?", {"clock"}), ("A quale orario apre?", {"clock"}),
    ("What time of year is best?", set()), ("What time span does it cover?", set()), ("How far is it?", {"length"}),
    ("In what city was it signed?", {"place"}), ("In che città è stato firmato?", {"place"}),
    ("Per quanti anni resta valida?", {"number", "years"}),  # the plural always counts; "per quanto" is "as far as"
    ("Il testo, in quanto licenza, vale ovunque?", set()),
    # a count of a unit asks for a figure in that unit, in either language's words
    ("Within how many days must I reply?", {"number", "days"}), ("Entro quanti giorni?", {"number", "days"}),
    ("How many calendar months?", {"number", "months"}), ("Quanti anni ha?", {"number", "years"}),
    # after a leading scope, and "exactly how many"
    ("Under the GPL, exactly how many dollars may I charge?", {"number"}), ("In Italy, how far is it?", {"length"}),
    # an e-mail address asked for, not e-mail mentioned
    ("What email address do I write to?", {"email"}), ("Qual è l'indirizzo email del titolare?", {"email"}),
    ("Can I send the source by e-mail?", set()),
    # a phone number is a figure, in either language; phoning is not asked for
    ("Which telephone number should I call?", {"number"}), ("Qual è il numero di telefono dell'ufficio?", {"number"}),
    ("Can I phone the office instead?", set()),
    ("E se la fattura non riporta alcun numero di serie?", set()),  # a number negated is not asked for
    ("How wide is the terminal?", {"length"}), ("How big a stake?", {"number"}),  # a dimension is a figure
    # what someone said asks for reported speech; what a text says does not
    ("What did Rutte say about China?", {"speech"}), ("And how did Tokyo react?", {"speech"}),
    ("Che cosa hanno dichiarato i due leader?", {"speech"}), ("Come ha reagito Mosca?", {"speech"}),
    ("What does the licence say about patents?", set()), ("Cosa si dice delle licenze?", set()),
    ("What did version 1.5 add?", set()), ("Cosa ha aggiunto la versione 2?", set()),  # a feature, not a remark
    # a weight or a temperature is a figure in its own unit
    ("How much does the kettle weigh?", {"weight"}), ("Quanto pesa la valigia?", {"weight"}),
    ("How heavy is it?", {"weight"}), ("Qual è il peso del pacco?", {"weight"}),
    ("What weight does the court give to it?", set()), ("Cosa pesa di più nella scelta?", set()),  # figurative
    ("How do the judges weigh the evidence?", set()), ("Che peso ha avuto la crisi?", set()),
    ("Qual è il peso politico del partito?", set()), ("What is the tent's weight?", {"weight"}),
    ("At what temperature should I wash it?", {"temperature"}), ("A che temperatura si cuoce?", {"temperature"}),
    ("How hot does the plate get?", {"temperature"}), ("Quanti gradi fa a Roma?", {"temperature"}),
    ("How warm was the welcome?", set()), ("Quanti gradi di parentela ci sono?", {"number"}),
])
def test_expected_answer_types(question, types):
    assert languages.expected_types(question) == types


@pytest.mark.parametrize("sentence, holds", [
    ("0) Convey the Minimal Corresponding Source under the terms of section 6 of the GNU GPL.", False),
    ("(1) assert copyright on the software, and (2) offer you this License.", False),
    ("You may convey it under sections 3 and 4 of this License.", False),
    ("a written offer, valid for at least three years", True),
    ("ownership of fifty percent (50%) or more of the outstanding shares", True),
    ("1) Use a suitable mechanism within 30 days.", True),
    ("1. Esci da Vim come hai fatto nella lezione precedente.", False),  # a numbered step, at any line start
    ("Passi:\n  2. Salva il file.\n  3. Esci.", False),
    ("2. Aspetta 5 minuti.", True),
    ("within thirty (30) days of the notice", True),   # "(30)" reads as a list item, "thirty" counts
    # a figure closing a parenthesis is no list item
    ("The number of worker threads (default 4).", True), ("Rooms seat small groups (at most 3) only.", True),
    ("Steps: 1) open the lid 2) fill it", False),
    ("L'orario delle autofirme sarà aumentato di un secondo.", True),  # one of a unit is a quantity
    ("The offer stays valid for a year.", True),
    ("<one line to give the program's name and a brief idea of what it does.>", False),  # a template, no count
    # the digits of a name or a version are no quantity; a figure starts its token
    ("The person associating CC0 with a Work, under GPLv2 or v2.1, is the Affirmer.", False),
    ("Output must look nice on an 80-column terminal, at 100MB or 3.5 times less.", True),
])
def test_list_items_and_section_references_are_not_quantities(sentence, holds):
    assert answer_type_match(sentence, {"number"}) == float(holds)


@pytest.mark.parametrize("sentence, holds", [
    ("Il paese conta circa duemila abitanti.", True), ("La chiesa ha trentadue vetrate.", True),
    ("Conserva quarantamila volumi e ventitré codici.", True), ("The hall seats a dozen people.", True),
    ("Ne vende un milione all'anno.", True), ("Some systems have hundreds of CPUs.", False),  # how many? unsaid
    ("Il treno parte da Milano.", False), ("Uno dei partiti ha un'alleanza.", False),  # "un"/"uno" count nothing
    ("Twelve countries signed it.", True), ("Due navi sono arrivate.", True),  # capitalised at a sentence's start
    ("Due to the war, prices rose.", False),  # English "due to" is no Italian "due"
])
def test_numbers_in_words_are_figures(sentence, holds):
    """Italian writes a number as one word of its parts ("duemila"), English says "a dozen": a "how many"
    question is answered by them as by digits; "hundreds" is only a rough size."""
    assert answer_type_match(sentence, {"number"}) == float(holds)


@pytest.mark.parametrize("sentence, holds", [
    ("The castle was built in 1320 by Count Aldo.", True), ("Colombo scoprì l'America nel 1492.", True),
    ("Il ponte sarà completato nel 2150.", True), ("Entro il 2030 avrà XNUMX testate.", True),
    ("Mercoledì i due leader si sono incontrati.", False),  # a weekday dates an event, not its year
    ("Ha 45 anni e 300 navi.", False), ("Set the buffer to 4096 bytes.", False),
])
def test_a_year_is_any_year_of_four_digits(sentence, holds):
    assert answer_type_match(sentence, {"year"}) == float(holds)


@pytest.mark.parametrize("sentence, kind, holds", [
    ("- Weight: 2.1 kg", "weight", True), ("Servono due etti di burro.", "weight", True),
    ("It weighs a kilo.", "weight", True), ("Peso: 1.300 g", "weight", True),
    ("A lightweight tent for two people.", "weight", False), ("Version 3 weighs in at 12 pages.", "weight", False),
    ("Aggiungete 500 gr di farina.", "weight", True), ("A 5-kg bag.", "weight", True),
    ("It supports 3G and 5G.", "weight", False),  # "g" is a gram in lower case only
    ("Infornate a 180 °C per 20 minuti.", "temperature", True), ("Lavare a 30°.", "temperature", True),
    ("Water at eighty degrees is best.", "temperature", True), ("Può scendere sotto i 10 gradi.", "temperature", True),
    ("Preheat the oven for 10 minutes.", "temperature", False), ("Store at room temperature.", "temperature", True),
    ("Il 1° maggio si chiude.", "temperature", False), ("È arrivato 2º posto.", "temperature", False),  # ordinals
])
def test_a_weight_or_a_temperature_is_a_figure_in_its_unit(sentence, kind, holds):
    assert answer_type_match(sentence, {kind}) == float(holds)


@pytest.mark.parametrize("question, kinds", [
    ("How tall is the lighthouse?", {"length"}), ("How far is the station from the port?", {"length"}),
    ("What is the width of the gate?", {"length"}), ("Quanto è alta la torre?", {"length"}),
    ("Quanto dista la stazione?", {"length"}), ("Qual è la profondità del lago?", {"length"}),
    # a period or a price, not a length
    ("How long is the warranty?", {"duration"}), ("How high is the fee?", {"number"}),
    ("Quanto è lunga la garanzia?", {"number"}),
])
def test_a_length_is_asked_for_by_its_dimension(question, kinds):
    assert languages.expected_types(question) == kinds


@pytest.mark.parametrize("sentence, holds", [
    ("La lanterna è alta venti metri.", True), ("A 40-metre hall.", True), ("It is 3 km from the port.", True),
    ("Alto 1,80 m.", True), ("Output fits an 80-column terminal.", True), ("Three miles away.", True),
    ("It holds XNUMX warheads.", False), ("Item 3 in the list.", False), ("The gate is very wide.", False),
])
def test_a_length_is_a_figure_in_its_unit(sentence, holds):
    assert answer_type_match(sentence, {"length"}) == float(holds)


def test_how_tall_is_not_answered_by_any_figure(bot):
    a = bot.ask("How tall is Mark Rutte?")  # the article gives figures of warheads and years, no height
    assert a.abstained and a.check == "kind" and "length or distance" in a.reason, a.text


def test_a_weight_is_never_answered_with_a_count(tmp_path):
    (tmp_path / "tent.md").write_text("# Trailblazer Tent\n\nA lightweight tent for two people.\n\n## Specifications\n\n"
                                      "- Weight: 2.1 kg\n- Colour: Forest Green\n- Packed Size: 45 x 15 cm\n",
                                      encoding="utf-8")
    tent = Bot([tmp_path], index_dir=tmp_path / "index")
    for question in ("How much does the tent weigh?", "Quanto pesa la tenda?"):
        a = tent.ask(question)
        assert a.abstained or "2.1 kg" in a.text, a.text  # "for two people" says how many, not how heavy


@pytest.mark.parametrize("sentence, holds", [
    ("Il vertice si è tenuto il 12 marzo a Roma.", True), ("Released on 2024-03-12.", True),
    ("Firmato il 12/03/2024.", True), ("It was published in 2009.", True),  # a year dates it, if roughly
    ("The summit was held on May 3.", True), ("On the 3rd of May.", True), ("Signed Jan 5.", True),
    ("Firmato il 3 mag.", True), ("Firmato il 12/03/24.", True), ("Pagina 1/2/345.", False), ("Upgrade to version 2.1.12 first.", False),
    ("You may want to sign it.", False),  # "may" is a month only next to a day
    ("Mercoledì i due leader si sono incontrati.", False), ("Today the leaders met.", False),  # says when, no date
])
def test_a_date_asked_for_by_name_is_a_calendar_date(sentence, holds):
    assert answer_type_match(sentence, {"date"}) == float(holds)


def test_when_is_answered_by_a_weekday_as_well():
    for sentence in ("Mercoledì i due leader si sono incontrati.", "Today the leaders met.", "Il 12 marzo a Roma."):
        assert answer_type_match(sentence, {"time"}) == 1.0


def test_what_date_is_not_answered_by_a_weekday(bot):
    a = bot.ask("Qual è la data esatta, giorno e mese, dell'incontro tra Ishiba e Rutte?")
    assert a.abstained and a.check == "kind", a.text
    assert not bot.ask("Che giorno si sono incontrati Ishiba e Rutte?").abstained


@pytest.mark.parametrize("sentence, holds", [
    ("The coach leaves at 09:30 on Thursday.", True), ("Il museo apre alle 9 e chiude alle 19.", True),
    ("Check-in from 3 pm.", True), ("Si pranza a mezzogiorno.", True), ("Il museo apre alle 9.30.", True),
    ("Apre alle nove del mattino.", True), ("We open at seven.", True), ("At one point it rained.", False),
    ("At three of them.", False), ("Orario: 9.30-13.00 e 15.00-18.00.", True), ("Ritrovo: 8.45 al museo.", True),
    ("It leaves at 10:30:00 sharp.", True), ("Si pranza all'una.", True), ("At half past nine.", True),
    ("It costs $3.15.", False), ("Drive at 50 km/h.", False), ("It draws 13 amps.", False),
    ("Registrarsi entro le ore 9.", True), ("Si cena verso le 20.", True),
    ("Il biglietto costa € 19.", False), ("La spesa è di € 3.150,00.", False), ("Version 2.10 is out.", False),
    ("The aspect ratio is 16:9 in 2024.", False), ("Rates rose at 3 percent.", False),
])
def test_a_time_of_day_is_a_clock_time(sentence, holds):
    assert answer_type_match(sentence, {"clock"}) == float(holds)


def test_a_count_of_days_needs_days():
    from bot.kinds import answer_type_match

    wanted = languages.expected_types("How many days do I have to reply?")
    assert answer_type_match("within thirty (30) days of the notice", wanted) == 1.0
    assert answer_type_match("entro 30 giorni dalla notifica", wanted) == 1.0
    assert answer_type_match("a written offer, valid for at least three years", wanted) == 0.0


@pytest.mark.parametrize("question, sentence, holds", [
    # names ships, counts none: "40" counts submarines, far from "navi"
    ("Quante navi ha la flotta?", "La flotta ha più navi di qualunque altra marina del Mediterraneo e conta anche 40 "
                                  "sottomarini.", False),
    ("How many people live in Rome?", "Many people live in Rome, about 3 million.", True),
    ("Quanti abitanti ha Roma?", "Gli abitanti di Roma sono oltre 2,8 milioni.", True),
    ("Quante navi ha la flotta?", "La flotta conta 40 navi da guerra.", True),
    ("Quante navi ha la flotta?", "La flotta conta quaranta unità.", True),  # ships unnamed: any figure counts
    ("How many nuclear warheads will it have?", "By 2030 it will have XNUMX nuclear warheads.", True),  # a lost figure
    ("How many members does the board have?", "The number of board members is 9.", True),
    ("How many members does the board have?", "Members of the board serve until 2027 and meet often.", False),
    ("How many ships?", "Entro il 2030 avrà più navi.", True),  # another language: the words cannot be matched
])
def test_a_count_needs_a_figure_near_what_it_counts_where_the_text_names_that(question, sentence, holds):
    counted = Counted.of(question)
    assert answer_type_match(sentence, languages.expected_types(question), counted=counted) == float(holds)


@pytest.mark.parametrize("question, sentence, holds", [
    # a forecast says how many there will be, not how many there are now
    ("How many employees does the firm have today?", "The firm is expected to reach 500 employees by 2027.", False),
    ("How many employees does the firm have today?", "The firm has 200 employees today and plans to hire more.", True),
    ("How many employees does the firm have now?", "It has 200 employees, and by 2027 it will have 500.", True),
    ("How many employees will the firm have by 2027?", "The firm is expected to reach 500 employees by 2027.", True),
    ("Quanti dipendenti ha attualmente l'azienda?", "Si prevede che entro il 2027 l'azienda arriverà a 500 "
                                                   "dipendenti.", False),
    ("Quanti dipendenti ha attualmente l'azienda?", "Oggi l'azienda conta 200 dipendenti.", True),
    ("Quanti dipendenti avrà l'azienda nel 2027?", "Si prevede che entro il 2027 l'azienda arriverà a 500 "
                                                  "dipendenti.", True),
    # across languages too: the forecast is the passage's, in its own words
    ("How many stores does the chain have now?", "Si prevede che entro il 2028 la catena aprirà 40 negozi.", False),
    ("How many stores does the chain have now?", "La catena ha 25 negozi; entro il 2028 ne aprirà altri 40.", True),
])
def test_a_count_asked_for_now_is_not_answered_by_a_forecast(question, sentence, holds):
    counted = Counted.of(question)
    assert answer_type_match(sentence, languages.expected_types(question), counted=counted) == float(holds)


def test_a_forecast_is_no_answer_to_how_many_now(tmp_path):
    (tmp_path / "fleet.txt").write_text(
        "Harbour Ferries runs boats across the bay.\n\nThe company expects to operate 30 electric ferries by 2028, "
        "its director said.\n\nTickets are sold at the pier.\n", encoding="utf-8")
    fleet = Bot([tmp_path], index_dir=tmp_path / "index")
    now = fleet.ask("How many electric ferries does Harbour Ferries operate today?")
    assert now.abstained and now.check == "kind" and "no current figure" in now.reason, now.text
    assert "30 electric ferries" in fleet.ask("How many electric ferries will Harbour Ferries operate by 2028?").text


@pytest.mark.parametrize("question, asks", [
    ("Quale giornalista ha intervistato il sindaco?", True), ("Which Kyodo News journalist interviewed him?", True),
    ("What is the name of the minister of defence?", True), ("Come si chiama il direttore del museo?", True),
    ("Who is the current maintainer?", True), ("Chi ha scritto il manuale?", True), ("Who founded the club?", True),
    # heads of anything are people too
    ("Chi è il capo della polizia locale?", True), ("Who is the head of the orchestra?", True),
    ("Which party leader resigned?", True), ("Come si chiama la segretaria del circolo?", True),
    # a bare who is answered by "anyone", "the Licensor"; a role after "of" is not the kind asked for
    ("Who can use the software?", False), ("Chi può partecipare?", False),
    ("Which packages need a maintainer?", False), ("Quale percentuale di sviluppatori usa Linux?", False),
    ("Di quale paese è stato ministro?", False),
])
def test_a_person_is_asked_for_by_role(question, asks):
    assert ("person" in languages.expected_types(question)) == asks


@pytest.mark.parametrize("question, sentence, holds", [
    ("Which reporter interviewed the mayor?", "The mayor spoke to Anna Rossi of the local radio.", True),
    ("Which reporter interviewed the mayor?", "The mayor spoke to the local radio about Italy and France.", False),
    ("Chi ha scritto il manuale?", "Il manuale è stato scritto da Paolo Bianchi nel 2019.", True),
    ("Chi ha scritto il manuale?", "Il manuale è disponibile in Italiano e in Inglese da Marzo.", False),
    ("Who maintains the tool?", "The tool follows the GNU and POSIX conventions.", False),  # acronyms name no one
    ("Which journalist interviewed Rossi?", "Rossi gave an interview on Monday.", False),   # the question's own name
    ("Who maintains the tool?", "Maintenance is slow. Updates come yearly.", False),        # sentences start capitalised
])
def test_a_person_asked_for_is_a_name_the_question_does_not_give(question, sentence, holds):
    given = frozenset(map(fold, languages.WORD.findall(question)))
    assert answer_type_match(sentence, languages.expected_types(question), given) == float(holds)


def test_a_passage_that_names_no_one_does_not_say_who(tmp_path):
    (tmp_path / "harbour.txt").write_text(
        "The Lighthouse Gazette interviewed the harbour master on Monday about the storm that hit Norway.\n\n"
        "The harbour report was written by Maria Conti and published in March.\n\nFerries left at dawn.\n",
        encoding="utf-8")
    harbour = Bot([tmp_path], index_dir=tmp_path / "index")
    who = harbour.ask("Which journalist of the Lighthouse Gazette interviewed the harbour master?")
    assert who.abstained and who.check == "kind" and "person's name" in who.reason, who.text
    assert "Maria Conti" in harbour.ask("Who wrote the harbour report?").text


def test_a_place_follows_a_preposition_articulated_or_not():
    from bot.kinds import answer_type_match

    for sentence in ("Ha sede a Wiesbaden.", "Un riferimento alla Cina.", "Basi nella Germania del sud.",
                     "It is based in Tokyo."):
        assert answer_type_match(sentence, {"place"}) == 1.0, sentence
    assert answer_type_match("Il comando coordina la fornitura.", {"place"}) == 0.0


def test_a_place_the_question_names_is_not_its_answer():
    """"accanto a Rossi" (next to Rossi) has the shape of a place, but the question already names Rossi."""
    from bot.kinds import answer_type_match

    given = frozenset({"in", "which", "city", "did", "rossi", "speak"})
    assert answer_type_match("Accanto a Rossi, Bianchi ha parlato.", {"place"}, given) == 0.0
    assert answer_type_match("Accanto a Rossi, Bianchi ha parlato a Torino.", {"place"}, given) == 1.0
    assert answer_type_match("Accanto a Rossi, Bianchi ha parlato.", {"place"}) == 1.0


def test_the_retriever_gives_no_place_bonus_for_a_place_the_question_names(bot):
    """The article's "accanto a Ishiba" has the shape of a place; for a "where" question about Ishiba it is not one,
    while the sentence "a Tokyo" is."""
    question = "In quale città ha parlato Ishiba insieme a Rutte?"
    segs = bot.index.segments
    beside = next(i for i, s in enumerate(segs) if "accanto a Ishiba" in s.text)
    tokyo = next(i for i, s in enumerate(segs) if "a Tokyo" in s.text)
    vector = bot.encode_questions([question])[0]
    types = bot.retriever.features(question, vector, np.array([beside, tokyo]))[:, 3]
    assert types.tolist() == [0.0, 1.0]


def test_how_long_requires_a_figure_or_a_unit():
    """"How long?" is answered by "three years", "at least one year", "ten lines or less"; a sentence with
    neither cannot be the answer (the article never says how long the meeting lasted)."""
    abstainer = Abstainer(["q"] * 10, np.zeros(10), 0.95, 0.0, set())
    for sentence in ("valid for at least three years", "until at least one year after", "ten lines or less",
                     "è durato due ore", "entro 30 giorni"):
        assert not abstainer.decide("How long must it last?", 1.0, sentence).abstain, sentence
    assert abstainer.decide("How long did the meeting last?", 1.0, "In piedi accanto a Ishiba, Rutte ha "
                            "sottolineato la necessità di una cooperazione in un momento cruciale.").abstain
    # a time of day says when, not how long
    assert abstainer.decide("How long is the drive to the lodge?", 1.0, "The coach leaves the lodge at 16:00.").abstain
    assert not abstainer.decide("How long is the drive?", 1.0, "The drive takes 2 hours; we leave at 16:00.").abstain


def test_a_reason_is_preferred_never_required():
    """"Why?" prefers a sentence giving a reason ("perché", "because"); one without is still a candidate."""
    from bot.kinds import answer_type_match

    assert answer_type_match("Non cancellarla perchè può servire.", {"reason"}) == 1.0
    assert answer_type_match("They are off by default because they take room.", {"reason"}) == 1.0
    assert answer_type_match("La firma è valida.", {"reason"}) == 0.0
    # causal connectives, articulated prepositions included
    for text in ("Hanno firmato in risposta alle minacce.", "È chiuso a causa della neve.",
                 "They signed in response to the threats.", "It failed as a result of the outage."):
        assert answer_type_match(text, {"reason"}) == 1.0, text
    abstainer = Abstainer(["q"] * 10, np.zeros(10), 0.95, 0.0, set())
    assert not abstainer.decide("Perché è valida?", 1.0, "La firma è valida.").abstain


@pytest.mark.parametrize("question,passage,abstains", [
    # in rules and contracts "when" asks for a condition as often as for a date
    ("In which year does the licence terminate?", "It terminates as of the date litigation is filed.", True),
    ("When does the licence terminate?", "It terminates as of the date litigation is filed.", False),
    ("In which year was it signed?", "L'accordo fu firmato nel 2019.", False),
    # "Mercoledì" dates a meeting without saying in which year, or on which date
    ("In che anno hanno firmato l'accordo?", "Mercoledì il sindaco ha firmato l'accordo.", True),
    ("In che data hanno firmato l'accordo?", "Mercoledì il sindaco ha firmato l'accordo.", True),
    ("In che data hanno firmato l'accordo?", "Il 3 maggio il sindaco ha firmato l'accordo.", False),
    # a past event needs its moment: a date, or the event or period it is anchored to
    ("Quando hanno firmato l'accordo?", "Il sindaco ha firmato l'accordo a Torino.", True),
    ("Quando hanno firmato l'accordo?", "Mercoledì il sindaco ha firmato l'accordo.", False),
    ("When did the mayor sign it?", "Il sindaco l'ha firmato durante la sua prima visita.", False),
    ("When did the mayor sign it?", "Il sindaco l'ha firmato nella sua prima versione.", True),  # "prima" is "first"
])
def test_what_a_year_or_a_when_question_needs_from_the_passage(question, passage, abstains):
    abstainer = Abstainer(["q"] * 10, np.zeros(10), 0.95, 0.0, set())
    assert abstainer.decide(question, 1.0, passage).abstain is abstains


def test_a_code_the_corpus_never_uses_abstains_unless_it_fuses_a_known_name_and_number():
    """"GPLv2" or "GPL v2" about a licence that says "GPL" and "Version 2" is known; "F-35" where only "F-16"
    occurs, or "GPLv4", is not."""
    corpus = ["This is the GPL, Version 2, as flown on the F-16."]
    numbers = set().union(*map(numeric_tokens, corpus))
    abstainer = Abstainer(["q"] * 10, np.zeros(10), 0.95, 0.0, numbers, vocabulary(corpus))
    for question, abstains in (("What does GPLv2 say?", False), ("What does gpl2 say?", False),
                               ("What does GPL v2 say?", False), ("What does GPL v4 say?", True),
                               ("What does GPLv4 say?", True), ("Is the F-35 mentioned?", True),
                               ("What does xyz2 say?", True)):
        decision = abstainer.decide(question, 1.0, corpus[0])
        assert decision.abstain is abstains, (question, decision)
    assert abstainer.decide("What does GPLv4 say?", 1.0, corpus[0]).found == ("GPLv4",)  # as the question writes it


def test_same_language_questions_use_the_tighter_pull_threshold(bot):
    """An Italian near-miss about the Italian article: leaving out "moglie" (never in the article) pulls the
    question towards the sentence naming Ishiba by less than the cross-language threshold, more than the
    same-language one."""
    question = "Qual è il cognome della moglie di Ishiba?"
    assert bot.ask(question).abstained
    loose = Bot.from_bot(bot, replace(bot.settings.scoring, max_pull_same_language=bot.settings.scoring.max_pull))
    assert not loose.ask(question).abstained


@pytest.mark.parametrize("question", ["Which technologies are mentioned?", "Quali tecnologie vengono menzionate?",
                                      "What does the article say about drones?"])
def test_words_about_the_document_do_not_count_as_unknown(bot, question):
    """"Mentioned", "articolo" are never in the text: they ask what it says, not about something it lacks."""
    assert not [m.group() for m in unknown_words(question, bot.words)
                if m.group().lower() in {"mentioned", "menzionate", "article"}]
    a = bot.ask(question)
    assert not a.abstained and "droni" in a.text


@pytest.mark.parametrize("question,name", [("Come si chiama il premier giapponese?", "Shigeru Ishiba"),
                                           ("Come si chiama il segretario della NATO?", "Rutte")])
def test_words_asking_for_a_name_are_not_tested(bot, question, name):
    """The article names them without saying "si chiama": leaving "chiama" out would pull each question
    towards the sentence that names them by +0.016 to +0.027, over the threshold."""
    assert "chiama" not in {m.group() for m in unknown_words(question, bot.words)}
    a = bot.ask(question)
    assert not a.abstained and name in a.text


@pytest.mark.parametrize("question", ["Come si chiama la moglie di Ishiba?", "What is the name of Ishiba's wife?"])
def test_the_person_a_name_question_asks_about_is_still_tested(bot, question):
    """Unlike the words after "which", those after "name of" are what the question is about: the article never
    mentions a wife."""
    assert bot.ask(question).abstained


def test_words_asking_for_a_meaning_are_not_tested():
    """A manual explains a code without saying "means" / "significa": leaving the word out pulled "Cosa significa
    l'errore E4?" (asked about an English manual) away from the very sentence that explains E4."""
    vocab = vocabulary(["E4 shows that the thermostat has lost the connection to the receiver."])
    assert [m.group() for m in unknown_words("Cosa significa l'errore E4 sul termostato?", vocab)] == [
        "errore", "termostato"]  # across languages: unknown, tested
    assert [m.group() for m in unknown_words("What does the E4 code mean?", vocab)] == ["code"]


def test_the_kind_words_of_which_end_at_a_stopword():
    """"Which is the currency": "is" ends the kind words of "which", so "currency" is still tested."""
    vocab = vocabulary(["Japan uses the yen."])
    assert [m.group() for m in unknown_words("Which is the currency of Japan?", vocab)] == ["currency"]
    assert [m.group() for m in unknown_words("Which currency does Japan use?", vocab)] == []


PRICING = """Pricing

The Pro plan costs $20 per month and includes priority support.

Questions about invoices go to billing@example.com.

The Team plan costs 50 euro per user per year. The Basic plan is free of charge for personal projects.

The support desk opens at 9:30 and closes at 18:00 on weekdays.

Each renewal extends the subscription by a year. Support tickets are answered within two working days. Refunds are possible within thirty (30) days of purchase.

We run more servers than any other host in the region, with staff in 3 countries. Each Team plan covers up to 25 seats.

The security audit was approved (4,500 GBP).
"""


@pytest.fixture(scope="module")
def pricing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pricing")
    (folder / "pricing.txt").write_text(PRICING, encoding="utf-8")
    return Bot([folder], index_dir=folder / "index")


@pytest.mark.parametrize("question, quote", [
    ("How much does the Pro plan cost?", "The Pro plan costs $20 per month and includes priority support."),
    ("Quanto costa il piano Basic?", "The Basic plan is free of charge for personal projects."),  # free is a price
    # an amount in a currency's code is a price too
    ("How much does the security audit cost?", "The security audit was approved (4,500 GBP)."),
    ("How many days do I have to ask for a refund?", "Refunds are possible within thirty (30) days of purchase."),
    ("Within how many hours are support tickets answered?", ""),  # it says days, not hours
    ("How much does each renewal extend the subscription?", "Each renewal extends the subscription by a year."),
    # a time of day is what "what time / a che ora" asks for; a price or a count of days is no answer
    ("What time does the support desk open?", "The support desk opens at 9:30 and closes at 18:00 on weekdays."),
    ("A che ora vengono rimborsati gli acquisti?", ""),
    ("What time is the Pro plan billed?", ""),
    # a count of what the text names but does not count is no answer, whatever other figure is near
    ("How many seats does a Team plan cover?", "Each Team plan covers up to 25 seats."),
    ("How many servers do you run?", ""),
])
def test_prices_and_counts_of_a_unit(pricing, question, quote):
    a = pricing.ask(question)
    assert (a.text, a.abstained) == (quote, not quote)


def test_an_email_address_is_quoted_where_the_text_gives_one_and_never_made_up(pricing, bot):
    a = pricing.ask("Which email address handles invoice questions?")
    assert a.text == "Questions about invoices go to billing@example.com." and not a.abstained
    for question in ("What is the email address of the NSatu command?", "Qual è l'indirizzo email di Rutte?"):
        a = bot.ask(question)
        assert a.abstained and a.citations, (question, a.text)


def test_a_price_question_abstains_where_the_text_names_no_price(bot):
    # "quanti soldi" asks for an amount of money as "how much money" does, and "euro-atlantica" names none
    for question in ("How much does the NSatu command cost?", "Qual è il prezzo dei caccia in euro?",
                     "Quanti soldi spende il Giappone per la sicurezza euro-atlantica?"):
        a = bot.ask(question)
        assert a.abstained, (question, a.text)
        assert "price" in languages.expected_types(question)


@pytest.mark.parametrize("sentence, holds", [
    ('"Una NATO più forte porterà benefici", ha affermato Ishiba.', True), ("Rutte said that China is a threat.", True),
    ("Secondo Rutte la Cina è un facilitatore.", True), ("I leader hanno rilasciato una dichiarazione congiunta.", True),
    ("Hanno concordato di cooperare, in risposta alle sfide poste dalla guerra.", False),  # a response, not a reply
    ("Secondo la legge applicabile, la licenza resta valida.", False),  # "secondo la legge": no speaker
])
def test_reported_speech_is_a_quote_or_a_verb_of_saying(sentence, holds):
    assert answer_type_match(sentence, {"speech"}) == float(holds)


# near misses whose best passage lacks the kind of thing asked for: a measure, reported speech, a past moment
@pytest.mark.parametrize("question", [
    "How far is Wiesbaden from Tokyo?", "How long did the meeting last?",
    "What percentage of its budget does Japan spend on defence?",
    "What did the US say about NSatu?", "What did Australia say about the partnership?",
    "Cosa ha detto il governo australiano dell'accordo?",
    "Quando è stato creato il comando NSatu?", "When did Japan join NSatu?", "Quando entrerà il Giappone in NSatu?",
])
def test_a_question_abstains_where_the_best_passage_lacks_what_it_asks_for(bot, question):
    a = bot.ask(question)
    assert a.abstained, a.citations[0].text



def test_questions_naming_nothing_and_turns_of_chatter():
    for question in ["What?", "How much?", "Chi è?", "Come si chiama?", "Tell me more", "ok, grazie!", "?", "👍",
                     "E in quale paese?", "In che anno?", "What time is it?", "Which country?"]:  # a kind of answer
        assert names_nothing(question), question
    for question in ["NSatu?", "Rutte", "2030?", "Why did Japan join?", "test", "What is the Document?", "Quali mari?",
                     "In quale città si trova la base?", "What does -n do?", "E --force?"]:  # options name something
        assert not names_nothing(question), question
    assert only_chatter("Ok, grazie mille!") and only_chatter("Thanks!") and only_chatter("🙂")
    assert not only_chatter("Why?") and not only_chatter("Tell me more")


# no word to look for: any quote would be a guess (these had all been answered with one on the article)
@pytest.mark.parametrize("question", ["What?", "How much?", "Who is he?", "Tell me more", "ok", "Grazie!", "?", "👍",
                                      "E in quale paese?"])
def test_a_question_that_names_nothing_is_asked_to_name_something(bot, question):
    a = bot.ask(question)
    assert a.abstained and not a.citations
    assert a.message == messages.abstain_message(question, "vague") != messages.abstain_message(question)


def test_after_a_turn_a_bare_question_word_is_a_follow_up_but_thanks_are_not(bot):
    history = ["Dove ha sede il comando NSatu?"]
    follow_up = bot.ask("E perché?", history)
    assert follow_up.resolved_question == "Dove ha sede il comando NSatu? E perché?"
    assert follow_up.message != messages.abstain_message("E perché?", "vague")
    city = bot.ask("In quale città?", history)  # only the kind of answer: read through the turn it leans on
    assert city.resolved_question == "Dove ha sede il comando NSatu? In quale città?" and "Wiesbaden" in city.text
    thanks = bot.ask("Grazie!", history)
    assert thanks.abstained and not thanks.citations and thanks.message == messages.abstain_message("Grazie!", "vague")


@pytest.mark.parametrize("question, earlier", [
    ("Where?", "Which team won the last rugby final?"),        # weak: the turn it leans on is off-topic
    ("And why?", "What is the population of South Korea?"),    # check 4, on the turn it leans on
    ("E perché?", "Qual è la capitale della Nuova Zelanda?"),
])
def test_a_bare_follow_up_is_read_only_through_the_turn_it_leans_on(bot, question, earlier):
    """Alone, "Where?" matches any sentence naming a place: after an off-topic or unanswerable turn it must
    not quote one."""
    a = bot.ask(question, [earlier])
    assert a.abstained and a.resolved_question == f"{earlier} {question}", (a.text, a.reason)


@pytest.mark.parametrize("question", ["Chi ha vinto i mondiali?", "sushi?", "asdkjh qweoiu?", "E il meteo?"])
def test_a_short_question_on_another_topic_after_a_turn_is_not_read_as_a_follow_up_of_it(bot, question):
    """Short and naming no one, it is read after the earlier turn too; but its own words are all foreign to the
    article (check 5), so it must not quote that turn's answer, as the web chat (which always sends the history)
    had done."""
    a = bot.ask(question, ["Dove ha sede il comando NSatu?"])
    assert a.abstained and a.check == "unknown", (a.text, a.reason)
    # a follow-up with one word of its own, or a pronoun, still leans on the turn
    assert "Wiesbaden" in bot.ask("E dove si trova?", ["Che cos'è NSatu?"]).text
    assert not bot.ask("E chi l'ha detto?", ["Che cosa pensa Ishiba di una NATO più forte?"]).abstained
    # a pronoun fused to its verb leans back too ("entrarci": to join it)
    assert not bot.ask("Chi vuole entrarci?", ["Che cos'è NSatu?"]).abstained


def test_the_calibration_set_is_large_in_each_language_and_shares_no_question_with_the_tests():
    # the threshold is the 95th percentile of these questions' best scores: with 150 per language it rests on the
    # 7-8 highest, not the 2-3 highest (its bootstrap sd halved, docs/design.md). A test question that is also a
    # calibration question is judged against a threshold made from its own score (it lies below the 95th
    # percentile 95 times in 100), so its abstention proves little: none may be one
    import re
    from pathlib import Path

    questions = offtopic.questions()
    per_language = {lang: sum(languages.detect(q) == lang for q in questions) for lang in languages.LANGUAGES}
    assert min(per_language.values()) >= 150, per_language
    assert len(set(questions)) == len(questions)
    calibration = {q.lower() for q in questions}
    quoted = {m.lower() for path in Path(__file__).parent.glob("test_*.py")
              for m in re.findall(r'"([^"\n]{8,}\?)"', path.read_text(encoding="utf-8"))}
    assert not quoted & calibration, sorted(quoted & calibration)


def test_an_abstention_reason_names_a_few_words_not_thousands():
    from bot import messages

    reason = messages.abstain_reason("What is F-1 and F-2?", "code", tuple(f"F-{n}" for n in range(20000)))
    assert reason.count("F-") == 8 and "…" in reason and len(reason) < 200


def test_abstention_reasons_are_worded_in_the_question_language():
    """bot/messages.py on hand-made findings: each check has its sentence, kinds are named, words quoted."""
    it, en = "Qual è la sede?", "Where is it based?"
    assert messages.abstain_reason(it, "weak", score=0.9, threshold=0.95) == (
        "Il passo più vicino ha punteggio 0.900, sotto la soglia di questo documento (0.950), calibrata sulle "
        "domande estranee.")
    assert "scores 0.8710, below this document's threshold (0.8714)" in messages.abstain_reason(
        en, "weak", score=0.87104, threshold=0.87139)  # as many digits as it takes to tell them apart
    assert messages.abstain_reason(en, "code", ("1999", "f16")) == "The document never mentions “1999”, “f16”."
    assert messages.abstain_reason(it, "kind", ("number",)) == (
        "Il passo più vicino non contiene un numero, che la domanda chiede.")
    assert messages.abstain_reason(en, "kind", ("date", "speech")) == (
        "The closest passage holds no date or reported speech, which the question asks for.")
    assert messages.abstain_reason(it, "word", ("moglie",)).startswith("Il documento non parla mai di «moglie»")
    assert messages.abstain_reason(en, "vague") == "The question names nothing to look for."
    # every language has every text, and names every kind of thing whose absence makes the bot abstain
    for texts in messages.MESSAGES.values():
        assert texts.keys() == messages.MESSAGES["en"].keys() and STRICT_TYPES <= texts.keys()


@pytest.mark.parametrize("question, check, why", [
    ("Qual è la ricetta della pizza margherita?", "weak", "sotto la soglia"),          # check 1: weak evidence
    ("Quante navi aveva la Cina nel 1999?", "code", "non nomina mai «1999»"),         # check 3: a number never used
    ("Il Giappone acquisterà gli F-35?", "code", "non nomina mai «F-35»"),            # ...quoted with what it joins
    ("How far is Wiesbaden from Tokyo?", "kind", "holds no length or distance"),      # check 2: no such thing
    ("Cosa ha detto il governo australiano dell'accordo?", "kind", "non contiene parole riportate"),
    ("Qual è il cognome della moglie di Ishiba?", "word", "non parla mai di «moglie»"),  # check 4: the pulling word
    ("What?", "vague", "names nothing to look for"),
])
def test_an_abstention_says_which_check_stopped_it(bot, question, check, why):
    a = bot.ask(question)
    assert a.abstained and a.check == check and why in a.reason, a.reason
    if "soglia" in why:  # the scores it quotes are the answer's own
        assert f"{a.score:.3f}" in a.reason and f"{a.threshold:.3f}" in a.reason


def test_an_answer_has_no_reason(bot):
    a = bot.ask("Dove ha sede il comando NSatu?")
    assert not a.abstained and a.reason == a.check == "" and a.to_dict()["reason"] == ""
