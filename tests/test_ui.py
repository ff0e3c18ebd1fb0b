"""The chat's pure rendering, on invented texts."""

import re

import pytest

from rag.chunking import Passage
from rag.citations import choose_citations
from rag.documents import Document
from rag.index import ScoredPassage
from rag.library import Job
from rag.pipeline import AnswerResult
from rag.text import sentences
from rag.ui import highlight, removal_outcome, remove_question, timings_text, upload_outcome, upload_progress

FARM = "De hoeve ligt aan de dijk. Zij teelt uien. Op de markt verkoopt Marijke de Wit kaas."


def test_two_cited_sentences_of_one_passage_are_both_marked() -> None:
    passage = Passage("hoeve.txt", 0, len(FARM), FARM)
    dike, _, market = sentences([passage])
    cited = choose_citations("De hoeve en Marijke de Wit", "Wie?", [ScoredPassage(passage, 0.5)], dike)
    shown = highlight(Document("hoeve.txt", FARM), cited)
    assert '<mark class="evidence" data-n="1">De hoeve ligt aan de dijk.</mark>' in shown
    assert f'<mark class="evidence" data-n="2">{market.text}</mark>' in shown
    assert shown.count('class="passage"') == 1 and "<sup>[1, 2]</sup>" in shown


def test_markup_in_a_document_is_shown_as_text() -> None:
    text = "Een <b>vette</b> zin."
    passage = Passage("x.txt", 0, len(text), text)
    (sentence,) = sentences([passage])
    shown = highlight(
        Document("x.txt", text), choose_citations("vette", "?", [ScoredPassage(passage, 1)], sentence)
    )
    assert "<b>" not in shown and "&lt;b&gt;vette&lt;/b&gt;" in shown


# Names as an attacker or a careless user may give them: each shows as these characters.
NAMES = [
    "![m](https:evil.example).md",
    "[klik](http:evil.example) __vet__ *schuin*.md",
    "<img src=x onerror=alert(1)>.md",
    "# kop `code` ~~weg~~ | tabel | www.evil.example a@b.example $$x^2$$.md",
    "1. lijst\\ &amp; &lt;b&gt;.md",
]


def rendered(markdown: str) -> str:
    """What a CommonMark renderer (as the page's) makes of it; markdown-it-py is Gradio's."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).render(markdown)


@pytest.mark.parametrize("name", NAMES)
def test_document_names_in_the_documents_panel_are_plain_text(name: str) -> None:
    from html import unescape

    job = Job("1", name, "add", "done", passages=3)
    for shown in (
        remove_question(name),
        upload_progress(name, job),
        upload_outcome(name, job),
        upload_outcome(name, Job("2", name, "add", "failed", error=f"Cannot read {name}")),
        removal_outcome(name, job),
    ):
        page = rendered(shown)
        # No markup from the name: at most the <p> and the question's own <strong>.
        assert set(re.findall(r"<(\w+)", page)) <= {"p", "strong"}, page
        assert name in unescape(re.sub(r"<[^>]+>", "", page)), page
    assert "<strong>" in rendered(remove_question(name))


def test_a_refusal_gives_no_first_token_time() -> None:
    timed = {"retrieval_ms": 40, "first_token_ms": 900, "total_ms": 950}
    answered = AnswerResult("Ja.", False, "nl", [], timed)
    refused = AnswerResult("Niet in het artikel.", True, "nl", [], {"retrieval_ms": 40, "total_ms": 800})
    assert "first token 900 ms" in timings_text(answered)
    assert "first token" not in timings_text(refused) and "total 800 ms" in timings_text(refused)
