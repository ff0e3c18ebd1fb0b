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
