"""Citations decided and verified in code (pure functions).

Small local models place `[n]` markers unreliably, so the markers are only a hint: the
app picks the passages that contain the answer's facts (numbers, amounts, names, words),
and within each passage the sentence that is the evidence (the one the model quoted, or
the one holding most of the answer's facts).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rag.chunking import Passage
from rag.index import ScoredPassage
from rag.text import (
    WORD,
    Sentence,
    amounts_in,
    content_stems,
    is_content_word,
    names_in,
    numbers_in,
    rarity,
    sentences,
    stem,
    words,
)


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    start: int  # the passage, as offsets into the document
    end: int
    text: str
    score: float
    sentence_start: int  # the evidence sentence inside the passage, as document offsets
    sentence_end: int
    sentence: str


def _support(claim: str, passage: str, rarity: dict[str, float]) -> float:
    """How much of the claim's content this text holds. Numbers and amounts weigh most;
    names and words weigh by how rare they are among the passages (a name in every
    passage, like the article's subject, says nothing about which one to cite)."""
    text_lower = passage.lower()
    score = 3.0 * len(numbers_in(claim) & numbers_in(passage))
    score += 3.0 * len(amounts_in(claim) & amounts_in(passage))
    score += 2.0 * sum(rarity.get(name, 1.0) for name in names_in(claim) if name in text_lower)
    score += sum(rarity.get(stem, 1.0) for stem in content_stems(claim) & content_stems(passage))
    return score


def rarity_weights(claim: str, passages: list[str]) -> dict[str, float]:
    """Inverse document frequency, 0..1, of the claim's names and stems in the passages."""
    lowered = [p.lower() for p in passages]
    stems = [content_stems(p) for p in passages]
    weights = {}
    for name in names_in(claim):
        weights[name] = rarity(sum(name in p for p in lowered), len(passages))
    for word in content_stems(claim):
        weights[word] = rarity(sum(word in s for s in stems), len(passages))
    return weights


def evidence_sentence(
    answer: str, question: str, candidates: list[Sentence], similarity: list[float] | None = None
) -> tuple[Sentence, float] | None:
    """The sentence that holds most of what the answer says (its numbers and amounts weigh
    most, names and words by their rarity among the candidates' passages), ties going to the
    one most similar to the question; and the share of the answer's content it holds (0-1),
    a signal for the learned decision. None without candidates."""
    if not candidates:
        return None
    passages = list(dict.fromkeys(s.passage.text for s in candidates))
    rarity = rarity_weights(f"{question} {answer}", passages)
    support = [_support(answer, s.text, rarity) for s in candidates]
    ties = similarity if similarity and len(similarity) == len(candidates) else [0.0] * len(candidates)
    best = max(range(len(candidates)), key=lambda i: (support[i], ties[i]))
    whole = _support(answer, answer, rarity) or 1.0
    return candidates[best], support[best] / whole


def choose_citations(
    answer: str,
    question: str,
    context: list[ScoredPassage],
    evidence: Sentence | None = None,
) -> list[Citation]:
    """The fewest context passages that together hold the answer's facts, best first.

    `context` scores are each passage's similarity to the question and answer; they weigh
    in beside the shared facts and words.
    The passage holding the evidence sentence comes first. A passage is cited only when it
    holds at least one fact or content word of the answer or its evidence. Sentences that
    hold what the answer says and its evidence does not (`further_evidence`) are cited
    after, each in its passage; where the answer took nothing from its evidence, the first
    of them is its evidence instead.
    """
    if not context:
        return []
    further = (
        further_evidence(answer, question, evidence, sentences([s.passage for s in context]))
        if evidence
        else []
    )
    if further and _support(answer, evidence.text, {}) == 0:
        # The answer took nothing from the sentence it was handed: what it took is the evidence.
        evidence, further = further[0], further[1:]
    quote = evidence.text if evidence else ""
    claim = f"{question} {quote} {answer}"
    rarity = rarity_weights(claim, [s.passage.text for s in context])
    low = min(s.score for s in context)
    spread = (max(s.score for s in context) - low) or 1.0

    def rank(i: int) -> float:
        if evidence and _holds(context[i].passage, evidence):
            return math.inf
        similarity = 2.0 * (context[i].score - low) / spread  # 0..2 within this context
        return _support(claim, context[i].passage.text, rarity) + similarity

    order = sorted(range(len(context)), key=rank, reverse=True)
    best = order[0]
    # The answer (with its evidence) must share something with the passage; the question
    # alone is not support ("Ja." to any question would pass).
    if _support(f"{quote} {answer}", context[best].passage.text, {}) == 0:
        return []
    chosen = [best]
    facts = numbers_in(answer) | names_in(answer)
    covered = _facts_in(facts, context[best].passage.text)
    for i in order[1:]:
        gained = _facts_in(facts, context[i].passage.text) - covered
        if gained:
            chosen.append(i)
            covered |= gained
    cited = []  # (context index, its evidence sentence)
    for i in chosen:
        passage = context[i].passage
        sentence = evidence if evidence and _holds(passage, evidence) else best_sentence(passage, answer)
        cited.append((i, sentence))
    for sentence in further:  # each cited in its own right, in its passage
        if sentence not in (s for _, s in cited):
            cited.append((next(i for i, s in enumerate(context) if _holds(s.passage, sentence)), sentence))
    return [citation(n, context[i], sentence) for n, (i, sentence) in enumerate(cited, start=1)]


def citation(n: int, scored: ScoredPassage, sentence: Sentence) -> Citation:
    """Citation number `n`: the passage and, inside it, the evidence sentence."""
    passage = scored.passage
    return Citation(
        n,
        passage.doc_id,
        passage.start,
        passage.end,
        passage.text,
        round(scored.score, 4),
        sentence.start,
        sentence.end,
        sentence.text,
    )


# A sentence besides the evidence is cited too when it holds a name of the answer, or at
# least this many of its content words, that neither the evidence nor the question holds
# (one shared word is often chance: "investeert" in many sentences).
FURTHER_EVIDENCE_MIN_WORDS = 2
FURTHER_EVIDENCE_MAX = 2


def further_evidence(
    answer: str, question: str, evidence: Sentence, candidates: list[Sentence]
) -> list[Sentence]:
    """The sentences besides the evidence that hold what the answer says and neither the
    evidence nor the question does: "a public benefit corporation", or "Google" in a list
    whose other names are in the evidence. Every claim then points at where it came from.
    Greedy: the sentence holding the most of what is left first."""
    known = f"{evidence.text} {question}"
    names = {n for n in names_in(answer) | _opening_name(answer, candidates) if n not in known.lower()}
    name_words = {stem(w) for n in names for w in words(n)}
    left = _Said(names, content_stems(answer) - content_stems(known) - name_words)
    found: list[Sentence] = []
    while left and len(found) < FURTHER_EVIDENCE_MAX:
        held = {s: left.held_in(s) for s in candidates if s != evidence and s not in found}
        fitting = [s for s, said in held.items() if said.enough]
        if not fitting:
            break
        best = max(fitting, key=lambda s: (held[s].size, _support(answer, s.text, {})))
        left = left - held[best]
        found.append(best)
    return found


def _opening_name(answer: str, candidates: list[Sentence]) -> set[str]:
    """The answer's first word where it may be a name ("Google, Hugging Face en ..."): a
    content word that the texts write with a capital wherever they use it, even where each
    use opens a sentence."""
    first = WORD.match(answer.strip())
    if not first or not first.group()[0].isupper() or not is_content_word(first.group()):
        return set()
    pattern = re.compile(rf"\b{re.escape(first.group())}\b", re.IGNORECASE)
    uses = [m.group() for s in candidates for m in pattern.finditer(s.text)]
    return {first.group().lower()} if uses and all(u[0].isupper() for u in uses) else set()


@dataclass(frozen=True)
class _Said:
    """Names and content-word stems of an answer."""

    names: set[str]
    stems: set[str]

    def __bool__(self) -> bool:
        return bool(self.names or self.stems)

    def __sub__(self, other: _Said) -> _Said:
        return _Said(self.names - other.names, self.stems - other.stems)

    @property
    def size(self) -> int:
        return len(self.names) + len(self.stems)

    @property
    def enough(self) -> bool:
        return bool(self.names) or len(self.stems) >= FURTHER_EVIDENCE_MIN_WORDS

    def held_in(self, sentence: Sentence) -> _Said:
        return _Said(
            {n for n in self.names if n in sentence.text.lower()}, self.stems & content_stems(sentence.text)
        )


def _holds(passage: Passage, sentence: Sentence) -> bool:
    return (
        passage.doc_id == sentence.doc_id and passage.start <= sentence.start and sentence.end <= passage.end
    )


def best_sentence(passage: Passage, answer: str) -> Sentence:
    """The passage's sentence that holds most of the answer (the first on a tie)."""
    found = sentences([passage])
    return max(
        found,
        key=lambda s: _support(answer, s.text, {}),
        default=Sentence(passage, passage.start, passage.end),
    )


def _facts_in(facts: set[str], passage: str) -> set[str]:
    lower = passage.lower()
    numbers = numbers_in(passage)
    return {f for f in facts if f in numbers or (not f[0].isdigit() and f in lower)}
