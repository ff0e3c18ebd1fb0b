"""The words of each language, as data: every file has every field; what a client's
system message asks for."""

from rag.lexicon import asked_language, load_lexicons
from rag.settings import PROJECT_ROOT

LEXICONS = load_lexicons(PROJECT_ROOT / "lexicon")


def test_each_language_has_its_file() -> None:
    assert set(LEXICONS) == {"nl", "en", "de"}  # each loaded with every field (a missing one fails)


def test_the_languages_served_are_a_setting_and_a_missing_lexicon_is_said() -> None:
    import pytest

    from rag.settings import Settings

    assert Settings().language_codes == ("nl", "en")  # German ships, served where asked for
    assert Settings(languages="nl, en,de").language_codes == ("nl", "en", "de")
    assert set(load_lexicons(PROJECT_ROOT / "lexicon", ("nl", "en"))) == {"nl", "en"}
    with pytest.raises(ValueError, match="fr"):
        load_lexicons(PROJECT_ROOT / "lexicon", ("nl", "fr"))


def test_the_language_a_system_message_asks_for() -> None:
    assert asked_language("Answer in English, please.", LEXICONS) == "en"
    assert asked_language("Antwoord altijd in het Nederlands.", LEXICONS) == "nl"
    assert asked_language("Be brief.", LEXICONS) is None
    assert asked_language("In English or in Dutch, as you like.", LEXICONS) is None


def test_the_checks_read_every_languages_words_from_its_file(tmp_path) -> None:
    """A third language is a file: its stop words, number words, yes and refusal count in the
    checks without a line of code."""
    import json

    from rag.lexicon import Vocabulary

    for code in ("nl", "en"):
        (tmp_path / f"{code}.json").write_text((PROJECT_ROOT / "lexicon" / f"{code}.json").read_text())
    third = json.loads((PROJECT_ROOT / "lexicon" / "en.json").read_text())
    third.update(stopwords=["und"], number_words={"zwei": 2}, yes="Ja", no="Nein", refusal="Nicht im Text.")
    (tmp_path / "de.json").write_text(json.dumps(third))
    words = Vocabulary(load_lexicons(tmp_path), "nl")
    assert words.languages == ("nl", "de", "en")  # the default language's stemmer first
    assert "und" in words.stopwords and "welke" in words.stopwords and "which" in words.stopwords
    assert words.number_words["zwei"] == "2" and words.number_words["twee"] == "2"
    assert words.lexicons["de"].refusal == "Nicht im Text."
