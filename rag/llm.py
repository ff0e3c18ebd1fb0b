"""The chat model: a local GGUF through llama-cpp-python, or any OpenAI-compatible server.

Both are LangChain chat models, so the pipeline streams from either the same way, and
tests can hand it a fake one. The local model answers one request at a time: the gate
queues callers and turns them away when the queue is full.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
        return LocalChatLlamaCpp(
            model_path=str(path),
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            n_batch=512,
            # 0 = take RoPE settings from the GGUF; LangChain's default (10000) overrides
            # Qwen2.5's own base of 1,000,000 and quietly degrades every answer.
            rope_freq_base=0.0,
            rope_freq_scale=0.0,
            temperature=0,
            repeat_penalty=1.0,  # the answer should repeat the passages' words
            max_tokens=settings.llm_max_tokens,
            verbose=False,
        )
    except Exception as error:
        raise ModelError(f"Could not load the LLM {path}: {error}") from error


QUEUE_FULL = "The model is busy and the queue is full; try again shortly."


# One lock per model object, for as long as the process runs.
_MODEL_LOCKS: dict[int, threading.Lock] = {}
_MODEL_LOCKS_GUARD = threading.Lock()


def model_lock(llm: object) -> threading.Lock:
    with _MODEL_LOCKS_GUARD:
        return _MODEL_LOCKS.setdefault(id(llm), threading.Lock())


class ModelGate:
    """One caller at a time uses the model; at most `queue_size` more wait for it.

    The turn is taken on the model's own lock (`model_lock`): pipelines that share one
    model object (the tests' apps do) never run it from two threads at once, which would
    crash llama.cpp."""

    def __init__(self, queue_size: int, model: threading.Lock | None = None):
        self._model = model or threading.Lock()
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
            while not self._model.acquire(timeout=0.1):
                if cancelled is not None and cancelled.is_set():
                    raise Cancelled("The caller went away while waiting for the model.")
            try:
                yield
            finally:
                self._model.release()
        finally:
            with self._count:
                self._inside -= 1
