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


def test_server_killed_mid_upload_serves_no_half_document(tmp_path) -> None:
    """kill -9 while an upload is being indexed: the next start serves at once what was
    indexed before, then the whole document once the background job has indexed it (it was
    in seeds/ whole before indexing began), and the index is consistent."""
    import signal
    import socket
    import time

    import httpx

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "basis.md").write_text("# Basis\n\nDe haven van Zeestad is oud.\n", encoding="utf-8")
    big = "\n\n".join(f"Alinea {p}: in jaar {1700 + p} kreeg Zeestad {p} nieuwe kades." for p in range(400))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "RAG_SEEDS_DIR": str(seeds),
        "RAG_INDEX_DIR": str(tmp_path / "index"),
        "RAG_PORT": str(port),
    }
    base = f"http://127.0.0.1:{port}"

    def start() -> subprocess.Popen:
        server = subprocess.Popen(
            [sys.executable, str(PROJECT_ROOT / "app.py"), "serve"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        server.kill()
        raise AssertionError("the server did not start")

    server = start()
    try:
        queued = httpx.post(f"{base}/api/documents", files={"file": ("zeestad.md", big.encode())}, timeout=60)
        assert queued.status_code == 202
        job_url = base + queued.headers["location"]
        while httpx.get(job_url).json()["embedded"] == 0:  # indexing has begun
            time.sleep(0.1)
        assert httpx.get(job_url).json()["state"] == "indexing"
        assert "zeestad.md" not in httpx.get(f"{base}/api/documents").text  # not served half-done
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    server = start()
    try:
        documents = {d["doc"]: d for d in httpx.get(f"{base}/api/documents").json()["documents"]}
        assert "basis.md" in documents  # served at once, while the upload is finished after
        deadline = time.time() + 300
        while "zeestad.md" not in documents and time.time() < deadline:
            time.sleep(0.5)
            documents = {d["doc"]: d for d in httpx.get(f"{base}/api/documents").json()["documents"]}
        passages = documents["zeestad.md"]["passages"]
        assert passages > 100  # all of it: the document's passages as chunking makes them
        # The same count that indexing the file from scratch gives.
        from rag.chunking import chunk_documents
        from rag.documents import read_document

        assert passages == len(chunk_documents([read_document(seeds / "zeestad.md")], 400, 0))
        hits = httpx.get(f"{base}/api/search", params={"q": "jaar 2050 kades", "k": 3}).json()["results"]
        assert hits and hits[0]["doc"] == "zeestad.md"
        assert "basis.md" in documents
    finally:
        server.terminate()
        server.wait(timeout=30)
