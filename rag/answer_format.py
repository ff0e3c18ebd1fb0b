"""The answer format, defined once: the model quotes its evidence, then answers.

    Quote: [<its number>] <a sentence of the passages>, or "none"
    Answer: <the answer, or the refusal word>

The labels and the refusal word are checked against the prompt templates at start-up
(`check_prompts`), so a template and the code that reads the model's reply cannot drift
apart.
"""

from __future__ import annotations

import re

from rag.errors import ModelError

QUOTE_LABEL = "Quote:"
ANSWER_LABEL = "Answer:"
NO_QUOTE = "none"
# The model is asked to say this word when the passages don't answer: a word that no
# answer starts with keeps a small model from drifting into a refusal ("Dat staat...").
REFUSAL_WORD = "NO_ANSWER"
REFUSALS = {"nl": "Dat staat niet in het artikel.", "en": "The article does not say."}
# The answer to a yes/no question starts with one of these, in the question's language.
YES = {"nl": "Ja", "en": "Yes"}
NO = {"nl": "Nee", "en": "No"}

_ANSWER = re.compile(r"\b(?:Answer|Antwoord)\s*:", re.IGNORECASE)
_QUOTE = re.compile(r"^\s*(?:Quote|Citaat)\s*:\s*", re.IGNORECASE)
_NEXT_QUOTE = re.compile(r"\n\s*(?:Quote|Citaat)\s*:", re.IGNORECASE)
_NUMBER = re.compile(r"\s*\[(\d{1,3})\]\s*")
_MARKER = re.compile(r"\s*\[(\d{1,2})\](?:\s*(?:,|and|en)\s*\[\d{1,2}\])*")
# Ways a model says "not in the text", in either language.
_REFUSAL = re.compile(
    r"NO[_ ]ANSWER|staat niet in (het|de) (artikel|tekst|passages?)|wordt niet (vermeld|genoemd)"
    r"|niet in (het|de) (artikel|tekst|passages?)|niet vermeld|geen informatie"
    r"|does not (say|mention|state|specify)|doesn't (say|mention)"
    r"|not (mentioned|stated|specified) in|no information|not in the (article|passages?|text)",
    re.IGNORECASE,
)
# A small model sometimes starts a second "Quote: ... Answer: ..." round: stop there.
NEXT_ROUND = ["\nQuote:", "\nCitaat:"]


def split_quote(raw: str) -> tuple[str, str]:
    """(quote, answer) from "Quote: ... Answer: ..."; without the labels, all is answer."""
    label = _ANSWER.search(raw)
    if not label:
        return "", raw.strip()
    quote = _QUOTE.sub("", raw[: label.start()]).strip().strip('"“”„').strip()
    answer = _NEXT_QUOTE.split(raw[label.end() :])[0]  # a second round is cut off
    return ("" if quote.lower().rstrip(".") in (NO_QUOTE, "geen") else quote), answer.strip()


def numbered_quote(quote: str) -> tuple[int, str]:
    """(its sentence number, the words) of a quote "[3] The sentence."; 0 without a number."""
    found = _NUMBER.match(quote)
    return (int(found.group(1)), quote[found.end() :].strip()) if found else (0, quote)


def answer_started(raw: str) -> bool:
    return bool(_ANSWER.search(raw))


def quote_first(raw: str) -> bool:
    """Whether the reply is (or may still become) "Quote: ... Answer: ..."."""
    start = raw.lstrip()[:7].lower()
    return any(label.startswith(start) or start.startswith(label) for label in ("quote:", "citaat:"))


def opens_with(answer: str, said: dict[str, str]) -> bool:
    """Whether the answer opens with one of these words and its comma: `opens_with(answer,
    YES)` for "Ja, ..." / "Yes, ..."."""
    return answer.startswith(tuple(f"{word}," for word in said.values()))


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL.search(answer))


def may_become_refusal(text: str) -> bool:
    start = text.strip().lower()
    return any(r.lower().startswith(start) for r in (REFUSAL_WORD, *REFUSALS.values()))


def strip_markers(answer: str) -> str:
    """Remove the model's own [n] markers: the app shows verified citations instead."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", answer)).strip()


def check_prompts(system_template: str) -> None:
    """The system prompt must teach the format the code reads."""
    for needed in (QUOTE_LABEL, ANSWER_LABEL, NO_QUOTE, "{refusal}"):
        if needed not in system_template:
            raise ModelError(
                f"The system prompt must use {needed!r}: the answer format is read by that label."
            )


class StreamFilter:
    """Decides what of the model's reply a reader sees as it streams: only the answer after
    "Answer:" (the quote before it is evidence), without [n] markers, and nothing while the
    answer may still turn out to be a refusal."""

    def __init__(self, answer_only: bool = False) -> None:
        self.raw = ""
        self.sent = 0
        self.answer_only = answer_only  # the reply holds no quote (it was handed over)

    def feed(self, piece: str) -> str:
        self.raw += piece
        if not self.answer_only and quote_first(self.raw) and not answer_started(self.raw):
            return ""
        visible = self.raw.strip() if self.answer_only else split_quote(self.raw)[1]
        cut = visible.rfind("[")
        if cut != -1 and "]" not in visible[cut:]:
            visible = visible[:cut]  # a marker may be starting
        visible = strip_markers(visible) if "[" in visible else visible
        if may_become_refusal(visible):
            return ""
        # Stripping can shorten text already sent (a trailing space): never resend.
        out = visible[self.sent :] if len(visible) > self.sent else ""
        self.sent += len(out)
        return out
