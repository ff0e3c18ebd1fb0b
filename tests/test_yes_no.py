"""Yes/no questions: which ones ask it, and the model's lean read from its probabilities."""

from collections.abc import Sequence

import pytest
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from rag.lexicon import load_lexicons
from rag.settings import Settings
from rag.yes_no import asks_yes_or_no, yes_odds

LEXICONS = load_lexicons(Settings().lexicon_dir, ["de", "en", "nl"])


@pytest.mark.parametrize(
    ("question", "language", "asks"),
    [
        ("Does the ferry sail on Sundays?", "en", True),
        ("Was the bridge finished in 1932?", "en", True),
        ("Heeft de gemeente de brug betaald?", "nl", True),
        ("Wordt de veerdienst gesubsidieerd?", "nl", True),
        ("Ist die Fähre pünktlich?", "de", True),
        ("What does the ferry cost?", "en", False),
        ("Wie betaalde de brug?", "nl", False),
        # German "Was" asks what; English "Was" asks yes or no.
        ("Was kostet die Fähre?", "de", False),
    ],
)
def test_a_yes_no_question_is_known_by_its_first_word_in_its_language(
    question: str, language: str, asks: bool
) -> None:
    assert asks_yes_or_no(question, LEXICONS[language]) is asks


class Leaning:
    """A model whose reply starts with "Yes" at log-probability -0.2 and "No" at -1.8."""

    def __init__(self, logprobs: dict[str, float]):
        self.logprobs = logprobs
        self.asked: list[BaseMessage] = []

    def first_word_logprobs(self, messages: list[BaseMessage], words: Sequence[str]) -> dict[str, float]:
        self.asked = messages
        return {w: self.logprobs[w] for w in words if w in self.logprobs}


def test_the_lean_is_the_log_odds_of_yes_over_no_after_the_instruction() -> None:
    model = Leaning({"Yes": -0.2, "No": -1.8})
    messages = [SystemMessage("passages"), HumanMessage("Vaart de veerboot op zondag?")]
    assert yes_odds(model, messages, "Answer yes or no.", LEXICONS) == pytest.approx(1.6)
    assert model.asked[-1].content == "Vaart de veerboot op zondag?\nAnswer yes or no."
    assert model.asked[0].content == "passages"
    # Every language's yes counts ("Ja" as much as "Yes"): log(e^-1 + e^-1) - (-1).
    both = Leaning({"Yes": -1.0, "Ja": -1.0, "No": -1.0})
    assert yes_odds(both, messages, "Answer yes or no.", LEXICONS) == pytest.approx(0.6931, abs=1e-3)
    # A model with no one-token "no" gives no lean at all.
    assert yes_odds(Leaning({"Yes": -0.1}), messages, "Answer yes or no.", LEXICONS) is None


@pytest.mark.model
def test_the_local_model_leans_yes_and_no_as_the_text_says(real_pipeline) -> None:
    """The in-process model's probabilities, over a prompt of invented passages."""
    llm = real_pipeline.llm
    system = SystemMessage(
        "Answer the question using only the passage below.\n\n"
        "[1] The ferry to Schierhorn sails six times a day, but never on Sundays."
    )
    sundays = [system, HumanMessage("Does the ferry to Schierhorn sail on Sundays?")]
    daily = [system, HumanMessage("Does the ferry to Schierhorn sail six times a day?")]
    lexicons = {code: LEXICONS[code] for code in ("en", "nl")}
    assert (
        yes_odds(llm, sundays, "Answer yes or no.", lexicons)
        < 0
        < yes_odds(llm, daily, "Answer yes or no.", lexicons)
    )
    logprobs = llm.first_word_logprobs(daily, ["Yes", "No", "Nee"])
    assert set(logprobs) <= {"Yes", "No", "Nee"} and {"Yes", "No"} <= set(logprobs)
    assert all(value <= 0 for value in logprobs.values())
