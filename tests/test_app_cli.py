"""The command line as a person uses it: clear messages and exit code 2, never a traceback."""

import os
import subprocess
import sys

import pytest

from rag.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow  # servers or subprocesses: left out of `make check`


def run_app(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "app.py"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
    )


def test_bad_setting_is_reported_plainly() -> None:
    result = run_app("ask", "Wat?", RAG_TOP_K="0")
    assert result.returncode == 2 and "RAG_TOP_K" in result.stderr and "Traceback" not in result.stderr


def test_missing_model_is_reported_plainly(tmp_path) -> None:
    result = run_app(
        "ask", "Wat?", RAG_LLM_MODEL=str(tmp_path / "none.gguf"), RAG_INDEX_DIR=str(tmp_path / "i")
    )
    assert result.returncode == 2 and "LLM file" in result.stderr and "Traceback" not in result.stderr


def test_corrupt_index_is_reported_plainly(tmp_path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "chroma.sqlite3").write_bytes(b"this is not a database")
    result = run_app("index", RAG_INDEX_DIR=str(index))
    assert result.returncode == 2 and "--rebuild" in result.stderr and "Traceback" not in result.stderr
    assert (index / "chroma.sqlite3").read_bytes() == b"this is not a database"  # nothing destroyed


def test_rebuild_killed_halfway_leaves_the_old_index_answering(tmp_path) -> None:
    """kill -9 during `index --rebuild`: the old index still answers at the next start."""
    import signal
    import time

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for n in range(60):  # enough passages that embedding them takes a while
        (seeds / f"doc{n:02}.txt").write_text(
            "\n\n".join(
                f"Document {n}, alinea {p}: de haven van Zeestad groeide in jaar {1900 + p}."
                for p in range(20)
            ),
            encoding="utf-8",
        )
    env = {"RAG_SEEDS_DIR": str(seeds), "RAG_INDEX_DIR": str(tmp_path / "index")}
    first = run_app("index", **env)
    assert first.returncode == 0, first.stderr
    segments = {p.name for p in (tmp_path / "index").iterdir() if p.is_dir()}
    rebuild = subprocess.Popen(
        [sys.executable, str(PROJECT_ROOT / "app.py"), "index", "--rebuild"],
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    time.sleep(12)  # past loading the embedder, into the embedding
    assert rebuild.poll() is None, "the rebuild finished before it could be killed; use more seeds"
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait()
    again = run_app("index", **env)
    assert again.returncode == 0, again.stderr
    assert "(0 added, 0 removed, 1200 unchanged)" in again.stdout  # nothing re-embedded
    assert {p.name for p in (tmp_path / "index").iterdir() if p.is_dir()} == segments  # no orphan left
