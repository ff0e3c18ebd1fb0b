"""Reading the model's reply (pure functions): the answer without the labels or [n] markers
a small model may write, whether it is the prompt's refusal, whether it opens with a yes or
a no, and the refusal shown. The words are each language's (`lexicon/<lang>.json`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rag.lexicon import vocabulary


@dataclass(frozen=True)
class _Patterns:
    answer: re.Pattern[str]  # "Answer:" / "Antwoord:"
    next_quote: re.Pattern[str]  # a second labelled round: "\nQuote:"
    marker: re.Pattern[str]  # "[1]", "[1] and [2]"


@cache
def _patterns() -> _Patterns:
    words = vocabulary()
    return _Patterns(
        answer=re.compile(r"\b(?:" + words.pattern("answer_label") + r")\s*:", re.IGNORECASE),
        next_quote=re.compile(r"\n\s*(?:" + words.pattern("quote_label") + r")\s*:", re.IGNORECASE),
        marker=re.compile(
            r"\s*\[(\d{1,2})\](?:\s*(?:,|" + words.pattern("conjunction") + r")\s*\[\d{1,2}\])*"
        ),
    )


def refusal(language: str) -> str:
    """What a refused question gets, in its language (a language without a lexicon gets the
    default language's)."""
    words = vocabulary()
    return words.lexicons.get(language, words.lexicons[words.default_language]).refusal


def answer_part(reply: str) -> str:
    """The answer of a reply that labels it ("Quote: ... Answer: ..."), some models' habit;
    without the label, all of it. A second labelled round is cut off."""
    label = _patterns().answer.search(reply)
    if not label:
        return reply.strip()
    return _patterns().next_quote.split(reply[label.end() :])[0].strip()


def yes_or_no(answer: str) -> str:
    """ "yes" or "no" where the answer opens with one, in any language, and its comma ("Ja,
    ...", "No, ..."); else ""."""
    words = vocabulary()
    for code in words.languages:
        lexicon = words.lexicons[code]
        for said, word in (("yes", lexicon.yes), ("no", lexicon.no)):
            if answer.startswith(f"{word},"):
                return said
    return ""


def is_refusal(answer: str) -> bool:
    return bool(vocabulary().refusal_pattern.search(answer))


def strip_markers(answer: str) -> str:
    """Remove the model's own [n] markers: the app shows verified citations instead."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _patterns().marker.sub("", answer)).strip()
