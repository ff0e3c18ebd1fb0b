"""Safe to expose: key, rate limit, Host check, headers, size limits, errors without server
paths, the token budget, and streams that fail with an error event. Scripted LLM, real
embedder and Chroma; a real server on a free port, called with httpx and the openai SDK."""

from __future__ import annotations

import time

import httpx
import openai
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import SecretStr

from rag.api.access import RateLimiter
from rag.api.errors import public_message
from rag.build import build_pipeline
from rag.pipeline import Turn
from tests.conftest import copy_settings, fake_pipeline, serve_in_thread

KEY = "s3cret-key"
ANSWER = "Quote: Het datacenter verbruikt 2,2 gigawatt.\nAnswer: 2,2 gigawatt."
QUESTION = {"question": "Hoeveel stroom verbruikt Project Rainier?"}


def error_of(response: httpx.Response) -> dict:
    """Every error in OpenAI's shape."""
    body = response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    return body["error"]


@pytest.fixture(scope="module")
def keyed(settings, embeddings):
    keyed_settings = copy_settings(settings, api_key=SecretStr(KEY), rate_limit_per_minute=1000)
    with serve_in_thread(keyed_settings, fake_pipeline(keyed_settings, embeddings, [ANSWER] * 50)) as base:
        yield base


def test_with_a_key_set_the_api_wants_it(keyed) -> None:
    for method, path in [
        ("POST", "/api/ask"),
        ("GET", "/api/documents"),
        ("GET", "/v1/models"),
        ("GET", "/metrics"),
    ]:
        bare = httpx.request(method, keyed + path, json=QUESTION)
        assert bare.status_code == 401 and bare.headers["www-authenticate"] == "Bearer", path
        assert "API key" in error_of(bare)["message"]
        wrong = httpx.request(method, keyed + path, json=QUESTION, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = httpx.request(method, keyed + path, json=QUESTION, headers={"Authorization": f"Bearer {KEY}"})
        assert right.status_code == 200, (path, right.text)
    assert httpx.get(f"{keyed}/healthz").status_code == 200  # for load balancers; says nothing private
    # Only holders of the key add or remove documents.
    files = {"file": ("nieuw.md", b"# Nieuw\n\nTekst.")}
    assert httpx.post(f"{keyed}/api/documents", files=files).status_code == 401
    assert httpx.delete(f"{keyed}/api/documents/amazon-anthropic.nl.txt").status_code == 401
    # The SDK shows our message, not just a status code.
    with pytest.raises(openai.AuthenticationError, match="API key"):
        openai.OpenAI(base_url=f"{keyed}/v1", api_key="wrong").models.list()
    assert [m.id for m in openai.OpenAI(base_url=f"{keyed}/v1", api_key=KEY).models.list()] == ["grounded-qa"]


def test_with_a_key_set_gradio_routes_are_closed_to_others(keyed) -> None:
    upload = httpx.post(f"{keyed}/gradio_api/upload", files={"files": ("x.txt", b"hello")})
    assert upload.status_code in (401, 403), upload.status_code
    assert httpx.get(f"{keyed}/config").status_code in (401, 403)
    login = httpx.post(f"{keyed}/login", data={"username": "me", "password": "wrong"})
    assert login.status_code in (400, 401)
    session = httpx.Client()
    assert session.post(f"{keyed}/login", data={"username": "me", "password": KEY}).status_code == 200
    assert session.get(f"{keyed}/config").status_code == 200


def test_rate_limit_answers_429_with_retry_after(settings, embeddings) -> None:
    limited = copy_settings(settings, rate_limit_per_minute=2)
    with serve_in_thread(limited, fake_pipeline(limited, embeddings, [ANSWER] * 5)) as base:
        codes = [httpx.post(f"{base}/api/ask", json=QUESTION, timeout=60) for _ in range(3)]
        documents = httpx.get(f"{base}/api/documents")  # only questions count
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert 1 <= int(codes[2].headers["retry-after"]) <= 60
    assert error_of(codes[2])["type"] == "rate_limit_error" and documents.status_code == 200


def test_rate_limiter_window_slides() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.wait_seconds("a") == 0 and limiter.wait_seconds("a") == 0
    assert limiter.wait_seconds("a") == pytest.approx(60)
    assert limiter.wait_seconds("b") == 0  # per client
    now[0] = 59.5
    assert limiter.wait_seconds("a") == pytest.approx(0.5)
    now[0] = 60.0
    assert limiter.wait_seconds("a") == 0


@pytest.fixture(scope="module")
def plain(settings, embeddings):
    with serve_in_thread(settings, fake_pipeline(settings, embeddings, [ANSWER] * 50)) as base:
        yield base


def test_unknown_host_header_is_refused_and_headers_are_set(plain) -> None:
    assert httpx.get(f"{plain}/api/documents", headers={"Host": "evil.example"}).status_code == 400
    for path in ("/", "/api/documents"):
        headers = httpx.get(plain + path).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "img-src 'self' data: blob:;" in headers["content-security-policy"]  # no remote images
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_huge_bodies_are_refused_and_errors_do_not_echo_the_input(plain) -> None:
    huge = httpx.post(
        f"{plain}/api/ask", content=b"x" * 2_000_000, headers={"content-type": "application/json"}
    )
    assert huge.status_code == 413 and "limit" in error_of(huge)["message"]
    wrong_type = httpx.post(f"{plain}/api/ask", json={"question": ["y" * 300_000]})
    assert wrong_type.status_code == 422 and len(wrong_type.content) < 1000
    assert error_of(wrong_type)["param"] == "question"


def test_errors_before_start_up_name_no_server_paths(settings, embeddings, tmp_path) -> None:
    broken = copy_settings(
        settings, models_dir=tmp_path / "secret-folder" / "models", llm_model="qwen2.5-0.5b"
    )
    with serve_in_thread(broken, None) as base:
        health = httpx.get(f"{base}/healthz")
        ask = httpx.post(f"{base}/api/ask", json=QUESTION)
    assert health.status_code == 503 and ask.status_code == 503
    for text in (health.json()["error"], error_of(ask)["message"]):
        assert "secret-folder" not in text and str(tmp_path) not in text, text
    assert public_message("Could not load /home/me/app/models/q.gguf: bad") == "Could not load q.gguf: bad"


def test_long_history_is_fitted_by_tokens(settings, embeddings) -> None:
    roomy = copy_settings(settings, llm_context_tokens=1800)
    pipeline = fake_pipeline(roomy, embeddings, [ANSWER] * 5)
    history = [Turn("user" if i % 2 == 0 else "assistant", f"Vraag {i}: " + "woord " * 80) for i in range(6)]
    kept = pipeline._fitted("Wat is Project Rainier?", "nl", history, pipeline.full_context)
    assert kept[0] == pipeline._messages("?", "nl", [], pipeline.full_context)[0]  # cached prefix intact
    shown = " ".join(str(m.content) for m in kept[1:])
    assert "Vraag 5" in shown and "Vraag 0" not in shown  # the oldest turns went first
    assert kept[1].type == "human"  # and what is left starts with a question
    with serve_in_thread(roomy, pipeline) as base:
        fitted = httpx.post(
            f"{base}/api/ask",
            json={**QUESTION, "history": [{"role": t.role, "content": t.content * 2} for t in history]},
            timeout=60,
        )
    assert fitted.status_code == 200, fitted.text


def test_a_question_too_long_for_the_context_gets_400_everywhere(settings, embeddings) -> None:
    small = copy_settings(settings, llm_context_tokens=1300)
    with serve_in_thread(small, fake_pipeline(small, embeddings, [ANSWER])) as base:
        for path, body in [
            ("/api/ask", {"question": "Waarom " * 140}),
            ("/api/ask/stream", {"question": "Waarom " * 140}),
            (
                "/v1/chat/completions",
                {"messages": [{"role": "user", "content": "Waarom " * 140}], "stream": True},
            ),
        ]:
            too_long = httpx.post(base + path, json=body)
            assert too_long.status_code == 400, (path, too_long.text)
            assert "too long for the model" in error_of(too_long)["message"]


class FailingChatModel(FakeListChatModel):
    """Streams a few characters, then fails as llama.cpp does when its context overflows."""

    def _stream(self, *args, **kwargs):
        for n, chunk in enumerate(super()._stream(*args, **kwargs)):
            if n == 12:
                raise ValueError("Requested tokens (2162) exceed context window of 2048")
            yield chunk


def test_a_stream_that_fails_ends_with_an_error_event(settings, embeddings) -> None:
    llm = FailingChatModel(responses=[ANSWER] * 5)
    pipeline = build_pipeline(settings, llm=llm, embeddings=embeddings)
    with serve_in_thread(settings, pipeline) as base:
        with httpx.stream("POST", f"{base}/api/ask/stream", json=QUESTION, timeout=60) as response:
            lines = list(response.iter_lines())
        plain = httpx.post(f"{base}/api/ask", json=QUESTION, timeout=60)
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused")
        with pytest.raises(openai.APIError, match="failed on the server"):
            list(
                client.chat.completions.create(
                    model="grounded-qa",
                    stream=True,
                    messages=[{"role": "user", "content": QUESTION["question"]}],
                )
            )
    events = [line.removeprefix("event: ") for line in lines if line.startswith("event: ")]
    assert events[-1] == "error", events
    assert "context window" not in "".join(lines)  # the raw llama.cpp message stays in the log
    assert plain.status_code == 500 and error_of(plain)["type"] == "server_error"


def test_a_plain_request_abandoned_while_queued_leaves_the_queue(settings, embeddings) -> None:
    slow = FakeListChatModel(responses=["Quote: Indiana.\nAnswer: In Indiana. " * 6], sleep=0.05)
    pipeline = build_pipeline(copy_settings(settings, queue_size=8), llm=slow, embeddings=embeddings)
    with serve_in_thread(settings, pipeline) as base:
        for _ in range(4):  # each would hold the model ~4 s; the clients give up after 0.5 s
            with pytest.raises(httpx.TimeoutException):
                httpx.post(f"{base}/api/ask", json={"question": "Waar ligt het?"}, timeout=0.5)
        deadline = time.time() + 5
        while pipeline.gate.occupied and time.time() < deadline:
            time.sleep(0.05)
        assert pipeline.gate.occupied == 0


def test_metrics_in_prometheus_format(plain) -> None:
    assert httpx.post(f"{plain}/api/ask", json=QUESTION, timeout=60).status_code == 200
    httpx.post(f"{plain}/api/ask", json={"question": ""})
    metrics = httpx.get(f"{plain}/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'rag_requests_total{route="/api/ask",status="200"}' in text
    assert 'rag_requests_total{route="/api/ask",status="400"}' in text
    for name in (
        "rag_request_seconds_bucket",
        "rag_first_token_seconds_count",
        "rag_answers_total",
        "rag_queue_depth",
    ):
        assert name in text, name
