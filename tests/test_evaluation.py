"""Scoring an answer against the expected texts (invented answers)."""

from rag.evaluation import _says


def test_a_short_expected_text_is_a_whole_word() -> None:
    assert _says("ja, dat klopt.", "ja")
    assert not _says("in het jaar 2024", "ja")
    assert not _says("in november", "no")
    assert _says("het kost 2,2 miljoen", "2,2")


def test_an_expected_text_that_ends_in_a_sign_may_run_on() -> None:
    # "4 °" is in "4 °c": the degree sign is not a letter, so "c" may follow it.
    assert _says("bewaar hem bij 4 °c.", "4 °")
    assert not _says("bewaar hem bij 14 °c.", "4 °")


def test_a_no_denies_the_questions_facts_and_a_yes_claims_them() -> None:
    from rag.citations import Citation
    from rag.evaluation import _claims_rest_on
    from rag.pipeline import AnswerResult
    from rag.text import unsupported_facts

    sentence = "De molen maalt 300 kilo per dag."
    cited = [Citation(1, "molen.txt", 0, len(sentence), sentence, 1.0, 0, len(sentence), sentence)]
    record = {"question": "Maalt de molen 500 kilo per dag?"}
    no = AnswerResult("Nee, de molen maalt geen 500 kilo maar 300.", False, "nl", cited)
    yes = AnswerResult("Ja, de molen maalt 500 kilo per dag.", False, "nl", cited)
    assert unsupported_facts(no.answer, _claims_rest_on(record, no)) == []
    assert unsupported_facts(yes.answer, _claims_rest_on(record, yes)) == ["500"]
