"""The pipeline with the real embedder and Chroma, and a scripted LLM."""

from typing import ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field

from rag.build import build_pipeline
from rag.errors import IndexError_, InputError
from rag.pipeline import AnswerResult, Reset, Token, Turn
from tests.conftest import copy_settings, fake_pipeline, write_seed


def test_grounded_answer_gets_exact_citations(settings, embeddings, article) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon zegde eerder 8 miljard dollar toe [3]."])
    result = pipeline.answer("Hoeveel had Amazon eerder toegezegd?")
    assert not result.refused and result.language == "nl"
    assert result.answer == "Amazon zegde eerder 8 miljard dollar toe."
    assert result.citations and "8 miljard dollar" in result.citations[0].text
    for c in result.citations:
        assert article[c.start : c.end] == c.text
    assert {"retrieval_ms", "first_token_ms", "total_ms"} <= set(result.timings)


def test_invented_number_is_retried_then_refused(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon gaf 12 miljard.", "Het was 13 miljard."])
    result = pipeline.answer("Hoeveel gaf Amazon?")
    assert result.refused and result.answer == "Dat staat niet in het artikel."
    assert result.citations == [] and result.timings["attempts"] == 2


def test_second_attempt_can_rescue_a_refusal(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["NO_ANSWER", "Project Rainier ligt in Indiana."])
    events = list(pipeline.stream("Where is Project Rainier?"))
    result = events[-1]
    assert isinstance(result, AnswerResult) and not result.refused
    assert "Indiana" in result.citations[0].text
    # The refusal was held back, so nothing had to be withdrawn.
    assert not any(isinstance(e, Reset) for e in events)
    assert "".join(e.text for e in events if isinstance(e, Token)) == "Project Rainier ligt in Indiana."


def test_english_refusal(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["NO_ANSWER", "NO_ANSWER"])
    result = pipeline.answer("What is Anthropic's yearly revenue?")
    assert result.refused and result.answer == "The article does not say." and result.language == "en"


def test_streamed_tokens_hide_markers(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Het is 2,2 gigawatt [5]."])
    tokens = [e.text for e in pipeline.stream("Hoeveel stroom?") if isinstance(e, Token)]
    assert "[" not in "".join(tokens) and "".join(tokens).startswith("Het is 2,2 gigawatt")


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_bad_questions_are_rejected(settings, embeddings, question) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    with pytest.raises(InputError):
        pipeline.answer(question)


def test_unknown_role_is_rejected(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["unused"])
    with pytest.raises(InputError):
        pipeline.answer("Wat?", [Turn("system", "x")])  # type: ignore[arg-type]


def test_empty_index_says_so(settings, embeddings, tmp_path) -> None:
    empty = copy_settings(settings, seeds_dir=tmp_path / "none", index_dir=tmp_path / "index")
    pipeline = fake_pipeline(empty, embeddings, ["unused"])
    with pytest.raises(IndexError_, match="index is empty"):
        pipeline.answer("Wat is Project Rainier?")


def test_question_kept_to_one_document(settings, embeddings, article, tmp_path) -> None:
    seeds = tmp_path / "seeds"
    write_seed(seeds, "amazon-anthropic.nl.txt", article)
    write_seed(seeds, "rainier.md", "# Rainier\n\nProject Rainier krijgt in 2027 nog 2,2 gigawatt extra.")
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index")
    pipeline = fake_pipeline(local, embeddings, ["Project Rainier krijgt 2,2 gigawatt extra."] * 2)
    only_md = pipeline.answer("Hoeveel gigawatt krijgt Project Rainier?", doc_id="rainier.md")
    assert {c.doc_id for c in only_md.citations} == {"rainier.md"}
    only_article = pipeline.answer(
        "Hoeveel gigawatt krijgt Project Rainier?", doc_id="amazon-anthropic.nl.txt"
    )
    assert {c.doc_id for c in only_article.citations} == {"amazon-anthropic.nl.txt"}
    with pytest.raises(InputError, match="Unknown document"):
        pipeline.answer("Wat?", doc_id="nope.txt")


def test_quote_is_hidden_and_helps_cite(settings, embeddings) -> None:
    reply = "Quote: Dat meldt de Financial Times.\nAnswer: The Financial Times reported it."
    pipeline = fake_pipeline(settings, embeddings, [reply])
    events = list(pipeline.stream("Who reported the news?"))
    shown = "".join(e.text for e in events if isinstance(e, Token))
    assert shown == "The Financial Times reported it."
    result = events[-1]
    assert "Dat meldt de Financial Times." in result.citations[0].text


def test_answer_in_the_wrong_language_falls_back_to_the_quoted_sentence(settings, embeddings) -> None:
    quote = (
        "The samenwerking draait vooral om de ontwikkeling van grootschalige datacenters"  # 1 word translated
    )
    reply = f"Quote: {quote}\nAnswer: The partnership is mainly about building large data centers for them."
    pipeline = fake_pipeline(settings, embeddings, [reply])
    result = pipeline.answer("Waar draait de samenwerking vooral om?")
    sentence = (
        "De samenwerking draait vooral om de ontwikkeling van grootschalige datacenters en de inzet van "
        "Amazon’s eigen Trainium2-chips voor het trainen van taalmodellen."
    )
    assert not result.refused and result.answer == sentence and result.timings["attempts"] == 1
    assert sentence in result.citations[0].text


def test_a_yes_no_question_the_text_denies_gets_no_with_the_sentence(settings, embeddings, article) -> None:
    # The small model says "no answer" (or "yes") where the article says "not": the app
    # answers "no" itself, quoting the sentence, and cites its passage.
    for reply in ["Quote: none\nAnswer: NO_ANSWER", "Quote: Anthropic wordt gecontroleerd.\nAnswer: Ja."]:
        pipeline = fake_pipeline(settings, embeddings, [reply])
        result = pipeline.answer("Wordt Anthropic gecontroleerd door één techgigant?")
        assert not result.refused
        assert result.answer.startswith("Nee. Het artikel zegt: „")
        assert "niet wordt gecontroleerd" in result.answer
        assert "niet wordt gecontroleerd" in result.citations[0].text
        assert article[result.citations[0].start : result.citations[0].end] == result.citations[0].text
        assert result.timings["attempts"] == 1


def test_a_yes_resting_on_an_invented_quote_is_refused(settings, embeddings) -> None:
    reply = "Quote: Anthropic is sinds vorig jaar beursgenoteerd.\nAnswer: Ja, Anthropic is beursgenoteerd."
    pipeline = fake_pipeline(settings, embeddings, [reply, reply])
    result = pipeline.answer("Is Anthropic beursgenoteerd?")
    assert result.refused and result.timings["attempts"] == 2


def test_a_yes_to_a_number_the_text_does_not_hold_is_refused(settings, embeddings) -> None:
    reply = "Quote: Project Rainier uses 2.2 gigawatts.\nAnswer: Yes"
    pipeline = fake_pipeline(settings, embeddings, [reply, reply])
    assert pipeline.answer("Does Project Rainier use 5 gigawatts?").refused


def test_a_streamed_answer_that_is_overruled_is_withdrawn(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Quote: Anthropic wordt gecontroleerd.\nAnswer: Ja."])
    events = list(pipeline.stream("Wordt Anthropic gecontroleerd door één techgigant?"))
    kinds = [type(e).__name__ for e in events]
    assert kinds[0] == "Token" and kinds[-2:] == ["Reset", "AnswerResult"]
    assert events[-1].answer.startswith("Nee.")


class ContinuingFakeChatModel(FakeListChatModel):
    """A scripted model that, like the local one, continues a reply it is handed."""

    continues_replies: ClassVar[bool] = True
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    def _stream(self, messages, *args, **kwargs):
        self.calls.append(messages)
        yield from super()._stream(messages, *args, **kwargs)


def test_a_quote_only_one_sentence_fits_is_completed_from_the_article(settings, embeddings, article) -> None:
    # The model starts copying the Google sentence, then would drift off: it is handed the
    # article's own rest of that sentence, and answers after it.
    drifting = "Quote: Google, dat meer dan 3 miljard in Amazon stak, is boos.\nAnswer: Amazon."
    llm = ContinuingFakeChatModel(responses=[drifting, " Google."])
    pipeline = build_pipeline(settings, llm=llm, embeddings=embeddings)
    events = list(pipeline.stream("Welke andere grote investeerder in Anthropic noemt het artikel?"))
    sentence = (
        "Google, dat meer dan 3 miljard in Anthropic investeerde, blijft daarmee een medespeler, "
        "maar Amazon wil duidelijk een dominante rol behouden."
    )
    assert sentence in article
    handed = llm.calls[1][-1]
    assert isinstance(handed, AIMessage) and handed.content == f"Quote: {sentence}\nAnswer:"
    result = events[-1]
    assert isinstance(result, AnswerResult) and result.answer == "Google." and not result.refused
    assert "".join(e.text for e in events if isinstance(e, Token)) == "Google."
    assert sentence in result.citations[0].text
