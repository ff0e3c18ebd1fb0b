"""/v1: an OpenAI-compatible chat API, for chat clients people already use (Open WebUI,
`llm`, LangChain's ChatOpenAI, the openai SDK).

- The stream sends the role at once, then, as reasoning (`reasoning_content`), what is
  being read and the evidence sentence, then the answer word by word once it has passed
  every check, as the web chat shows it: nothing sent is ever taken back.
- Sources travel as OpenAI `annotations` (type `url_citation`, a link that opens our page
  on the highlighted passage), and, unless the request says `"sources_footer": false`,
  as a footer in the text for clients that show neither.
- Our own fields (citations, refused, language, timings) sit under one extra,
  `grounded_qa`, so they never collide with a client's fields.
- A client's system prompt becomes a preference (tone, length) that the rules outrank;
  "### Task:" prompts of Open WebUI get a cheap answer without the model.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.exceptions import HTTPException
from openai.types import Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.chat.chat_completion import Choice
from openai.types.chat.chat_completion_chunk import Choice as ChunkChoice
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from openai.types.chat.chat_completion_message import ChatCompletionMessage
from openai.types.completion_usage import CompletionUsage
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from rag.api.ask import error_event, to_response
from rag.api.client_tasks import is_client_task, task_reply
from rag.api.runtime import Question, Runtime, admit, answer_events, final_answer, runtime_of
from rag.api.schemas import MODEL_ID, ChatRequest, ErrorResponse
from rag.citations import Citation
from rag.errors import InputError
from rag.lexicon import Lexicon, lexicon_for
from rag.pipeline import AnswerResult, Evidence, Sources, Token, Turn
from rag.text import Sentence

# A client's system prompt is a preference, cut to this many characters.
PREFERENCE_CHARS = 500
CREATED = int(time.time())


def router(ask_dependencies: list) -> APIRouter:
    v1 = APIRouter(
        prefix="/v1", tags=["openai"], responses={k: {"model": ErrorResponse} for k in (400, 401, 404, 429)}
    )

    @v1.get("/models")
    def models() -> dict:
        return {"object": "list", "data": [_model().model_dump(exclude_none=True)]}

    @v1.get("/models/{model_id}")
    def model(model_id: str) -> dict:
        check_model(model_id)
        return _model().model_dump(exclude_none=True)

    @v1.post("/chat/completions", dependencies=ask_dependencies)
    async def chat_completions(body: ChatRequest, request: Request):
        check_model(body.model)
        runtime = runtime_of(request)
        lexicons = runtime.pipeline.lexicons if runtime.pipeline else {}
        reply = _Reply(body, runtime.settings.public_url or str(request.base_url), lexicons)
        last = next((m for m in reversed(body.messages) if m.role in ("user", "assistant")), None)
        if last is not None and last.role == "user" and is_client_task(last.text()):
            runtime.metrics.client_tasks.inc()
            # A task's text can be a whole body long: scanned in a worker, not on the loop.
            return reply.send_text(await run_in_threadpool(task_reply, last.text()))
        question = question_of(body)
        if not body.stream:
            result = await final_answer(runtime, question, request)
            return reply.completion(result).model_dump(exclude_none=True)
        # Errors before the stream starts keep their status code. The checks tokenize the
        # question and its history: in a worker, so the loop goes on serving others.
        await run_in_threadpool(admit, runtime, question)
        return EventSourceResponse(reply.chunks(runtime, question), ping=15)

    return v1


def question_of(body: ChatRequest) -> Question:
    """User and assistant turns with their text; system and developer messages as the
    preference; tool results and empty assistant turns (tool calls) left out."""
    turns = [Turn(m.role, m.text()) for m in body.messages if m.role in ("user", "assistant") and m.text()]
    if not turns or turns[-1].role != "user":
        raise InputError("The last message must be the user's question.")
    preference = " ".join(m.text() for m in body.messages if m.role in ("system", "developer"))
    return Question(
        text=turns[-1].content,
        history=turns[:-1],
        doc=body.doc,
        preference=preference[:PREFERENCE_CHARS],
        max_answer_tokens=body.max_completion_tokens or body.max_tokens,
    )


def check_model(model_id: str) -> None:
    if model_id != MODEL_ID:
        raise HTTPException(
            404, f"The model {model_id[:100]!r} does not exist; this server has {MODEL_ID!r}."
        )


def _model() -> Model:
    return Model(id=MODEL_ID, object="model", created=CREATED, owned_by="local")


def link(c: Citation, base_url: str) -> str:
    """Our page, opened on the citation's evidence sentence."""
    return f"{base_url.rstrip('/')}/?" + urlencode(
        {"doc": c.doc_id, "start": c.sentence_start, "end": c.sentence_end}
    )


