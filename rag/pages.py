"""Pages: the corpus cut into contexts that each fit one prompt (pure functions).

A page is a run of one document's passages, in order, at most `max_chars` long: a whole
document where it fits, else the document cut between its passages. The prompt of a
question over a page begins with the same system message every time, so the model's state
after that message can be computed once (at index time) and restored for every question
that lands on the page: the question then pays only for its own tokens.

Retrieval decides the page: the one holding the passage it ranks first. (Falling back to
the top-k passages when they lie on several pages was measured and dropped: no better on
the tune half of tests/data/qa_corpus.jsonl, and a question over an uncached context waits
~6 s instead of ~2 s; see docs/design.md.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rag.chunking import Passage

# Marks a system message whose model state is worth saving: a page's, not a one-off context.
KEEP_STATE = "keep_state"


@dataclass(frozen=True)
class Page:
    passages: tuple[Passage, ...]

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.passages)

    @property
    def passage_ids(self) -> frozenset[str]:
        return frozenset(p.passage_id for p in self.passages)

    @property
    def doc_ids(self) -> list[str]:
        return list(dict.fromkeys(p.doc_id for p in self.passages))


def paginate(passages: Iterable[Passage], max_chars: int) -> list[Page]:
    """Each document's passages, in order, packed into pages of at most `max_chars` (a
    single passage longer than that gets a page of its own). A page never holds two
    documents, so adding or removing one document leaves every other document's pages,
    and their saved states, as they were."""
    by_document: dict[str, list[Passage]] = {}
    for passage in sorted(passages, key=lambda p: (p.doc_id, p.start)):
        by_document.setdefault(passage.doc_id, []).append(passage)
    pages: list[list[Passage]] = []
    for document in by_document.values():
        used = max_chars + 1  # each document starts a page
        for passage in document:
            if used + len(passage.text) > max_chars:
                pages.append([])
                used = 0
            pages[-1].append(passage)
            used += len(passage.text)
    return [Page(tuple(page)) for page in pages]


def page_of(pages: Sequence[Page], passage: Passage) -> Page | None:
    """The page that holds this passage (the best-ranked one: its page answers)."""
    return next((page for page in pages if passage.passage_id in page.passage_ids), None)
