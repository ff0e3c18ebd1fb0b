"""What readers say of answers (👍/👎, with an optional comment), kept append-only beside
the index: the wrong answers are the questions the product most needs next. Each entry is
one JSON line, written whole and synced; a line cut short by a crash is skipped when read,
and the next entry starts on a line of its own, so nothing stored before is lost."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

Vote = Literal["up", "down"]


@dataclass(frozen=True)
class Feedback:
    vote: Vote
    question: str
    answer: str
    history: list[dict] = field(default_factory=list)  # [{"role", "content"}], oldest first
    citations: list[dict] = field(default_factory=list)  # as the API gives them
    comment: str = ""
    model: str = ""  # what answered: the LLM and the version of its calibration
    calibration: str = ""
    at: str = ""  # UTC, ISO 8601


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def add(self, feedback: Feedback) -> Feedback:
        stamped = feedback if feedback.at else _stamped(feedback)
        line = json.dumps(asdict(stamped), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as out:
                if out.tell() and not _ends_with_newline(self.path):
                    out.write(b"\n")  # after a crash mid-line: start afresh
                out.write(line.encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
        return stamped

    def read(self) -> list[Feedback]:
        if not self.path.is_file():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entries.append(Feedback(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line cut short by a crash, or not ours
        return entries


def questions_to_review(entries: list[Feedback]) -> list[dict]:
    """The 👎 answers as a question file (`rag/evaluation.py`'s format): each question with
    its history and what was answered, its gold answer left to a reviewer to write."""
    return [
        {
            "id": f"feedback-{n}",
            "question": e.question,
            "history": e.history,
            "answered": e.answer,
            "comment": e.comment,
            "model": e.model,
            "calibration": e.calibration,
            "at": e.at,
            "expect": None,  # to write: the answer the text gives, or "refuse"
        }
        for n, e in enumerate((e for e in entries if e.vote == "down"), start=1)
    ]


def _stamped(feedback: Feedback) -> Feedback:
    data = asdict(feedback)
    data["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return Feedback(**data)


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) == b"\n"
