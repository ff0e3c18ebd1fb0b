"""The words of one language that the product shows or compares with, as data
(`lexicon/<lang>.json`): adding a language adds a file, not code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Lexicon:
    overview_examples: list[str]  # questions asking for an overview of a document
    other_questions: list[str]  # questions about an article that are not overviews
    overview_intro: str  # opens an overview answer
    reading: str  # shown while the text is read, before any answer
    text_says: str  # opens the evidence sentence shown while the answer is written
    sources: str  # heads the sources footer of a chat client's answer
    closest: str  # heads the passage nearest to a refused question (not an answer)
    refusal_nearest: str  # why it refused: the text does not answer; the nearest is shown
    # why it refused: an answer would state what the text lacks (not repeated: it is unfounded)
    refusal_unsupported: str
    refusal_nothing_near: str  # why it refused: nothing in the text is near the question
    # A client's system message asking for answers in this language ("Answer in English"),
    # in any language, lower case.
    asked_for: list[str]
    # What the model is told to write where the passages do not answer (`prompts/system.txt`).
    model_refusal: str
    name_in_english: str  # "Dutch": the prompt, in English, names the refusal of each language


def load_lexicons(lexicon_dir: Path) -> dict[str, Lexicon]:
    return {
        path.stem: Lexicon(**json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(lexicon_dir.glob("*.json"))
    }


def lexicon_for(lexicons: dict[str, Lexicon], language: str) -> Lexicon:
    """The language's lexicon, or (a language without a file) the first one."""
    return lexicons.get(language) or next(iter(lexicons.values()))


def asked_language(preference: str, lexicons: dict[str, Lexicon]) -> str | None:
    """The language a client's system message asks answers in, where it names one
    (`asked_for`); None where it names none, or more than one."""
    said = preference.lower()
    asked = {language for language, lexicon in lexicons.items() if any(p in said for p in lexicon.asked_for)}
    return asked.pop() if len(asked) == 1 else None
