"""Which language a question is in: Dutch or English (pure, word-list based).

Small and predictable beats a model here: questions are short, and only two languages
are supported; anything unclear defaults to the article's language, Dutch.
"""

from __future__ import annotations

import re

Language = str  # "nl" or "en"

_DUTCH = frozenset(
    """de het een en van is dat die niet wat wie waar wanneer waarom hoe hoeveel welk welke
    zijn heeft hebben wordt worden werd was in op met voor naar om ook nog al er dit deze
    bij aan uit door over tot als maar dan of je ik we wij zij hij ze mijn jouw ons onze
    kan kun kunnen moet zou wil gaat staat noemt heet artikel bedrijf eerder""".split()
)
_ENGLISH = frozenset(
    """the a an and of is are was were that this these those not what who where when why
    how much many which does do did has have had will would can could should in on with
    for to from by about into as but or if you i we they he she it its my our your their
    there be been article company say says said own also""".split()
)
_WORD = re.compile(r"[a-zà-ÿ]+")

# Said in the question's own language: a small model follows that better.
ANSWER_IN = {"nl": "Antwoord in het Nederlands", "en": "Answer in English"}


def language_scores(text: str) -> tuple[int, int]:
    """(Dutch, English) function words in the text."""
    words = _WORD.findall(text.lower())
    return sum(word in _DUTCH for word in words), sum(word in _ENGLISH for word in words)


def detect_language(text: str) -> Language:
    dutch, english = language_scores(text)
    return "en" if english > dutch else "nl"


def clearly_other_language(text: str, language: Language) -> bool:
    """True only when the text is plainly not in `language` (short answers never are)."""
    dutch, english = language_scores(text)
    mine, other = (dutch, english) if language == "nl" else (english, dutch)
    return other >= 3 and other > 2 * mine
