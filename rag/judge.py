"""Judging an answer (pure functions): `judge(...)` accepts an answer only where it is not a
refusal, states no number, amount or name that its cited text lacks (the one hard check),
and is in the question's language. Whether to answer at all is then the learned decision's
(`rag/decision.py`), on the model's and retrieval's signals.

Every other rule that stood here (refusal thresholds, the yes/no word chosen by thresholds
and by the evidence's words, denials, superlatives, bounds, units, echoed question words,
...) was measured on the public benchmark's tune half and removed: none paid beyond noise
(`bench/ablation.py`, docs/benchmark.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from rag.answer_format import is_refusal, refusal, yes_or_no
from rag.language import Language, clearly_other_language
from rag.lexicon import lexicon_for, vocabulary
from rag.text import Sentence, unsupported_facts

MODEL_REFUSED = "the model refused"
UNSUPPORTED_PREFIX = "not in the text: "  # then the facts the text lacks


def denied_question(answer: str, question: str) -> str:
    """What of the question an answer may repeat without the text saying it: a "no" denies
    the question's facts ("No, not 5 gigawatts"), it does not claim them."""
    return question if yes_or_no(answer.strip()) == "no" else ""


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    answer: str  # the answer to show: the model's, the evidence sentence, or a refusal
    reason: str


def refused(language: Language, reason: str) -> Verdict:
    return Verdict(False, refusal(language), reason)


def judge(
    answer: str,
    language: Language,
    evidence: Sentence | None,
    context_texts: list[str],
    restated: str = "",
) -> Verdict:
    """Accept an answer only when it says something, states no number, amount or name the
    context lacks (the hard check), and is in the question's language (or the evidence
    sentence is, and stands in). `restated`: what of the question a no may repeat
    (`denied_question`: "No, not 5 gigawatts but 2.2")."""
    if not answer or is_refusal(answer):
        return refused(language, MODEL_REFUSED)
    missing = unsupported_facts(answer, [*context_texts, restated])
    if missing:
        return refused(language, UNSUPPORTED_PREFIX + ", ".join(missing))
    if clearly_other_language(answer, language):
        if evidence and not clearly_other_language(evidence.text, language):
            # A yes or a no keeps its word, in the question's language: "Ja. <the sentence>".
            said = yes_or_no(answer)
            said = getattr(lexicon_for(vocabulary().lexicons, language), said) if said else ""
            shown = f"{said}. {evidence.text}" if said else evidence.text
            return Verdict(True, shown, "answered in the other language; the evidence sentence stands in")
        return Verdict(True, answer, "answered in the other language; nothing better to show")
    return Verdict(True, answer, "grounded")
