"""The chat model: a local GGUF through llama-cpp-python, or any OpenAI-compatible server.

Both are LangChain chat models, so the pipeline streams from either the same way, and
tests can hand it a fake one. The local model answers one request at a time: the gate
queues callers and turns them away when the queue is full.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from rag.errors import BusyError, Cancelled, ModelError
from rag.model_setup import verify_llm
from rag.settings import Settings


def load_llm(settings: Settings) -> BaseChatModel:
    if settings.llm_backend == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            temperature=0,
            max_tokens=settings.llm_max_tokens,
            extra_body=settings.llm_extra_body or None,
            timeout=120,
        )
    path = verify_llm(settings.models_dir, settings.llm_model)
    from rag.llama_chat import LocalChatLlamaCpp

    try:
        return LocalChatLlamaCpp(**local_model_options(settings, path))
    except Exception as error:
        raise ModelError(f"Could not load the LLM {path}: {error}") from error


def local_model_options(settings: Settings, path: Path) -> dict:
    """How the in-process llama.cpp model is loaded and decodes."""
    return {
        "model_path": str(path),
        "n_ctx": settings.llm_context_tokens,
        "n_threads": settings.llm_threads,
        "n_batch": 512,
        # 0 = take RoPE settings from the GGUF; LangChain's default (10000) overrides
        # Qwen2.5's own base of 1,000,000 and quietly degrades every answer.
        "rope_freq_base": 0.0,
        "rope_freq_scale": 0.0,
        "temperature": 0,
        "repeat_penalty": 1.0,  # the answer should repeat the passages' words
        "max_tokens": settings.llm_max_tokens,
        "verbose": False,
    }


QUEUE_FULL = "The model is busy and the queue is full; try again shortly."


class TurnQueue:
    """A lock handed out in arrival order, which a waiter may leave.

    A plain lock is not fair: a caller that releases it can take it again at once, and a
    waiter polling it can lose every race, so under four steady clients one question
    waited behind five answers while others waited behind none (the soak's p99)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()
        self._held = False

    def acquire(self, cancelled: threading.Event | None = None) -> None:
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
            try:
                while self._held or self._waiting[0] is not ticket:
                    if cancelled is not None and cancelled.is_set():
                        raise Cancelled("The caller went away while waiting for the model.")
                    self._changed.wait(timeout=0.1)
            except BaseException:
                self._waiting.remove(ticket)
                self._changed.notify_all()
                raise
            self._waiting.popleft()
            self._held = True

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()


# One queue per model object, for as long as the process runs.
_MODEL_QUEUES: dict[int, TurnQueue] = {}
_MODEL_QUEUES_GUARD = threading.Lock()


def model_queue(llm: object) -> TurnQueue:
    with _MODEL_QUEUES_GUARD:
        return _MODEL_QUEUES.setdefault(id(llm), TurnQueue())


class ModelGate:
    """One caller at a time uses the model, in the order they came; at most `queue_size`
    more wait for it.

    The turn is taken on the model's own queue (`model_queue`): pipelines that share one
    model object (the tests' apps do) never run it from two threads at once, which would
    crash llama.cpp."""

    def __init__(self, queue_size: int, model: TurnQueue | None = None):
        self._model = model or TurnQueue()
        self._count = threading.Lock()  # guards `_inside`
        self._inside = 0  # callers using or waiting for the model
        self._limit = queue_size + 1

    @property
    def occupied(self) -> int:
        """Callers using or waiting for the model right now."""
        return self._inside

    def check_room(self) -> None:
        """Turn a caller away before it starts a response, when the queue is already full."""
        if self._inside >= self._limit:  # a snapshot: turn() still decides for real
            raise BusyError(QUEUE_FULL)

    @contextmanager
    def turn(self, cancelled: threading.Event | None = None) -> Iterator[None]:
        """Wait for the model; a caller that goes away (`cancelled`) leaves the queue."""
        with self._count:
            if self._inside >= self._limit:
                raise BusyError(QUEUE_FULL)
            self._inside += 1
        try:
            self._model.acquire(cancelled)
            try:
                yield
            finally:
                self._model.release()
        finally:
            with self._count:
                self._inside -= 1
