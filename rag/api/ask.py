"""/api: ask (plain JSON or server-sent events), the documents, and search."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict

from fastapi import APIRouter, Query, Request
from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from rag.api.errors import error_body, public_message, status_for
from rag.api.runtime import Question, Runtime, admit, answer_events, final_answer, runtime_of
from rag.api.schemas import (
    AskRequest,
    AskResponse,
    CitationOut,
    ErrorResponse,
    SearchHit,
    SearchResults,
)
from rag.errors import InputError, RagError
from rag.pipeline import AnswerResult, Evidence, Sources, Token, Turn
from rag.text import Sentence

log = logging.getLogger(__name__)

ERRORS = {
    400: {"model": ErrorResponse},
    401: {"model": ErrorResponse},
    429: {"model": ErrorResponse},
    503: {"model": ErrorResponse},
}


def to_response(result: AnswerResult) -> AskResponse:
    return AskResponse(
        answer=result.answer,
        refused=result.refused,
        language=result.language,  # type: ignore[arg-type]
        citations=[citation_out(c) for c in result.citations],
        timings=result.timings,
        usage=result.usage,
        nearest=[citation_out(c) for c in result.nearest],
        reason=result.explanation,
    )


def citation_out(citation) -> CitationOut:
    fields = asdict(citation)
    return CitationOut(doc=fields.pop("doc_id"), **fields)


def question_of(request: AskRequest) -> Question:
    return Question(request.question, [Turn(m.role, m.content) for m in request.history], request.doc)


def error_event(error: Exception) -> dict:
    """A stream that fails ends with this event instead of just stopping."""
    if isinstance(error, RagError):
        return error_body(public_message(error), status_for(error))
    log.exception("the answer stream failed", exc_info=error)
    return error_body("The answer failed on the server; its log has the details.", 500)


def router(ask_dependencies: list) -> APIRouter:
    """`ask_dependencies` (the rate limit) guard the questions and the search; the key is
    on the whole router, put there by the caller."""
    api = APIRouter(prefix="/api", tags=["answers"], responses=ERRORS)

    @api.post("/ask", response_model=AskResponse, dependencies=ask_dependencies)
    async def ask(body: AskRequest, request: Request) -> AskResponse:
        return to_response(await final_answer(runtime_of(request), question_of(body), request))

    @api.post(
        "/ask/stream",
        dependencies=ask_dependencies,
        description="Server-sent events: `sources` (the passages that will be read, right after "
        "retrieval), maybe `evidence` (the verified sentence the answer rests on, "
        "before the answer), `token` (the checked answer's words), then `final` (the "
        "checked answer with citations), or `error`.",
    )
    async def ask_stream(body: AskRequest, request: Request) -> EventSourceResponse:
        runtime, question = runtime_of(request), question_of(body)
        # Errors before the stream starts keep their status code; the checks (tokenizing the
        # question and its history) run in a worker, off the event loop.
        await run_in_threadpool(admit, runtime, question)
        return EventSourceResponse(_events(runtime, question), ping=15)

    @api.get("/search", response_model=SearchResults, dependencies=ask_dependencies)
    def search(
        request: Request,
        q: str = Query(min_length=1, max_length=1000),
        k: int = Query(default=4, ge=1, le=50),
    ) -> SearchResults:
        if not q.strip():
            raise InputError("The query is empty.")
        hits = runtime_of(request).ready().retriever.retrieve(q, k)
        return SearchResults(
            results=[
                SearchHit(
                    doc=h.passage.doc_id,
                    start=h.passage.start,
                    end=h.passage.end,
                    text=h.passage.text,
                    score=round(h.score, 4),
                )
                for h in hits
            ]
        )

    return api


def _sentence_out(sentence: Sentence) -> dict:
    return {"doc": sentence.doc_id, "start": sentence.start, "end": sentence.end, "text": sentence.text}


async def _events(runtime: Runtime, question: Question) -> AsyncIterator[dict]:
    try:
        async for event in answer_events(runtime, question):
            if isinstance(event, Sources):
                passages = [
                    {"doc": p.doc_id, "start": p.start, "end": p.end, "text": p.text} for p in event.passages
                ]
                nearest = _sentence_out(event.nearest) if event.nearest else None
                yield {"event": "sources", "data": _json({"passages": passages, "nearest": nearest})}
            elif isinstance(event, Token):
                yield {"event": "token", "data": _json({"text": event.text})}
            elif isinstance(event, Evidence):
                yield {"event": "evidence", "data": _json(_sentence_out(event.sentence))}
            else:
                yield {"event": "final", "data": _json(to_response(event).model_dump())}
    except Exception as error:  # the response has started: the status code is sent already
        yield {"event": "error", "data": _json(error_event(error))}


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
