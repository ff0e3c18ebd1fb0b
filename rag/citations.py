"""Citations decided and verified in code (pure functions).

Small local models place `[n]` markers unreliably, so the markers are only a hint: the
app picks the passages that contain the answer's facts (numbers, amounts, names, words)
and refuses an answer whose numbers or names no passage of the context contains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from rag.chunking import Passage, sentence_spans
from rag.index import ScoredPassage

# The model is asked to say this word when the passages don't answer: a word that no
# answer starts with keeps a small model from drifting into a refusal ("Dat staat...").
REFUSAL_WORD = "NO_ANSWER"
REFUSALS = {"nl": "Dat staat niet in het artikel.", "en": "The article does not say."}
# Ways a model says "not in the text", in either language.
_REFUSAL_PATTERNS = re.compile(
    r"NO[_ ]ANSWER|staat niet in (het|de) (artikel|tekst|passages?)|wordt niet (vermeld|genoemd)"
    r"|niet vermeld|geen informatie|does not (say|mention|state|specify)|doesn't (say|mention)"
    r"|not (mentioned|stated|specified) in|no information|not in the (article|passages?|text)",
    re.IGNORECASE,
)
_MARKER = re.compile(r"\s*\[(\d{1,2})\](?:\s*(?:,|and|en)\s*\[\d{1,2}\])*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A capitalised word that is not the first of a sentence: a name (Amazon, Project Rainier).
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]*[A-Za-z0-9]", re.MULTILINE)
_WORD = re.compile(r"\w+")
_MAGNITUDES = {
    "miljard": "e9",
    "billion": "e9",
    "bn": "e9",
    "miljoen": "e6",
    "million": "e6",
    "mln": "e6",
    "duizend": "e3",
    "thousand": "e3",
}
# Spelled-out numbers count in amounts ("twee miljoen" = "2 miljoen"); "een"/"one" don't,
# being articles too.
_NUMBER_WORDS = {
    "twee": "2",
    "two": "2",
    "drie": "3",
    "three": "3",
    "vier": "4",
    "four": "4",
    "vijf": "5",
    "five": "5",
    "zes": "6",
    "six": "6",
    "zeven": "7",
    "seven": "7",
    "acht": "8",
    "eight": "8",
    "negen": "9",
    "nine": "9",
    "tien": "10",
    "ten": "10",
    "honderd": "100",
    "hundred": "100",
}
_MAGNITUDE = re.compile(
    r"(\d+(?:[.,]\d+)*|" + "|".join(_NUMBER_WORDS) + r")\s*(" + "|".join(_MAGNITUDES) + r")\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset(
    """de het een en van is dat die niet wat wie waar hoe zijn heeft wordt werd was op met voor
    naar om ook nog al er dit deze bij aan uit door over tot als maar dan of the a an and of is
    are was were that this not what who where how has have had will would can in on with for to
    from by about into as but or it its yes nee ja no also ook""".split()
)


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    start: int
    end: int
    text: str
    score: float


# The model first quotes the article's sentence, then answers: "Quote: ... Answer: ...".
_ANSWER_LABEL = re.compile(r"\b(?:Answer|Antwoord)\s*:", re.IGNORECASE)
_QUOTE_LABEL = re.compile(r"^\s*(?:Quote|Citaat)\s*:\s*", re.IGNORECASE)
_NEXT_QUOTE = re.compile(r"\n\s*(?:Quote|Citaat)\s*:", re.IGNORECASE)


def split_quote(raw: str) -> tuple[str, str]:
    """(quote, answer) from "Quote: ... Answer: ..."; without the labels, all is answer."""
    label = _ANSWER_LABEL.search(raw)
    if not label:
        return "", raw.strip()
    quote = _QUOTE_LABEL.sub("", raw[: label.start()]).strip().strip('"“”').strip()
    answer = _NEXT_QUOTE.split(raw[label.end() :])[0]  # a second round is cut off
    return ("" if quote.lower().rstrip(".") in ("none", "geen") else quote), answer.strip()


def is_refusal(answer: str) -> bool:
    return bool(_REFUSAL_PATTERNS.search(answer))


def strip_markers(answer: str) -> str:
    """Remove the model's own [n] markers: the app shows verified citations instead."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _MARKER.sub("", answer)).strip()


