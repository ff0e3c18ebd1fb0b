"""Outgrowing one machine with existing engines: a real Chroma server and llama-cpp-python's
own OpenAI-compatible server, each started on 127.0.0.1 by the test."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from rag.build import build_pipeline, index_seeds
from rag.model_setup import llm_path
from tests.conftest import copy_settings

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise TimeoutError(url)


@contextmanager
def running(command: list[str], ready_url: str) -> Iterator[None]:
    """A server process for the duration of the block, once `ready_url` answers."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(ready_url, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    command = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with running(command, f"http://127.0.0.1:{port}/api/v2/heartbeat"):
        yield port


def llama_server_command(settings, port: int) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server with the model and the reading settings
    the app uses in-process."""
    model = llm_path(settings.models_dir, settings.llm_model)
    reading = ["--n_ctx", str(settings.llm_context_tokens), "--n_threads", str(settings.llm_threads)]
    return [
        *[sys.executable, "-m", "llama_cpp.server", "--model", str(model)],
        *["--host", "127.0.0.1", "--port", str(port), *reading, "--n_batch", "512", "--verbose", "False"],
    ]


def served_by(settings, port: int):
    """The settings that read with the model behind that server."""
    return copy_settings(
        settings,
        llm_backend="openai",
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_model="qwen2.5-1.5b",
        llm_extra_body={"repeat_penalty": 1.0},
    )


@pytest.fixture(scope="module")
def llama_server(settings):
    port = free_port()
    with running(llama_server_command(settings, port), f"http://127.0.0.1:{port}/v1/models"):
        yield port


def test_index_and_answer_through_a_chroma_server(
    settings, embeddings, real_pipeline, chroma_server, article
):
    remote = copy_settings(settings, chroma_host="127.0.0.1", chroma_port=chroma_server)
    index, report = index_seeds(remote, embeddings)
    assert report.added == index.count() > 0
    _, again = index_seeds(remote, embeddings)
    assert again.added == 0  # incremental against the server too
    pipeline = build_pipeline(remote, llm=real_pipeline.llm, embeddings=embeddings)
    result = pipeline.answer("Hoeveel stroom verbruikt Project Rainier?")
    assert not result.refused and "2,2" in result.answer
    assert all(article[c.start : c.end] == c.text for c in result.citations)


@pytest.mark.model
def test_answer_through_llama_cpp_server_with_streaming(settings, embeddings, llama_server):
    from rag.pipeline import AnswerResult, Token

    remote = served_by(settings, llama_server)
    pipeline = build_pipeline(remote, embeddings=embeddings)
    events = list(pipeline.stream("Wat is Project Rainier?"))
    tokens = [e for e in events if isinstance(e, Token)]
    result = events[-1]
    assert isinstance(result, AnswerResult) and len(tokens) > 1  # it really streamed
    assert not result.refused and "datacenter" in result.answer
    assert any("Project Rainier, een ambitieus datacenterproject" in c.text for c in result.citations)


@pytest.mark.model
def test_llama_cpp_server_answers_the_dev_set_as_the_in_process_model(settings, embeddings):
    """The same model behind llama.cpp's own OpenAI-compatible server gives every dev-set
    question the same answer, refusal and citations as in-process: nothing of the grounding
    (evidence, hard check, learned decision) depends on where the model runs. Both start with
    an empty prompt cache and read the same questions in the same order (llama.cpp reuses a
    cached prompt prefix, and a reused prefix may round otherwise)."""
    import json

    from rag.settings import PROJECT_ROOT

    lines = (PROJECT_ROOT / "tests" / "data" / "qa_dev.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    port = free_port()
    with running(llama_server_command(settings, port), f"http://127.0.0.1:{port}/v1/models"):
        remote = build_pipeline(served_by(settings, port), embeddings=embeddings)
        served = [remote.answer(q) for q in questions]
    assert sum(not r.refused for r in served) >= len(questions) // 2  # answers, not refusals alike
    local = build_pipeline(settings, embeddings=embeddings)  # its own model: an empty cache
    for question, there in zip(questions, served, strict=True):
        here = local.answer(question)
        assert (there.answer, there.refused, [(c.doc_id, c.start, c.end) for c in there.citations]) == (
            here.answer,
            here.refused,
            [(c.doc_id, c.start, c.end) for c in here.citations],
        ), question
