"""Benchmarks that print figures (not timed tests): `make bench`, or

    .venv/bin/python bench/run.py [answers|retrieval|indexing|serve ...]

- answers:   dev questions end to end: time to the first answer word a reader sees and the
             total, next to the model's own first token on the same prompt (in the same
             answer) and naive RAG's (the bare model, same retrieval, plain prompt, read
             anew) first token for the same question in the same run.
- clients:   the same questions over HTTP: the first thing on screen and the first answer
             word on /api/ask/stream and on the OpenAI stream /v1, next to naive RAG's first
             token.
- retrieval: p50 query latency over the article and over a synthetic 100,000-passage corpus.
- indexing:  chunks/s through the real embedder into Chroma.
- serve:     cold start of `python app.py serve` to ready, and its peak RSS after answering.
- stores:    embedded Chroma vs a Chroma server on 10,000 passages: writes/s, query p50.
- soak:      4 clients for 5 minutes (SOAK_SECONDS) over every route of a served copy of the
             project: requests, errors by status, p50/p99 per route, the server's memory
             before and after.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from rag.settings import Settings  # noqa: E402

DEV = ROOT / "tests" / "data" / "qa_dev.jsonl"  # a copy of shared/eval/qa_dev.jsonl


def p50_max(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.1f}  max {max(values):7.1f}"


def query_times(search, queries: list[str]) -> list[float]:
    """Milliseconds per query over three rounds, after a warm-up on three queries."""
    for q in queries[:3]:
        search(q)
    times = []
    for _ in range(3):
        for q in queries:
            t0 = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - t0) * 1000)
    return times


def bench_answers() -> None:
    """Time to the first answer word a reader sees, and the total, question by question; and
    in the same run naive RAG answering the same question (the bare model, the same
    retrieval, a plain prompt, no checks): its first token is the floor."""
    from rag.build import build_pipeline
    from rag.pipeline import Turn

    pipeline = build_pipeline(Settings())
    pipeline.warm_up()
    questions = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    rows = []
    for q in questions:
        history = [Turn(t["role"], t["content"]) for t in q.get("history", [])]
        # The state a serving model is in: its last prompt was another question on this
        # corpus (naive RAG's, just before, would leave it elsewhere).
        pipeline.warm_up()
        timed = timed_answer(pipeline, q["question"], history)
        sources, first, evidence, total, result, nearest_is_evidence = timed
        bare_first, bare_total = bare_model(pipeline, q["question"])
        model_first = result.timings.get("model_first_token_ms") or result.timings["total_ms"]
        rows.append(
            {
                # the model's own first token on the product's prompt, in the same answer
                "model_first": model_first,
                "sources": sources * 1000,  # the passages read and the sentence nearest the question
                "nearest_is_evidence": nearest_is_evidence,
                "first": (first or total) * 1000,
                "useful": (evidence or first or total) * 1000,  # the evidence sentence, or the answer
                "total": total * 1000,
                "bare_first": (bare_first or bare_total) * 1000,
                "bare_total": bare_total * 1000,
                "refused": result.refused,
            }
        )
        r = rows[-1]
        print(
            f"  {q['id']}: sources {r['sources']:5.0f} ms, evidence {r['useful']:6.0f} ms, "
            f"first word {r['first']:6.0f} ms (model's first token {r['model_first']:6.0f} ms), "
            f"total {r['total']:6.0f} ms | naive RAG: first "
            f"{r['bare_first']:6.0f} ms, total {r['bare_total']:6.0f} ms"
            + ("  (refused)" if result.refused else "")
        )
    summarise(rows)


def timed_answer(pipeline, question: str, history: list | None = None) -> tuple:
    """One answer through the pipeline: seconds to the sources (with the sentence nearest the
    question), to the evidence sentence, to the first answer word (None when not shown) and
    to the end; the AnswerResult; and whether the nearest sentence was the evidence."""
    from rag.pipeline import AnswerResult, Evidence, Sources, Token

    started = time.perf_counter()
    sources, first, evidence, result = 0.0, None, None, None
    nearest, nearest_is_evidence = None, False
    for event in pipeline.stream(question, history):
        if isinstance(event, Sources):
            sources, nearest = time.perf_counter() - started, event.nearest
        if isinstance(event, Evidence) and evidence is None:
            evidence = time.perf_counter() - started
            # The same place in the same document (the same words may stand elsewhere too).
            nearest_is_evidence = nearest is not None and _place(event.sentence) == _place(nearest)
        if isinstance(event, Token) and first is None:
            first = time.perf_counter() - started
        if isinstance(event, AnswerResult):
            result = event
    assert result is not None
    return sources, first, evidence, time.perf_counter() - started, result, nearest_is_evidence


def _place(sentence) -> tuple[str, int, int]:
    return sentence.doc_id, sentence.start, sentence.end


def bare_model(pipeline, question: str) -> tuple[float, float]:
    """Naive RAG on the same question (`rag/baseline.py`): seconds to its first token and to
    its end. Another prompt first: naive RAG's is the product's, word for word, and would be
    found whole in llama.cpp's cache."""
    from rag.baseline import naive_answer, naive_prompt

    pipeline.warm_up()
    prompt = naive_prompt(pipeline.settings.prompts_dir, pipeline.prompting.refusal())
    naive = naive_answer(pipeline.llm, pipeline.retriever, prompt, question)
    return naive.first_token_ms / 1000, naive.total_ms / 1000