def marked_numbers(answer: str) -> list[int]:
    return [int(n) for n in re.findall(r"\[(\d{1,2})\]", answer)]


def numbers_in(text: str) -> set[str]:
    """Numbers with a decimal comma or point read alike: "2,2" == "2.2"."""
    return {n.replace(",", ".").rstrip(".") for n in _NUMBER.findall(text)}


def amounts_in(text: str) -> set[tuple[str, str]]:
    """(number, order of magnitude): "8 miljard" and "8 billion" both give ("8", "e9")."""
    return {
        (_NUMBER_WORDS.get(n.lower(), n).replace(",", "."), _MAGNITUDES[m.lower()])
        for n, m in _MAGNITUDE.findall(text)
    }


def names_in(text: str) -> set[str]:
    names = set()
    for name in _NAME.findall(text):
        name = re.sub(r"(['’]s|['’])$", "", name)  # possessive: Anthropic's -> Anthropic
        if name.lower() not in _STOPWORDS and len(name) > 1:
            names.add(name.lower())
    return names


def is_content_word(word: str) -> bool:
    return len(word) > 3 and word.lower() not in _STOPWORDS


def content_words(text: str) -> set[str]:
    # A 5-letter prefix makes "toegezegd" meet "toezegde" no more than it should, but
    # lets "datacenters" meet "datacenterproject" and "investeerde" meet "investeren".
    return {w.lower()[:5] for w in _WORD.findall(text) if is_content_word(w)}


def unsupported_facts(answer: str, passages: list[str]) -> list[str]:
    """Numbers, amounts and names of the answer that none of the passages contains."""
    joined = " ".join(passages)
    joined_lower = joined.lower()
    missing = sorted(numbers_in(answer) - numbers_in(joined))
    missing += [f"{n} ({m})" for n, m in sorted(amounts_in(answer) - amounts_in(joined))]
    missing += sorted(name for name in names_in(answer) if name not in joined_lower)
    return missing


def _support(answer: str, passage: str, rarity: dict[str, float]) -> float:
    """How much of the answer's content this passage holds. Numbers and amounts weigh most;
    names and words weigh by how rare they are among the passages (a name in every
    passage, like the article's subject, says nothing about which one to cite)."""
    text_lower = passage.lower()
    score = 3.0 * len(numbers_in(answer) & numbers_in(passage))
    score += 3.0 * len(amounts_in(answer) & amounts_in(passage))
    score += 2.0 * sum(rarity.get(name, 1.0) for name in names_in(answer) if name in text_lower)
    score += sum(rarity.get(word, 1.0) for word in content_words(answer) & content_words(passage))
    return score


def rarity_weights(answer: str, passages: list[str]) -> dict[str, float]:
    """Inverse document frequency, 0..1, of the answer's names and words in the passages."""
    lowered = [p.lower() for p in passages]
    words = [content_words(p) for p in passages]
    weights = {}
    for name in names_in(answer):
        weights[name] = _idf(sum(name in p for p in lowered), len(passages))
    for word in content_words(answer):
        weights[word] = _idf(sum(word in w for w in words), len(passages))
    return weights


def _idf(found_in: int, total: int) -> float:
    return math.log((total + 1) / (found_in + 1)) / math.log(total + 1) if total else 1.0


