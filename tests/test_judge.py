"""The judging rules, on invented texts (never the article)."""

import pytest

from rag.chunking import Passage
from rag.judge import (
    EVIDENCE_STANDS_IN_MIN_SHARE,
    JUDGED_ANSWERS_MIN_SHARE,
    JUDGED_YES_MIN_SHARE,
    REFUSE_MIN_PROBABILITY,
    YES_MIN_SHARE,
    YES_NO_MIN_MASS,
    Opening,
    Signals,
    asked_words_the_text_lacks,
    evidence_stands_in,
    judge,
    opening,
    settled,
)
from rag.text import Sentence

TEXT = "De veerboot naar Schierhorn vaart zes keer per dag. De overtocht duurt 45 minuten."
PASSAGE = Passage("veer.txt", 0, len(TEXT), TEXT)
FERRY = Sentence(PASSAGE, 0, 51)
CROSSING = Sentence(PASSAGE, 52, len(TEXT))


def test_a_likely_refusal_refuses_before_anything_is_written() -> None:
    signals = Signals(refuse=REFUSE_MIN_PROBABILITY + 0.01, yes=0.02, no=0.01)
    decided = opening(signals, "Wat kost de overtocht?", "nl", FERRY.text, [TEXT])
    assert decided.refuse and decided.first_word == ""


def test_an_open_question_is_left_to_the_model() -> None:
    decided = opening(
        Signals(refuse=0.05, yes=0.01, no=0.02), "Hoe lang duurt de overtocht?", "nl", FERRY.text, [TEXT]
    )
    assert not decided.refuse and decided.first_word == ""


@pytest.mark.parametrize(
    ("yes", "no", "language", "word"),
    [
        (0.9, 0.05, "nl", "Ja"),
        (0.6, 0.35, "nl", "Nee"),  # the model leans to yes; a weak yes is a no
        (0.9, 0.05, "en", "Yes"),
        (0.1, 0.8, "en", "No"),
    ],
)
def test_a_yes_no_answer_starts_with_the_calibrated_word(yes, no, language, word) -> None:
    assert yes + no >= YES_NO_MIN_MASS
    decided = opening(
        Signals(refuse=0.0, yes=yes, no=no),
        "Vaart de veerboot naar Schierhorn?",
        language,
        FERRY.text,
        [TEXT],
    )
    assert decided.first_word == word
    assert (word in ("Ja", "Yes")) == (yes / (yes + no) >= YES_MIN_SHARE)


def test_a_sentence_that_judged_on_its_own_does_not_answer_is_refused_first() -> None:
    # "Wat kost de overtocht?" over "De overtocht duurt 45 minuten.": about the crossing,
    # but no price. Inside the text the model would answer (no refusal word, no yes/no).
    low = Signals(refuse=0.0, yes=0.0, no=0.0, judged_answers=JUDGED_ANSWERS_MIN_SHARE - 0.1)
    decided = opening(low, "Wat kost de overtocht?", "nl", CROSSING.text, [TEXT])
    assert decided.refuse and "does not answer" in decided.reason
    high = Signals(refuse=0.0, yes=0.0, no=0.0, judged_answers=JUDGED_ANSWERS_MIN_SHARE + 0.1)
    assert not opening(high, "Hoe lang duurt de overtocht?", "nl", CROSSING.text, [TEXT]).refuse


@pytest.mark.parametrize("judged", [JUDGED_YES_MIN_SHARE - 0.2, JUDGED_YES_MIN_SHARE + 0.1])
def test_the_sentence_judged_on_its_own_decides_over_the_leaning_inside_the_text(judged) -> None:
    # Inside the text the model says "yes" (share 0.99); asked about the sentence alone, it
    # decides: "Is de veerboot de snelste?" over a sentence that says nothing of speed.
    signals = Signals(refuse=0.0, yes=0.9, no=0.01, judged_yes_share=judged)
    decided = opening(signals, "Vaart de veerboot naar Schierhorn?", "nl", FERRY.text, [TEXT])
    assert decided.first_word == ("Ja" if judged >= JUDGED_YES_MIN_SHARE else "Nee")
    assert "judged" in decided.reason


