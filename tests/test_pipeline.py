"""The pipeline with the real embedder and Chroma, and a scripted LLM."""

import threading

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from rag.build import build_pipeline
from rag.decision import FEATURES, Calibration, Example, fit
from rag.errors import Cancelled, IndexError_, InputError
from rag.grounding import MODEL_REFUSED, UNSUPPORTED_PREFIX
from rag.pipeline import SECOND_READING, AnswerResult, Evidence, Sources, Token, Turn
from tests.conftest import RecordingChatModel, copy_settings, fake_pipeline, write_seed


def test_grounded_answer_gets_exact_citations(settings, embeddings, article) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon zegde eerder 8 miljard dollar toe [3]."])
    result = pipeline.answer("Hoeveel had Amazon eerder toegezegd?")
    assert not result.refused and result.language == "nl"
    assert result.answer == "Amazon zegde eerder 8 miljard dollar toe."
    assert result.citations and "8 miljard dollar" in result.citations[0].text
    for c in result.citations:
        assert article[c.start : c.end] == c.text
    assert {"retrieval_ms", "first_token_ms", "total_ms"} <= set(result.timings)
    # the model's own first token, which the first checked word is measured against
    assert result.timings["model_first_token_ms"] <= result.timings["first_token_ms"]


def test_invented_number_is_refused(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon gaf 12 miljard."])
    result = pipeline.answer("Hoeveel gaf Amazon?")
    assert result.refused and result.answer == "Dat staat niet in het artikel."
    assert result.citations == [] and "12" in result.reason


def test_a_refusal_is_held_back_while_it_streams(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["NO_ANSWER"])
    events = list(pipeline.stream("Where is Project Rainier?"))
    assert isinstance(events[-1], AnswerResult) and events[-1].refused
    assert not any(isinstance(e, Token) for e in events)


def test_english_refusal(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["NO_ANSWER"])
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


def test_answer_labels_are_read_past_and_the_evidence_is_the_sentence_holding_the_answer(
    settings, embeddings
) -> None:
    reply = "Quote: none\nAnswer: The Financial Times reported it."
    pipeline = fake_pipeline(settings, embeddings, [reply])
    events = list(pipeline.stream("Who reported the news?"))
    shown = "".join(e.text for e in events if isinstance(e, Token))
    assert shown == "The Financial Times reported it." == events[-1].answer
    assert events[-1].citations[0].sentence == "Dat meldt de Financial Times."


def test_an_answer_in_the_other_language_gives_way_to_its_evidence_sentence(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["The project is being built in Indiana."])
    events = list(pipeline.stream("Waar wordt Project Rainier gebouwd?"))
    result = events[-1]
    assert not result.refused and "Indiana" in result.answer
    assert result.answer == result.citations[0].sentence  # the Dutch sentence, cited, stands in
    assert [type(e).__name__ for e in events][:2] == ["Sources", "Evidence"]


def test_nothing_is_shown_before_the_checks_refuse(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon gaf 12 miljard."])
    events = list(pipeline.stream("Hoeveel gaf Amazon?"))
    assert [type(e).__name__ for e in events] == ["Sources", "AnswerResult"] and events[-1].refused


def test_the_checked_answer_streams_a_word_at_a_time(settings, embeddings) -> None:
    answer = "Project Rainier verbruikt 2,2 gigawatt."
    pipeline = fake_pipeline(settings, embeddings, [answer])
    events = list(pipeline.stream("Hoeveel stroom verbruikt Project Rainier?"))
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert len(tokens) == 5 and "".join(tokens) == answer == events[-1].answer
    assert isinstance(events[1], Evidence) and "2,2 gigawatt" in events[1].sentence.text


def test_the_passages_to_be_read_come_first(settings, embeddings, article) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon zegde eerder 8 miljard dollar toe [3]."])
    events = list(pipeline.stream("Hoeveel had Amazon eerder toegezegd?"))
    sources, result = events[0], events[-1]
    assert isinstance(sources, Sources) and sources.language == "nl" and sources.passages
    assert all(article[p.start : p.end] == p.text for p in sources.passages)
    # With them, the sentence of theirs most like the question, at its offsets in the text.
    nearest = sources.nearest
    assert nearest is not None and nearest.passage in sources.passages
    assert article[nearest.start : nearest.end] == nearest.text and "toezegde" in nearest.text
    # What is read is what the answer cites from.
    assert {(c.start, c.end) for c in result.citations} <= {(p.start, p.end) for p in sources.passages}


def test_a_refusal_says_why_and_where_the_text_comes_closest(settings, embeddings, article) -> None:
    rainier = "Een belangrijk onderdeel van de samenwerking is Project Rainier"
    replies = [
        "Dat staat niet in de tekst.",
        "Het kost 12 miljard.",
    ]
    pipeline = fake_pipeline(settings, embeddings, replies)
    result = pipeline.answer("Hoeveel kost Project Rainier?")
    assert result.refused and result.citations == [] and len(result.nearest) == 1
    nearest = result.nearest[0]
    assert nearest.sentence.startswith(rainier)
    assert article[nearest.sentence_start : nearest.sentence_end] == nearest.sentence
    assert result.explanation == pipeline.lexicons["nl"].refusal_nearest
    invented = pipeline.answer("What does Project Rainier cost?")
    # Why, without repeating the unfounded "12 miljard".
    assert invented.refused and invented.explanation == pipeline.lexicons["en"].refusal_unsupported


def plain_pipeline(settings, embeddings, responses: list[str]):
    """The learned decision is off here: its numbers are the real model's (`tests/test_decision.py`)."""
    llm = FakeListChatModel(responses=responses)
    return build_pipeline(settings, llm=llm, embeddings=embeddings, calibration=False)


def test_the_decisions_signals_are_read_and_kept(settings, embeddings) -> None:
    pipeline = plain_pipeline(settings, embeddings, ["2,2 gigawatt."])
    result = pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    assert not result.refused and "2,2 gigawatt" in result.citations[0].sentence
    assert set(result.signals) == set(FEATURES)
    assert result.signals["support"] == 1.0  # the evidence holds all the answer says
    assert 0 < result.signals["similarity"] <= result.signals["top_similarity"] <= 1


def test_a_failing_sentence_store_leaves_fewer_signals(settings, embeddings, monkeypatch) -> None:
    pipeline = plain_pipeline(settings, embeddings, ["2,2 gigawatt."])

    def gone(*_args):
        raise ConnectionError("the Chroma server went away")

    monkeypatch.setattr(pipeline.retriever.index.sentences, "similarities", gone)
    result = pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    assert not result.refused and "2,2 gigawatt" in result.citations[0].sentence
    assert "similarity" not in result.signals and result.signals["support"] == 1.0


def test_a_refusal_by_the_learned_decision_shows_nothing(settings, embeddings) -> None:
    pipeline = plain_pipeline(settings, embeddings, ["Het kost veel."])
    # Fitted on invented rows where an answer its evidence holds little of was never right.
    rows = [
        Example(str(i % 4), {"support": 0.1 if i % 2 else 0.9}, not i % 2, bool(i % 2)) for i in range(40)
    ]
    pipeline.calibration = fit(rows, "test")
    events = list(pipeline.stream("Hoeveel kost Project Rainier?"))
    assert [type(e).__name__ for e in events] == ["Sources", "AnswerResult"]  # the passages, no text
    assert events[-1].refused and events[-1].signals["support"] < 0.5
    assert events[-1].reason.startswith("learned: P(right)")


def test_an_english_question_rests_on_the_dutch_sentence_that_holds_its_answer(settings, embeddings) -> None:
    pipeline = plain_pipeline(settings, embeddings, ["Indiana."])
    result = pipeline.answer("Where is Project Rainier?")
    assert not result.refused and result.answer == "Indiana."
    assert "Indiana" in result.citations[0].sentence


def test_an_answer_with_an_invented_name_is_refused_unseen(settings, embeddings) -> None:
    pipeline = plain_pipeline(settings, embeddings, ["De CEO is Dario Amodei."])
    events = list(pipeline.stream("Wie leidt Anthropic?"))
    assert [type(e).__name__ for e in events] == ["Sources", "AnswerResult"]
    assert events[-1].refused and events[-1].reason.startswith(UNSUPPORTED_PREFIX)


def test_a_no_may_repeat_the_question_it_denies(settings, embeddings) -> None:
    pipeline = plain_pipeline(settings, embeddings, ["Nee, niet 5 gigawatt maar 2,2 gigawatt."])
    result = pipeline.answer("Gebruikt Project Rainier 5 gigawatt?")
    assert not result.refused and result.answer.startswith("Nee, niet 5 gigawatt")


def test_pipelines_sharing_one_model_take_turns_on_it(settings, embeddings) -> None:
    # Two threads in llama.cpp at once crash it: a turn is per model, not per pipeline.
    llm = FakeListChatModel(responses=["The text does not say."])
    first = build_pipeline(settings, llm=llm, embeddings=embeddings)
    second = build_pipeline(settings, llm=llm, embeddings=embeddings)
    gone = threading.Event()
    gone.set()
    with first.gate.turn(), pytest.raises(Cancelled):
        with second.gate.turn(cancelled=gone):
            pass
    other = build_pipeline(settings, llm=FakeListChatModel(responses=["x"]), embeddings=embeddings)
    with first.gate.turn(), other.gate.turn(cancelled=gone):
        pass  # another model is free meanwhile


def test_a_client_asking_for_another_language_gets_it(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["The text does not say."])
    events = list(pipeline.stream("Wie is de CEO van Anthropic?", preference="Always answer in English."))
    result = events[-1]
    assert result.language == "en" and result.answer == "The article does not say."
    assert result.explanation == pipeline.lexicons["en"].refusal_nearest


def test_a_question_goes_down_the_steps_and_no_step_imports_a_later_one() -> None:
    """retrieve -> read -> cite -> decide: each step's module imports only earlier steps' (and
    the shared toolkits), never the pipeline that runs them."""
    import ast
    from pathlib import Path

    steps = [
        ["rag.retrieval", "rag.index"],
        ["rag.prompting", "rag.llm", "rag.llama_chat"],
        ["rag.citations", "rag.evidence", "rag.overview"],
        ["rag.grounding", "rag.decision"],
        ["rag.refusal"],
        ["rag.pipeline"],
    ]
    root = Path(__file__).resolve().parent.parent
    for at, modules in enumerate(steps):
        later = {m for step in steps[at + 1 :] for m in step}
        for module in modules:
            tree = ast.parse((root / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
            imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert not imported & later, (module, imported & later)


def test_a_short_article_is_read_whole_and_every_question_starts_the_same(settings, embeddings) -> None:
    llm = RecordingChatModel(responses=["2,2 gigawatt.", "Dario Amodei."], prompts=[])
    pipeline = build_pipeline(settings, llm=llm, embeddings=embeddings, calibration=False)
    in_order = sorted(pipeline.retriever.passages, key=lambda p: p.start)
    assert len(in_order) > settings.top_k  # more than a question's top passages
    for question in ["Hoeveel stroom verbruikt Project Rainier?", "Who founded Anthropic?"]:
        sources, *_ = pipeline.stream(question)  # the whole answer, so the model is called
        assert isinstance(sources, Sources) and list(sources.passages) == in_order
    # The same system message (rules and passages): the model keeps it read between questions.
    first, second = llm.prompts
    assert first[0].content == second[0].content and first[-1].content != second[-1].content


def test_a_text_read_by_its_top_passages_when_asked(settings, embeddings) -> None:
    top = copy_settings(settings, read_whole_if_it_fits=False)
    pipeline = fake_pipeline(top, embeddings, ["2,2 gigawatt."])
    sources = next(iter(pipeline.stream("Hoeveel stroom verbruikt Project Rainier?")))
    assert isinstance(sources, Sources) and len(sources.passages) == settings.top_k


def reading_again(n: int) -> Calibration:
    """A calibration that answers whatever is written (chance 0.5, cut 0) and reads a refused
    question again over its n nearest sentences."""
    return Calibration("test", FEATURES, (0.0,) * 4, (1.0,) * 4, (0.0,) * 4, 0.0, 0.0, {}, n)


def test_a_refused_question_is_read_again_over_its_nearest_sentences(settings, embeddings, article) -> None:
    llm = RecordingChatModel(responses=["Dat staat niet in de tekst.", "2,2 gigawatt."], prompts=[])
    top = copy_settings(settings, read_whole_if_it_fits=False)  # its top passages read
    pipeline = build_pipeline(top, llm=llm, embeddings=embeddings, calibration=False)
    pipeline.calibration = reading_again(3)
    events = list(pipeline.stream("Hoeveel stroom verbruikt Project Rainier?"))
    result = events[-1]
    assert not result.refused and result.answer == "2,2 gigawatt." and result.draft == "2,2 gigawatt."
    assert result.reason == "grounded" + SECOND_READING and "read_again_ms" in result.timings
    assert "2,2 gigawatt" in result.citations[0].sentence
    assert [type(e).__name__ for e in events][-2:] == ["Token", "AnswerResult"]
    # The same prompt, its passages now the three sentences most like the question, each a
    # sentence of the article as it stands there, the nearest first.
    first, second = (str(prompt[0].content) for prompt in llm.prompts)
    read_again = [line for line in second.splitlines() if line.startswith("[")]
    assert len(read_again) == 3 and len(second) < len(first)
    for line in read_again:
        assert line.split(") ", 1)[1] in article
    assert read_again[0].split(") ", 1)[1] == events[0].nearest.text


def test_a_question_refused_again_stays_refused_and_without_it_is_read_once(settings, embeddings) -> None:
    llm = RecordingChatModel(responses=["The text does not say."], prompts=[])
    top = copy_settings(settings, read_whole_if_it_fits=False)
    pipeline = build_pipeline(top, llm=llm, embeddings=embeddings, calibration=False)
    pipeline.calibration = reading_again(3)
    result = pipeline.answer("Who is Anthropic's CEO?")
    assert result.refused and result.reason == MODEL_REFUSED and len(llm.prompts) == 2
    assert not any(isinstance(e, Token) for e in pipeline.stream("Who is Anthropic's CEO?"))
    pipeline.calibration = reading_again(0)
    llm.prompts.clear()
    assert pipeline.answer("Who is Anthropic's CEO?").refused and len(llm.prompts) == 1


def test_a_text_read_whole_is_not_read_again(settings, embeddings) -> None:
    # Its prompt, which the model keeps read for the next question, stays in place.
    llm = RecordingChatModel(responses=["The text does not say."], prompts=[])
    pipeline = build_pipeline(settings, llm=llm, embeddings=embeddings, calibration=False)
    pipeline.calibration = reading_again(3)
    assert pipeline.answer("Who is Anthropic's CEO?").refused and len(llm.prompts) == 1
