"""Safe to expose: key, rate limit, Host check, headers, size limits, errors without server
paths, the token budget, and streams that fail with an error event. Scripted LLM, real
embedder and Chroma; a real server on a free port, called with httpx and the openai SDK."""

from __future__ import annotations

import json
import statistics
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
    health = httpx.get(f"{keyed}/healthz")  # for load balancers; says nothing private
    assert health.status_code == 200 and health.json()["languages"] == ["nl", "en"]
    # The fake model has no calibration: /healthz says the rule it turns off.
    assert [r.split(":")[0] for r in health.json()["rules_off"]] == ["learned decision"]
    # Nor does it count its tokens: /healthz says prompts are fitted on an estimate.
    assert [r.split(":")[0] for r in health.json()["backend_lacks"]] == ["prompt fitting"]
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
    history = [Turn("user" if i % 2 == 0 else "assistant", f"Vraag {i}: " + "woord " * 100) for i in range(6)]
    kept, _ = pipeline.prompting.fitted("Wat is Project Rainier?", history, pipeline.widest_context)
    assert (
        kept[0] == pipeline.prompting.messages("?", [], pipeline.widest_context)[0]
    )  # the passages and rules intact
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
    small = copy_settings(settings, llm_context_tokens=700)
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


# ---------------------------------------------------------------- issue 32: no one request takes it down

# Open WebUI "### Task:" texts that the old patterns scanned in quadratic time (minutes at
# 1 MB): blank lines (every line start rescanned all that followed), and marks whose form
# never closes (each rescanned the rest).
BLANK_LINES = '### Task:\nJSON format: { "title": "t" }\n' + "\n" * 490_000
OPEN_FORMS = "### Task:\n" + "JSON format: {" * 70_000


def test_the_task_shortcut_reads_a_huge_text_in_linear_time() -> None:
    from rag.api.client_tasks import task_reply

    spaced = BLANK_LINES.replace("\n", "\n \t")
    for text in (BLANK_LINES, OPEN_FORMS, spaced, "### Task:\n" + "USER:" * 200_000):
        started = time.perf_counter()
        task_reply(text)
        assert time.perf_counter() - started < 1.0, text[:40]
    assert task_reply(OPEN_FORMS) == "" and task_reply(BLANK_LINES) == '{"title": "Chat"}'


def idle_healthz(base: str) -> float:
    """/healthz's median seconds with nothing else asked (the machine may be busy)."""
    taken = []
    for _ in range(10):
        started = time.perf_counter()
        assert httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        taken.append(time.perf_counter() - started)
    return statistics.median(taken)


def healthz_while(base: str, pending: list) -> list[float]:
    """/healthz polled until these requests (futures) are done: each poll's seconds."""
    taken = []
    for _ in range(400):  # bounded: the requests end, or the polls fail
        started = time.perf_counter()
        assert httpx.get(f"{base}/healthz", timeout=1).status_code == 200
        taken.append(time.perf_counter() - started)
        if all(request.done() for request in pending):
            break
        time.sleep(0.02)
    return taken


def test_healthz_answers_while_a_megabyte_task_is_handled(plain) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def send(text: str) -> httpx.Response:
        body = {"model": "grounded-qa", "messages": [{"role": "user", "content": text}]}
        for _ in range(8):  # one after another, so /healthz is polled all the while
            reply = httpx.post(f"{plain}/v1/chat/completions", json=body, timeout=60)
        return reply

    idle = idle_healthz(plain)
    with ThreadPoolExecutor(2) as pool:
        replies = [pool.submit(send, text) for text in (BLANK_LINES, OPEN_FORMS)]
        taken = healthz_while(plain, replies)
        done = [reply.result() for reply in replies]
    assert [r.status_code for r in done] == [200, 200], [r.text[:200] for r in done]
    assert done[0].json()["choices"][0]["message"]["content"] == '{"title": "Chat"}'
    assert len(taken) >= 5, taken
    # The scan runs off the event loop: /healthz answers within 100 ms of its time on this
    # server idle (the median: one poll may meet the loop parsing a megabyte's JSON).
    assert statistics.median(taken) < idle + 0.1, (idle, taken)


def test_healthz_answers_while_a_chunked_50_mb_body_comes_in(plain) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def send() -> httpx.Response:
        return httpx.post(
            f"{plain}/api/ask",
            content=chunked(50_000_000, [0], size=16_384),
            headers={"content-type": "application/json"},
            timeout=60,
        )

    idle = idle_healthz(plain)
    with ThreadPoolExecutor(1) as pool:
        reply = pool.submit(send)
        taken = healthz_while(plain, [reply])
        assert reply.result().status_code == 413
    assert statistics.median(taken) < idle + 0.1, (idle, taken)


