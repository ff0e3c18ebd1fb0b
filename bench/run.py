"""Benchmarks that print figures (not timed tests): `make bench`, or

    .venv/bin/python bench/run.py [answers|retrieval|indexing|serve ...]

- answers:   dev questions end to end: time to the first answer word a reader sees and the
             total, next to the bare model's first token for the same question in the same run.
- clients:   the same questions over HTTP: first answer text on /api/ask/stream (shown once
             its first words pass the checks) and on the OpenAI stream /v1 (held until every
             check has passed), next to the bare model's first token.
- retrieval: p50 query latency over the article and over a synthetic 100,000-passage corpus.
- indexing:  chunks/s through the real embedder into Chroma.
- serve:     cold start of `python app.py serve` to ready, and its peak RSS after answering.
- pages:     a generated 50-document corpus (~92,000 characters): index time with the pages'
             saved model states, their size, cold start, RSS; first answer word and total
             next to the bare model on the same page, same run.
- stores:    embedded Chroma vs a Chroma server on 10,000 passages: writes/s, query p50.
- kv:        the local model's KV cache as f16 (the default), with flash attention, and as
             q8_0: state bytes a token, restoring the article page's state, reading a
             question's ~40 tokens after it, writing a token.
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
    in the same run the bare model answering the same question straight from the same
    cached article (no quote, no checks): its first token is the floor."""
    from rag.build import build_pipeline
    from rag.pipeline import Turn

    pipeline = build_pipeline(Settings())
    llama = pipeline.llm.client  # the llama_cpp.Llama inside LangChain's ChatLlamaCpp
    corpus = "\n\n".join(p.text for p in pipeline.retriever.passages)
    bare_system = f"Answer questions using only this article:\n\n{corpus}"
    pipeline.warm_up()
    questions = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    rows = []
    for q in questions:
        history = [Turn(t["role"], t["content"]) for t in q.get("history", [])]
        pipeline.warm_up()  # the same cache state for every question: instructions and article
        first, evidence, total, result = timed_answer(pipeline, q["question"], history)
        bare_first, bare_total = bare_model(llama, bare_system, history, q["question"])
        rows.append(
            {
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
            f"  {q['id']}: evidence {r['useful']:6.0f} ms, first word {r['first']:6.0f} ms, "
            f"total {r['total']:6.0f} ms | bare model: first "
            f"{r['bare_first']:6.0f} ms, total {r['bare_total']:6.0f} ms"
            + ("  (refused)" if result.refused else "")
        )
    summarise(rows)


def timed_answer(pipeline, question: str, history: list | None = None) -> tuple:
    """One answer through the pipeline: seconds to the evidence sentence, to the first
    answer word (None when not shown) and to the end, and the AnswerResult."""
    from rag.pipeline import AnswerResult, Evidence, Token

    started = time.perf_counter()
    first, evidence, result = None, None, None
    for event in pipeline.stream(question, history):
        if isinstance(event, Evidence) and evidence is None:
            evidence = time.perf_counter() - started
        if isinstance(event, Token) and first is None:
            first = time.perf_counter() - started
        if isinstance(event, AnswerResult):
            result = event
    assert result is not None
    return first, evidence, time.perf_counter() - started, result


def bare_model(llama, system: str, history: list, question: str) -> tuple[float, float]:
    """The bare model answering from the article as its system prompt, cached the same way
    (no quote, no checks): seconds to its first token and to its end."""
    messages = [{"role": "system", "content": system}]
    messages += [{"role": t.role, "content": t.content} for t in history]
    messages.append({"role": "user", "content": question})
    llama.create_chat_completion([*messages[:1], {"role": "user", "content": "?"}], max_tokens=1)
    t0 = time.perf_counter()
    first = None
    for chunk in llama.create_chat_completion(messages, stream=True, temperature=0, max_tokens=64):
        if chunk["choices"][0]["delta"].get("content") and first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    return first or total, total


def bench_clients() -> None:
    """What an OpenAI client sees and when, against /api/ask/stream, same questions, same
    run: the first thing on screen (sources or reasoning) and the first answer word."""
    import httpx

    from rag.build import build_pipeline
    from rag.pipeline import Turn
    from tests.conftest import serve_in_thread

    settings = Settings()
    pipeline = build_pipeline(settings)
    llama = pipeline.llm.client
    bare_system = "Answer questions using only this article:\n\n" + "\n\n".join(
        p.text for p in pipeline.retriever.passages
    )
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
                pipeline.warm_up()  # the same cache state for every question
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
            bare_first, _ = bare_model(llama, bare_system, [Turn(**t) for t in history], q["question"])
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


def bench_serve() -> None:
    ready, first, total, peak_mb = cold_start({}, "Hoeveel stroom verbruikt Project Rainier?")
    print(
        f"serve: cold start to ready {ready:.1f} s (models and index built); a question sent at once "
        f"(waits for the prefix warm-up): first token {1000 * first:.0f} ms, "
        f"total {1000 * total:.0f} ms; peak RSS {peak_mb:.0f} MiB"
    )


def cold_start(env: dict[str, str], question: str) -> tuple[float, float, float, float]:
    """`python app.py serve` from nothing to ready (/healthz), then one question at once:
    seconds to ready, to the first answer token and to the end; peak RSS in MiB."""
    import httpx

    t0 = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve"],
        env={**os.environ, **env, "RAG_PORT": "7899"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get("http://127.0.0.1:7899/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > 120:
                raise RuntimeError("the app did not become ready in 120 s")
            time.sleep(0.1)
        ready = time.perf_counter() - t0
        t1 = time.perf_counter()
        first = None
        with httpx.stream(
            "POST", "http://127.0.0.1:7899/api/ask/stream", json={"question": question}, timeout=120
        ) as r:
            for line in r.iter_lines():
                if line.startswith("event: token") and first is None:
                    first = time.perf_counter() - t1
        total = time.perf_counter() - t1
        status = Path(f"/proc/{process.pid}/status").read_text()
        peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        return ready, first or total, total, peak_kb / 1024
    finally:
        process.terminate()
        process.wait(timeout=30)


def bench_pages() -> None:
    """The generated 50-document corpus (bench/corpus50.py, ~92,000 characters): the time
    `app.py index` takes with the pages' states, their size on disk, cold start and RSS;
    then questions one per document, the first answer word and the total next to the bare
    model answering from the same page (its state restored, as ours), in the same run."""
    import shutil

    from corpus50 import generate

    from rag.build import build_pipeline
    from rag.pages import page_of

    folder = ROOT / ".cache" / "bench-corpus50"
    if os.environ.get("BENCH_FRESH", "1") == "1":  # BENCH_FRESH=0: keep the index and states built before
        shutil.rmtree(folder, ignore_errors=True)
    questions = generate(folder / "docs")
    env = {"RAG_SEEDS_DIR": str(folder / "docs"), "RAG_INDEX_DIR": str(folder / "index")}
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "index"],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"pages: app.py index on 50 documents took {time.perf_counter() - t0:.0f} s:")
    for line in done.stdout.replace("\r", "\n").splitlines():
        if line.startswith(("index:", "page states:")) and "/" not in line.split(":")[1][:6]:
            print(f"  {line}")
    states = list((folder / "index" / "states").glob("*.state"))
    sizes = [f.stat().st_size / 1e6 for f in states]
    print(
        f"  state files: {len(states)}, {sum(sizes):.0f} MB in all, "
        f"{statistics.median(sizes):.1f} MB each (p50)"
    )
    ready, first, total, peak_mb = cold_start(env, questions[0]["question"])
    print(
        f"  cold start to ready {ready:.1f} s; a first question at once: first answer word "
        f"{1000 * first:.0f} ms, total {1000 * total:.0f} ms; peak RSS {peak_mb:.0f} MiB"
    )

    settings = Settings(seeds_dir=folder / "docs", index_dir=folder / "index")
    pipeline = build_pipeline(settings)
    rows = []
    for q in questions[::2]:  # 25 questions, each on a page other than the one before
        first, evidence, total, result = timed_answer(pipeline, q["question"])
        page = page_of(pipeline.pages, pipeline.retriever.retrieve(q["question"])[0].passage)
        bare_first, bare_total = bare_model_on_page(pipeline, page, q["question"])
        rows.append(
            {
                "first": (first or total) * 1000,
                "useful": (evidence or first or total) * 1000,
                "total": total * 1000,
                "bare_first": bare_first * 1000,
                "bare_total": bare_total * 1000,
                "refused": result.refused,
                "right": not result.refused and q["expect"] in result.answer,
            }
        )
        r = rows[-1]
        print(
            f"  {q['id']}: evidence {r['useful']:6.0f} ms, first word {r['first']:6.0f} ms, total "
            f"{r['total']:6.0f} ms | bare: first {r['bare_first']:6.0f} ms | "
            f"{'right' if r['right'] else 'REFUSED' if r['refused'] else 'WRONG'}"
        )
    summarise(rows)
    print(f"  answered right {sum(r['right'] for r in rows)}/{len(rows)}")


def bare_model_on_page(pipeline, page, question: str) -> tuple[float, float]:
    """The bare model answering from the same page (the same system message, its saved
    state restored first, as ours is), with the plain question: no quote, no checks."""
    from langchain_core.messages import HumanMessage

    llm, llama = pipeline.llm, pipeline.llm.client
    system = pipeline.page_system_message(page)
    tokens = llm._prepared([system, HumanMessage(question)])  # restores the page's state
    t0 = time.perf_counter()
    first = None
    for chunk in llama.create_completion(tokens, stream=True, temperature=0, max_tokens=64):
        if chunk["choices"][0]["text"] and first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    return first or total, total


def summarise(rows: list[dict]) -> None:
    answered = [r for r in rows if not r["refused"]] or rows
    print("answers (ms):")
    print(f"  first useful text  {p50_max([r['useful'] for r in answered])}  (the evidence sentence)")
    print(f"  first answer word  {p50_max([r['first'] for r in answered])}  ({len(answered)} answered)")
    print(f"  total              {p50_max([r['total'] for r in rows])}")
    print(f"  bare model first   {p50_max([r['bare_first'] for r in rows])}")
    print(f"  bare model total   {p50_max([r['bare_total'] for r in rows])}")
    ratio = statistics.median(r["first"] / r["bare_first"] for r in answered)
    print(f"  first answer word / bare model's first token: median ratio {ratio:.2f}")
    ratio = statistics.median(r["useful"] / r["bare_first"] for r in answered)
    print(f"  first useful text / bare model's first token: median ratio {ratio:.2f}")


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


def bench_kv() -> None:
    """The article page's real prompt under three KV cache settings, one after the other in
    one run: what a saved state costs on disk and what a question pays after restoring it.
    (A smaller cache type halves the states but must not slow the reading a reader waits for.)"""
    import numpy as np
    from langchain_core.messages import AIMessage, HumanMessage
    from llama_cpp import Llama

    from rag.build import build_pipeline
    from rag.model_setup import verify_llm
    from rag.prefix_states import put_back, snapshot

    settings = Settings()
    pipeline = build_pipeline(settings)
    llm = pipeline.llm
    system = pipeline.page_system_message(pipeline.pages[0])
    questions = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line][:8]
    prompts = [
        llm._reply_tokens([system, HumanMessage(q["question"]), AIMessage("Quote: [3] ")]) for q in questions
    ]
    prefix = llm.page_prefix(system)
    path = verify_llm(settings.models_dir, settings.llm_model)
    del pipeline, llm
    configs = {
        "f16 (default)": {},
        "f16, flash attention": {"flash_attn": True},
        "q8_0, flash attention": {"flash_attn": True, "type_k": 8, "type_v": 8},  # 8 = GGML_TYPE_Q8_0
    }
    print(f"kv: the article page, {len(prefix)} tokens; {len(questions)} dev questions after it")
    for name, extra in configs.items():
        llama = Llama(
            str(path),
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            n_batch=512,
            verbose=False,
            **extra,
        )
        llama.eval(prefix)
        tokens, state = snapshot(llama)
        restores, reads, writes = [], [], []
        for prompt in prompts:
            t0 = time.perf_counter()
            put_back(llama, tokens, state)
            restores.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            llama.eval(prompt[len(prefix) :])
            reads.append((time.perf_counter() - t0) / (len(prompt) - len(prefix)) * 40)
            t0 = time.perf_counter()
            for _ in range(8):
                logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
                llama.eval([int(logits.argmax())])
            writes.append((time.perf_counter() - t0) / 8)
        restore, read, write = (1000 * statistics.median(t) for t in (restores, reads, writes))
        print(
            f"  {name:22s} state {len(state) / 1e6:5.1f} MB ({len(state) / len(prefix) / 1e3:.1f} kB "
            f"a token); restore p50 {restore:.0f} ms; 40 tokens read p50 {read:.0f} ms; a token "
            f"written p50 {write:.0f} ms"
        )
        del llama


BENCHES = {
    "answers": bench_answers,
    "clients": bench_clients,
    "retrieval": bench_retrieval,
    "indexing": bench_indexing,
    "serve": bench_serve,
    "pages": bench_pages,
    "stores": bench_stores,
    "kv": bench_kv,
}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(BENCHES):
        BENCHES[name]()
