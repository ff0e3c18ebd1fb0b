"""/v1 as OpenAI clients use it, with a scripted LLM (real embedder and Chroma): what
OpenAI accepts is accepted, errors have OpenAI's shape, only checked text goes out, and
the sources travel as annotations, a footer and one namespaced extra."""

from __future__ import annotations

import asyncio
import json

import httpx
import openai
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk

from rag.answer_format import refusal
from rag.api.client_tasks import is_client_task, task_reply, title_of
from rag.api.openai_compat import _Reply
from rag.api.schemas import ChatRequest
from rag.build import build_pipeline
from rag.chunking import Passage
from rag.lexicon import load_lexicons
from rag.pipeline import AnswerResult, Evidence, Sources, Token
from rag.settings import PROJECT_ROOT
from tests.conftest import copy_settings, serve_in_thread

ANSWERED = (
    "Quote: Een belangrijk onderdeel van de samenwerking is Project Rainier, een ambitieus "
    "datacenterproject in Indiana dat goed is voor 2,2 gigawatt aan stroomverbruik.\n"
    "Answer: Het verbruikt 2,2 gigawatt."
)
INVENTED = "Quote: De CEO is Jan Jansen.\nAnswer: Jan Jansen is de CEO van Anthropic."
USER = {"role": "user", "content": "Hoeveel stroom verbruikt Project Rainier?"}


ASKED: list[tuple[list, dict]] = []


class RecordingChatModel(FakeListChatModel):
    """Scripted, and keeps what it was asked (the prompt and the stream's arguments)."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        ASKED.append((messages, kwargs))
        yield from super()._stream(messages, stop, run_manager, **kwargs)


@pytest.fixture(scope="module")
def v1(settings, embeddings):
    llm = RecordingChatModel(responses=[ANSWERED])
    with serve_in_thread(settings, build_pipeline(settings, llm=llm, embeddings=embeddings)) as base:
        yield base


def completion(base: str, headers: dict | None = None, **body) -> httpx.Response:
    url = f"{base}/v1/chat/completions"
    return httpx.post(url, json={"model": "grounded-qa", **body}, headers=headers, timeout=60)


def test_requests_openai_accepts_are_accepted(v1) -> None:
    body = completion(
        v1,
        messages=[
            {"role": "developer", "content": "Answer briefly."},
            {"role": "system", "content": [{"type": "text", "text": "Use formal Dutch."}]},
            {"role": "user", "content": "Wat is Project Rainier?"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
            {"role": "tool", "tool_call_id": "c1", "content": "{}"},
            {"role": "assistant", "content": "Een datacenter."},
            {"role": "user", "content": [{"type": "text", "text": USER["content"]}, {"type": "image_url"}]},
        ],
        tools=[{"type": "function", "function": {"name": f"tool{n}", "parameters": {}}} for n in range(36)],
        temperature=0.2,
        max_tokens=40,
        user="someone",
    )
    assert body.status_code == 200, body.text
    reply = body.json()
    assert "2,2" in reply["choices"][0]["message"]["content"]
    messages, kwargs = ASKED[-1]
    assert kwargs.get("max_tokens") == 40  # honoured
    system, *_, question = messages
    assert "formal Dutch" not in system.content  # the cached rules stay as they are
    assert "prefers" in question.content and "Answer briefly. Use formal Dutch." in question.content
    assert [m.content for m in messages[1:3]] == ["Wat is Project Rainier?", "Een datacenter."]


def test_sources_as_annotations_footer_and_one_namespaced_extra(v1) -> None:
    reply = completion(v1, messages=[USER]).json()
    message = reply["choices"][0]["message"]
    assert message["content"].startswith(
        "Het verbruikt 2,2 gigawatt.\n\nBronnen: [1] amazon-anthropic.nl.txt "
    )
    link = message["annotations"][0]["url_citation"]
    assert message["annotations"][0]["type"] == "url_citation"
    assert link["url"].startswith(f"{v1}/?doc=amazon-anthropic.nl.txt&start=")
    assert set(reply["grounded_qa"]) == {"citations", "refused", "language", "timings", "nearest", "reason"}
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert "timings" not in reply and "citations" not in reply  # nothing beside OpenAI's own fields
    assert reply["usage"]["prompt_tokens"] > 0 and reply["usage"]["completion_tokens"] > 0
    plain = completion(v1, messages=[USER], sources_footer=False).json()
    assert plain["choices"][0]["message"]["content"] == "Het verbruikt 2,2 gigawatt."


def test_stream_usage_only_when_asked(v1) -> None:
    client = openai.OpenAI(base_url=f"{v1}/v1", api_key="unused")
    chunks = list(client.chat.completions.create(model="grounded-qa", messages=[USER], stream=True))
    assert all(c.usage is None for c in chunks)
    chunks = list(
        client.chat.completions.create(
            model="grounded-qa", messages=[USER], stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage.prompt_tokens > 0
    last = next(c for c in chunks if c.choices and c.choices[0].finish_reason == "stop")
    assert last.choices[0].delta.model_extra["annotations"][0]["type"] == "url_citation"


def test_model_routes_and_errors_in_openai_shape(v1) -> None:
    assert httpx.get(f"{v1}/v1/models/grounded-qa").json()["id"] == "grounded-qa"
    client = openai.OpenAI(base_url=f"{v1}/v1", api_key="unused")
    with pytest.raises(openai.NotFoundError, match="does not exist"):
        client.chat.completions.create(model="gpt-4o", messages=[USER])
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")
    for response in [
        httpx.get(f"{v1}/v1/nothing-here"),
        completion(v1, messages=[]),
        completion(v1, messages=[{"role": "robot", "content": "x"}]),
        completion(v1, messages=[{"role": "assistant", "content": "x"}]),
    ]:
        assert response.status_code in (400, 404, 422)
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}, response.text
    with pytest.raises(openai.UnprocessableEntityError, match="messages"):
        client.chat.completions.create(model="grounded-qa", messages=[])


def test_a_refusal_streams_no_false_text(settings, embeddings) -> None:
    llm = FakeListChatModel(responses=[INVENTED])
    with serve_in_thread(settings, build_pipeline(settings, llm=llm, embeddings=embeddings)) as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
        question = [{"role": "user", "content": "Wie is de CEO van Anthropic?"}]
        chunks = list(client.chat.completions.create(model="grounded-qa", messages=question, stream=True))
        # Nor does the web chat's: the answer is shown only once checked.
        with httpx.stream("POST", f"{base}/api/ask/stream", json={"question": question[0]["content"]}) as r:
            events = [line for line in r.iter_lines() if line.startswith("event: ")]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    answer, why, closest = text.split("\n", 2)[0], text.split("\n")[2], text.split("\n")[3]
    assert answer == refusal("nl") and "Jan Jansen" not in text
    # Why, and the closest the text comes, marked as not an answer.
    assert why == load_lexicons(PROJECT_ROOT / "lexicon", ("nl", "en"))["nl"].refusal_unsupported
    assert closest.startswith("Het dichtst bij komt de tekst hier (geen antwoord): „")
    assert "event: token" not in events and "event: reset" not in events


class CutShortChatModel(FakeListChatModel):
    """Scripted; its last chunk says the token limit cut it, as LangChain's models say it."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        yield from super()._stream(messages, stop, run_manager, **kwargs)
        yield ChatGenerationChunk(
            message=AIMessageChunk(content=""), generation_info={"finish_reason": "length"}
        )


