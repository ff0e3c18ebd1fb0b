"""/v1/responses: OpenAI's Responses API, for clients built on it (the openai SDK's
`client.responses`, LangChain's `ChatOpenAI(use_responses_api=True)`).

The same answer as /v1/chat/completions, in the Responses API's shape: one assistant message
whose `output_text` carries the sources as `url_citation` annotations (each spanning its
entry in the sources footer, or the whole answer without the footer), and our own fields
under `grounded_qa`. Streamed, the checked answer's words go out as `output_text` deltas as
they pass, then the annotations, then `response.completed`: nothing sent is taken back.
Progress (what is being read, the evidence sentence) has no place in a message here and is
not sent; the chat route carries it as reasoning.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from rag.api.ask import error_event
from rag.api.openai_compat import (
    PREFERENCE_CHARS,
    answer_text,
    check_model,
    grounded_qa,
    inert,
    link,
    source_label,
)
from rag.api.runtime import Question, Runtime, admit, answer_events, final_answer, runtime_of
from rag.api.schemas import MODEL_ID, ErrorResponse, ResponsesRequest
from rag.errors import InputError
from rag.lexicon import Lexicon
from rag.pipeline import AnswerResult, Token, Turn


def router(ask_dependencies: list) -> APIRouter:
    v1 = APIRouter(
        prefix="/v1", tags=["openai"], responses={k: {"model": ErrorResponse} for k in (400, 401, 404, 429)}
    )

    @v1.post("/responses", dependencies=ask_dependencies)
    async def responses(body: ResponsesRequest, request: Request):
        check_model(body.model)
        runtime = runtime_of(request)
        lexicons = runtime.pipeline.lexicons if runtime.pipeline else {}
        reply = _Reply(body, runtime.settings.public_url or str(request.base_url), lexicons)
        question = question_of(body)
        if not body.stream:
            return reply.response(await final_answer(runtime, question, request))
        await run_in_threadpool(admit, runtime, question)  # errors keep their status code
        return EventSourceResponse(reply.events(runtime, question), ping=15)

    return v1


def question_of(body: ResponsesRequest) -> Question:
    """The input's user and assistant messages as the conversation; `instructions`, system and
    developer messages as the preference (tone, length, the answer's language)."""
    if (body.model_extra or {}).get("previous_response_id"):
        raise InputError("This server stores no responses: send the conversation in `input`.")
    if isinstance(body.input, str):  # a question alone
        messages = [("user", body.input)]
    else:
        messages = [(i.role, i.text()) for i in body.input if i.type == "message" and i.role]
    turns = [Turn(role, text) for role, text in messages if role in ("user", "assistant") and text]
    if not turns or turns[-1].role != "user":
        raise InputError("The last input message must be the user's question.")
    preference = " ".join(
        [body.instructions or "", *(t for r, t in messages if r in ("system", "developer"))]
    )
    return Question(
        text=turns[-1].content,
        history=turns[:-1],
        doc=body.doc,
        preference=preference.strip()[:PREFERENCE_CHARS],
        max_answer_tokens=body.max_output_tokens,
    )


class _Reply:
    """One request's response, whole or as events."""

    def __init__(self, body: ResponsesRequest, base_url: str, lexicons: dict[str, Lexicon]) -> None:
        self.body = body
        self.base_url = base_url
        self.lexicons = lexicons
        self.id = f"resp_{uuid.uuid4().hex[:24]}"
        self.message_id = f"msg_{uuid.uuid4().hex[:24]}"
        self.created = time.time()
        self.sequence = 0

    def text_of(self, result: AnswerResult) -> str:
        return answer_text(result, self.lexicons, self.body.sources_footer)

    def annotations(self, result: AnswerResult, text: str) -> list[dict]:
        """Each citation as a url_citation over its entry in the footer (else the answer)."""
        found = []
        for c in result.citations:
            entry = source_label(c)
            start = text.rfind(entry)
            span = (start, start + len(entry)) if start >= 0 else (0, len(result.answer))
            title = f"{entry}: {inert(c.sentence)}"
            found.append(
                {
                    "type": "url_citation",
                    "url": link(c, self.base_url),
                    "title": title,
                    "start_index": span[0],
                    "end_index": span[1],
                }
            )
        return found

    def part(self, text: str, annotations: list[dict]) -> dict:
        return {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}

    def message(self, status: str, content: list[dict]) -> dict:
        return {
            "type": "message",
            "id": self.message_id,
            "role": "assistant",
            "status": status,
            "content": content,
        }

    def response(self, result: AnswerResult | None, status: str = "completed") -> dict:
        output = []
        body: dict = {}
        if result is not None:
            text = self.text_of(result)
            output = [self.message("completed", [self.part(text, self.annotations(result, text))])]
            if result.cut_short:
                status = "incomplete"
                body["incomplete_details"] = {"reason": "max_output_tokens"}
            prompt = result.usage.get("prompt_tokens", 0)
            written = result.usage.get("completion_tokens", 0)
            body["usage"] = {
                "input_tokens": prompt,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": written,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": prompt + written,
            }
            body["grounded_qa"] = grounded_qa(result)
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "model": MODEL_ID,
            "status": status,
            "output": output,
            "parallel_tool_calls": False,
            "tool_choice": "none",
            "tools": [],
            **body,
        }

    def event(self, kind: str, **fields) -> dict:
        self.sequence += 1
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        return {"event": kind, "data": json.dumps(data, ensure_ascii=False)}

    def at_text(self, **fields) -> dict:
        return {"item_id": self.message_id, "output_index": 0, "content_index": 0, **fields}

    async def events(self, runtime: Runtime, question: Question) -> AsyncIterator[dict]:
        yield self.event("response.created", response=self.response(None, "in_progress"))
        try:
            async for event in self.answer_events(answer_events(runtime, question)):
                yield event
        except Exception as error:  # the stream has started: the error travels as an event
            said = error_event(error)["error"]
            yield self.event("error", code=said.get("code"), message=said["message"], param=None)

    async def answer_events(self, events: AsyncIterator[object]) -> AsyncIterator[dict]:
        """The message opens with the first checked word (or the result); the words, then
        the rest of the text (footer, or the refusal), the annotations, the close."""
        shown, opened = "", False
        async for event in events:
            if not isinstance(event, Token | AnswerResult):
                continue
            if not opened:
                opened = True
                yield self.event(
                    "response.output_item.added", output_index=0, item=self.message("in_progress", [])
                )
                yield self.event("response.content_part.added", **self.at_text(part=self.part("", [])))
            if isinstance(event, Token):
                shown += event.text
                yield self.event("response.output_text.delta", **self.at_text(delta=event.text, logprobs=[]))
                continue
            text = self.text_of(event)
            rest = text[len(shown) :] if text.startswith(shown) else text
            if rest:
                yield self.event("response.output_text.delta", **self.at_text(delta=rest, logprobs=[]))
            annotations = self.annotations(event, text)
            for n, annotation in enumerate(annotations):
                yield self.event(
                    "response.output_text.annotation.added",
                    **self.at_text(annotation_index=n, annotation=annotation),
                )
            part = self.part(text, annotations)
            yield self.event("response.output_text.done", **self.at_text(text=text, logprobs=[]))
            yield self.event("response.content_part.done", **self.at_text(part=part))
            yield self.event(
                "response.output_item.done", output_index=0, item=self.message("completed", [part])
            )
            final = self.response(event)
            kind = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
            yield self.event(kind, response=final)