def test_not_a_yes_about_what_the_text_never_mentions_is_refused() -> None:
    # "Is de veerboot elektrisch?" over a text that never speaks of how it is driven: not a
    # yes, but its silence is no "no".
    signals = Signals(refuse=0.0, yes=0.6, no=0.3, judged_yes_share=JUDGED_YES_MIN_SHARE - 0.1)
    decided = opening(signals, "Is de veerboot elektrisch?", "nl", FERRY.text, [TEXT])
    assert decided.refuse and "elektrisch" in decided.reason
    # A yes about it stands (the judge read the sentence); so does a no about what it says.
    sure = Signals(refuse=0.0, yes=0.6, no=0.3, judged_yes_share=JUDGED_YES_MIN_SHARE + 0.1)
    assert opening(sure, "Is de veerboot elektrisch?", "nl", FERRY.text, [TEXT]).first_word == "Ja"
    decided = opening(signals, "Vaart de veerboot naar Schierhorn?", "nl", FERRY.text, [TEXT])
    assert decided.first_word == "Nee"
    # An English question over the Dutch text rightly shares few of its words.
    decided = opening(signals, "Is the ferry electric?", "en", FERRY.text, [TEXT])
    assert decided.first_word == "No"


def test_a_bound_the_text_does_not_name_is_no_fact_the_question_adds() -> None:
    # "more than a quarter" asks about a range: the text's "one in five" settles it, though
    # it never says "a quarter".
    text = "Ongeveer een op de vijf veerboten vaart op stroom."
    signals = Signals(refuse=0.0, yes=0.14, no=0.002, judged_yes_share=JUDGED_YES_MIN_SHARE + 0.05)
    decided = opening(signals, "Vaart meer dan een kwart van de veerboten op stroom?", "nl", text, [text])
    assert decided.first_word == "Nee" and "bound" in decided.reason


def test_a_yes_to_numbers_the_text_lacks_is_a_no() -> None:
    decided = opening(
        Signals(refuse=0.0, yes=0.95, no=0.04), "Does the ferry sail 9 times a day?", "en", FERRY.text, [TEXT]
    )
    assert decided.first_word == "No"


def test_a_negating_evidence_sentence_answers_no_where_the_model_would_refuse() -> None:
    # The model hesitates between "no answer" and "yes" where its evidence says "not".
    signals = Signals(refuse=0.4, yes=0.15, no=0.1)
    denied = "De veerboot vaart niet in de winter."
    decided = opening(signals, "Vaart de veerboot in de winter?", "nl", denied, [denied])
    assert decided.first_word == "Nee" and not decided.refuse
    # Without a negation in the evidence, the same signals refuse.
    assert opening(signals, "Vaart de veerboot in de winter?", "nl", FERRY.text, [TEXT]).refuse
    # Where the judge, reading the sentence apart from the text, surely says yes, its "not"
    # is about something else: "Is de veerboot oud?" over "... niet nieuw, maar oud".
    old = "De veerboot is niet nieuw, maar oud."
    sure = Signals(refuse=0.0, yes=0.6, no=0.1, judged_yes_share=JUDGED_YES_MIN_SHARE + 0.05)
    assert opening(sure, "Is de veerboot oud?", "nl", old, [old]).first_word == "Ja"
    unsure = Signals(refuse=0.0, yes=0.6, no=0.1, judged_yes_share=JUDGED_YES_MIN_SHARE - 0.05)
    assert opening(unsure, "Is de veerboot oud?", "nl", old, [old]).first_word == "Nee"
    # A question that itself negates is not answered by a negating sentence.
    asked = opening(signals, "Vaart de veerboot niet in de winter?", "nl", denied, [denied])
    assert asked.refuse


def test_a_yes_no_question_is_known_by_the_share_of_yes_and_no_among_unrefused_starts() -> None:
    # Sure it would refuse, the model still puts "No" far above any other start: a yes/no
    # question, which a negating evidence sentence answers.
    signals = Signals(refuse=0.96, yes=0.001, no=0.03)
    assert signals.yes + signals.no < YES_NO_MIN_MASS <= signals.yes_no_mass
    denied = "Huurders kunnen geen subsidie aanvragen."
    assert opening(signals, "Kunnen huurders subsidie aanvragen?", "nl", denied, [denied]).first_word == "Nee"
    # An open question the model would refuse: "yes" and "no" are as unlikely as any word.
    open_question = Signals(refuse=0.96, yes=0.001, no=0.002)
    assert open_question.yes_no_mass < YES_NO_MIN_MASS
    assert opening(open_question, "Wie mag subsidie aanvragen?", "nl", denied, [denied]).refuse


def test_no_signals_means_no_decision() -> None:
    assert opening(None, "Vaart hij?", "nl", FERRY.text, [TEXT]).first_word == ""


def test_an_answer_with_an_invented_number_is_refused() -> None:
    verdict = judge("De overtocht duurt 50 minuten.", "nl", FERRY, [TEXT])
    assert not verdict.accepted and "50" in verdict.reason
    assert verdict.answer == "Dat staat niet in het artikel."


