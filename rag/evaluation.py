"""Evaluation over a questions file (JSON lines, the format of tests/data/qa_dev.jsonl).

Each line: `id`, `question`, optional `history`, `lang` (the question's language),
`split` ("tune" or "report": decide on the tune half, quote figures from the report
half), `class` (what kind of question it is), and either `expect` (groups of
alternatives; one alternative of every group must appear in the answer) with `support`
(text, or a list of texts, that the cited evidence must contain), or `unanswerable: true`.
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from rag.answer_format import yes_or_no
from rag.documents import Document
from rag.errors import InputError
from rag.language import clearly_other_language
from rag.pipeline import AnswerResult, Pipeline, Token, Turn
from rag.settings import PROJECT_ROOT, Settings
from rag.text import names_in, unsupported_facts

SPLITS = ("tune", "report")
# Text the answer quotes from the article ("Het artikel zegt: „…”") is the article's own
# language, whatever the question's: the language check reads the answer without it.
_QUOTED = re.compile(r"[„“\"][^”\"]*[”\"]")


@dataclass(frozen=True)
class QuestionScore:
    qid: str
    split: str
    kind: str
    unanswerable: bool
    correct: bool  # answerable: expected words present; unanswerable: refused
    support_cited: bool  # the cited evidence holds the supporting text
    offsets_exact: bool
    language_ok: bool
    unsupported: list[str]  # numbers and names of the answer that the cited text lacks
    withdrawn: bool  # text was shown while streaming that is not the final answer
    total_ms: float
    first_token_ms: float
    answer: str
    reason: str  # why it was answered or refused
    signals: dict[str, float]  # the model's probabilities where its answer starts
    evidence: str = ""  # the sentence the model rested on, also where it refused


def _says(answer: str, expected: str) -> bool:
    """The expected text in the answer; a short one ("ja", "no", "2,2") as a whole word, so
    that "ja" is not found in "jaar" nor "no" in "november". Only an edge that is a letter or
    digit needs a word boundary: "4 °" is found in "4 °C"."""
    expected = expected.lower()
    if len(expected) > 4:
        return expected in answer
    before = r"(?<!\w)" if expected[:1].isalnum() else ""
    after = r"(?!\w)" if expected[-1:].isalnum() else ""
    return re.search(before + re.escape(expected) + after, answer) is not None


def corpus_settings(settings: Settings, seeds: Path) -> Settings:
    """Settings that answer from another folder of documents, with an index of its own under
    .cache/, so the main index is left as it is."""
    seeds = seeds.resolve()
    return settings.model_copy(
        update={"seeds_dir": seeds, "index_dir": PROJECT_ROOT / ".cache" / "eval-index" / seeds.name}
    )


def load_questions(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"Cannot read questions file {path}: {error}") from error


def cited_texts(result: AnswerResult) -> list[str]:
    """What each citation shows as evidence: its sentence where it has one."""
    return [c.sentence or c.text for c in result.citations]


def _claims_rest_on(record: dict, result: AnswerResult) -> list[str]:
    """The texts an answer's numbers and names must come from: its cited sentences; the
    question's names that the cited passages hold (an answer in a whole sentence restates
    its subject, "Voltera Energy invests ...", named before the cited sentence); and for a
    "no" the question it denies ("No, not 9 times a day": the 9 is denied, not claimed)."""
    question = str(record.get("question", ""))
    passages = " ".join(c.text for c in result.citations)
    named = names_in(question) - set(unsupported_facts(question, [passages]))
    texts = [*cited_texts(result), " ".join(sorted(named))]
    return [*texts, question] if yes_or_no(result.answer) == "no" else texts


def score(
    record: dict, result: AnswerResult, documents: dict[str, Document], withdrawn: bool
) -> QuestionScore:
    answer = result.answer.lower()
    unanswerable = bool(record.get("unanswerable"))
    if unanswerable:
        correct = result.refused
    else:
        groups = record.get("expect", [])
        correct = not result.refused and all(any(_says(answer, a) for a in g) for g in groups)
    support = record.get("support") or []
    supports = [support] if isinstance(support, str) else support
    evidence = " ".join(cited_texts(result))
    support_cited = unanswerable or all(s in evidence for s in supports)
    offsets_exact = all(
        c.doc_id in documents
        and documents[c.doc_id].text[c.start : c.end] == c.text
        and (not c.sentence or documents[c.doc_id].text[c.sentence_start : c.sentence_end] == c.sentence)
        for c in result.citations
    )
    expected_language = record.get("lang") or result.language
    own_words = _QUOTED.sub(" ", result.answer)
    return QuestionScore(
        qid=str(record.get("id", "?")),
        split=str(record.get("split", "")),
        kind=str(record.get("class", "")),
        unanswerable=unanswerable,
        correct=correct,
        support_cited=support_cited,
        offsets_exact=offsets_exact,
        language_ok=result.language == expected_language
        and not clearly_other_language(own_words, expected_language),
        unsupported=[]
        if result.refused
        else unsupported_facts(result.answer, _claims_rest_on(record, result)),
        withdrawn=withdrawn,
        total_ms=result.timings.get("total_ms", 0.0),
        first_token_ms=result.timings.get("first_token_ms", 0.0),
        answer=result.answer,
        reason=result.reason,
        signals=result.signals,
        evidence=result.evidence,
    )


def evaluate(pipeline: Pipeline, records: list[dict]) -> list[QuestionScore]:
    scores = []
    for record in records:
        history = [Turn(t["role"], t["content"]) for t in record.get("history", [])]
        shown, result = "", None
        for event in pipeline.stream(record["question"], history):
            if isinstance(event, Token):
                shown += event.text
            elif isinstance(event, AnswerResult):
                result = event
        assert result is not None
        withdrawn = bool(shown.strip()) and shown.strip() != result.answer.strip()
        scores.append(score(record, result, pipeline.documents, withdrawn))
    return scores


def summary(scores: list[QuestionScore]) -> dict[str, str]:
    answerable = [s for s in scores if not s.unanswerable]
    unanswerable = [s for s in scores if s.unanswerable]
    totals = [s.total_ms for s in scores] or [0.0]
    firsts = [s.first_token_ms for s in scores if s.first_token_ms] or [0.0]

    def share(hits: int, of: int) -> str:
        return f"{hits}/{of}" + (f" ({100 * hits / of:.0f} %)" if of else "")

    return {
        "answerable right + evidence cited": share(
            sum(s.correct and s.support_cited for s in answerable), len(answerable)
        ),
        "answerable right (words only)": share(sum(s.correct for s in answerable), len(answerable)),
        "unanswerable refused": share(sum(s.correct for s in unanswerable), len(unanswerable)),
        "answers with facts not cited": str(sum(bool(s.unsupported) for s in scores)),
        "answer language right": share(sum(s.language_ok for s in scores), len(scores)),
        "shown, then withdrawn": share(sum(s.withdrawn for s in scores), len(scores)),
        "citation offsets exact": share(sum(s.offsets_exact for s in scores), len(scores)),
        "latency p50/max (ms)": f"{statistics.median(totals):.0f}/{max(totals):.0f}",
        "first token p50/max (ms)": f"{statistics.median(firsts):.0f}/{max(firsts):.0f}",
    }


def report(scores: list[QuestionScore]) -> str:
    lines = []
    for s in scores:
        good = s.correct and s.support_cited and s.offsets_exact and s.language_ok and not s.unsupported
        flags = ("ok " if good else "BAD") + (" W" if s.withdrawn else "  ")
        lines.append(f"{flags} {s.qid:>5} {s.split:>6} {s.kind:>18} {s.total_ms:6.0f} ms  {s.answer[:80]!r}")
    splits = [name for name in SPLITS if any(s.split == name for s in scores)]
    for name in [*splits, "all"]:
        part = [s for s in scores if name == "all" or s.split == name]
        lines += ["", f"== {name} ({len(part)} questions) =="]
        lines += [f"{key:>34}: {value}" for key, value in summary(part).items()]
    return "\n".join(lines)
