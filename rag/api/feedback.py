"""/api/feedback: a reader's 👍/👎 on an answer, stored append-only (`rag/feedback.py`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from rag.api.runtime import runtime_of
from rag.api.schemas import ErrorResponse, FeedbackRequest, FeedbackStored
from rag.feedback import Feedback


def router(dependencies: list) -> APIRouter:
    api = APIRouter(
        prefix="/api",
        tags=["feedback"],
        responses={code: {"model": ErrorResponse} for code in (401, 403, 413, 422, 429)},
    )

    @api.post("/feedback", status_code=201, response_model=FeedbackStored, dependencies=dependencies)
    async def feedback(body: FeedbackRequest, request: Request) -> FeedbackStored:
        entry = Feedback(
            vote=body.vote,
            question=body.question,
            answer=body.answer,
            history=[m.model_dump() for m in body.history],
            citations=[c.model_dump() for c in body.citations],
            comment=body.comment,
        )
        stored = await run_in_threadpool(runtime_of(request).record_feedback, entry)  # synced to disk
        return FeedbackStored(stored=True, at=stored.at)

    return api
