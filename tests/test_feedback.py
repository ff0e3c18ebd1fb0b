"""Readers' votes: stored append-only, nothing lost to a crash, exported for review; through
the API, the web chat's handler and the command line."""

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from rag.build import build_pipeline
from rag.feedback import Feedback, FeedbackStore, questions_to_review
from rag.settings import PROJECT_ROOT
from rag.ui import feedback_from_chat
from tests.conftest import copy_settings, serve_in_thread

ANSWER = "Het verbruikt 2,2 gigawatt."


def test_votes_are_kept_in_order_and_a_line_cut_short_loses_nothing_else(tmp_path) -> None:
    path = tmp_path / "feedback" / "feedback.jsonl"
    FeedbackStore(path).add(Feedback("up", "Wat is Project Rainier?", "Een datacenter."))
    with path.open("ab") as out:  # a crash in the middle of writing the next entry
        out.write(b'{"vote": "down", "question": "Hoe')
    FeedbackStore(path).add(Feedback("down", "Wie is de CEO?", "Dario.", comment="Wrong answer"))
    entries = FeedbackStore(path).read()  # a new store: as after a restart
    assert [(e.vote, e.question) for e in entries] == [
        ("up", "Wat is Project Rainier?"),
        ("down", "Wie is de CEO?"),
    ]
    assert all(e.at for e in entries)
    review = questions_to_review(entries)
    assert [(q["question"], q["answered"], q["comment"]) for q in review] == [
        ("Wie is de CEO?", "Dario.", "Wrong answer")
    ]


@pytest.mark.slow
def test_kill_9_while_voting_keeps_every_finished_vote(tmp_path) -> None:
    path = tmp_path / "feedback.jsonl"
    writer = (
        "import sys; from pathlib import Path; from rag.feedback import Feedback, FeedbackStore\n"
        "store = FeedbackStore(Path(sys.argv[1]))\n"
        "for n in range(100000): store.add(Feedback('down', f'vraag {n}', 'x' * 5000))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", writer, str(path)], cwd=PROJECT_ROOT)
    deadline = time.time() + 30
    while (not path.exists() or path.stat().st_size < 200_000) and time.time() < deadline:
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    lines = path.read_bytes().split(b"\n")
    finished = [line for line in lines[:-1] if line]
    store = FeedbackStore(path)
    assert [e.question for e in store.read()] == [f"vraag {n}" for n in range(len(finished))]
    store.add(Feedback("up", "daarna", "ja"))
    assert store.read()[-1].question == "daarna" and len(store.read()) == len(finished) + 1


def test_a_vote_in_the_web_chat_is_on_the_answer_and_its_question() -> None:
    chat = [
        {"role": "user", "content": "Wat is Project Rainier?"},
        {"role": "assistant", "content": "Een datacenter &amp; meer."},  # as the chat holds it: escaped
        {"role": "user", "content": "Hoeveel stroom?"},
        {"role": "assistant", "content": ANSWER},
    ]
    entry = feedback_from_chat(chat, 3, "Wrong answer", [{"n": 1}])
    assert (entry.vote, entry.question, entry.answer, entry.comment) == (
        "down",
        "Hoeveel stroom?",
        ANSWER,
        "Wrong answer",
    )
    assert entry.history == [
        {"role": "user", "content": "Wat is Project Rainier?"},
        {"role": "assistant", "content": "Een datacenter & meer."},
    ]
    assert feedback_from_chat(chat, 1, True, []).vote == "up"
    assert feedback_from_chat(chat, 0, True, []) is None  # a question is not an answer
    assert feedback_from_chat(chat, 9, False, []) is None


@pytest.mark.slow
def test_the_api_stores_votes_counts_them_and_refuses_bad_ones(settings, embeddings, tmp_path) -> None:
    here = copy_settings(settings, feedback_file=tmp_path / "feedback.jsonl")
    # With the shipped calibration: a vote records which decision answered.
    pipeline = build_pipeline(here, llm=FakeListChatModel(responses=[ANSWER]), embeddings=embeddings)
    vote = {
        "vote": "down",
        "question": "Hoeveel stroom verbruikt Project Rainier?",
        "answer": ANSWER,
        "history": [
            {"role": "user", "content": "Wat is Project Rainier?"},
            {"role": "assistant", "content": "Een datacenter."},
        ],
        "citations": [],
        "comment": "Should have refused",
    }
    with serve_in_thread(here, pipeline) as base:
        stored = httpx.post(f"{base}/api/feedback", json=vote)
        bad = [
            httpx.post(f"{base}/api/feedback", json={**vote, "vote": "meh"}),
            httpx.post(
                f"{base}/api/feedback", content=b"{not json", headers={"Content-Type": "application/json"}
            ),
            httpx.post(f"{base}/api/feedback", json={**vote, "question": ""}),
        ]
        metrics = httpx.get(f"{base}/metrics").text
    assert stored.status_code == 201 and stored.json()["stored"] is True, stored.text
    assert [r.status_code for r in bad] == [422, 422, 422]
    assert 'rag_feedback_total{vote="down"} 1.0' in metrics
    (line,) = (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    kept = json.loads(line)
    assert kept["comment"] == "Should have refused" and kept["history"][1]["content"] == "Een datacenter."
    assert kept["model"] == here.llm_model and kept["calibration"] == pipeline.calibration.version


@pytest.mark.slow
def test_export_writes_the_down_votes_as_questions_to_review(tmp_path) -> None:
    path = tmp_path / "feedback.jsonl"
    FeedbackStore(path).add(Feedback("down", "Wie is de CEO?", "Dario."))
    FeedbackStore(path).add(Feedback("up", "Wat is Rainier?", "Een datacenter."))
    out = tmp_path / "review.jsonl"
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "app.py"), "feedback", "export", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "RAG_FEEDBACK_FILE": str(path)},
    )
    assert result.returncode == 0, result.stderr
    assert "1 up, 1 down" in result.stdout
    (question,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert question["question"] == "Wie is de CEO?" and question["expect"] is None
