"""What every route shares: the pipeline (or why it is not there), the metrics, the rate
limiter, and one way to run a question that stops when the caller goes away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from rag.api.access import RateLimiter
from rag.api.errors import public_message
from rag.api.metrics import Metrics
from rag.errors import RagError
from rag.feedback import Feedback, FeedbackStore
from rag.library import Library
from rag.pipeline import AnswerResult, Pipeline, StreamEvent, Turn
from rag.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    pipeline: Pipeline | None = None
    startup_error: str | None = None
    metrics: Metrics = field(default_factory=Metrics)
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(0))

    _library: Library | None = None
    _feedback: FeedbackStore = field(init=False)

    def ready(self) -> Pipeline:
        if self.pipeline is None:
            raise RagError(self.startup_error or "The pipeline is still starting; try again shortly.")
        return self.pipeline

    def library(self) -> Library:
        """The documents of the running pipeline: add, remove, list."""
        pipeline = self.ready()
        if self._library is None or self._library.pipeline is not pipeline:
            self._library = Library(self.settings, pipeline, int(self.settings.max_upload_mb * 1_000_000))
        return self._library

    def __post_init__(self) -> None:
        # One store for every route: its lock keeps their lines whole (opening it reads nothing).
        self._feedback = FeedbackStore(self.settings.feedback_file)

    def record_feedback(self, entry: Feedback) -> Feedback:
        """Store a reader's vote with what answered (the model and its calibration's
        version), synced to disk, and count it."""
        calibration = self.pipeline.calibration if self.pipeline else None
        stamped = replace(
            entry, model=self.settings.llm_model, calibration=calibration.version if calibration else "off"
        )
        stored = self._feedback.add(stamped)
        self.metrics.feedback.labels(vote=entry.vote).inc()
        return stored

    def fail(self, error: RagError) -> None:
        log.error("start-up failed: %s", error)  # the full message, paths included, stays here
        self.startup_error = public_message(error)


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime


@dataclass(frozen=True)
class Question:
    """One question as a route received it."""

    text: str
    history: list[Turn] = field(default_factory=list)
    doc: str | None = None
    preference: str = ""
    max_answer_tokens: int | None = None


def admit(runtime: Runtime, question: Question) -> Pipeline:
    """Checks a question before its response starts, so errors keep their status code."""
    pipeline = runtime.ready()
    pipeline.check_question(question.text, question.history, question.doc)
    pipeline.gate.check_room()
    return pipeline


async def answer_events(
    runtime: Runtime, question: Question, request: Request | None = None
) -> AsyncIterator[StreamEvent]:
    """The events of a question already `admit`ted, run step by step in worker threads.
    However the caller ends (hangs up, or the response is cancelled), the model is freed at
    its next token; with `request`, a hang-up is also noticed while nothing is being sent
    (a plain JSON reply)."""
    pipeline = runtime.ready()
    cancelled = threading.Event()
    events = pipeline.stream(
        question.text,
        question.history,
        question.doc,
        cancelled,
        preference=question.preference,
        max_answer_tokens=question.max_answer_tokens,
    )
    watcher = asyncio.create_task(_watch(request, cancelled)) if request is not None else None
    try:
        # A step the caller abandons (a hang-up cancels this task) is not waited for: its
        # thread sees `cancelled` and stops, in the queue or at the model's next token.
        while (
            event := await anyio.to_thread.run_sync(next, events, _END, abandon_on_cancel=True)
        ) is not _END:
            if isinstance(event, AnswerResult):
                runtime.metrics.answered(event)
            yield event
    finally:
        cancelled.set()
        if watcher is not None:
            watcher.cancel()
        with contextlib.suppress(ValueError):  # still running in its thread: it stops itself
            events.close()


async def final_answer(runtime: Runtime, question: Question, request: Request) -> AnswerResult:
    await run_in_threadpool(admit, runtime, question)  # tokenizing: off the event loop
    async for event in answer_events(runtime, question, request):
        if isinstance(event, AnswerResult):
            return event
    raise RagError("The answer ended without a result.")


async def _watch(request: Request, cancelled: threading.Event) -> None:
    while not cancelled.is_set():
        if await request.is_disconnected():
            cancelled.set()
            return
        await asyncio.sleep(0.2)


_END = object()
