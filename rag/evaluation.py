"""Evaluation over a questions file (JSON lines, the format of shared/eval/qa_dev.jsonl).

Each line: `id`, `question`, optional `history`, and either `expect` (groups of
alternatives; one alternative of every group must appear in the answer) with `support`
(text the citations must contain), or `unanswerable: true`.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

from rag.documents import Document
from rag.errors import InputError
from rag.language import clearly_other_language, detect_language
from rag.pipeline import AnswerResult, Pipeline, Turn


@dataclass(frozen=True)
class QuestionScore:
    qid: str
    unanswerable: bool
    correct: bool  # answerable: expected words present; unanswerable: refused
    support_cited: bool
    offsets_exact: bool
    language_ok: bool
    total_ms: float
    first_token_ms: float
    answer: str


def load_questions(path: Path) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"Cannot read questions file {path}: {error}") from error


def score(record: dict, result: AnswerResult, documents: dict[str, Document]) -> QuestionScore:
    answer = result.answer.lower()
    unanswerable = bool(record.get("unanswerable"))
    if unanswerable:
        correct = result.refused
    else:
        groups = record.get("expect", [])
        correct = not result.refused and all(any(a.lower() in answer for a in g) for g in groups)
    support = record.get("support")
    support_cited = unanswerable or not support or any(support in c.text for c in result.citations)
    offsets_exact = all(
        c.doc_id in documents and documents[c.doc_id].text[c.start : c.end] == c.text
        for c in result.citations
    )
    expected_language = record.get("lang") or detect_language(record["question"])
    return QuestionScore(
        qid=str(record.get("id", "?")),
        unanswerable=unanswerable,
        correct=correct,
        support_cited=support_cited,
        offsets_exact=offsets_exact,
        language_ok=result.language == expected_language
        and not clearly_other_language(result.answer, expected_language),
        total_ms=result.timings.get("total_ms", 0.0),
        first_token_ms=result.timings.get("first_token_ms", 0.0),
        answer=result.answer,
    )


def evaluate(pipeline: Pipeline, records: list[dict]) -> list[QuestionScore]:
    scores = []
    for record in records:
        history = [Turn(t["role"], t["content"]) for t in record.get("history", [])]
        result = pipeline.answer(record["question"], history)
        scores.append(score(record, result, pipeline.documents))
    return scores


def summary(scores: list[QuestionScore]) -> dict[str, str]:
    answerable = [s for s in scores if not s.unanswerable]
    unanswerable = [s for s in scores if s.unanswerable]
    totals = [s.total_ms for s in scores] or [0.0]
    firsts = [s.first_token_ms for s in scores if s.first_token_ms] or [0.0]
    return {
        "answerable correct": f"{sum(s.correct for s in answerable)}/{len(answerable)}",
        "support cited": f"{sum(s.support_cited and s.correct for s in answerable)}/{len(answerable)}",
        "unanswerable refused": f"{sum(s.correct for s in unanswerable)}/{len(unanswerable)}",
        "citation offsets exact": f"{sum(s.offsets_exact for s in scores)}/{len(scores)}",
        "answer language right": f"{sum(s.language_ok for s in scores)}/{len(scores)}",
        "latency p50/max (ms)": f"{statistics.median(totals):.0f}/{max(totals):.0f}",
        "first token p50/max (ms)": f"{statistics.median(firsts):.0f}/{max(firsts):.0f}",
    }


def report(scores: list[QuestionScore]) -> str:
    lines = []
    for s in scores:
        flags = "ok " if s.correct and s.support_cited and s.offsets_exact else "BAD"
        lines.append(f"{flags} {s.qid:>6} {s.total_ms:7.0f} ms  {s.answer[:90]!r}")
    lines.append("")
    lines += [f"{name:>26}: {value}" for name, value in summary(scores).items()]
    return "\n".join(lines)
