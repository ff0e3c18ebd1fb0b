"""The grounding rules, on invented texts (never the article)."""

from dataclasses import replace

from rag.chunking import Passage
from rag.decision import Calibration
from rag.grounding import RULES, Case, decide, denied_question, rules_off
from rag.lexicon import load_lexicons
from rag.settings import Settings
from rag.text import Sentence

TEXT = "De veerboot naar Schierhorn vaart zes keer per dag. De overtocht duurt 45 minuten."
PASSAGE = Passage("veer.txt", 0, len(TEXT), TEXT)
FERRY = Sentence(PASSAGE, 0, 51)
CROSSING = Sentence(PASSAGE, 52, len(TEXT))
SIGNALS = {"similarity": 0.9, "top_similarity": 0.9, "support": 1.0, "other_language": 0.0}


def case(answer: str, language: str = "nl", evidence: Sentence | None = FERRY, **more: object) -> Case:
    return Case(
        more.pop("question", "Hoe vaak vaart de veerboot?"), language, answer, evidence, (TEXT,), **more
    )


def calibration(threshold: float) -> Calibration:
    """A decision whose chance rises with `support` alone."""
    return Calibration(
        "test",
        ("similarity", "top_similarity", "support", "other_language"),
        (0.0,) * 4,
        (1.0,) * 4,
        (0.0, 0.0, 4.0, 0.0),
        -2.0,
        threshold,
    )


def test_an_answer_with_an_invented_number_is_refused() -> None:
    decision = decide(case("De overtocht duurt 50 minuten.", evidence=CROSSING), None)
    assert not decision.accepted and "50" in decision.reason
    assert decision.answer == "Dat staat niet in het artikel."


def test_an_answer_with_an_invented_name_is_refused() -> None:
    assert not decide(case("The ferry is run by Wadlijn Express.", "en"), None).accepted


def test_a_grounded_answer_is_accepted() -> None:
    decision = decide(case("Zes keer per dag, naar Schierhorn."), None)
    assert decision.accepted and decision.answer == "Zes keer per dag, naar Schierhorn."
    assert decision.reason == "grounded"


def test_a_written_refusal_is_a_refusal() -> None:
    assert decide(case("NO_ANSWER", "en"), None).reason == "the model refused"
    assert decide(case("The text does not say.", "en", None), None).reason == "the model refused"


def test_an_answer_without_evidence_or_citation_is_refused() -> None:
    assert decide(case("Zes keer per dag.", evidence=None), None).reason == "no sentence holds the answer"
    uncited = replace(case("Zes keer per dag."), cited=())
    assert decide(uncited, None).reason == "no passage supports the answer"


def test_the_evidence_stands_in_for_an_answer_in_the_other_language() -> None:
    decision = decide(case("The ferry to Schierhorn sails six times every single day."), None)
    assert decision.accepted and decision.answer == FERRY.text
    # A yes or a no keeps its word, in the question's language.
    said = decide(case("Yes, the ferry to Schierhorn sails six times every single day."), None)
    assert said.accepted and said.answer == f"Ja. {FERRY.text}"


def test_a_mixed_answer_over_a_text_in_another_language_gives_way_to_the_text_quoted() -> None:
    # An English question over the Dutch text, answered half in Dutch: the Dutch sentence,
    # quoted whole after the English lead-in, whose own words are English.
    mixed = case("De veerboot vaart zes keer per dag naar Schierhorn, the ferry goes.", "en")
    decision = decide(mixed, None)
    assert decision.accepted and decision.answer == f"The text says: „{FERRY.text}”"
    assert decision.reason.endswith("quoted")
    said = decide(case("Ja, de veerboot naar Schierhorn vaart zes keer per dag.", "en"), None)
    assert said.answer == f"Yes. The text says: „{FERRY.text}”"


def test_a_no_may_repeat_the_facts_of_the_question_it_denies() -> None:
    question = "Does the ferry sail 9 times a day?"
    answer = "No, it does not sail 9 times a day."
    assert decide(case(answer, "en", question=question), None).accepted
    assert not decide(case(answer, "en", question="How often does the ferry sail?"), None).accepted
    # A yes claims what it repeats.
    assert denied_question("Yes, 9 times a day.", question) == ""


def test_the_learned_decision_refuses_below_its_cut_and_after_the_hard_check() -> None:
    weak = case("Zes keer per dag.", signals={**SIGNALS, "support": 0.1})
    decision = decide(weak, calibration(0.5))
    assert not decision.accepted and decision.reason.startswith("learned: P(right) 0.17")
    assert decide(replace(weak, signals=SIGNALS), calibration(0.5)).accepted
    # An invented number is the hard check's to refuse, whatever the chance.
    invented = replace(case("De overtocht duurt 50 minuten.", evidence=CROSSING), signals=SIGNALS)
    assert decide(invented, calibration(0.5)).reason.startswith("not in the text: 50")


def test_start_up_names_the_rules_off_for_the_model_and_languages() -> None:
    lexicons = load_lexicons(Settings().lexicon_dir, ["en", "nl"])
    assert rules_off(lexicons, calibration(0.5), "test") == []
    assert rules_off(lexicons, None, "other.gguf") == [
        "learned decision: off (no calibration for other.gguf: `python app.py calibrate`)"
    ]
    without_numbers = {**lexicons, "nl": replace(lexicons["nl"], number_words={})}
    assert rules_off(without_numbers, calibration(0.5), "test") == [
        "hard check: without number_words for nl (none in lexicon/nl.json)"
    ]
    # Every rule names what it needs from the lexicons by a field they have.
    fields = set(lexicons["en"].__dataclass_fields__) | {"calibration"}
    assert {need for rule in RULES for need in rule.needs} <= fields