def source_label(c: Citation) -> str:
    """A citation as the footer, the annotations and Open WebUI name it: "[1] doc 120–250"."""
    return f"[{c.n}] {inert(c.doc_id)} {c.start}–{c.end}"


def annotations(citations: list[Citation], base_url: str) -> list[dict]:
    """Each source as an OpenAI url_citation: a link to our page on the evidence sentence."""
    return [
        {
            "type": "url_citation",
            "url_citation": {
                "url": link(c, base_url),
                "title": source_label(c),
                "start_index": 0,
                "end_index": 0,
            },
        }
        for c in citations
    ]


# What a chat client's Markdown would make an image, a link or HTML of.
_ACTIVE_MARKDOWN = re.compile(r"!\[|\]\(|<(?=[A-Za-z/!?])")


def inert(text: str) -> str:
    """A document's name or sentence as written, never rendered by a client's Markdown: the
    backslash keeps `![m](https://host)` from loading an image, `<b>` from being a tag."""
    return _ACTIVE_MARKDOWN.sub(lambda found: found.group()[:-1] + "\\" + found.group()[-1], text)


def open_webui_sources(citations: list[Citation], base_url: str) -> dict:
    """The sources as Open WebUI's own `source` event, which it emits from any streamed chunk
    that carries an `event` (its `utils/middleware.py`): its source dialog then shows each
    cited sentence and its passage, where an annotation shows only its title. One entry per
    citation, under the annotation's link, so Open WebUI files both under one source."""
    return {
        "type": "source",
        "data": {
            "source": {"name": citations[0].doc_id, "url": link(citations[0], base_url)},
            "document": [f"„{inert(c.sentence)}”\n\n{inert(c.text)}" for c in citations],
            "metadata": [{"source": link(c, base_url), "name": source_label(c)} for c in citations],
        },
    }


def sources_footer(result: AnswerResult, lexicons: dict[str, Lexicon]) -> str:
    """The sources under an answer; under a refusal, why, and the closest the text comes,
    clearly not as an answer."""
    if not lexicons:
        return ""
    lexicon = lexicon_for(lexicons, result.language)
    if result.refused:
        nearest = "".join(
            f"\n{lexicon.closest} „{inert(c.sentence)}” "
            f"({inert(c.doc_id)} {c.sentence_start}–{c.sentence_end})"
            for c in result.nearest
        )
        return f"\n\n{result.explanation}{nearest}" if result.explanation else ""
    if not result.citations:
        return ""
    sources = " ".join(source_label(c) for c in result.citations)
    return f"\n\n{lexicon.sources}: {sources}"


def answer_text(result: AnswerResult, lexicons: dict[str, Lexicon], footer: bool) -> str:
    """The answer as a chat client shows it: with its sources footer unless asked without."""
    return result.answer + (sources_footer(result, lexicons) if footer else "")


def grounded_qa(result: AnswerResult) -> dict:
    """Our own fields, under the one extra a client's fields never collide with."""
    api = to_response(result).model_dump()
    return {k: api[k] for k in ("citations", "refused", "language", "timings", "nearest", "reason")}


def finish_reason(result: AnswerResult | None) -> str:
    """ "length" where the client's max_tokens cut the answer, as OpenAI says it."""
    return "length" if result is not None and result.cut_short else "stop"


