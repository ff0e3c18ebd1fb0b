"""schemathesis (its CLI, a real HTTP client) against the OpenAPI spec: no 5xx, index intact.

The LLM is scripted here (the API's robustness is under test, not the model); embedder,
Chroma and retrieval are real.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fake_pipeline, serve_in_thread

pytestmark = pytest.mark.slow  # servers or subprocesses: left out of `make check`


@pytest.fixture(scope="module")
def fuzz_pipeline(settings, embeddings):
    return fake_pipeline(settings, embeddings, ["Project Rainier ligt in Indiana."] * 10_000)


def test_no_server_errors_and_index_intact(settings, fuzz_pipeline) -> None:
    passages_before = fuzz_pipeline.retriever.index.count()
    with serve_in_thread(settings, fuzz_pipeline) as base:
        run = subprocess.run(
            [
                str(Path(sys.executable).parent / "st"),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "30",
                "--request-timeout",
                "30",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    summary = run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, summary
    assert fuzz_pipeline.retriever.index.count() == passages_before > 0
