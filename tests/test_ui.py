"""The chat's pure rendering, on invented texts."""

from rag.chunking import Passage
from rag.citations import choose_citations
from rag.documents import Document
from rag.index import ScoredPassage
from rag.text import sentences
from rag.ui import highlight

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