class _Reply:
    """One request's reply, whole or as chunks, built from the openai package's types."""

    def __init__(self, body: ChatRequest, base_url: str, lexicons: dict[str, Lexicon]) -> None:
        self.body = body
        self.base_url = base_url
        self.lexicons = lexicons
        self.id = f"chatcmpl-{uuid.uuid4().hex[:16]}"
        self.created = int(time.time())

    def text_of(self, result: AnswerResult) -> str:
        return answer_text(result, self.lexicons, self.body.sources_footer)

    def extras(self, result: AnswerResult) -> dict:
        return {"grounded_qa": grounded_qa(result)}

    @staticmethod
    def usage(result: AnswerResult | None) -> CompletionUsage:
        prompt = result.usage.get("prompt_tokens", 0) if result else 0
        completion = result.usage.get("completion_tokens", 0) if result else 0
        return CompletionUsage(
            prompt_tokens=prompt, completion_tokens=completion, total_tokens=prompt + completion
        )

    def completion(self, result: AnswerResult | None, text: str | None = None) -> ChatCompletion:
        message = ChatCompletionMessage(
            role="assistant",
            content=self.text_of(result) if result else text,
            annotations=annotations(result.citations, self.base_url) if result else None,
        )
        return ChatCompletion(
            id=self.id,
            object="chat.completion",
            created=self.created,
            model=MODEL_ID,
            choices=[Choice(index=0, finish_reason=finish_reason(result), message=message)],
            usage=self.usage(result),
            **(self.extras(result) if result else {}),
        )

    def chunk(self, delta: ChoiceDelta | None, finish: str | None = None, **extra) -> dict:
        choices = [ChunkChoice(index=0, delta=delta, finish_reason=finish)] if delta is not None else []
        data = ChatCompletionChunk(
            id=self.id,
            object="chat.completion.chunk",
            created=self.created,
            model=MODEL_ID,
            choices=choices,
            **extra,
        )
        body = data.model_dump(exclude_none=True)
        for choice in body["choices"]:
            choice.setdefault("finish_reason", None)  # OpenAI sends null until the last chunk
        return {"data": json.dumps(body, ensure_ascii=False)}

    def send_text(self, text: str):
        """A reply made without the model (a client's task)."""
        if not self.body.stream:
            return self.completion(None, text).model_dump(exclude_none=True)

        async def chunks() -> AsyncIterator[dict]:
            yield self.chunk(ChoiceDelta(role="assistant", content=text))
            yield self.chunk(ChoiceDelta(), "stop")
            if self._wants_usage():
                yield self.chunk(None, usage=self.usage(None))
            yield {"data": "[DONE]"}

        return EventSourceResponse(chunks())

    async def chunks(self, runtime: Runtime, question: Question) -> AsyncIterator[dict]:
        yield self.chunk(ChoiceDelta(role="assistant", content=""))
        try:
            async for chunk in self.answer_chunks(answer_events(runtime, question)):
                yield chunk
        except Exception as error:  # the stream has started: the error travels as a chunk
            yield {"data": json.dumps(error_event(error), ensure_ascii=False)}
        yield {"data": "[DONE]"}

    async def answer_chunks(self, events: AsyncIterator[object]) -> AsyncIterator[dict]:
        """Progress as reasoning; the checked answer's words; then the footer, the sources
        and the finish."""
        shown, language = "", "en"
        async for event in events:
            language = getattr(event, "language", language)  # the question's, from the first event
            progress = self.progress(event)
            if progress:  # shown by clients as reasoning (Open WebUI: a collapsible block)
                yield self.chunk(ChoiceDelta(reasoning_content=progress))
            if isinstance(event, Token):
                shown += event.text
                yield self.chunk(ChoiceDelta(content=event.text))
            elif isinstance(event, AnswerResult):
                text = self.text_of(event)
                if shown.strip():
                    text = text[len(event.answer) :]  # the answer went out word by word
                if text:
                    yield self.chunk(ChoiceDelta(content=text))
                delta = ChoiceDelta(annotations=annotations(event.citations, self.base_url))
                shown = (
                    {"event": open_webui_sources(event.citations, self.base_url)} if event.citations else {}
                )
                yield self.chunk(delta, finish_reason(event), **self.extras(event), **shown)
                if self._wants_usage():
                    yield self.chunk(None, usage=self.usage(event))

    def progress(self, event: object) -> str:
        """What the reader may see while the checks run: what is being read, then the
        sentence the answer will rest on. Never the answer itself."""
        if not self.lexicons or not isinstance(event, Sources | Evidence):
            return ""
        lexicon = lexicon_for(self.lexicons, event.language)

        def quoted(sentence: Sentence) -> str:
            return f"„{inert(sentence.text)}” ({inert(sentence.doc_id)} {sentence.start}–{sentence.end})"

        if isinstance(event, Sources):
            nearest = f"{lexicon.nearest_question} {quoted(event.nearest)}\n" if event.nearest else ""
            return f"{lexicon.reading}\n{nearest}"
        return f"{lexicon.text_says} {quoted(event.sentence)}\n"

    def _wants_usage(self) -> bool:
        return bool(self.body.stream_options and self.body.stream_options.include_usage)
