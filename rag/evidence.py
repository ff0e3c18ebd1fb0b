"""The evidence of a written answer: each sentence the model read scored by the embedder
against the question, the sentence that holds the answer (`rag/citations.py`, pure), the
passages that support it, and the signals the learned decision reads (`rag/decision.py`).
Embedding is the I/O here; the choices are the citation step's pure functions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rag.answer_format import is_refusal
from rag.chunking import Passage
from rag.citations import Citation, choose_citations, evidence_sentence
from rag.index import PassageIndex, ScoredPassage, cosine
from rag.language import Language, detect_language
from rag.text import Sentence, sentences

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    # The sentence that holds the answer; for a refusal, the one most like the question (shown
    # beside it as the nearest the text comes); None where neither is found.
    evidence: Sentence | None
    citations: list[Citation] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reading:
    """What the model reads: the passages, their sentences, and each sentence's similarity to
    the question (none where the sentence store fails: the signals are fewer then)."""

    passages: list[Passage]
    sentences: list[Sentence]
    similarity: list[float]

    @property
    def nearest(self) -> Sentence | None:
        """The sentence most like the question: shown while the model reads, and beside a
        refusal as the nearest the text comes."""
        return next(iter(self.closest(1)), None)

    def closest(self, n: int) -> list[Sentence]:
        """The n sentences most like the question, the most alike first."""
        ranked = sorted(range(len(self.similarity)), key=lambda i: -self.similarity[i])
        return [self.sentences[i] for i in ranked[:n]]


def reading(index: PassageIndex, query: str, context: list[Passage]) -> Reading:
    """The context's sentences, scored against the query once, before the model writes."""
    numbered = sentences(context)
    return Reading(context, numbered, _sentence_similarities(index, query, numbered))


def find_evidence(
    index: PassageIndex, answer: str, question: str, language: Language, read: Reading
) -> Found:
    """The answer's evidence sentence among the sentences read, its citations and signals."""
    if not answer or is_refusal(answer):
        return Found(read.nearest)
    found = evidence_sentence(answer, question, read.sentences, read.similarity)
    if not found:
        return Found(None)
    evidence, support = found
    at = read.sentences.index(evidence)
    signals = {
        "support": round(support, 4),
        # An English question over a Dutch text: its similarities run lower.
        "other_language": float(detect_language(evidence.text) != language),
    }
    if read.similarity:
        signals["similarity"] = round(read.similarity[at], 4)
        signals["top_similarity"] = round(max(read.similarity), 4)
    return Found(evidence, _cited(index, answer, evidence, question, read.passages), signals)


def _sentence_similarities(index: PassageIndex, query: str, numbered: list[Sentence]) -> list[float]:
    """Each sentence's cosine similarity to the query (the retrieval embedder's); none
    where the store fails (a Chroma server gone)."""
    store = index.sentences
    if store is None or not numbered:
        return []
    try:
        return store.similarities(query, [s.text for s in numbered])
    except Exception as error:
        log.warning("sentence similarities unavailable (%s)", error)
        return []


def _cited(
    index: PassageIndex, answer: str, evidence: Sentence, question: str, context: list[Passage]
) -> list[Citation]:
    """The passages that support the answer, each with its evidence sentence."""
    similarity = _similarity(index, question, f"{evidence.text} {answer}", context)
    return choose_citations(answer, question, similarity, evidence=evidence)


def _similarity(
    index: PassageIndex, question: str, answer: str, context: list[Passage]
) -> list[ScoredPassage]:
    """Each context passage scored by cosine similarity to the question and answer."""
    claim = index.embeddings.embed_query(f"{question} {answer}")
    vectors = index.vectors([p.passage_id for p in context])
    # A passage removed while this question ran (its document was deleted) has no vector.
    return [
        ScoredPassage(p, cosine(claim, vectors[p.passage_id])) for p in context if p.passage_id in vectors
    ]
