"""Retrieval: dense (Chroma) and BM25 rankings fused by reciprocal rank fusion; and, for the
sentences of a prompt, how many of the question's rare words each holds."""

from __future__ import annotations

import re
from collections.abc import Sequence

import bm25s
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LcDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.chunking import Passage
from rag.index import PassageIndex, ScoredPassage

_WORD = re.compile(r"\w+", re.UNICODE)


def bm25_tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def rrf_fuse(rankings: Sequence[Sequence[str]], k: int = 60) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(id) = sum over rankings of 1 / (k + rank), rank from 1.

    Ties keep the order in which ids first appear, so the result is deterministic.
    """
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])


def retrieval_query(question: str, earlier_questions: Sequence[str]) -> str:
    """What is retrieved for a question: a follow-up ("Waar ligt dat?") together with the
    question asked before it."""
    return " ".join([*earlier_questions[-1:], question])


def short_scopes(passages: Sequence[Passage], most_chars: int) -> dict[str | None, list[Passage]]:
    """The scopes a question can have (the whole corpus: None; or one document) whose passages
    together are at most `most_chars` long, each in document order."""
    by_doc: dict[str, list[Passage]] = {}
    for passage in passages:
        by_doc.setdefault(passage.doc_id, []).append(passage)
    scopes: dict[str | None, list[Passage]] = {}
    for doc, held in sorted(by_doc.items()):
        if sum(len(p.text) for p in held) <= most_chars:
            scopes[doc] = sorted(held, key=lambda p: p.start)
    if len(scopes) == len(by_doc) and sum(len(p.text) for p in passages) <= most_chars:
        scopes[None] = [p for doc in sorted(by_doc) for p in scopes[doc]]
    return scopes


class HybridRetriever(BaseRetriever):
    """Dense + BM25 retrieval over the passages of the index, as a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: PassageIndex
    passages: list[Passage]
    by_id: dict[str, Passage]
    bm25: bm25s.BM25 | None
    top_k: int = 4
    rrf_k: int = 60

    @classmethod
    def build(
        cls, index: PassageIndex, top_k: int, rrf_k: int, doc_ids: set[str] | None = None
    ) -> HybridRetriever:
        """Over the index's passages (of these documents only, where given: one that is still
        being indexed is left out until it is whole)."""
        passages = [p for p in index.all_passages() if doc_ids is None or p.doc_id in doc_ids]
        bm25 = None
        if passages:
            bm25 = bm25s.BM25()  # sparse-matrix BM25: milliseconds over 100,000 passages
            bm25.index([bm25_tokens(p.text) for p in passages], show_progress=False)
        by_id = {p.passage_id: p for p in passages}
        return cls(index=index, passages=passages, by_id=by_id, bm25=bm25, top_k=top_k, rrf_k=rrf_k)

    def bm25_ranking(self, query: str, k: int, doc_id: str | None = None) -> list[str]:
        known = [t for t in bm25_tokens(query) if t in self.vocabulary]
        if self.bm25 is None or not known:
            return []
        # Within one document, look deeper and keep that document's passages.
        depth = min(k if doc_id is None else 20 * k, len(self.passages))
        found, scores = self.bm25.retrieve([known], k=depth, show_progress=False)
        hits = [self.passages[i] for i, score in zip(found[0], scores[0], strict=True) if score > 0]
        return [p.passage_id for p in hits if doc_id is None or p.doc_id == doc_id][:k]

    @property
    def vocabulary(self) -> dict[str, int]:
        return self.bm25.vocab_dict if self.bm25 is not None else {}

    def retrieve(self, query: str, k: int | None = None, doc_id: str | None = None) -> list[ScoredPassage]:
        k = k or self.top_k
        # Each ranker looks deeper than k so fusion has something to agree on.
        depth = max(2 * k, 10)
        dense = [s.passage.passage_id for s in self.index.search(query, depth, doc_id)]
        fused = rrf_fuse([dense, self.bm25_ranking(query, depth, doc_id)], self.rrf_k)
        return [ScoredPassage(self.by_id[pid], score) for pid, score in fused if pid in self.by_id][:k]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LcDocument]:
        return [
            LcDocument(
                page_content=s.passage.text,
                metadata={
                    "doc_id": s.passage.doc_id,
                    "start": s.passage.start,
                    "end": s.passage.end,
                    "score": s.score,
                },
            )
            for s in self.retrieve(query)
        ]
