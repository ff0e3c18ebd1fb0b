"""Evidence at sentence level: the sentence of the context that a quote stands for.

The model quotes its evidence before it answers. A quote that copies a sentence is
matched word for word (`rag.citations.snap_quote`, `quoted_sentence`); one that is
translated (an English question over a Dutch text) or paraphrased is matched here, to the
context sentence the embedder finds closest to it. The sentence, not the model's words,
is what the model then answers from and what is cited.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from langchain_core.embeddings import Embeddings

from rag.text import Sentence, numbers_in

_CACHE_SIZE = 20_000  # sentence vectors kept in memory (384 floats each)


@dataclass(frozen=True)
class ScoredSentence:
    sentence: Sentence
    score: float  # cosine similarity


class SentenceMatcher:
    """Finds the context sentence closest in meaning to a text; vectors cached by text."""

    def __init__(self, embeddings: Embeddings):
        self.embeddings = embeddings
        self._vectors: OrderedDict[str, list[float]] = OrderedDict()

    def vectors(self, texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self.embeddings.embed_documents(missing), strict=True):
                self._vectors[text] = vector
            while len(self._vectors) > _CACHE_SIZE:
                self._vectors.popitem(last=False)
        return [self._vectors[t] for t in texts]

    def nearest(self, text: str, sentences: list[Sentence]) -> ScoredSentence | None:
        """The sentence closest in meaning; among those that hold all of the text's numbers,
        when some do (a paraphrase or translation keeps its numbers)."""
        if not sentences or not text.strip():
            return None
        numbers = numbers_in(text)
        sentences = [s for s in sentences if numbers <= numbers_in(s.text)] or sentences
        # Both sides embedded as passages: a quote is a sentence, not a question.
        target = self.vectors([text])[0]
        scored = [
            ScoredSentence(s, round(sum(a * b for a, b in zip(target, v, strict=True)), 4))
            for s, v in zip(sentences, self.vectors([s.text for s in sentences]), strict=True)
        ]
        return max(scored, key=lambda s: s.score)
