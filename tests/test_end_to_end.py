"""The real thing: real embedder, real Chroma, the real default LLM."""

from rag.pipeline import Turn


def test_amount_answered_with_cited_passage(real_pipeline, article) -> None:
    result = real_pipeline.answer("Hoeveel had Amazon eerder aan Anthropic toegezegd?")
    assert not result.refused and "8 miljard" in result.answer
    assert any("8 miljard dollar" in c.text for c in result.citations)
    assert all(article[c.start : c.end] == c.text for c in result.citations)


def test_english_question_gets_english_answer(real_pipeline) -> None:
    result = real_pipeline.answer("Where is Project Rainier located?")
    assert not result.refused and result.language == "en" and "Indiana" in result.answer
    assert any("Indiana" in c.text for c in result.citations)


def test_follow_up_uses_history(real_pipeline) -> None:
    history = [
        Turn("user", "Wat is Project Rainier?"),
        Turn("assistant", "Project Rainier is een datacenterproject van Amazon voor Anthropic."),
    ]
    result = real_pipeline.answer("Hoeveel stroom gebruikt het?", history)
    assert not result.refused and "2,2" in result.answer
    assert any("2,2 gigawatt" in c.text for c in result.citations)


def test_unanswerable_is_refused(real_pipeline) -> None:
    result = real_pipeline.answer("Wie is de CEO van Anthropic?")
    assert result.refused and result.answer == "Dat staat niet in het artikel."
    assert result.citations == []
