"""The /v1 API through the clients people already use, against the real app and model:
LangChain's ChatOpenAI, Simon Willison's `llm` CLI, and the requests a real Open WebUI
0.12.4 sent (captured once into tests/data/openwebui/, replayed here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from langchain_openai import ChatOpenAI

from rag.answer_format import refusal
from tests.conftest import serve_in_thread

CAPTURED = Path(__file__).parent / "data" / "openwebui"
LLM_CLI = Path(sys.executable).parent / "llm"


@pytest.fixture(scope="module")
def server(settings, real_pipeline):
    real_pipeline.warm_up()
    with serve_in_thread(settings, real_pipeline) as base:
        yield base


def captured(name: str) -> dict:
    return json.loads((CAPTURED / f"{name}.json").read_text(encoding="utf-8"))["body"]


def replay(base: str, body: dict) -> tuple[float, list[dict] | dict]:
    """Sends a captured request as Open WebUI did; returns the seconds taken and the reply
    (the parsed chunks when streaming)."""
    started = time.perf_counter()
    if not body.get("stream"):
        reply = httpx.post(f"{base}/v1/chat/completions", json=body, timeout=120)
        assert reply.status_code == 200, reply.text
        return time.perf_counter() - started, reply.json()
    chunks = []
    with httpx.stream("POST", f"{base}/v1/chat/completions", json=body, timeout=120) as reply:
        assert reply.status_code == 200
        for line in reply.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunks.append(json.loads(line.removeprefix("data: ")))
    return time.perf_counter() - started, chunks


def streamed_text(chunks: list[dict]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices"))


def test_open_webui_tasks_answer_at_once_without_the_model(server, real_pipeline) -> None:
    held, release = threading.Event(), threading.Event()

    def hold_the_model() -> None:
        with real_pipeline.gate.turn():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_model)
    holder.start()
    held.wait(10)
    try:  # with the model busy, every task still answers within a second
        for name, key in [("title", "title"), ("tags", "tags"), ("follow_ups", "follow_ups")]:
            seconds, reply = replay(server, captured(name))
            assert seconds < 1.0, (name, seconds)
            assert key in json.loads(reply["choices"][0]["message"]["content"])
            assert reply["usage"]["total_tokens"] == 0  # the model did no work
    finally:
        release.set()
        holder.join()


def is_refusal_with_its_footer(text: str) -> bool:
    """The refusal, then (the footer) why, and the closest the text comes, marked as no answer."""
    shown, _, footer = text.strip().partition("\n\n")
    return shown == refusal("nl") and "(geen antwoord): „" in footer


def test_open_webui_chat_right_after_its_title_task(server) -> None:
    """Open WebUI sends the title 0.16 s before the question; the question is not delayed,
    and no text streams but the checked answer and its footer."""
    with ThreadPoolExecutor(2) as pool:
        title = pool.submit(replay, server, captured("title"))
        time.sleep(0.16)
        chat = pool.submit(replay, server, captured("chat_first"))
        (title_seconds, _), (_, chunks) = title.result(), chat.result()
    assert title_seconds < 1.0
    final = next(c for c in chunks if c.get("choices") and c["choices"][0]["finish_reason"])
    text = streamed_text(chunks)
    if final["grounded_qa"]["refused"]:
        assert is_refusal_with_its_footer(text)
    else:  # the answer, then its sources: nothing before it, nothing taken back
        assert text.strip().partition("\n\n")[2].startswith("Bronnen: [1]")
    assert final["grounded_qa"]["timings"]["queue_ms"] < 200
    assert "tools" in captured("chat_first") and len(captured("chat_first")["tools"]) == 36  # accepted


def test_open_webui_follow_up_answer_carries_annotations(server) -> None:
    body = captured("chat_followup")
    body["messages"][-1]["content"] = "Hoeveel stroom verbruikt Project Rainier?"
    _, chunks = replay(server, body)
    text = streamed_text(chunks)
    assert "2,2" in text and "Bronnen: [1] amazon-anthropic.nl.txt" in text
    final = next(c for c in chunks if c.get("choices") and c["choices"][0]["finish_reason"])
    [annotation, *_] = final["choices"][0]["delta"]["annotations"]
    assert annotation["type"] == "url_citation"
    link = annotation["url_citation"]
    assert link["url"].startswith(f"{server}/?doc=amazon-anthropic.nl.txt&start=")
    assert link["title"].startswith("[1] amazon-anthropic.nl.txt ")


def test_langchain_chat_openai(server) -> None:
    chat = ChatOpenAI(base_url=f"{server}/v1", api_key="unused", model="grounded-qa", stream_usage=True)
    answer = chat.invoke("Hoeveel stroom verbruikt Project Rainier?")
    assert "2,2" in answer.content and answer.usage_metadata["input_tokens"] > 0
    assert answer.usage_metadata["output_tokens"] > 0
    chunks = list(chat.stream("Where is Project Rainier located?"))
    streamed = sum(chunks[1:], chunks[0])
    assert "Indiana" in streamed.content and streamed.usage_metadata["input_tokens"] > 0
    refused = ChatOpenAI(
        base_url=f"{server}/v1", api_key="unused", model="grounded-qa", extra_body={"sources_footer": False}
    ).invoke("Wie is de CEO van Anthropic?")
    assert refused.content == refusal("nl")


def run_llm(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LLM_CLI), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LLM_USER_PATH": str(home), "OPENAI_API_KEY": "unused"},
    )


def test_llm_cli(server, tmp_path) -> None:
    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: grounded-qa\n  model_name: grounded-qa\n  api_base: {server}/v1\n", encoding="utf-8"
    )
    streamed = run_llm(tmp_path, "-m", "grounded-qa", "Hoeveel stroom verbruikt Project Rainier?")
    assert streamed.returncode == 0 and "2,2" in streamed.stdout, streamed.stderr
    follow_up = run_llm(tmp_path, "-c", "Where is it located?")
    assert follow_up.returncode == 0 and "Indiana" in follow_up.stdout, follow_up.stderr
    whole = run_llm(tmp_path, "-m", "grounded-qa", "--no-stream", "Wie is de CEO van Anthropic?")
    assert whole.returncode == 0 and is_refusal_with_its_footer(whole.stdout), (whole.stdout, whole.stderr)
    logs = json.loads(run_llm(tmp_path, "logs", "--json", "-n", "3").stdout)
    assert is_refusal_with_its_footer(logs[-1]["response"])  # no false text stored
    assert all(entry["input_tokens"] and entry["output_tokens"] for entry in logs)
