"""Overview questions ("Waar gaat dit artikel over?", "Summarise the document", "What are
the main points?"): the first thing people ask a document, and one no single pointed-at
sentence can answer. They are answered with the document's own central sentences, each
cited, after a line in the question's language.

A question is an overview where it lies closer to the overview examples of the language
files (`lexicon/<lang>.json`) than to their other questions about an article ("Who wrote
the article?"), and close enough (the embedder's cosine similarity). The central
sentences are those nearest the mean of the document's sentence vectors, the lead
sentence among them, shown in document order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from rag.chunking import Passage
from rag.citations import Citation, citation
from rag.index import ScoredPassage, cosine
from rag.lexicon import Lexicon, lexicon_for
from rag.text import Sentence, sentences

# multilingual-e5-small's similarities lie high (0.80-0.85 for unrelated questions); an
# overview example and its rewording reach 0.89-0.99.
OVERVIEW_MIN_SIMILARITY = 0.88
MAIN_POINTS = 4


@dataclass(frozen=True)
class Summary:
    """An overview's answer: a line, then the document's central sentences, each cited."""

    answer: str
    citations: list[Citation]  # the first one's sentence is shown before the answer


class Overviews:
    """Recognises overview questions; the examples are embedded once, when first needed."""

    def __init__(self, embeddings: Embeddings, lexicons: dict[str, Lexicon]):
        self.embeddings = embeddings
        self.lexicons = lexicons
        self._examples: tuple[list[list[float]], list[list[float]]] | None = None

    def asks_overview(self, question: str) -> bool:
        if self._examples is None:
            overview = [e for lexicon in self.lexicons.values() for e in lexicon.overview_examples]
            others = [e for lexicon in self.lexicons.values() for e in lexicon.other_questions]
            self._examples = (
                [self.embeddings.embed_query(e) for e in overview],
                [self.embeddings.embed_query(e) for e in others],
            )
        asked = self.embeddings.embed_query(question)
        overview, others = (
            max((cosine(asked, v) for v in vectors), default=0.0) for vectors in self._examples
        )
        return overview >= OVERVIEW_MIN_SIMILARITY and overview > others

    def main_points(
        self, passages: list[Passage], vectors: Callable[[list[str]], list[list[float]]] | None = None
    ) -> list[tuple[Sentence, float]]:
        """A document's (its passages') central sentences, with their closeness to its centre;
        `vectors`: the index's stored sentence vectors, where it keeps them."""
        candidates = sentences(passages)
        embed = vectors or self.embeddings.embed_documents
        return main_points(candidates, embed([s.text for s in candidates]))

    def _answer(self, language: str, points: list[Sentence]) -> str:
        """A line in the question's language, then the points, quoted."""
        lexicon = lexicon_for(self.lexicons, language)
        return "\n".join([lexicon.overview_intro, *(f"- „{s.text.strip()}”" for s in points)])

    def summary(
        self,
        passages: list[Passage],
        language: str,
        vectors: Callable[[list[str]], list[list[float]]] | None = None,
    ) -> Summary | None:
        """A document's (its passages') overview in the question's language, each point cited
        with its closeness to the document's centre; None for a document without sentences."""
        points = self.main_points(passages, vectors)
        if not points:
            return None
        answer = self._answer(language, [s for s, _ in points])
        cited = [citation(n, ScoredPassage(s.passage, c), s) for n, (s, c) in enumerate(points, start=1)]
        return Summary(answer, cited)


def main_points(
    candidates: list[Sentence], vectors: list[list[float]], count: int = MAIN_POINTS
) -> list[tuple[Sentence, float]]:
    """The document's central sentences with their similarity to its centre: the lead
    sentence (a news text's summary) and those nearest the mean of all, in document order."""
    if not candidates:
        return []
    dimensions = len(vectors[0])
    centre = [sum(v[i] for v in vectors) / len(vectors) for i in range(dimensions)]
    norm = sum(c * c for c in centre) ** 0.5 or 1.0
    centre = [c / norm for c in centre]
    scored = [(cosine(v, centre), i) for i, v in enumerate(vectors)]
    # The lead: the first sentence that is more than a title.
    lead = next((i for i, s in enumerate(candidates) if len(s.text.split()) >= 6), 0)
    chosen = {lead} | {i for _, i in sorted(scored, reverse=True)[: count - 1]}
    return [(candidates[i], scored[i][0]) for i in sorted(chosen)]