def test_an_answer_with_an_invented_name_is_refused() -> None:
    assert not judge("The ferry is run by Wadlijn Express.", "en", FERRY, [TEXT]).accepted


def test_a_grounded_answer_is_accepted() -> None:
    verdict = judge("Zes keer per dag, naar Schierhorn.", "nl", FERRY, [TEXT])
    assert verdict.accepted and verdict.answer == "Zes keer per dag, naar Schierhorn."


def test_a_written_refusal_is_a_refusal() -> None:
    assert not judge("NO_ANSWER", "en", FERRY, [TEXT]).accepted
    assert not judge("The text does not say.", "en", None, [TEXT]).accepted


def test_the_evidence_stands_in_for_an_answer_in_the_other_language() -> None:
    verdict = judge("The ferry to Schierhorn sails six times every single day.", "nl", FERRY, [TEXT])
    assert verdict.accepted and verdict.answer == FERRY.text
    # A yes or a no keeps its word, in the question's language.
    said = judge("Yes, the ferry to Schierhorn sails six times every single day.", "nl", FERRY, [TEXT])
    assert said.accepted and said.answer == f"Ja. {FERRY.text}"


def test_a_number_from_another_sentence_than_the_quoted_one_is_refused() -> None:
    verdict = judge("De overtocht duurt 45 minuten.", "nl", FERRY, [TEXT])
    assert not verdict.accepted and "45" in verdict.reason
    assert judge("De overtocht duurt 45 minuten.", "nl", None, [TEXT]).accepted


def test_a_no_may_repeat_the_facts_of_the_question_it_denies() -> None:
    question = "Does the ferry sail 9 times a day?"
    answer = "No, it does not sail 9 times a day."
    assert not judge(answer, "en", FERRY, [TEXT]).accepted
    no = Opening(False, "No", "the evidence sentence gives another amount")
    assert judge(answer, "en", FERRY, [TEXT], restated=no.restated(question)).accepted


def test_a_yes_may_repeat_the_figure_the_question_bounds_and_no_other() -> None:
    cargo = "Door de haven gaat jaarlijks ongeveer 2,3 miljoen ton vracht."
    evidence = Sentence(Passage("haven.txt", 0, len(cargo), cargo), 0, len(cargo))
    question = "Gaat er jaarlijks meer dan 2 miljoen ton vracht door de haven, in 12 schepen?"
    yes = Opening(False, "Ja", "the evidence sentence's figure meets the question's bound")
    assert yes.restated(question) == "2 miljoen"
    answer = "Ja, er gaat jaarlijks meer dan 2 miljoen ton vracht door de haven."
    assert not judge(answer, "nl", evidence, [cargo], question=question).accepted
    assert judge(answer, "nl", evidence, [cargo], yes.restated(question), question).accepted
    # The question's unbounded number is still a claim the text must make.
    claim = "Ja, in 12 schepen gaat er meer dan 2 miljoen ton door de haven."
    assert not judge(claim, "nl", evidence, [cargo], yes.restated(question), question).accepted


def test_a_yes_no_question_about_a_name_the_text_lacks_is_refused() -> None:
    signals = Signals(refuse=0.03, yes=0.74, no=0.02)
    decided = opening(signals, "Vaart de veerboot ook naar Texel?", "nl", FERRY.text, [TEXT])
    assert decided.refuse and "texel" in decided.reason
    # A sentence that denies something else does not answer it either.
    denying = "De veerboot vaart in de winter niet naar Schierhorn."
    decided = opening(signals, "Vaart de veerboot ook naar Texel?", "nl", denying, [TEXT, denying])
    assert decided.refuse and "texel" in decided.reason


def test_an_answer_resting_on_what_was_asked_but_never_written_is_refused() -> None:
    # The text names no restaurant: calling the ferry one answers with the question's word.
    verdict = judge(
        "De veerboot is een restaurant.", "nl", FERRY, [TEXT], question="Welk restaurant ligt aan de haven?"
    )
    assert not verdict.accepted and "restaurant" in verdict.reason
    # An answer with a number may echo the question: its number is checked instead.
    verdict = judge(
        "De overtocht kost 45 minuten.", "nl", CROSSING, [TEXT], question="Hoe lang kost de overtocht?"
    )
    assert verdict.accepted
    # So may one with a fraction in words: the fraction is checked against the text.
    share = "Een op de vijf bewoners werkt op de veerboot."
    verdict = judge(
        "Een op de vijf bewoners werkt dankzij de veerboot.",
        "nl",
        None,
        [TEXT, share],
        question="Welk deel van de bewoners werkt dankzij de veerboot?",
    )
    assert verdict.accepted
    verdict = judge("Een op de drie bewoners.", "nl", None, [TEXT, share], question="Welk deel?")
    assert not verdict.accepted and "een op de drie" in verdict.reason
    # Words of the question that the text does use are fine.
    verdict = judge(
        "De veerboot vaart zes keer per dag.", "nl", FERRY, [TEXT], question="Hoe vaak vaart de veerboot?"
    )
    assert verdict.accepted
    # An English question over a Dutch text shares few words with it: not held against it.
    verdict = judge(
        "The ferry sails six times a day.", "en", FERRY, [TEXT], question="How often does the ferry sail?"
    )
    assert verdict.accepted


