"""The grounding contract (pure functions): once the model has written its answer, one frozen
`Case` (the question, its language, the answer, its evidence sentence, the cited passages,
the signals) goes down one ordered table of rules, and the first rule that decides, decides:
it refuses, or (the language rule) shows something else. An answer no rule stops is shown as
written.

Rules run at one stage only, after the model has written and before anything of the answer
is shown: the reader sees the passages being read meanwhile, and nothing shown is ever taken
back. Each rule names the questions it applies to and what it needs (a lexicon's word table,
the model's calibration), so start-up says which rules are off for the languages and model
served (`rules_off`).

Every other rule that stood here (refusal thresholds, the yes/no word chosen by thresholds
and by the evidence's words, denials, superlatives, bounds, units, echoed question words,
...) was measured on the public benchmark's tune half and removed: none paid beyond noise
(`bench/ablation.py`, docs/benchmark.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rag.answer_format import is_refusal, refusal, yes_or_no
from rag.decision import Calibration
from rag.language import Language, clearly_other_language
from rag.lexicon import Lexicon, lexicon_for, vocabulary
from rag.text import Sentence, unsupported_facts

MODEL_REFUSED = "the model refused"
NO_EVIDENCE = "no sentence holds the answer"
NO_CITATION = "no passage supports the answer"
UNSUPPORTED_PREFIX = "not in the text: "  # then the facts the text lacks
LEARNED_PREFIX = "learned: "


@dataclass(frozen=True)
class Case:
    """What the rules see of one question, once the model has written."""

    question: str
    language: Language  # the question's (or the one a client asked for)
    answer: str  # the model's, its labels and [n] markers taken off
    evidence: Sentence | None  # the sentence that holds most of the answer; None: none does
    cited: tuple[str, ...] = ()  # the cited passages' texts
    signals: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    accepted: bool
    answer: str  # what is shown: the model's answer, the evidence sentence, or a refusal
    reason: str


def refused(language: Language, reason: str) -> Decision:
    return Decision(False, refusal(language), reason)


def denied_question(answer: str, question: str) -> str:
    """What of the question an answer may repeat without the text saying it: a "no" denies
    the question's facts ("No, not 5 gigawatts"), it does not claim them."""
    return question if yes_or_no(answer.strip()) == "no" else ""


def _model_refused(case: Case, calibration: Calibration | None) -> Decision | None:
    if not case.answer or is_refusal(case.answer):
        return refused(case.language, MODEL_REFUSED)
    return None


def _has_evidence(case: Case, calibration: Calibration | None) -> Decision | None:
    return refused(case.language, NO_EVIDENCE) if case.evidence is None else None


def _is_cited(case: Case, calibration: Calibration | None) -> Decision | None:
    return refused(case.language, NO_CITATION) if not case.cited else None


def _hard_check(case: Case, calibration: Calibration | None) -> Decision | None:
    """No number, amount or name the cited text lacks (a "no" may repeat the question's)."""
    missing = unsupported_facts(case.answer, [*case.cited, denied_question(case.answer, case.question)])
    return refused(case.language, UNSUPPORTED_PREFIX + ", ".join(missing)) if missing else None


def _learned(case: Case, calibration: Calibration | None) -> Decision | None:
    if calibration is None:
        return None
    chance = calibration.right_chance(case.signals)
    if chance < calibration.threshold:
        return refused(case.language, f"{LEARNED_PREFIX}P(right) {chance:.2f} < {calibration.threshold}")
    return None


def _in_its_language(case: Case, calibration: Calibration | None) -> Decision | None:
    """An answer plainly in another language than the question's: its evidence sentence
    stands in, and where that is in another language too, it is quoted after the question's
    language's "The text says:" (the text's own words whole, not the model's half-translated
    ones)."""
    if not clearly_other_language(case.answer, case.language):
        return None
    evidence = case.evidence
    if evidence is None:
        return Decision(True, case.answer, "answered in the other language; nothing better to show")
    lexicon = lexicon_for(vocabulary().lexicons, case.language)
    # A yes or a no keeps its word, in the question's language: "Ja. <the sentence>".
    said = yes_or_no(case.answer)
    said = f"{getattr(lexicon, said)}. " if said else ""
    if clearly_other_language(evidence.text, case.language):
        quoted = f"{said}{lexicon.text_says} „{evidence.text}”"
        return Decision(True, quoted, "answered in the other language; the evidence sentence quoted")
    shown = said + evidence.text
    return Decision(True, shown, "answered in the other language; the evidence sentence stands in")


@dataclass(frozen=True)
class Rule:
    name: str
    applies_to: str  # the questions it can decide, in words
    # What it reads: "calibration" (the model's file), or a lexicon's word table by its field.
    needs: tuple[str, ...]
    check: Callable[[Case, Calibration | None], Decision | None]  # None: not decided here


RULES: tuple[Rule, ...] = (
    Rule("the model's refusal", "every question", ("model_refusals",), _model_refused),
    Rule("evidence", "every answer", (), _has_evidence),
    Rule("citation", "every answer", (), _is_cited),
    Rule(
        "hard check",
        "answers with a number, amount or name",
        ("number_words", "magnitudes", "fractions"),
        _hard_check,
    ),
    Rule("learned decision", "every answer", ("calibration",), _learned),
    Rule("answer language", "answers of 4 words or more", ("stopwords",), _in_its_language),
)


def decide(case: Case, calibration: Calibration | None, rules: tuple[Rule, ...] = RULES) -> Decision:
    """The first rule that decides, in the table's order; else the answer as written."""
    for rule in rules:
        decision = rule.check(case, calibration)
        if decision is not None:
            return decision
    return Decision(True, case.answer, "grounded")


def rules_off(
    lexicons: Mapping[str, Lexicon],
    calibration: Calibration | None,
    model: str,
    rules: tuple[Rule, ...] = RULES,
) -> list[str]:
    """The rules off, or without a word table, for the languages and model served: said at
    start-up and in /healthz."""
    said = []
    for rule in rules:
        for need in rule.needs:
            if need == "calibration":
                if calibration is None:
                    said.append(f"{rule.name}: off (no calibration for {model}: `python app.py calibrate`)")
                continue
            for code, lexicon in lexicons.items():
                if not getattr(lexicon, need):
                    said.append(f"{rule.name}: without {need} for {code} (none in lexicon/{code}.json)")
    return said
