"""The command line as a person uses it: clear messages and exit code 2, never a traceback."""

import os
import subprocess
import sys

from rag.settings import PROJECT_ROOT


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