def test_a_how_many_question_answered_without_a_number_is_refused() -> None:
    # The text names the crossing but not its price: the nearby fact is no answer.
    verdict = judge(
        "De overtocht naar Schierhorn gaat met de veerboot.",
        "nl",
        FERRY,
        [TEXT],
        question="Hoeveel kost de overtocht naar Schierhorn in 2024?",
    )
    assert not verdict.accepted and "no number" in verdict.reason
    # The question's own year is not the answer's number either.
    verdict = judge(
        "In 2024 vaart de veerboot.", "nl", FERRY, [TEXT], question="Hoeveel boten varen in 2024?"
    )
    assert not verdict.accepted
    # A number in words is one; so is "none".
    assert judge("Zes keer per dag.", "nl", FERRY, [TEXT], question="Hoeveel keer vaart hij?").accepted
    assert judge("Six times a day.", "en", FERRY, [TEXT], question="How many trips a day?").accepted
    assert judge("Geen.", "nl", FERRY, [TEXT], question="Hoeveel bruggen zijn er?").accepted
    # Other questions may be answered without a number.
    assert judge("Naar Schierhorn.", "nl", FERRY, [TEXT], question="Waar vaart de veerboot heen?").accepted


def test_the_texts_number_with_another_unit_is_refused() -> None:
    # "45 uur" takes the sentence's number and the question's unit: the text says minutes.
    verdict = judge("45 uur", "nl", CROSSING, [TEXT], question="Hoeveel uur duurt de overtocht?")
    assert not verdict.accepted and "45 uur" in verdict.reason
    assert judge("45 minuten", "nl", CROSSING, [TEXT]).accepted
    # Translated, a unit is not another one.
    assert judge("45 minutes", "en", CROSSING, [TEXT]).accepted


def test_the_evidence_sentence_stands_in_for_a_failed_answer_it_surely_gives() -> None:
    # The model wrote "De overtocht duurt 50 minuten" from a sentence that says 45: refused,
    # but judged on its own the sentence surely answers "Hoe lang duurt de overtocht?".
    failed = judge("De overtocht duurt 50 minuten.", "nl", CROSSING, [TEXT])
    assert not failed.accepted
    sure, unsure = EVIDENCE_STANDS_IN_MIN_SHARE + 0.05, EVIDENCE_STANDS_IN_MIN_SHARE - 0.1
    standing_in = evidence_stands_in(failed, CROSSING, sure)
    assert standing_in.accepted and standing_in.answer == CROSSING.text
    # Not where the judge was unsure, nor for a yes/no answer, nor where the model refused.
    assert not evidence_stands_in(failed, CROSSING, unsure).accepted
    assert not evidence_stands_in(failed, CROSSING, sure, opened_with="Nee").accepted
    refusal = judge("NO_ANSWER", "nl", CROSSING, [TEXT])
    assert not evidence_stands_in(refusal, CROSSING, sure).accepted
    # An accepted answer stays as it is.
    accepted = judge("45 minuten", "nl", CROSSING, [TEXT])
    assert evidence_stands_in(accepted, CROSSING, sure) == accepted


