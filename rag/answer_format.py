"""Reading the model's reply (pure functions): the answer without the labels or [n] markers
a small model may write, whether it is the prompt's refusal, and the refusal shown.
"""

from __future__ import annotations

import re

# What a refused question gets, in its language.
REFUSALS = {"nl": "Dat staat niet in het artikel.", "en": "The article does not say."}
# A yes/no answer opens with one of these, in the question's language.
YES = {"nl": "Ja", "en": "Yes"}
NO = {"nl": "Nee", "en": "No"}

_ANSWER = re.compile(r"\b(?:Answer|Antwoord)\s*:", re.IGNORECASE)
_NEXT_QUOTE = re.compile(r"\n\s*(?:Quote|Citaat)\s*:", re.IGNORECASE)
_MARKER = re.compile(r"\s*\[(\d{1,2})\](?:\s*(?:,|and|en)\s*\[\d{1,2}\])*")
# Ways a model says "not in the text", in either language.
_REFUSAL = re.compile(
    r"NO[_ ]ANSWER|staat niet in (het|de) (artikel|tekst|passages?)|wordt niet (vermeld|genoemd)"
    r"|niet in (het|de) (artikel|tekst|passages?)|niet vermeld|geen informatie"
    r"|does not (say|mention|state|specify)|doesn't (say|mention)"
    r"|not (mentioned|stated|specified) in|no information|not in the (article|passages?|text)",
    re.IGNORECASE,
)


def answer_part(reply: str) -> str:
    """The answer of a reply that labels it ("Quote: ... Answer: ..."), some models' habit;
    without the label, all of it. A second labelled round is cut off."""
    label = _ANSWER.search(reply)
    if not label:
        return reply.strip()
    return _NEXT_QUOTE.split(reply[label.end() :])[0].strip()


def opens_with(answer: str, said: dict[str, str]) -> bool:
    """Whether the answer opens with one of these words and its comma: `opens_with(answer,
    YES)` for "Ja, ..." / "Yes, ..."."""
    return answer.startswith(tuple(f"{word}," for word in said.values()))


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL.search(answer))


def strip_markers(answer: str) -> str:
    """Remove the model's own [n] markers: the app shows verified citations instead."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", answer)).strip()
