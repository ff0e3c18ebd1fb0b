"""schemathesis (its CLI, a real HTTP client) against the OpenAPI spec: no 5xx, index intact.

The LLM is scripted here (the API's robustness is under test, not the model); embedder,
Chroma and retrieval are real, over a copy of the seeds of its own (the fuzzer uploads
documents). DELETE is left out: removing a document is what it is for.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ARTICLE, copy_settings, fake_pipeline, serve_in_thread

pytestmark = pytest.mark.slow  # servers or subprocesses: left out of `make check`


@pytest.fixture(scope="module")
def fuzz_settings(settings, tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "seeds").mkdir()
    shutil.copy(ARTICLE, root / "seeds" / ARTICLE.name)
    return copy_settings(settings, seeds_dir=root / "seeds", index_dir=root / "index")


@pytest.fixture(scope="module")
def fuzz_pipeline(fuzz_settings, embeddings):
    return fake_pipeline(fuzz_settings, embeddings, ["Project Rainier ligt in Indiana."] * 10_000)


def test_no_server_errors_and_index_intact(fuzz_settings, fuzz_pipeline) -> None:
    passages_before = set(fuzz_pipeline.retriever.index.stored_texts())
    with serve_in_thread(fuzz_settings, fuzz_pipeline) as base:
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
                "--exclude-method",
                "DELETE",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    summary = run.stdout[-3000:]
    print(summary)
    assert run.returncode == 0, summary
    assert passages_before and passages_before <= set(fuzz_pipeline.retriever.index.stored_texts())