def test_max_tokens_cutting_the_answer_is_said_as_length(settings, embeddings) -> None:
    llm = CutShortChatModel(responses=[ANSWERED, ANSWERED])
    with serve_in_thread(settings, build_pipeline(settings, llm=llm, embeddings=embeddings)) as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
        whole = client.chat.completions.create(model="grounded-qa", messages=[USER], max_tokens=8)
        chunks = list(
            client.chat.completions.create(model="grounded-qa", messages=[USER], max_tokens=8, stream=True)
        )
    assert whole.choices[0].finish_reason == "length"
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == [
        "length"
    ]


def test_open_webui_tasks_get_the_json_they_ask_for() -> None:
    task = (
        '### Task:\nSuggest a title.\n### Output:\nJSON format: { "title": "your title" }\n'
        "### Chat History:\n<chat_history>\nUSER: Hoe lang moet het deeg rijzen in de koelkast?\n"
        "ASSISTANT: Een nacht.\n</chat_history>"
    )
    assert is_client_task(task) and not is_client_task("Wat is ### Task: hier?")
    assert json.loads(task_reply(task)) == {"title": "Hoe lang moet het deeg rijzen…"}
    listed = task.replace('{ "title": "your title" }', '{ "tags": ["tag1", "tag2"], "note": "x" }')
    assert json.loads(task_reply(listed)) == {"tags": [], "note": ""}
    assert task_reply("### Task:\nWrite an emoji.") == ""
    assert title_of("no history here") == "Chat"


def test_progress_goes_as_reasoning_before_the_checked_answer(v1) -> None:
    client = openai.OpenAI(base_url=f"{v1}/v1", api_key="unused")
    chunks = list(client.chat.completions.create(model="grounded-qa", messages=[USER], stream=True))
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    reasoning = [(d.model_extra or {}).get("reasoning_content") for d in deltas]
    first_reasoning = next(i for i, r in enumerate(reasoning) if r)
    first_answer = next(i for i, d in enumerate(deltas) if d.content)
    reading = reasoning[first_reasoning]
    assert reading.startswith("De tekst wordt gelezen…\n") and first_reasoning < first_answer
    # With it, the sentence read most like the question, said not to be the answer.
    assert "Het dichtst bij uw vraag (nog geen antwoord): „" in reading
    text = "".join(d.content or "" for d in deltas)
    assert text.startswith("Het verbruikt 2,2 gigawatt.") and "gelezen" not in text


