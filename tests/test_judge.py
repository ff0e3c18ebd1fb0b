"""The judging rules, on invented texts (never the article)."""

from rag.chunking import Passage
from rag.judge import (
    denied_question,
    judge,
)
from rag.text import Sentence

TEXT = "De veerboot naar Schierhorn vaart zes keer per dag. De overtocht duurt 45 minuten."
PASSAGE = Passage("veer.txt", 0, len(TEXT), TEXT)
FERRY = Sentence(PASSAGE, 0, 51)
CROSSING = Sentence(PASSAGE, 52, len(TEXT))


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


def test_a_no_may_repeat_the_facts_of_the_question_it_denies() -> None:
    question = "Does the ferry sail 9 times a day?"
    answer = "No, it does not sail 9 times a day."
    assert not judge(answer, "en", FERRY, [TEXT]).accepted
    assert judge(answer, "en", FERRY, [TEXT], restated=denied_question(answer, question)).accepted
    # A yes claims what it repeats.
    assert denied_question("Yes, 9 times a day.", question) == ""
