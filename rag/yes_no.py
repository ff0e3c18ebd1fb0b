"""Yes/no questions, checked in code (pure functions).

A small model reads negation badly: measured on the default 1.5B model, it says "yes" to
most yes/no questions (to "Does Project Rainier use 5 gigawatts?" too), often after
"quoting" a sentence that is not in the article, and it answers "no answer" when the
article plainly says "not": even with the article's sentence handed to it as its own
quote. So for a yes/no question the app
- answers "no" itself, quoting the article, when a sentence of the context negates the
  question's own verb or noun about the question's own subjects ("... dat het niet wordt
  gecontroleerd ..." for "Wordt Anthropic door Amazon gecontroleerd?");
- accepts a yes or no from the model only when the quote it rests on is really in the
  context (when the quote is in the context's language, so it can be compared word for
  word) and, for a yes, when the question's own numbers and names are there too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.chunking import Passage, sentence_spans
from rag.citations import is_content_word, names_in, quoted_sentence, unsupported_facts
from rag.language import Language, detect_language

_WORD = re.compile(r"\w+(?:[’'-]\w+)*")
_QUESTION_WORDS = frozenset(
    """wie wat waar wanneer waarom hoe hoeveel hoelang welk welke wiens waardoor waarmee
    waarvoor waarover who what where when why how which whose whom""".split()
)
# A question that starts with one of these verbs asks for yes or no.
_YES_NO_VERBS = frozenset(
    """is are was were am do does did has have had can could will would shall should may
    might must zijn was waren wordt worden werd werden heeft hebben had hadden kan kunnen
    kon konden zal zullen zou zouden wil willen wilde moet moeten mag mogen doet doen deed
    gaat gaan ging blijft blijven staat staan komt komen werkt werken investeert
    investeren gebruikt gebruiken bezit bezitten bestaat bestaan speelt spelen""".split()
)
_DUTCH_VERB = re.compile(r"[a-zà-ÿ]{2,}(t|en)")
_NOT_VERBS = frozenset(
    """dat het met niet tot want even tegen boven binnen buiten tussen volgens sinds tijdens
    wegens eigen open often then that what when but""".split()
)
_NEGATIONS = frozenset("niet geen nooit not never no".split())
_YES = re.compile(r"^\W*(ja|yes|klopt|correct|inderdaad|indeed)\b", re.IGNORECASE)
_NO = re.compile(r"^\W*(nee|neen|no|niet|not)\b", re.IGNORECASE)

NO_BECAUSE = {"nl": "Nee. Het artikel zegt: „{sentence}”", "en": "No. The article says: “{sentence}”"}


@dataclass(frozen=True)
class Denial:
    """A sentence of a passage that says "not" to the question."""

    passage: Passage
    sentence: str


def is_yes_no_question(question: str) -> bool:
    words = [w.lower() for w in _WORD.findall(question)]
    if not words or any(w in _QUESTION_WORDS for w in words[:3]):
        return False
    first = words[0]
    if first in _YES_NO_VERBS:
        return True
    # A Dutch question may start with any verb: "Bouwt Fabrikam ...?", "Investeren zij ...?"
    return question.rstrip().endswith("?") and bool(_DUTCH_VERB.fullmatch(first)) and first not in _NOT_VERBS


def says_yes(answer: str) -> bool:
    return bool(_YES.match(answer))


def says_no(answer: str) -> bool:
    return bool(_NO.match(answer))


def _same_word(a: str, b: str) -> bool:
    # "gecontroleerd" meets itself and "gecontroleerde", not "controle".
    return a == b or (len(a) >= 7 and len(b) >= 7 and a[:7] == b[:7])


def denial(question: str, language: Language, context: list[Passage]) -> Denial | None:
    """A sentence in the question's language where a negation stands right beside one of
    the question's own words (not a name), with the question's names in that sentence
    or the one before it (which "het bedrijf" refers back to)."""
    words = [w.lower() for w in _WORD.findall(question)]
    if any(w in _NEGATIONS for w in words):
        return None  # "Is Anthropic niet ...?": a "no" would be ambiguous
    names = names_in(question)
    predicates = [w for w in words[1:] if is_content_word(w) and w not in names]
    sentences = _sentences(context)
    for i, (passage, start, end) in enumerate(sentences):
        sentence = _text(passage, start, end)
        window = sentence
        if i and sentences[i - 1][0].doc_id == passage.doc_id and 0 <= start - sentences[i - 1][2] <= 3:
            window = f"{_text(*sentences[i - 1])} {sentence}"  # the sentence right before it
        if (
            detect_language(sentence) == language
            and all(name in window.lower() for name in names)
            and _negates([t.lower() for t in _WORD.findall(sentence)], predicates)
        ):
            return Denial(passage, sentence)
    return None


def _sentences(context: list[Passage]) -> list[tuple[Passage, int, int]]:
    """Each sentence of the context once, in document order: (passage, start, end) with
    offsets into the document."""
    found: dict[tuple[str, int], tuple[Passage, int, int]] = {}
    for passage in context:
        for start, end in sentence_spans(passage.text):
            found.setdefault(
                (passage.doc_id, passage.start + start), (passage, passage.start + start, passage.start + end)
            )
    return [found[key] for key in sorted(found)]


def _text(passage: Passage, start: int, end: int) -> str:
    return passage.text[start - passage.start : end - passage.start]


def _negates(tokens: list[str], predicates: list[str]) -> bool:
    """A negation with a predicate at most two words after it ("niet wordt gecontroleerd"),
    or ending the sentence at most two words after it ("controleert Anthropic niet")."""
    for i, token in enumerate(tokens):
        if token not in _NEGATIONS:
            continue
        after = tokens[i + 1 : i + 3]
        before = tokens[max(0, i - 2) : i]
        if any(_same_word(t, p) for t in after for p in predicates):
            return True
        if i == len(tokens) - 1 and any(_same_word(t, p) for t in before for p in predicates):
            return True
    return False


def quote_is_invented(quote: str, context: list[Passage]) -> bool:
    """True when a quote of three words or more, in the context's language, is not (even
    loosely) a sentence of the context. A quote translated for the question cannot be
    compared word for word, and "Claude" or "8 miljard" is too short to tell."""
    if len(_WORD.findall(quote)) < 3 or quoted_sentence(quote, context):
        return False
    text = " ".join(p.text for p in context)
    return detect_language(quote) == detect_language(text)


def unfounded_verdict(question: str, quote: str, answer: str, context: list[Passage]) -> bool:
    """A yes or no that rests on an invented quote, or a yes to a question whose own
    numbers or names are not in the context ("Yes" to "... 5 gigawatts?")."""
    if not (says_yes(answer) or says_no(answer)):
        return False
    if quote_is_invented(quote, context):
        return True
    return says_yes(answer) and bool(unsupported_facts(question, [p.text for p in context]))
