"""Overview questions: recognised by the embedder, answered with the document's own
central sentences, each cited at its offsets; the model is not asked."""

import pytest

from rag.lexicon import load_lexicons
from rag.overview import Overviews, main_points
from rag.settings import PROJECT_ROOT
from rag.text import sentences
from tests.conftest import fake_pipeline


@pytest.fixture(scope="module")
def overviews(embeddings) -> Overviews:
    return Overviews(embeddings, load_lexicons(PROJECT_ROOT / "lexicon", ("nl", "en")))


@pytest.mark.parametrize(
    "question",
    [
        "Kun je de tekst samenvatten?",
        "Wat is de kern van dit stuk?",
        "What's the gist of the article?",
        "Summarize this for me",
    ],
)
def test_overview_questions_are_recognised(overviews, question) -> None:
    assert overviews.asks_overview(question)


@pytest.mark.parametrize(
    "question",
    [
        "Hoeveel investeert Amazon in Anthropic?",
        "Which other companies invest?",
        "Wie schreef dit stuk?",
        "What are the main causes of the oil crisis?",
    ],
)
def test_other_questions_are_not(overviews, question) -> None:
    assert not overviews.asks_overview(question)


def test_main_points_are_the_lead_and_the_sentences_nearest_the_centre(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, [])
    candidates = sentences(pipeline.retriever.passages)
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.8, 0.2], [-1.0, 0.0]] + [[0.5, 0.5]] * (
        len(candidates) - 5
    )
    points = main_points(candidates, vectors, count=3)
    assert len(points) <= 3 and points == sorted(points, key=lambda p: p[0].start)
    assert all(candidates.index(s) != 4 for s, _ in points)  # the sentence far from the rest


@pytest.mark.parametrize(
    ("question", "intro"), [("Waar gaat het artikel over?", "De kern"), ("Summarize the text.", "The gist")]
)
def test_an_overview_is_cited_sentence_by_sentence(settings, embeddings, article, question, intro) -> None:
    pipeline = fake_pipeline(settings, embeddings, [])  # the model is never asked
    result = pipeline.answer(question)
    assert not result.refused and result.answer.startswith(intro)
    assert 3 <= len(result.citations) <= 4
    for c in result.citations:
        assert (
            article[c.sentence_start : c.sentence_end] == c.sentence and c.sentence.strip() in result.answer
        )
