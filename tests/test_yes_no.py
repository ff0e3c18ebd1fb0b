"""Yes/no questions: detection, an explicit "not" in the text, unfounded verdicts."""

import pytest

from rag.chunking import Passage
from rag.yes_no import denial, is_yes_no_question, quote_is_invented, says_no, says_yes, unfounded_verdict

TEXT = (
    "Het bedrijf Fabrikam bouwt windmolens in Groningen. Het wordt niet gefinancierd door de overheid. "
    "De bouw kost 40 miljoen euro."
)
CONTEXT = [Passage("fabrikam.txt", 0, len(TEXT), TEXT)]


@pytest.mark.parametrize(
    "question",
    [
        "Wordt Fabrikam door de overheid gefinancierd?",
        "Heeft Fabrikam windmolens?",
        "Is Fabrikam funded by the government?",
        "Does Fabrikam build wind turbines?",
        "Bouwt Fabrikam windmolens?",
    ],
)
def test_yes_no_questions_are_recognised(question: str) -> None:
    assert is_yes_no_question(question)


@pytest.mark.parametrize(
    "question",
    [
        "Wat bouwt Fabrikam?",
        "Hoeveel kost de bouw?",
        "In welke stad bouwt Fabrikam?",
        "Who pays?",
        "En Google?",
    ],
)
def test_open_questions_are_not_yes_no(question: str) -> None:
    assert not is_yes_no_question(question)


def test_an_explicit_not_beside_the_questions_verb_is_found() -> None:
    found = denial("Wordt Fabrikam door de overheid gefinancierd?", "nl", CONTEXT)
    assert found is not None
    # "Het" refers back to Fabrikam in the sentence before: the name may stand there.
    assert found.sentence == "Het wordt niet gefinancierd door de overheid."


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Wordt Contoso door de overheid gefinancierd?", "nl"),  # another subject
        ("Wordt Fabrikam niet gefinancierd?", "nl"),  # a negated question: "no" would be ambiguous
        ("Bouwt Fabrikam windmolens?", "nl"),  # nothing negated
        ("Is Fabrikam financed by the government?", "en"),  # the sentence is Dutch
    ],
)
def test_no_denial_without_a_matching_not(question: str, language: str) -> None:
    assert denial(question, language, CONTEXT) is None


def test_invented_quotes_are_told_from_real_ones() -> None:
    assert quote_is_invented("Fabrikam heeft een kantoor in Amsterdam geopend.", CONTEXT)
    assert not quote_is_invented("Het bedrijf Fabrikam bouwt windmolens in Groningen.", CONTEXT)
    assert not quote_is_invented("Fabrikam bouwt windmolens in Groningen", CONTEXT)  # a loose copy
    assert not quote_is_invented("Groningen", CONTEXT)  # too short to judge
    # A quote translated for an English question can't be compared word for word.
    assert not quote_is_invented("The company Fabrikam builds wind turbines.", CONTEXT)


def test_verdicts() -> None:
    assert says_yes("Ja, dat klopt.") and says_yes("Yes") and not says_yes("Jazeker niet")
    assert says_no("Nee.") and says_no("No, it does not.") and not says_no("Nooit gedacht")
    real = "De bouw kost 40 miljoen euro."
    # A yes to a number the text doesn't hold, or resting on an invented quote, is unfounded.
    assert unfounded_verdict("Kost de bouw 50 miljoen euro?", real, "Ja", CONTEXT)
    assert unfounded_verdict(
        "Heeft Fabrikam een kantoor?", "Fabrikam heeft een kantoor in Delft.", "Ja", CONTEXT
    )
    assert not unfounded_verdict("Kost de bouw 40 miljoen euro?", real, "Ja", CONTEXT)
    assert not unfounded_verdict("Kost de bouw 50 miljoen euro?", real, "Nee, 40 miljoen euro.", CONTEXT)
    assert not unfounded_verdict("Kost de bouw veel?", real, "Het kost 40 miljoen euro.", CONTEXT)