def v1_reply() -> _Reply:
    lexicons = load_lexicons(PROJECT_ROOT / "lexicon", ("nl", "en"))
    return _Reply(ChatRequest(model="grounded-qa", messages=[USER], stream=True), "http://x", lexicons)


async def replayed(events: list) -> list[dict]:
    async def source():
        for event in events:
            yield event

    chunks = [c async for c in v1_reply().answer_chunks(source())]
    return [json.loads(c["data"])["choices"][0]["delta"] for c in chunks if json.loads(c["data"])["choices"]]


def contents(deltas: list[dict]) -> list[str]:
    return [d["content"] for d in deltas if d.get("content")]


def test_checked_words_stream_once() -> None:
    answered = AnswerResult("Het verbruikt 2,2 gigawatt.", False, "nl", [])
    words = [Token("Het "), Token("verbruikt "), Token("2,2 gigawatt.")]
    streamed = asyncio.run(replayed([*words, answered]))
    assert contents(streamed) == ["Het ", "verbruikt ", "2,2 gigawatt."]  # word by word, nothing twice
    refused = AnswerResult(refusal("nl"), True, "nl", [])
    assert contents(asyncio.run(replayed([Sources((), "nl"), refused])))[0] == refusal("nl")


def test_open_webui_in_docker_gets_links_to_the_public_address(settings, embeddings) -> None:
    # Open WebUI in Docker reaches the host as host.docker.internal; readers open the links
    # in their own browser, at the address the server is told it has.
    here = copy_settings(
        settings,
        allowed_hosts=[*settings.allowed_hosts, "host.docker.internal"],
        public_url="http://localhost:7860",
    )
    pipeline = build_pipeline(here, llm=FakeListChatModel(responses=[ANSWERED]), embeddings=embeddings)
    with serve_in_thread(here, pipeline) as base:
        port = base.rsplit(":", 1)[1]
        reply = completion(base, messages=[USER], headers={"Host": f"host.docker.internal:{port}"})
        refused = completion(base, messages=[USER], headers={"Host": f"evil.example:{port}"})
    assert reply.status_code == 200, reply.text
    link = reply.json()["choices"][0]["message"]["annotations"][0]["url_citation"]["url"]
    assert link.startswith("http://localhost:7860/?doc=amazon-anthropic.nl.txt&start=")
    assert refused.status_code == 400


def test_a_documents_name_and_text_never_become_markdown_in_a_client() -> None:
    """Chat clients render Markdown: a name or sentence from a document must not load an
    image or open a tag there."""
    from rag.citations import Citation
    from rag.text import Sentence

    name, said = "![m](https://evil.example/x.png).md", "Zie <img src=x> en [hier](https://evil.example)."
    cited = Citation(1, name, 0, len(said), said, 0.9, 0, len(said), said)
    footer = v1_reply().text_of(AnswerResult("Een datacenter.", False, "nl", [cited]))
    nearest = AnswerResult(refusal("nl"), True, "nl", [], nearest=[cited], explanation="Waarom.")
    sentence = Sentence(Passage(name, 0, len(said), said), 0, len(said))
    progress = v1_reply().progress(Evidence(sentence, "nl"))
    reading = v1_reply().progress(Sources((sentence.passage,), "nl", sentence))
    for text in (footer, v1_reply().text_of(nearest), progress, reading):
        assert name.removesuffix(".md") not in text and "![" not in text and "](" not in text
        assert "<img" not in text.replace("\\<img", "")  # every tag escaped
        assert "!\\[m]\\(https://evil.example/x.png).md" in text  # and still readable


def test_open_webui_gets_the_cited_sentence_for_its_source_dialog(v1) -> None:
    """Open WebUI shows an annotation's title only; a streamed chunk's `event` it emits as is
    (its middleware), so the cited sentence and passage travel as its own `source` event,
    under the annotation's link."""
    from pathlib import Path

    captured = Path(__file__).parent / "data" / "openwebui" / "chat_first.json"
    body = {**json.loads(captured.read_text(encoding="utf-8"))["body"], "messages": [USER]}
    with httpx.stream("POST", f"{v1}/v1/chat/completions", json=body, timeout=60) as reply:
        chunks = [json.loads(line[6:]) for line in reply.iter_lines() if line.startswith("data: {")]
    last = next(c for c in chunks if c.get("event"))
    source = last["event"]["data"]
    assert last["event"]["type"] == "source" and source["source"]["name"] == "amazon-anthropic.nl.txt"
    assert source["document"][0].startswith("„") and "2,2 gigawatt" in source["document"][0]
    link = last["choices"][0]["delta"]["annotations"][0]["url_citation"]
    assert source["metadata"][0] == {"source": link["url"], "name": link["title"]}
    assert sum("event" in c for c in chunks) == 1  # once, with the answer's last chunk