def chunked(total: int, sent: list[int], size: int = 65_536):
    """A body without a Content-Length (httpx sends it chunked); `sent` counts what left."""
    while sent[0] < total:
        sent[0] += size
        yield b" " * size


def test_a_chunked_body_over_the_limit_gets_413(plain) -> None:
    sent = [0]
    over = httpx.post(
        f"{plain}/api/ask",
        content=chunked(50_000_000, sent),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert over.status_code == 413 and "limit" in error_of(over)["message"]
    assert over.headers["x-content-type-options"] == "nosniff"
    assert sent[0] < 50_000_000  # the server stopped reading
    # A chunked body under the limit is read as usual.
    body = json.dumps(QUESTION).encode()
    fine = httpx.post(
        f"{plain}/api/ask", content=iter([body[:10], body[10:]]), headers={"content-type": "application/json"}
    )
    assert fine.status_code == 200, fine.text


def test_host_headers_are_read_with_ipv6_brackets(plain) -> None:
    from rag.api.access import host_allowed, split_host

    port = plain.rsplit(":", 1)[1]
    assert httpx.get(f"{plain}/healthz", headers={"Host": f"[::1]:{port}"}).status_code == 200
    refused = httpx.get(f"{plain}/api/documents", headers={"Host": f"evil.example:{port}"})
    assert refused.status_code == 400 and error_of(refused)["message"] == "Invalid host header."
    assert split_host("[::1]:7860") == ("::1", 7860) and split_host("Example.ORG") == ("example.org", None)
    assert split_host("[::1") is None and split_host("host:port") is None
    assert host_allowed("qa.example.org", ["*.example.org"]) and not host_allowed("example.com", ["::1"])


def test_x_forwarded_for_buys_no_fresh_rate_limit(settings, embeddings) -> None:
    limited = copy_settings(settings, rate_limit_per_minute=2)
    with serve_in_thread(limited, fake_pipeline(limited, embeddings, [ANSWER] * 5)) as base:
        codes = [
            httpx.post(
                f"{base}/api/ask", json=QUESTION, headers={"X-Forwarded-For": f"10.0.0.{n}"}, timeout=60
            ).status_code
            for n in range(3)
        ]
    assert codes == [200, 200, 429]


def test_client_key_believes_only_trusted_proxies() -> None:
    from rag.api.access import FORWARDED_BUCKET, client_key

    assert client_key("1.2.3.4", None, ()) == "1.2.3.4"
    assert client_key("10.0.0.9", "6.6.6.6", ()) == FORWARDED_BUCKET  # made up, or not: not believed
    proxies = {"10.0.0.1"}
    assert client_key("10.0.0.1", "6.6.6.6, 7.7.7.7, 10.0.0.1", proxies) == "7.7.7.7"
    assert client_key("5.5.5.5", "6.6.6.6", proxies) == "5.5.5.5"  # not sent by the proxy


def test_search_and_uploads_are_rate_limited_too(settings, embeddings) -> None:
    limited = copy_settings(settings, rate_limit_per_minute=2)
    with serve_in_thread(limited, fake_pipeline(limited, embeddings, [ANSWER])) as base:
        searches = [httpx.get(f"{base}/api/search", params={"q": "Rainier"}).status_code for _ in range(3)]
    with serve_in_thread(limited, fake_pipeline(limited, embeddings, [ANSWER])) as base:
        # Empty files: refused (400) without touching seeds/, but each one counted.
        empty = {"file": ("leeg.md", b"")}
        uploads = [httpx.post(f"{base}/api/documents", files=empty).status_code for _ in range(3)]
        listing = httpx.get(f"{base}/api/documents").status_code
    assert searches == [200, 200, 429] and uploads == [400, 400, 429] and listing == 200


def test_half_sent_requests_are_dropped_and_whole_ones_answered(settings, embeddings) -> None:
    """Headers never finished, a body that stops short, a silent connection: each is closed
    once its request is not whole after `request_read_seconds`; a kept-alive connection still
    gets its next request answered."""
    import socket

    quick = copy_settings(settings, request_read_seconds=1.0)
    with serve_in_thread(quick, fake_pipeline(quick, embeddings, [ANSWER])) as base:
        port = int(base.rsplit(":", 1)[1])
        half_sent = [
            b"",
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
            b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{",
        ]
        for sent in half_sent:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
                connection.sendall(sent)
                started = time.monotonic()
                reply = connection.recv(1000)  # b"" once the server closes it
                assert reply == b"" and 0.8 < time.monotonic() - started < 5, (sent, reply)
        with httpx.Client(base_url=base) as client:  # one connection, kept alive
            assert client.get("/healthz").status_code == 200
            time.sleep(1.5)  # idle between requests is the keep-alive timeout's (5 s), not this
            assert client.get("/healthz").status_code == 200
