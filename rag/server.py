"""The answer API (FastAPI) with the web chat (Gradio) mounted in the same app.

Every route calls the one pipeline; errors become JSON with a 4xx/5xx status, never a
traceback. If the pipeline cannot be built (missing model, unreadable index), the server
still starts and says why on every route that needs it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict
from typing import Literal

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from rag.errors import InputError, RagError
from rag.pipeline import AnswerResult, Pipeline, Reset, Token, Turn
from rag.settings import Settings

MODEL_ID = "grounded-qa"


class Message(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class AskRequest(BaseModel):
    question: str = Field(description="The question, Dutch or English (see RAG_MAX_QUESTION_CHARS).")
    history: list[Message] = Field(default_factory=list, description="Earlier turns, oldest first.")
    doc: str | None = Field(
        default=None, description="Keep the question to this document (GET /api/documents)."
    )


class CitationOut(BaseModel):
    n: int
    doc: str
    start: int = Field(description="The cited passage: document[start:end] == text.")
    end: int
    text: str
    score: float
    sentence_start: int = Field(
        description="The evidence sentence inside it: document[sentence_start:sentence_end]."
    )
    sentence_end: int
    sentence: str


class AskResponse(BaseModel):
    answer: str
    refused: bool
    language: Literal["nl", "en"]
    citations: list[CitationOut]
    timings: dict[str, float]


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    doc: str | None = Field(default=None, description="Keep the question to this document.")


def to_response(result: AnswerResult) -> AskResponse:
    return AskResponse(
        answer=result.answer,
        refused=result.refused,
        language=result.language,  # type: ignore[arg-type]
        citations=[
            CitationOut(doc=c.doc_id, **{k: v for k, v in asdict(c).items() if k != "doc_id"})
            for c in result.citations
        ],
        timings=result.timings,
    )


def status_for(error: RagError) -> int:
    if isinstance(error, InputError):
        return 400
    return 503  # busy, or a model/index problem on our side


def error_body(message: str) -> dict:
    return {"error": {"message": message}}


def sse(data: dict, event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False)}\n\n"


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> FastAPI:
    startup_error: str | None = None
    if pipeline is None:
        from rag.build import build_pipeline

        try:
            pipeline = build_pipeline(settings)
            # Compute the fixed prompt prefix while the server already answers health checks;
            # a question that comes sooner waits for it at the model's gate.
            threading.Thread(target=pipeline.warm_up, name="warm-up", daemon=True).start()
        except RagError as error:
            startup_error = str(error)

    app = FastAPI(title="Grounded QA", description="Cited answers over the documents in seeds/.")

    @app.exception_handler(RagError)
    async def rag_error(_: Request, error: RagError) -> JSONResponse:
        return JSONResponse(error_body(str(error)), status_code=status_for(error))

    def ready() -> Pipeline:
        if pipeline is None:
            raise RagError(startup_error or "The pipeline is not ready.")
        return pipeline

    def start(question: str, history: list[Message], doc: str | None) -> Iterator:
        """Checks the request before the response starts, so errors keep their status code;
        the model is only taken once the response streams."""
        turns = [Turn(m.role, m.content) for m in history]
        pipeline = ready()
        pipeline.check_question(question, turns, doc)
        pipeline.gate.check_room()
        return pipeline.stream(question, turns, doc)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        if pipeline is None:
            return JSONResponse({"status": "error", "error": startup_error}, status_code=503)
        return JSONResponse({"status": "ok", "passages": len(pipeline.retriever.passages)})

    @app.post("/api/ask", response_model=AskResponse)
    def ask(request: AskRequest) -> AskResponse:
        turns = [Turn(m.role, m.content) for m in request.history]
        return to_response(ready().answer(request.question, turns, request.doc))

    @app.post("/api/ask/stream", description="Server-sent events: `token`, `reset`, then `final`.")
    def ask_stream(request: AskRequest) -> StreamingResponse:
        events = start(request.question, request.history, request.doc)

        def render(event: object) -> str:
            if isinstance(event, Token):
                return sse({"text": event.text}, "token")
            if isinstance(event, Reset):
                return sse({}, "reset")
            return sse(to_response(event).model_dump(), "final")  # type: ignore[arg-type]

        return StreamingResponse(stream_text(events, render), media_type="text/event-stream")

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "owned_by": "local"}]}

    @app.post("/v1/chat/completions", description="OpenAI-compatible; citations in `citations`.")
    def chat_completions(request: ChatRequest):
        turns = [m for m in request.messages if m.role != "system"]
        if not turns or turns[-1].role != "user":
            raise InputError("The last message must be the user's question.")
        history = [Message(role=m.role, content=m.content) for m in turns[:-1]]  # type: ignore[arg-type]
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        if not request.stream:
            result = ready().answer(
                turns[-1].content, [Turn(m.role, m.content) for m in history], request.doc
            )
            body = to_response(result)
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": MODEL_ID,
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": body.answer},
                    }
                ],
                "citations": [c.model_dump() for c in body.citations],
                "refused": body.refused,
                "timings": body.timings,
            }
        events = start(turns[-1].content, history, request.doc)

        def chunk(delta: dict, finish: str | None = None, **extra) -> str:
            data = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": MODEL_ID,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            return f"data: {json.dumps({**data, **extra}, ensure_ascii=False)}\n\n"

        def body_stream() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": ""})
            try:
                yield from openai_chunks(events)
            finally:
                events.close()

        def openai_chunks(events: Iterator) -> Iterator[str]:
            streamed = ""
            for event in events:
                if isinstance(event, Token):
                    streamed += event.text
                    yield chunk({"content": event.text})
                elif isinstance(event, AnswerResult):
                    final = to_response(event)
                    # A chat client cannot take text back: when the checked answer differs
                    # from what streamed (a refusal after a failed check), it follows on.
                    if final.answer != streamed:
                        yield chunk({"content": ("\n\n" if streamed else "") + final.answer})
                    yield chunk(
                        {},
                        "stop",
                        citations=[c.model_dump() for c in final.citations],
                        refused=final.refused,
                        timings=final.timings,
                    )
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream_text(body_stream(), str), media_type="text/event-stream")

    @app.get("/api/documents")
    def documents() -> dict:
        docs = ready().documents
        return {"documents": [{"doc": d.doc_id, "chars": len(d.text)} for d in docs.values()]}

    @app.get("/api/documents/{doc}")
    def document(doc: str) -> dict:
        docs = ready().documents
        if doc not in docs:
            return JSONResponse(error_body(f"Unknown document: {doc!r}."), status_code=404)  # type: ignore[return-value]
        return {"doc": doc, "text": docs[doc].text}

    @app.get("/api/search")
    def search(
        q: str = Query(min_length=1, max_length=settings.max_question_chars),
        k: int = Query(default=settings.top_k, ge=1, le=50),
    ) -> dict:
        if not q.strip():
            raise InputError("The query is empty.")
        hits = ready().retriever.retrieve(q, k)
        return {
            "results": [
                {
                    "doc": h.passage.doc_id,
                    "start": h.passage.start,
                    "end": h.passage.end,
                    "text": h.passage.text,
                    "score": round(h.score, 4),
                }
                for h in hits
            ]
        }

    import gradio as gr

    from rag.ui import CSS, build_ui

    return gr.mount_gradio_app(app, build_ui(ready, startup_error), path="/", css=CSS)


async def stream_text(events: Iterator, render: Callable[[object], str]) -> AsyncIterator[str]:
    """Runs the blocking pipeline stream in worker threads, one step at a time, and closes
    it however the response ends: a client that disconnects frees the model at once."""
    try:
        while (event := await run_in_threadpool(next, events, _END)) is not _END:
            yield render(event)
    finally:
        events.close()  # suspended between steps, so this only runs its clean-up


_END = object()
