"""Pages: the corpus cut into prompt-sized runs of passages, and the page a question gets."""

from __future__ import annotations

from rag.chunking import Passage
from rag.pages import page_of, paginate


def passages_of(doc_id: str, *lengths: int) -> list[Passage]:
    found, start = [], 0
    for length in lengths:
        found.append(Passage(doc_id, start, start + length, "x" * length))
        start += length + 1
    return found


def test_each_document_gets_its_own_pages_in_document_order() -> None:
    corpus = passages_of("b.txt", 30, 30) + passages_of("a.txt", 20) + passages_of("c.txt", 10)
    pages = paginate(corpus, max_chars=100)
    assert [page.doc_ids for page in pages] == [["a.txt"], ["b.txt"], ["c.txt"]]
    assert [p.start for p in pages[1].passages] == [0, 31]


def test_a_long_document_is_cut_between_its_passages_and_nothing_is_lost() -> None:
    corpus = passages_of("a.txt", 40, 40, 40, 40, 40) + passages_of("b.txt", 10)
    pages = paginate(corpus, max_chars=100)
    assert [len(page.passages) for page in pages] == [2, 2, 1, 1]
    assert all(page.chars <= 100 for page in pages)
    assert [p for page in pages for p in page.passages] == sorted(corpus, key=lambda p: (p.doc_id, p.start))
    # A passage longer than a page still gets one.
    assert [page.chars for page in paginate(passages_of("a.txt", 150), max_chars=100)] == [150]


def test_the_page_of_the_best_passage_answers() -> None:
    a, b = passages_of("a.txt", 60, 30), passages_of("b.txt", 60, 30)
    pages = paginate(a + b, max_chars=100)
    assert page_of(pages, b[1]) == pages[1]
    assert page_of(pages, passages_of("gone.txt", 10)[0]) is None