def bench_clients() -> None:
    """What an OpenAI client sees and when, against /api/ask/stream, same questions, same
    run: the first thing on screen (sources or reasoning) and the first answer word."""
    import httpx

    from rag.build import build_pipeline
    from tests.conftest import serve_in_thread

    settings = Settings()
    pipeline = build_pipeline(settings)
    pipeline.warm_up()
    questions = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    rows = []
    with serve_in_thread(settings, pipeline) as base:
        for q in questions:
            history = [{"role": t["role"], "content": t["content"]} for t in q.get("history", [])]
            times = {}
            for name, path, body in [
                ("api", "/api/ask/stream", {"question": q["question"], "history": history}),
                (
                    "v1",
                    "/v1/chat/completions",
                    {
                        "messages": [*history, {"role": "user", "content": q["question"]}],
                        "stream": True,
                        "model": "grounded-qa",
                    },
                ),
            ]:
                # Another prompt in between: the same question twice would find its whole
                # prompt in llama.cpp's cache.
                pipeline.warm_up()
                t0, seen, first = time.perf_counter(), None, None
                with httpx.stream("POST", base + path, json=body, timeout=300) as response:
                    event = ""
                    for line in response.iter_lines():
                        event = line.removeprefix("event: ") if line.startswith("event: ") else event
                        if not line.startswith("data: {"):
                            continue
                        data = json.loads(line.removeprefix("data: "))
                        if name == "api":  # any event is something on screen; a token is the answer
                            visible = event in ("sources", "evidence", "token")
                            text = data.get("text", "") if event == "token" else ""
                        else:
                            delta = (data.get("choices") or [{}])[0].get("delta") or {}
                            visible = bool(delta.get("reasoning_content") or delta.get("content"))
                            text = delta.get("content") or ""
                        now = time.perf_counter() - t0
                        seen = seen if seen is not None or not visible else now
                        first = first if first is not None or not text.strip() else now
                times[name + "_seen"] = (seen or (time.perf_counter() - t0)) * 1000
                times[name] = (first or (time.perf_counter() - t0)) * 1000
                times[name + "_total"] = (time.perf_counter() - t0) * 1000
            bare_first, _ = bare_model(pipeline, q["question"])
            times["bare"] = bare_first * 1000
            rows.append(times)
            print(
                f"  {q['id']}: /api/ask/stream first event {times['api_seen']:6.0f} ms, answer word "
                f"{times['api']:6.0f} ms | /v1 first text {times['v1_seen']:6.0f} ms, answer word "
                f"{times['v1']:6.0f} ms | bare model first token {times['bare']:6.0f} ms"
            )
    print("clients (ms):")
    for key, label in [
        ("api_seen", "/api/ask/stream first event"),
        ("api", "/api/ask/stream answer word"),
        ("v1_seen", "/v1 first text (reasoning)"),
        ("v1", "/v1 first answer word"),
        ("v1_total", "/v1 total"),
        ("bare", "bare model first token"),
    ]:
        print(f"  {label:28s} {p50_max([r[key] for r in rows])}")
    for mine, theirs, label in [("v1_seen", "api_seen", "first text"), ("v1", "api", "answer word")]:
        late = statistics.median(r[mine] - r[theirs] for r in rows)
        print(f"  /v1 {label} after /api/ask/stream's: median {late:.0f} ms")
    ratio = statistics.median(r["v1"] / r["bare"] for r in rows)
    print(f"  /v1 answer word / bare first token: median ratio {ratio:.2f}")


