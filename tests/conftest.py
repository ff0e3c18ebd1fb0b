"""Fixtures: one tiny real index (real embedder, real Chroma) per session; fake or real LLM."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from rag.build import build_pipeline
from rag.embedding import load_embedder
from rag.pipeline import Pipeline
from rag.settings import PROJECT_ROOT, Settings

ARTICLE = PROJECT_ROOT / "seeds" / "amazon-anthropic.nl.txt"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real LLM is a `model` test (left out of `make check`)."""
    for item in items:
        if "real_pipeline" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("rag")
    seeds = root / "seeds"
    seeds.mkdir()
    shutil.copy(ARTICLE, seeds / ARTICLE.name)
    return Settings(seeds_dir=seeds, index_dir=root / "index", feedback_file=root / "feedback.jsonl")


@pytest.fixture(scope="session")
def embeddings(settings: Settings):
    return load_embedder(settings)


@pytest.fixture(scope="session")
def article() -> str:
    return ARTICLE.read_text(encoding="utf-8")


def fake_pipeline(settings: Settings, embeddings, responses: list[str]) -> Pipeline:
    """The real pipeline (embedder, Chroma, retrieval, citations) with a scripted LLM; the
    learned decision is off (its numbers are the real model's: `tests/test_decision.py`)."""
    llm = FakeListChatModel(responses=responses)
    return build_pipeline(settings, llm=llm, embeddings=embeddings, calibration=False)


@pytest.fixture(scope="session")
def real_pipeline(settings: Settings, embeddings) -> Pipeline:
    return build_pipeline(settings, embeddings=embeddings)


class RecordingChatModel(FakeListChatModel):
    """A scripted model that keeps each prompt it is given, whether streamed or invoked."""

    prompts: list  # given at construction: a fresh list per model

    def _call(self, messages, *args, **kwargs):
        self.prompts.append(messages)
        return super()._call(messages, *args, **kwargs)

    def _stream(self, messages, *args, **kwargs):
        self.prompts.append(messages)
        yield from super()._stream(messages, *args, **kwargs)


def copy_settings(settings: Settings, **changes) -> Settings:
    return settings.model_copy(update=changes)


def write_seed(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


@contextmanager
def serve_in_thread(settings: Settings, pipeline: Pipeline | None) -> Iterator[str]:
    """The real app (API + web chat) on a free port of 127.0.0.1 while the block runs."""
    import socket

    import uvicorn

    from rag.server import create_app, server_config

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))  # a free port, held until the server takes the socket
    config = server_config(settings, create_app(settings, pipeline), log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
