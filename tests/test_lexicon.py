"""The words of each language, as data: every file has every field; what a client's
system message asks for."""

from rag.lexicon import asked_language, load_lexicons
from rag.settings import PROJECT_ROOT

LEXICONS = load_lexicons(PROJECT_ROOT / "lexicon")


def test_each_language_has_its_file() -> None:
    assert set(LEXICONS) == {"nl", "en"}  # each loaded with every field (a missing one fails)


def test_the_language_a_system_message_asks_for() -> None:
    assert asked_language("Answer in English, please.", LEXICONS) == "en"
    assert asked_language("Antwoord altijd in het Nederlands.", LEXICONS) == "nl"
    assert asked_language("Be brief.", LEXICONS) is None
    assert asked_language("In English or in Dutch, as you like.", LEXICONS) is None