def test_the_evidence_sentence_settles_a_no_by_its_words_whatever_the_signals() -> None:
    # The model leans to "yes" and to "the sentence does not answer" where the sentence denies
    # what was asked; its words decide.
    leaning = Signals(refuse=0.2, yes=0.5, no=0.1, judged_answers=0.2, judged_yes_share=0.9)
    denied = "De bakker verkoopt geen taart en blijft bij brood."
    decided = opening(leaning, "Verkoopt de bakker taart?", "nl", denied, [denied])
    assert decided.first_word == "Nee" and "denies: taart" in decided.reason
    lower = "De toren is het op één na hoogste gebouw van de stad."
    decided = opening(leaning, "Is de toren het hoogste gebouw van de stad?", "nl", lower, [lower])
    assert decided.first_word == "Nee" and "ranks it lower" in decided.reason
    other = "De Zuidmolen maalt 300 kilo graan per dag."
    decided = opening(leaning, "Does the Zuidmolen grind 500 kilo a day?", "en", other, [other])
    assert decided.first_word == "No" and "another amount" in decided.reason
    bound = "The Zuidmolen grant pays at most 40 percent of the bill."
    decided = opening(
        leaning, "Does the Zuidmolen grant pay more than half of the bill?", "en", bound, [bound]
    )
    assert decided.first_word == "No" and "proportion misses" in decided.reason
    # And a yes, where the text's words say yes: its proportion meets the bound, or it
    # compares the two things the way the question does.
    doubting = Signals(refuse=0.3, yes=0.2, no=0.2, judged_answers=0.5, judged_yes_share=0.5)
    decided = opening(
        doubting, "Does the Zuidmolen grant pay less than half of the bill?", "en", bound, [bound]
    )
    assert decided.first_word == "Yes" and "proportion meets" in decided.reason
    cargo = "Door de haven van Schierhorn gaat jaarlijks ongeveer 2,3 miljoen ton vracht."
    decided = opening(
        leaning, "Gaat er jaarlijks meer dan 2 miljoen ton vracht door die haven?", "nl", cargo, [cargo]
    )
    assert decided.first_word == "Ja" and "figure meets" in decided.reason
    pair = "De veerboot naar Schierhorn is sneller dan de trein."
    decided = opening(doubting, "Is de veerboot naar Schierhorn sneller dan de trein?", "nl", pair, [pair])
    assert decided.first_word == "Ja" and "same way" in decided.reason
    decided = opening(leaning, "Is de trein sneller dan de veerboot naar Schierhorn?", "nl", pair, [pair])
    assert decided.first_word == "Nee" and "other way" in decided.reason


def test_the_evidence_settles_nothing_about_another_subject_or_an_open_question() -> None:
    # A sentence that shares one word of the question is not about it.
    assert settled("Verkoopt de bakker in het dorp op zaterdag taart?", "Er is geen taart.") == (None, "")
    # A question that negates itself is not answered by a denial.
    assert settled("Verkoopt de bakker geen taart?", "De bakker verkoopt geen taart.") == (None, "")
    # Not a yes/no question (the model puts no weight on "yes" or "no"): the model answers.
    signals = Signals(refuse=0.0, yes=0.001, no=0.001, judged_answers=0.9)
    denied = "De bakker verkoopt geen taart en blijft bij brood."
    assert opening(signals, "Wat verkoopt de bakker?", "nl", denied, [denied]).first_word == ""


def test_a_denial_chosen_beside_the_sentence_pointed_at_is_about_the_question_with_it() -> None:
    question = "Mogen huurders de Wadden-subsidie voor warmtepompen op Terschelling aanvragen?"
    denial = "Alleen eigenaren doen mee, dus huurders kunnen niet aanvragen."
    pointed_at = "De Wadden-subsidie voor warmtepompen geldt op Terschelling."
    assert settled(question, denial) == (None, "")  # alone, two of its six words
    said, why = settled(question, denial, beside=pointed_at)
    assert said is False and "denies: aanvragen" in why


def test_a_yes_may_restate_the_question_in_its_words() -> None:
    text = "Schierhorn is een eiland in de provincie Friesland."
    question = "Hoort Schierhorn bij de provincie Friesland?"
    assert judge(
        "Ja, Schierhorn hoort bij de provincie Friesland.", "nl", None, [text], "", question
    ).accepted
    # Without a yes or no before it, an answer resting on the asked word stays refused.
    assert not judge(
        "Schierhorn hoort bij de provincie Friesland.", "nl", None, [text], "", question
    ).accepted


def test_an_answer_may_echo_the_questions_modal_and_question_words() -> None:
    question = "What should I close last when leaving the cabin?"
    answer = "You should close the valve last when leaving the cabin."
    assert (
        asked_words_the_text_lacks(
            answer, question, ["3. Close the valve last when leaving the cabin."], "en"
        )
        == []
    )
    # What it claims from the question still counts: the text names no chimney.
    claimed = asked_words_the_text_lacks(
        "You should close the chimney.", "Should I close the chimney?", ["3. Close the valve last."], "en"
    )
    assert claimed == ["chimney"]


def test_a_short_word_of_the_text_counts_for_its_longer_form() -> None:
    # "Vul" (too short to be a content word itself) is the text's "vullen".
    context = ["1. Vul de tank met water.", "2. Los een tablet op in het water."]
    answer = "Na het vullen van de tank los je een tablet op."
    assert asked_words_the_text_lacks(answer, "Wat doe ik na het vullen van de tank?", context, "nl") == []
