"""/v1/responses (OpenAI's Responses API) through the clients built on it: the openai SDK's
`client.responses`, whole and streamed, and LangChain's `ChatOpenAI(use_responses_api=True)`,
with a scripted LLM (real embedder and Chroma)."""

from __future__ import annotations

import httpx
import openai
import pytest
from langchain_openai import ChatOpenAI

from rag.answer_format import refusal
from rag.build import build_pipeline
from tests.conftest import serve_in_thread
from tests.test_openai_compat import ANSWERED, INVENTED, CutShortChatModel, RecordingChatModel

QUESTION = "Hoeveel stroom verbruikt Project Rainier?"


@pytest.fixture(scope="module")
def v1(settings, embeddings):
    llm = RecordingChatModel(responses=[ANSWERED])
    with serve_in_thread(settings, build_pipeline(settings, llm=llm, embeddings=embeddings)) as base:
        yield base


def client(base: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{base}/v1", api_key="unused")


def test_the_sdk_gets_the_answer_with_its_sources_as_annotations(v1) -> None:
    response = client(v1).responses.create(model="grounded-qa", input=QUESTION)
    assert response.status == "completed"
    assert response.output_text.startswith(
        "Het verbruikt 2,2 gigawatt.\n\nBronnen: [1] amazon-anthropic.nl.txt "
    )
    text = response.output[0].content[0]
    cited = text.annotations[0]
    assert cited.type == "url_citation" and cited.url.startswith(f"{v1}/?doc=amazon-anthropic.nl.txt&start=")
    # Each annotation spans its entry in the footer; its title carries the cited sentence.
    assert text.text[cited.start_index : cited.end_index].startswith("[1] amazon-anthropic.nl.txt ")
    assert "2,2 gigawatt" in cited.title
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    extra = response.model_extra["grounded_qa"]
    assert extra["refused"] is False and extra["citations"][0]["doc"] == "amazon-anthropic.nl.txt"
    plain = client(v1).responses.create(
        model="grounded-qa", input=QUESTION, extra_body={"sources_footer": False}
    )
    assert plain.output_text == "Het verbruikt 2,2 gigawatt."
    assert plain.output[0].content[0].annotations[0].start_index == 0


def test_the_sdk_streams_the_checked_words_then_the_sources(v1) -> None:
    events = list(client(v1).responses.create(model="grounded-qa", input=QUESTION, stream=True))
    kinds = [e.type for e in events]
    assert kinds[:3] == ["response.created", "response.output_item.added", "response.content_part.added"]
    assert kinds[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    streamed = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert kinds.count("response.output_text.delta") > 3  # word by word, then the footer
    assert streamed == events[-1].response.output_text
    assert "response.output_text.annotation.added" in kinds
    assert [e.sequence_number for e in events] == list(range(1, len(events) + 1))


def test_langchain_with_the_responses_api_reaches_the_citations(v1) -> None:
    chat = ChatOpenAI(base_url=f"{v1}/v1", api_key="unused", model="grounded-qa", use_responses_api=True)
    answer = chat.invoke(QUESTION)
    assert "2,2 gigawatt" in answer.text
    blocks = [b for b in answer.content if isinstance(b, dict)]
    annotations = [a for b in blocks for a in b.get("annotations", [])]
    assert annotations and annotations[0]["url"].startswith(f"{v1}/?doc=amazon-anthropic.nl.txt")
    streamed = list(chat.stream(QUESTION))
    assert "2,2 gigawatt" in sum(streamed[1:], streamed[0]).text


def test_instructions_set_the_language_and_errors_keep_openais_shape(v1) -> None:
    english = client(v1).responses.create(
        model="grounded-qa", input=QUESTION, instructions="Answer in English."
    )
    assert english.model_extra["grounded_qa"]["language"] == "en"
    for body, status in [
        ({"model": "gpt-4o", "input": QUESTION}, 404),
        ({"model": "grounded-qa", "input": ""}, 422),
        ({"model": "grounded-qa", "input": [{"role": "assistant", "content": "Hallo"}]}, 400),
        ({"model": "grounded-qa", "input": "x" * 5000}, 400),
        ({"model": "grounded-qa", "input": QUESTION, "previous_response_id": "resp_1"}, 400),
    ]:
        reply = httpx.post(f"{v1}/v1/responses", json=body, timeout=60)
        assert reply.status_code == status, (body, reply.text)
        assert set(reply.json()["error"]) == {"message", "type", "param", "code"}


def test_a_refusal_and_a_cut_answer(settings, embeddings) -> None:
    llm = CutShortChatModel(responses=[INVENTED, ANSWERED, ANSWERED])
    with serve_in_thread(settings, build_pipeline(settings, llm=llm, embeddings=embeddings)) as base:
        refused = client(base).responses.create(model="grounded-qa", input="Wie is de CEO van Anthropic?")
        cut = client(base).responses.create(model="grounded-qa", input=QUESTION, max_output_tokens=8)
        streamed = list(
            client(base).responses.create(
                model="grounded-qa", input=QUESTION, max_output_tokens=8, stream=True
            )
        )
    assert refused.output_text.startswith(refusal("nl")) and "Jan Jansen" not in refused.output_text
    assert refused.model_extra["grounded_qa"]["refused"] is True
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "max_output_tokens"
    assert streamed[-1].type == "response.incomplete"