def choose_citations(
    answer: str, question: str, context: list[ScoredPassage], marked: list[int], evidence: str = ""
) -> list[Citation]:
    """The fewest context passages that together hold the answer's facts, best first.

    `context` scores are each passage's similarity to the question and answer; they weigh
    in beside the shared facts and words, and the passage the model marked breaks ties.
    A passage is cited only when it holds at least one fact or content word of the answer.
    """
    if not context:
        return []
    # The question adds words to match ("Wat is Project Rainier?" -> "datacenterproject"), and
    # so does the sentence the model quoted as evidence; further passages are cited only
    # for facts of the answer itself.
    claim = f"{question} {evidence} {answer}"
    rarity = rarity_weights(claim, [s.passage.text for s in context])
    low = min(s.score for s in context)
    spread = (max(s.score for s in context) - low) or 1.0

    def rank(i: int) -> float:
        bonus = 0.5 if (i + 1) in marked else 0.0
        similarity = 2.0 * (context[i].score - low) / spread  # 0..2 within this context
        return _support(claim, context[i].passage.text, rarity) + bonus + similarity

    order = sorted(range(len(context)), key=rank, reverse=True)
    best = order[0]
    # The answer (with its quote) must share something with the passage; the question
    # alone is not support ("Ja." to any question would pass).
    if _support(f"{evidence} {answer}", context[best].passage.text, {}) == 0:
        return []
    chosen = [best]
    facts = numbers_in(answer) | names_in(answer)
    covered = _facts_in(facts, context[best].passage.text)
    for i in order[1:]:
        gained = _facts_in(facts, context[i].passage.text) - covered
        if gained:
            chosen.append(i)
            covered |= gained
    return [
        Citation(n, s.passage.doc_id, s.passage.start, s.passage.end, s.passage.text, round(s.score, 4))
        for n, s in enumerate((context[i] for i in chosen), start=1)
    ]


def _facts_in(facts: set[str], passage: str) -> set[str]:
    lower = passage.lower()
    numbers = numbers_in(passage)
    return {f for f in facts if f in numbers or (not f[0].isdigit() and f in lower)}


def _sentences(context: list[Passage]) -> Iterator[str]:
    for passage in context:
        for start, end in sentence_spans(passage.text):
            yield passage.text[start:end]


def quoted_sentence(quote: str, context: list[Passage]) -> str | None:
    """The passages' sentence that the model quoted, if it really quoted one (at least 80%
    of the quote's words; a small model sometimes translates a word or two)."""
    words = set(re.findall(r"\w+", quote.lower()))
    best, best_share = None, 0.0
    for sentence in _sentences(context):
        share = len(words & set(re.findall(r"\w+", sentence.lower()))) / len(words) if words else 0.0
        if share > best_share:
            best, best_share = sentence, share
    return best if best_share >= 0.8 and len(words) >= 3 else None


_CLOSING_MARK = {'"': '"', "“": "”", "„": "”", "'": "'"}


def quote_rest(reply: str, context: list[Passage], min_words: int = 4) -> str:
    """The passage text that completes the quote a reply is writing ("Quote: ..."), once
    its last `min_words` whole words occur in one sentence of the context and nowhere else:
    the rest of that sentence, and a closing quotation mark if the quote opened one.
    "" while the quote is short, differs from every sentence, or is nearly done. Only the
    last words count: a quote that starts loosely ("X is een" for "X, een") and then
    copies word for word is completed too."""
    label = _QUOTE_LABEL.match(reply)
    if not label or _ANSWER_LABEL.search(reply):
        return ""
    written = reply[label.end() :]
    opening = written[:1] if written[:1] in _CLOSING_MARK else ""
    whole = list(re.finditer(r"\w+", written))
    if whole and whole[-1].end() == len(written):
        whole.pop()  # the last word may still be growing
    words = [m.group().lower() for m in whole[-min_words:]]
    if len(words) < min_words:
        return ""
    after_words = written[whole[-1].end() :]  # e.g. ", Anth": must be how the rest starts
    rests = set()
    for sentence in _sentences(context):
        found = list(re.finditer(r"\w+", sentence))
        for i in range(len(found) - len(words) + 1):
            if [m.group().lower() for m in found[i : i + len(words)]] == words:
                rests.add(sentence[found[i + len(words) - 1].end() :])
    if len(rests) != 1:
        return ""
    rest = rests.pop()
    if not rest.startswith(after_words) or len(re.findall(r"\w+", rest)) < 3:
        return ""
    return rest[len(after_words) :] + _CLOSING_MARK.get(opening, "")
