"""The model answers one request at a time: a full queue gets a 503, and a streaming
client that hangs up frees the model. Scripted slow LLM, real embedder and Chroma."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from rag.build import build_pipeline
from tests.conftest import copy_settings, serve_in_thread

pytestmark = pytest.mark.slow  # servers or subprocesses: left out of `make check`

ANSWER = "Project Rainier ligt in Indiana. " * 8  # streamed one character at a time


def slow_pipeline(settings, embeddings, queue_size: int, seconds_per_char: float = 0.02):
    llm = FakeListChatModel(responses=[ANSWER], sleep=seconds_per_char)
    return build_pipeline(copy_settings(settings, queue_size=queue_size), llm=llm, embeddings=embeddings)


def test_full_queue_gets_a_clear_503(settings, embeddings) -> None:
    pipeline = slow_pipeline(settings, embeddings, queue_size=1)  # one answering, one waiting
    with serve_in_thread(settings, pipeline) as base:

        def ask(_: int) -> httpx.Response:
            return httpx.post(f"{base}/api/ask", json={"question": "Waar ligt Project Rainier?"}, timeout=60)

        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = list(pool.map(ask, range(4)))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) >= 2 and set(codes) <= {200, 503}, codes
    busy = [r for r in responses if r.status_code == 503]
    assert busy and "queue is full" in busy[0].json()["error"]["message"]


def test_stream_client_that_hangs_up_frees_the_model(settings, embeddings) -> None:
    pipeline = slow_pipeline(settings, embeddings, queue_size=4, seconds_per_char=0.05)  # ~13 s
    with serve_in_thread(settings, pipeline) as base:
        with httpx.stream(
            "POST", f"{base}/api/ask/stream", json={"question": "Waar ligt het?"}, timeout=60
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    break  # first token read; hang up
        assert pipeline.gate.occupied <= 1
        deadline = time.time() + 5  # well under the ~13 s the abandoned answer would take
        while pipeline.gate.occupied and time.time() < deadline:
            time.sleep(0.05)
        assert pipeline.gate.occupied == 0
        follow_up = httpx.post(f"{base}/api/ask", json={"question": "Waar ligt het?"}, timeout=60)
        assert follow_up.status_code == 200


class SlowToStartChatModel(FakeListChatModel):
    """Reads its prompt for 1 s before its first token, as the real model points and
    judges for seconds before any answer text."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        time.sleep(1.0)
        yield from super()._stream(messages, stop, run_manager, **kwargs)


@pytest.mark.parametrize("route", ["/api/ask/stream", "/v1/chat/completions"])
def test_eight_abandoned_streams_free_the_queue_within_2_s(settings, embeddings, route) -> None:
    llm = SlowToStartChatModel(responses=[ANSWER], sleep=0.05)
    pipeline = build_pipeline(copy_settings(settings, queue_size=8), llm=llm, embeddings=embeddings)
    question = "Waar ligt het?"
    body = (
        {"question": question}
        if route.startswith("/api")
        else {"model": "grounded-qa", "stream": True, "messages": [{"role": "user", "content": question}]}
    )
    with serve_in_thread(settings, pipeline) as base:

        def abandon(_: int) -> None:
            with httpx.stream("POST", base + route, json=body, timeout=60) as response:
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        break  # something came: wait a moment, then hang up
                time.sleep(0.5)

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(abandon, range(8)))
        hung_up = time.time()
        while pipeline.gate.occupied and time.time() < hung_up + 10:
            time.sleep(0.05)
        freed_after = time.time() - hung_up
    print(f"{route}: the queue was free {freed_after:.2f} s after 8 callers hung up")
    assert pipeline.gate.occupied == 0 and freed_after < 2.0, freed_after