def bench_retrieval() -> None:
    from rag.build import index_seeds
    from rag.embedding import load_embedder
    from rag.index import PassageIndex
    from rag.retrieval import HybridRetriever

    settings = Settings()
    embeddings = load_embedder(settings)
    index, _ = index_seeds(settings, embeddings)
    retriever = HybridRetriever.build(index, settings.top_k, settings.rrf_k)
    queries = [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line.strip()]
    times = query_times(retriever.retrieve, queries)
    print(f"retrieval over the article ({len(retriever.passages)} passages), ms: {p50_max(times)}")

    # Synthetic corpus: random sentences from the article's words, random unit vectors
    # (embedding 100,000 passages would take an hour here; the query is embedded for real).
    import numpy as np

    words = Path(settings.seeds_dir, "amazon-anthropic.nl.txt").read_text().split()
    rng = random.Random(7)
    n = 100_000
    with tempfile.TemporaryDirectory() as tmp:
        big = settings.model_copy(update={"index_dir": Path(tmp), "collection": "synthetic"})
        big_index = PassageIndex.open(big, embeddings, "synthetic")
        vectors = np.random.default_rng(7).standard_normal((n, 384)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        t0 = time.perf_counter()
        for start in range(0, n, 5000):
            texts = [" ".join(rng.choices(words, k=40)) for _ in range(5000)]
            big_index.collection.add(
                ids=[f"syn.txt:{i}-{i + 1}" for i in range(start, start + 5000)],
                documents=texts,
                embeddings=vectors[start : start + 5000].tolist(),
                metadatas=[
                    {"doc_id": "syn.txt", "start": i, "end": i + 1} for i in range(start, start + 5000)
                ],
            )
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        big_retriever = HybridRetriever.build(big_index, settings.top_k, settings.rrf_k)
        build_s = time.perf_counter() - t0
        times = query_times(big_retriever.retrieve, queries)
        print(
            f"retrieval over {n:,} synthetic passages, ms: {p50_max(times)} "
            f"(vectors into Chroma {load_s:.1f} s, BM25 + passage load {build_s:.1f} s)"
        )


def bench_indexing() -> None:
    from rag.chunking import chunk_documents
    from rag.documents import Document
    from rag.embedding import load_embedder
    from rag.index import PassageIndex

    settings = Settings()
    embeddings = load_embedder(settings)
    article = Path(settings.seeds_dir, "amazon-anthropic.nl.txt").read_text()
    documents = [Document(f"copy{i:03d}.txt", f"Kopie {i}.\n\n{article}") for i in range(100)]
    passages = chunk_documents(documents, settings.chunk_chars)
    with tempfile.TemporaryDirectory() as tmp:
        index = PassageIndex.open(settings.model_copy(update={"index_dir": Path(tmp)}), embeddings, "bench")
        t0 = time.perf_counter()
        index.sync(passages)
        seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = index.sync(passages)
        noop = time.perf_counter() - t0
    print(
        f"indexing: {len(passages)} chunks in {seconds:.1f} s = {len(passages) / seconds:.0f} chunks/s "
        f"(re-index unchanged: {again.added} added in {noop:.2f} s)"
    )
    # An upload's job embeds in small batches (its progress after each): what one costs, over
    # distinct documents (the public benchmark's), in megabytes of text a minute.
    folders = sorted(Path(ROOT, "bench", "benchmark").glob("*/*.txt"))
    documents = [Document(f"{f.parent.name}-{f.name}", f.read_text(encoding="utf-8")) for f in folders]
    size_mb = sum(len(d.text.encode()) for d in documents) / 1e6
    passages = chunk_documents(documents, settings.chunk_chars)
    with tempfile.TemporaryDirectory() as tmp:
        index = PassageIndex.open(settings.model_copy(update={"index_dir": Path(tmp)}), embeddings, "bench")
        t0 = time.perf_counter()
        index.sync(passages, on_progress=lambda done, total: None, batch_size=16)
        seconds = time.perf_counter() - t0
    print(
        f"upload indexing: {size_mb:.2f} MB, {len(passages)} passages in {seconds:.0f} s = "
        f"{size_mb / seconds * 60:.2f} MB/min; an upload of RAG_MAX_UPLOAD_TEXT_MB="
        f"{settings.max_upload_text_mb:g} of text holds the indexer "
        f"~{settings.max_upload_text_mb / (size_mb / seconds * 60):.0f} min"
    )


def bench_serve() -> None:
    ready, first, total, peak_mb = cold_start({}, "Hoeveel stroom verbruikt Project Rainier?")
    print(
        f"serve: cold start to ready {ready:.1f} s (models and index built); a question sent at once "
        f"(waits for the model's warm-up): first token {1000 * first:.0f} ms, "
        f"total {1000 * total:.0f} ms; peak RSS {peak_mb:.0f} MiB"
    )


def cold_start(env: dict[str, str], question: str) -> tuple[float, float, float, float]:
    """`python app.py serve` from nothing to ready (/healthz), then one question at once:
    seconds to ready, to the first answer token and to the end; peak RSS in MiB."""
    import httpx

    t0 = time.perf_counter()
    with served({**os.environ, **env}, 7899, within=120) as (base, process):
        ready = time.perf_counter() - t0
        t1 = time.perf_counter()
        first = None
        with httpx.stream("POST", f"{base}/api/ask/stream", json={"question": question}, timeout=120) as r:
            for line in r.iter_lines():
                if line.startswith("event: token") and first is None:
                    first = time.perf_counter() - t1
        total = time.perf_counter() - t1
        return ready, first or total, total, memory_mb(process.pid, "VmHWM")


@contextmanager
def served(env: dict[str, str], port: int, within: float) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python app.py serve` on this port, once /healthz answers 200 (within `within` s)."""
    import httpx

    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve"],
        env={**env, "RAG_PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.perf_counter() + within
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() > deadline:
                raise RuntimeError(f"the app did not become ready in {within:.0f} s")
            time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def memory_mb(pid: int, field: str) -> float:
    """A process's memory from /proc: "VmRSS" (now) or "VmHWM" (its peak), in MiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith(field))) / 1024


def summarise(rows: list[dict]) -> None:
    answered = [r for r in rows if not r["refused"]] or rows
    print("answers (ms):")
    sources = p50_max([r["sources"] for r in rows])
    print(f"  sources            {sources}  (with the sentence nearest the question)")
    print(f"  first useful text  {p50_max([r['useful'] for r in answered])}  (the evidence sentence)")
    print(f"  first answer word  {p50_max([r['first'] for r in answered])}  ({len(answered)} answered)")
    print(f"  total              {p50_max([r['total'] for r in rows])}")
    model_first = p50_max([r["model_first"] for r in rows])
    print(f"  model first token  {model_first}  (the product's prompt, in the same answer)")
    print(f"  naive RAG first    {p50_max([r['bare_first'] for r in rows])}  (its own prompt, read anew)")
    print(f"  naive RAG total    {p50_max([r['bare_total'] for r in rows])}")
    ratio = statistics.median(r["first"] / r["model_first"] for r in answered)
    print(f"  first answer word / the model's first token on the same prompt: median ratio {ratio:.2f}")
    ratio = statistics.median(r["first"] / r["bare_first"] for r in answered)
    print(f"  first answer word / naive RAG's first token: median ratio {ratio:.2f}")
    ratio = statistics.median(r["useful"] / r["bare_first"] for r in answered)
    print(f"  first useful text / naive RAG's first token: median ratio {ratio:.2f}")
    shown = [r for r in rows if not r["refused"]]
    same = sum(r["nearest_is_evidence"] for r in shown)
    print(f"  the nearest sentence shown with the sources was the evidence: {same}/{len(shown)}")


def bench_stores() -> None:
    """Embedded Chroma vs a Chroma server (`chroma run`) on the same 10,000 passages."""
    import httpx

    from rag.chunking import Passage
    from rag.embedding import load_embedder
    from rag.index import PassageIndex

    settings = Settings()
    embeddings = load_embedder(settings)
    words = Path(settings.seeds_dir, "amazon-anthropic.nl.txt").read_text().split()
    rng = random.Random(11)
    texts = [" ".join(rng.choices(words, k=45)) for _ in range(10_000)]
    passages = [Passage("synthetic.txt", i * 1000, i * 1000 + len(t), t) for i, t in enumerate(texts)]
    t0 = time.perf_counter()
    vectors = embeddings.embed_documents(texts)
    embed_rate = len(texts) / (time.perf_counter() - t0)
    queries = [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line.strip()]

    class Precomputed:  # the same vectors for both stores; queries are embedded for real
        name = "bench"

        def __init__(self) -> None:
            self.lookup = dict(zip(texts, vectors, strict=True))

        def embed_documents(self, batch: list[str]) -> list[list[float]]:
            return [self.lookup[t] for t in batch]

        def embed_query(self, text: str) -> list[float]:
            return embeddings.embed_query(text)

    print(f"stores: embedding {embed_rate:.0f} chunks/s (the same for both stores)")
    with tempfile.TemporaryDirectory() as tmp:
        port = 8765
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chroma"),
                "run",
                "--path",
                f"{tmp}/server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            stores = {
                "embedded": settings.model_copy(update={"index_dir": Path(tmp) / "embedded"}),
                "server": settings.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port}),
            }
            for name, store_settings in stores.items():
                index = PassageIndex.open(store_settings, Precomputed(), "bench")  # type: ignore[arg-type]
                t0 = time.perf_counter()
                index.sync(passages)
                insert_rate = len(passages) / (time.perf_counter() - t0)
                times = query_times(partial(index.search, k=4), queries)
                overall = 1 / (1 / embed_rate + 1 / insert_rate)
                print(
                    f"  {name:8s}: {index.count()} chunks; store writes {insert_rate:.0f} chunks/s, "
                    f"indexing with embedding {overall:.0f} chunks/s; dense query ms {p50_max(times)}"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)


def soak_requests(question: str, client_no: int, rng: random.Random) -> list[tuple[str, str, str, dict]]:
    """One round of a soak client over every route: (route, method, path, httpx arguments)."""
    chat = {"model": "grounded-qa", "messages": [{"role": "user", "content": question}]}
    name = f"soak-{client_no}-{rng.randrange(10**6)}.txt"
    upload = f"Soak {client_no}. Het dorp Kelwe telt {rng.randrange(10**6)} inwoners.\n".encode()
    vote = {"vote": "up", "question": question, "answer": "-"}
    return [
        ("/healthz", "GET", "/healthz", {}),
        ("/api/search", "GET", "/api/search", {"params": {"q": question}}),
        ("/api/ask", "POST", "/api/ask", {"json": {"question": question}}),
        ("/api/ask/stream", "POST", "/api/ask/stream", {"json": {"question": question}, "stream": True}),
        ("/v1 stream", "POST", "/v1/chat/completions", {"json": {**chat, "stream": True}, "stream": True}),
        ("/v1", "POST", "/v1/chat/completions", {"json": chat}),
        ("/api/documents", "GET", "/api/documents", {}),
        ("upload", "POST", "/api/documents", {"files": {"file": (name, upload)}, "params": {"wait": "true"}}),
        ("delete", "DELETE", f"/api/documents/{name}", {}),
        ("/api/feedback", "POST", "/api/feedback", {"json": vote}),
        ("/metrics", "GET", "/metrics", {}),
    ]


def bench_soak() -> None:
    """4 clients for SOAK_SECONDS (300) over every route of `python app.py serve`, run on a
    copy of seeds/ and index/ (uploads and feedback land there, not in the project)."""
    import shutil
    from collections import Counter, defaultdict
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    seconds = float(os.environ.get("SOAK_SECONDS", "300"))
    questions = [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line.strip()]
    times: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[tuple[str, int]] = Counter()

    def call(client: httpx.Client, route: str, method: str, path: str, arguments: dict) -> None:
        t0, arguments = time.perf_counter(), dict(arguments)
        try:
            if arguments.pop("stream", False):
                with client.stream(method, path, **arguments) as response:
                    for _ in response.iter_lines():
                        pass
            else:
                response = client.request(method, path, **arguments)
            status = response.status_code
        except httpx.HTTPError:
            status = 0  # no answer at all
        times[route].append((time.perf_counter() - t0) * 1000)
        statuses[(route, status)] += 1

    def client_loop(base: str, client_no: int) -> None:
        rng = random.Random(client_no)
        end = time.perf_counter() + seconds
        with httpx.Client(base_url=base, timeout=300) as client:
            while time.perf_counter() < end:
                for request in soak_requests(rng.choice(questions), client_no, rng):
                    call(client, *request)

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder)
        shutil.copytree(ROOT / "seeds", copy / "seeds")
        shutil.copytree(ROOT / "index", copy / "index")
        env = {
            **os.environ,
            "RAG_SEEDS_DIR": str(copy / "seeds"),
            "RAG_INDEX_DIR": str(copy / "index"),
            "RAG_FEEDBACK_FILE": str(copy / "feedback.jsonl"),
            "RAG_RATE_LIMIT_PER_MINUTE": "0",
        }
        with served(env, 7897, within=180) as (base, server):
            httpx.post(base + "/api/ask", json={"question": questions[0]}, timeout=300)  # warm
            before = memory_mb(server.pid, "VmRSS")
            t0 = time.perf_counter()
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(partial(client_loop, base), range(4)))
            elapsed = time.perf_counter() - t0
            after = memory_mb(server.pid, "VmRSS")
    failed = {f"{route} {code}": n for (route, code), n in sorted(statuses.items()) if not 0 < code < 400}
    print(f"soak: 4 clients, {elapsed:.0f} s, {sum(statuses.values())} requests, errors {failed or 'none'}")
    for route, values in times.items():
        values.sort()
        p50, p99 = statistics.median(values), values[min(len(values) - 1, int(0.99 * len(values)))]
        ratio = p99 / p50
        print(f"  {route:16s} {len(values):5d} requests, p50 {p50:.0f} ms, p99 {p99:.0f} ms ({ratio:.1f}×)")
    growth = 100 * (after - before) / before
    print(f"  server RSS {before:.0f} MiB before, {after:.0f} MiB after ({growth:+.1f} %)")


BENCHES = {
    "answers": bench_answers,
    "clients": bench_clients,
    "retrieval": bench_retrieval,
    "indexing": bench_indexing,
    "serve": bench_serve,
    "stores": bench_stores,
    "soak": bench_soak,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or [name for name in BENCHES if name != "soak"]:  # soak: asked for
        BENCHES[name]()
