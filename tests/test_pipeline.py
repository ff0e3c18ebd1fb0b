"""The pipeline with the real embedder and Chroma, and a scripted LLM."""

import re
import threading
from typing import ClassVar

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field

from rag.build import build_pipeline
from rag.decision import Example, fit
from rag.errors import Cancelled, IndexError_, InputError
from rag.llama_chat import Choice
from rag.pages import KEEP_STATE
from rag.pipeline import AnswerResult, Reset, Sources, Token, Turn
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


def test_invented_number_is_refused(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon gaf 12 miljard."])
    result = pipeline.answer("Hoeveel gaf Amazon?")
    assert result.refused and result.answer == "Dat staat niet in het artikel."
    assert result.citations == [] and "12" in result.reason


def test_a_refusal_is_held_back_while_it_streams(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["NO_ANSWER"])
    events = list(pipeline.stream("Where is Project Rainier?"))
    assert isinstance(events[-1], AnswerResult) and events[-1].refused
    assert not any(isinstance(e, (Token, Reset)) for e in events)


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
    assert not result.refused and result.answer == sentence
    assert result.citations[0].sentence == sentence


def test_a_quote_that_is_not_in_the_text_is_refused(settings, embeddings) -> None:
    reply = "Quote: Anthropic is sinds vorig jaar beursgenoteerd.\nAnswer: Ja, Anthropic is beursgenoteerd."
    pipeline = fake_pipeline(settings, embeddings, [reply])
    result = pipeline.answer("Is Anthropic beursgenoteerd?")
    assert result.refused and "not a sentence of the text" in result.reason


def test_an_overruled_streamed_answer_is_withdrawn(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Quote: none\nAnswer: Amazon gaf 12 miljard."])
    events = list(pipeline.stream("Hoeveel gaf Amazon?"))
    kinds = [type(e).__name__ for e in events]
    assert kinds[:2] == ["Sources", "Token"] and kinds[-2:] == ["Reset", "AnswerResult"]
    assert events[-1].refused


def test_the_passages_to_be_read_come_first(settings, embeddings, article) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Amazon zegde eerder 8 miljard dollar toe [3]."])
    events = list(pipeline.stream("Hoeveel had Amazon eerder toegezegd?"))
    sources, result = events[0], events[-1]
    assert isinstance(sources, Sources) and sources.language == "nl" and sources.passages
    assert all(article[p.start : p.end] == p.text for p in sources.passages)
    # What is read is what the answer cites from.
    assert {(c.start, c.end) for c in result.citations} <= {(p.start, p.end) for p in sources.passages}


def test_a_refusal_says_why_and_where_the_text_comes_closest(settings, embeddings, article) -> None:
    rainier = "Een belangrijk onderdeel van de samenwerking is Project Rainier"
    replies = [
        f"Quote: {rainier}\nAnswer: Dat staat niet in het artikel.",
        f"Quote: {rainier}\nAnswer: Het kost 12 miljard.",
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


class SignalsFakeChatModel(FakeListChatModel):
    """A scripted model with the local model's extras: it points at the numbered sentence
    that holds `evidence` (and less surely at the one that holds `runner_up`), continues the
    reply it is handed with its answer (from `responses`) and reports scripted
    probabilities; judging a sentence on its own, it says yes with the probability that
    `judged_as` gives a sentence holding that text (asked whether the answer is no, it
    reads its scripted "yes" and "no" the other way round)."""

    reads_signals: ClassVar[bool] = True
    evidence: str = ""
    runner_up: str = ""
    runner_up_probability: float = 0.5
    probabilities: dict[str, float] = Field(default_factory=dict)
    judged_as: dict[str, float] = Field(default_factory=dict)
    handed: list[str] = Field(default_factory=list)
    judged: list[list] = Field(default_factory=list)  # the conversations of its judgements
    weighed: list[dict] = Field(default_factory=list)  # each label's weight, by sentence

    def likeliest_continuations(self, messages, reply, continuations, weights=None, count=1) -> list[Choice]:
        self.handed.append(reply)
        system = str(messages[0].content)
        numbered = {m.group(1): m.group(2) for m in re.finditer(r"\[(\d+)\] ([^\[]*)", system)}
        self.weighed.append(dict(zip(numbered.values(), weights or [], strict=False)))
        found = []
        for text, probability in ((self.evidence, 0.9), (self.runner_up, self.runner_up_probability)):
            for n, label in enumerate(continuations):
                if text and text in numbered.get(label[:-1], ""):
                    weight = weights[n] if weights else 1.0
                    found.append(Choice(n, probability, probability * weight))
        return sorted(found, key=lambda c: -c.score)[:count]

    def next_word_probabilities(self, messages, reply, words) -> dict[str, float]:
        self.handed.append(reply)
        if not reply:
            self.judged.append(list(messages))
            asked = str(messages[1].content)
            for text, yes in self.judged_as.items():
                if text in asked:
                    return {"yes": yes, "no": 1 - yes}
            if len(messages) > 2:  # asked "is the answer no?": its "no" is its yes
                return {"yes": self.probabilities.get("no", 0.0), "no": self.probabilities.get("yes", 0.0)}
        return {name: self.probabilities.get(name, 0.0) for name in words}

    def _stream(self, messages, *args, **kwargs):
        self.handed.append(str(messages[-1].content))
        yield from super()._stream(messages, *args, **kwargs)


def signals_pipeline(settings, embeddings, **script) -> tuple:
    """The learned decision is off here: its numbers are the real model's (`tests/test_decision.py`)."""
    llm = SignalsFakeChatModel(**script)
    return build_pipeline(settings, llm=llm, embeddings=embeddings, calibration=False), llm


def test_the_sentence_most_like_the_question_weighs_most_beside_the_pointer(settings, embeddings) -> None:
    pipeline, llm = signals_pipeline(
        settings, embeddings, evidence="2,2 gigawatt", responses=[" 2,2 gigawatt."], probabilities={}
    )
    pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    weights = llm.weighed[0]
    heaviest = max(weights, key=weights.get)
    assert "gigawatt" in heaviest and weights[heaviest] == 1.0
    assert all(0 < w < 1 for sentence, w in weights.items() if sentence != heaviest)


def test_a_doubtful_evidence_sentence_gives_way_to_a_runner_up_the_model_judges_better(
    settings, embeddings
) -> None:
    pipeline, llm = signals_pipeline(
        settings,
        embeddings,
        evidence="Naast Anthropic investeerde Amazon",  # pointed at first, judged not to answer
        runner_up="2,2 gigawatt",  # far less likely to the pointer, though more like the question
        runner_up_probability=1e-7,
        judged_as={"Naast Anthropic": 0.2, "2,2 gigawatt": 0.95},
        responses=[" 2,2 gigawatt."],
        probabilities={"refuse": 0.01},
    )
    result = pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    assert not result.refused and result.answer == "2,2 gigawatt."
    assert "2,2 gigawatt" in result.citations[0].sentence
    assert result.signals["judged_answers"] == 0.95 and result.signals["evidence"] < 0.001
    # Both were judged; the runner-up was handed over as the quote, and the answer went on from it.
    assert [("Naast Anthropic" in j[1].content, "2,2 gigawatt" in j[1].content) for j in llm.judged] == [
        (True, False),
        (False, True),
    ]
    assert "2,2 gigawatt" in llm.handed[-1] and "Naast Anthropic" not in llm.handed[-1]


def test_an_evidence_sentence_judged_to_answer_is_kept_without_a_second_look(settings, embeddings) -> None:
    pipeline, llm = signals_pipeline(
        settings,
        embeddings,
        evidence="2,2 gigawatt",
        runner_up="Naast Anthropic investeerde Amazon",
        judged_as={"2,2 gigawatt": 0.9, "Naast Anthropic": 0.99},
        responses=[" 2,2 gigawatt."],
        probabilities={"refuse": 0.01},
    )
    result = pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    assert result.answer == "2,2 gigawatt." and len(llm.judged) == 1


def test_the_judges_prompt_marks_all_before_the_question_as_kept(settings, embeddings) -> None:
    pipeline, _ = signals_pipeline(settings, embeddings, responses=["unused"])
    system, asked = pipeline.prompting.judge_conversation(
        "De veerboot vaart zes keer per dag.", " Hoe vaak vaart hij? "
    )
    head = asked.additional_kwargs[KEEP_STATE]
    assert system.additional_kwargs[KEEP_STATE] is True
    assert asked.content.startswith(head) and "De veerboot vaart zes keer per dag." in head
    assert "Hoe vaak" not in head and "Hoe vaak vaart hij?" in asked.content[len(head) :]


def test_a_failing_sentence_store_leaves_the_pointer_and_the_shared_words(
    settings, embeddings, monkeypatch
) -> None:
    pipeline, llm = signals_pipeline(
        settings, embeddings, evidence="2,2 gigawatt", responses=[" 2,2 gigawatt."], probabilities={}
    )

    def gone(*_args):
        raise ConnectionError("the Chroma server went away")

    monkeypatch.setattr(pipeline.retriever.index.sentences, "similarities", gone)
    result = pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    assert not result.refused and "2,2 gigawatt" in result.answer
    # No similarities: the sentences are weighed by the question's rare words they hold.
    (weights,) = llm.weighed
    heaviest = max(weights, key=weights.get)
    assert "Project Rainier" in heaviest and weights[heaviest] == 1.0
    assert all(0 < w <= 1 for w in weights.values())


def test_a_refusal_by_the_learned_decision_shows_nothing(settings, embeddings) -> None:
    pipeline, llm = signals_pipeline(
        settings,
        embeddings,
        evidence="Project Rainier",
        responses=["Het kost veel."],
        probabilities={"refuse": 0.8, "yes": 0.0, "no": 0.0},
    )
    # Fitted on invented rows where a likely refusal was never answered right.
    rows = [
        Example(str(i % 4), {"refuse": 0.8 if i % 2 else 0.01}, not i % 2, bool(i % 2)) for i in range(40)
    ]
    pipeline.calibration = fit(rows, "test")
    events = list(pipeline.stream("Hoeveel kost Project Rainier?"))
    assert [type(e).__name__ for e in events] == ["Sources", "AnswerResult"]  # the passages, no text
    assert events[-1].refused and events[-1].signals["refuse"] == 0.8
    assert events[-1].reason.startswith("learned: P(right)")
    assert not any("Het kost" in h for h in llm.handed)  # the answer was never written


def test_pointing_at_no_sentence_refuses_at_once(settings, embeddings) -> None:
    pipeline, llm = signals_pipeline(settings, embeddings, responses=["unused"])
    result = pipeline.answer("Wie is de CEO van Anthropic?")
    assert result.refused and llm.handed == ["Quote: ["]


def test_an_english_question_rests_on_the_dutch_sentence_it_points_at(settings, embeddings) -> None:
    pipeline, _ = signals_pipeline(
        settings,
        embeddings,
        evidence="datacenterproject in Indiana",
        responses=[" Indiana."],
        probabilities={"refuse": 0.01},
    )
    result = pipeline.answer("Where is Project Rainier?")
    assert not result.refused and result.answer == "Indiana."
    assert "datacenterproject in Indiana" in result.citations[0].sentence
    assert result.signals["evidence"] == 0.9


def test_an_answer_with_an_invented_name_is_stopped_before_it_shows(settings, embeddings) -> None:
    pipeline, _ = signals_pipeline(
        settings,
        embeddings,
        evidence="waaronder Claude",
        responses=[" De CEO is Dario Amodei."],
        probabilities={"refuse": 0.01},
    )
    events = list(pipeline.stream("Wie leidt Anthropic?"))
    # The real sentence it rests on was shown; no answer text was.
    assert [type(e).__name__ for e in events] == ["Sources", "Evidence", "AnswerResult"]
    assert events[-1].refused and "ceo" in events[-1].reason  # stopped at its first invented name


def test_first_words_that_would_be_overruled_are_not_shown(settings, embeddings) -> None:
    # An English answer to a Dutch question: the evidence sentence stands in for it, so none
    # of its words stream, and what is shown is never withdrawn.
    pipeline, _ = signals_pipeline(
        settings,
        embeddings,
        evidence="datacenterproject in Indiana",
        responses=[" The project is being built in the state of Indiana."],
        probabilities={"refuse": 0.01},
    )
    events = list(pipeline.stream("Waar wordt Project Rainier gebouwd?"))
    assert [type(e).__name__ for e in events] == ["Sources", "Evidence", "Token", "AnswerResult"]
    assert events[2].text == events[-1].answer == events[1].sentence.text


def test_a_short_answer_is_shown_once_checked(settings, embeddings) -> None:
    pipeline, _ = signals_pipeline(
        settings,
        embeddings,
        evidence="waaronder Claude",
        responses=[" Claude."],
        probabilities={"refuse": 0.01},
    )
    events = list(pipeline.stream("Hoe heet het AI-model van Anthropic?"))
    assert [type(e).__name__ for e in events] == ["Sources", "Evidence", "Token", "AnswerResult"]
    assert events[2].text == "Claude." == events[-1].answer


class RecordingFakeChatModel(FakeListChatModel):
    """A scripted model that keeps the system message of every prompt it is given."""

    systems: list = Field(default_factory=list)

    def _stream(self, messages, *args, **kwargs):
        self.systems.append(messages[0])
        yield from super()._stream(messages, *args, **kwargs)


def test_a_question_gets_the_page_of_its_best_passages_and_keeps_its_state(
    settings, embeddings, tmp_path
) -> None:
    seeds = tmp_path / "seeds"
    write_seed(
        seeds, "bakkerij.nl.md", "# Bakkerij Molenzicht\n\nBakkerij Molenzicht bakt elke dag 300 broden. " * 3
    )
    write_seed(
        seeds,
        "haven.nl.md",
        "# Haven Zoutvliet\n\nDe haven van Zoutvliet ontvangt jaarlijks 40 vrachtschepen. " * 3,
    )
    write_seed(
        seeds,
        "school.nl.md",
        "# School De Linde\n\nBasisschool De Linde heeft 212 leerlingen in acht groepen. " * 3,
    )
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index", full_context_chars=250)
    llm = RecordingFakeChatModel(
        responses=["Quote: De haven van Zoutvliet ontvangt jaarlijks 40 vrachtschepen.\nAnswer: 40."]
    )
    pipeline = build_pipeline(local, llm=llm, embeddings=embeddings)
    assert len(pipeline.pages) == 3 and pipeline.full_context is None

    result = pipeline.answer("Hoeveel vrachtschepen ontvangt de haven van Zoutvliet?")
    system = llm.systems[-1]
    assert (
        "Zoutvliet" in system.content
        and "Molenzicht" not in system.content
        and "De Linde" not in system.content
    )
    assert system.additional_kwargs.get("keep_state")  # a page: the model may keep its state
    assert not result.refused and {c.doc_id for c in result.citations} == {"haven.nl.md"}


def test_pipelines_sharing_one_model_take_turns_on_it(settings, embeddings) -> None:
    # Two threads in llama.cpp at once crash it: a turn is per model, not per pipeline.
    llm = FakeListChatModel(responses=["Quote: none\nAnswer: NO_ANSWER"])
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


def test_a_question_refused_over_one_page_is_read_again_over_the_page_its_bridge_leads_to(
    settings, embeddings, tmp_path
) -> None:
    # The club's page names the village; the village's page gives its population.
    seeds = tmp_path / "seeds"
    write_seed(
        seeds,
        "roeiclub.nl.md",
        "# Roeivereniging De Spaan\n\nRoeivereniging De Spaan traint op het meer bij het dorp "
        "Kleiveen. De club heeft een eigen botenhuis met acht boten.",
    )
    write_seed(
        seeds,
        "kleiveen.nl.md",
        "# Kleiveen\n\nHet dorp Kleiveen telt 1.930 inwoners. Er is een bakker en een kerk.",
    )
    local = copy_settings(settings, seeds_dir=seeds, index_dir=tmp_path / "index", full_context_chars=150)
    llm = RecordingFakeChatModel(
        responses=[
            "Quote: Roeivereniging De Spaan traint op het meer bij het dorp Kleiveen.\nAnswer: 2.400.",
            "Quote: Het dorp Kleiveen telt 1.930 inwoners.\nAnswer: 1930.",
        ]
    )
    pipeline = build_pipeline(local, llm=llm, embeddings=embeddings)
    assert len(pipeline.pages) == 2

    events = list(pipeline.stream("Hoeveel inwoners heeft het dorp waar Roeivereniging De Spaan traint?"))
    result = events[-1]
    first, second = (str(system.content) for system in llm.systems)
    assert "De Spaan" in first and "1.930" not in first
    assert "1.930" in second and "De Spaan" not in second  # the second page, its state kept
    assert not result.refused and result.answer == "1930."  # "1930" is the text's "1.930"
    cited = {(c.doc_id, c.sentence) for c in result.citations}
    assert cited == {
        ("kleiveen.nl.md", "Het dorp Kleiveen telt 1.930 inwoners."),
        ("roeiclub.nl.md", "Roeivereniging De Spaan traint op het meer bij het dorp Kleiveen."),
    }
    assert result.citations[0].doc_id == "kleiveen.nl.md"  # the evidence first, the bridge after
    assert "second_hop_ms" in result.timings

    # Switched off, the first refusal stands.
    off = build_pipeline(
        copy_settings(local, second_hop=False),
        llm=RecordingFakeChatModel(responses=llm.responses),
        embeddings=embeddings,
    )
    assert off.answer("Hoeveel inwoners heeft het dorp waar Roeivereniging De Spaan traint?").refused


def test_a_no_may_repeat_the_question_it_denies_and_the_yes_no_judge_is_not_asked(
    settings, embeddings
) -> None:
    pipeline, llm = signals_pipeline(
        settings,
        embeddings,
        evidence="2,2 gigawatt",
        responses=[" Nee, niet 5 gigawatt maar 2,2 gigawatt."],
        probabilities={"refuse": 0.01, "yes": 0.1, "no": 0.8},
    )
    result = pipeline.answer("Gebruikt Project Rainier 5 gigawatt?")
    assert not result.refused and result.answer.startswith("Nee, niet 5 gigawatt")
    [judged] = llm.judged  # "does the sentence give the answer?", and no more
    assert [m.type for m in judged] == ["system", "human"]


def test_a_client_asking_for_another_language_gets_it(settings, embeddings) -> None:
    pipeline = fake_pipeline(settings, embeddings, ["Quote: none\nAnswer: NO_ANSWER"])
    events = list(pipeline.stream("Wie is de CEO van Anthropic?", preference="Always answer in English."))
    result = events[-1]
    assert result.language == "en" and result.answer == "The article does not say."
    assert result.explanation == pipeline.lexicons["en"].refusal_nearest
