"""A run's questions decided again without running the model: each question's recorded draft
goes through today's pipeline after the model (evidence, citations, hard check, learned
decision), over the same retrieval. A change to those steps is then judged on the whole
benchmark in minutes, beside the naive RAG answers the run recorded.

    .venv/bin/python bench/replay.py .cache/benchmark/report.jsonl            # the decision on
    .venv/bin/python bench/replay.py .cache/benchmark/tune-observe.jsonl --observe
    .venv/bin/python bench/replay.py .cache/benchmark/report.jsonl --naive-drafts
    .venv/bin/python bench/replay.py .cache/benchmark/tune-a.jsonl --second-reading 3

`--second-reading N` reads each question the recorded draft refused once more over its N
nearest sentences, with the model itself (loaded whole for it): how the calibration's
`second_reading_sentences` is chosen on the tune half, and measured on the report half.

`--naive-drafts` gives the product naive RAG's answer as its draft: both prompts are the
same word for word, and a run made before the two read them from the same model state
(`rag/benchmark.answer_corpus`) has 1 draft in 10 parted from naive RAG's by llama.cpp's
rounding; replayed so, the comparison measures what the product adds to the same draft.

Prints the benchmark table and writes the replayed rows (default: the dump's name with
`-replay`), which `bench/ablation.py` and `python app.py calibrate --from` read as any run's.
A draft is the model's answer as the run recorded it (its "Answer:" label and markers
already taken off); the model itself is loaded for its tokenizer only, so every prompt is
fitted as in the run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from langchain_core.messages import AIMessageChunk, BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGenerationChunk  # noqa: E402
from pydantic import Field  # noqa: E402

from rag.benchmark import Corpus, answer_corpus, corpora, load_records, read_dump, table  # noqa: E402
from rag.llama_chat import LocalChatLlamaCpp  # noqa: E402
from rag.pipeline import Pipeline  # noqa: E402
from rag.settings import Settings  # noqa: E402


def replay_settings() -> Settings:
    """The app's settings, with the replayed pipelines' model states kept apart from its index."""
    return Settings().model_copy(update={"index_dir": ROOT / ".cache" / "benchmark" / "model-states"})


class RecordedDrafts(LocalChatLlamaCpp):
    """The local model's tokenizer, answering each question with the draft a run recorded;
    loaded whole (`then_the_model`), it answers each question's later prompts itself."""

    drafts: dict[str, str] = Field(default_factory=dict)  # question -> draft
    then_the_model: bool = False
    drafted: set[str] = Field(default_factory=set)

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        question = str(messages[-1].content).strip()  # as asked
        if self.then_the_model and question in self.drafted:
            yield from super()._stream(messages, stop, run_manager, **kwargs)
            return
        self.drafted.add(question)
        draft = self.drafts[question]
        yield ChatGenerationChunk(message=AIMessageChunk(content=draft))
        stopped = {"finish_reason": "stop"}
        yield ChatGenerationChunk(message=AIMessageChunk(content=""), generation_info=stopped)


def tokenizer_only(settings: Settings, path: str, drafts: dict[str, str]) -> RecordedDrafts:
    """The local model loaded for its tokenizer alone, answering with the recorded drafts."""
    n_ctx = settings.llm_context_tokens
    return RecordedDrafts(model_path=path, vocab_only=True, n_ctx=n_ctx, verbose=False, drafts=drafts)


def pipelines_over(
    settings: Settings,
    rows: list[dict],
    model: Callable[[dict[str, str]], RecordedDrafts],
    calibration: bool,
    naive_drafts: bool = False,
) -> Iterator[tuple[Corpus, Pipeline, list[dict], list[dict]]]:
    """For each benchmark corpus the rows come from: a pipeline over it whose model
    (`model(drafts)`, drafts by question) writes the recorded drafts (`naive_drafts`: naive
    RAG's answers), the rows, and their questions' records."""
    from rag.build import build_pipeline
    from rag.embedding import load_embedder
    from rag.evaluation import corpus_settings

    embeddings = load_embedder(settings)
    for corpus in corpora():
        mine = [r for r in rows if r["corpus"] == corpus.name]
        if not mine:
            continue
        records = {r["id"]: r for r in load_records(corpus)}
        drafts = [r["naive"]["answer"] if naive_drafts else r["product"]["draft"] for r in mine]
        llm = model({records[r["id"]]["question"].strip(): d for r, d in zip(mine, drafts, strict=True)})
        folder = corpus_settings(settings, corpus.folder)
        pipeline = build_pipeline(folder, llm, embeddings, calibration=calibration)
        yield corpus, pipeline, mine, [records[r["id"]] for r in mine]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", type=Path, help="a benchmark run's rows")
    parser.add_argument("--observe", action="store_true", help="the learned decision off")
    parser.add_argument("--naive-drafts", action="store_true", help="naive RAG's answers as the drafts")
    parser.add_argument(
        "--second-reading", type=int, metavar="N", help="a refused draft read again over N nearest sentences"
    )
    parser.add_argument("--out", type=Path, help="the replayed rows (default: DUMP-replay.jsonl)")
    args = parser.parse_args()
    from rag.llm import local_model_options, verify_llm

    recorded = read_dump(args.dump)
    if args.naive_drafts and not all("naive" in r for r in recorded):
        print("--naive-drafts needs a run with naive RAG's answers", file=sys.stderr)
        return 2
    suffix = "-naive-drafts" if args.naive_drafts else "-replay"
    suffix += f"-second-reading-{args.second_reading}" if args.second_reading is not None else ""
    out = args.out or args.dump.with_name(f"{args.dump.stem}{suffix}.jsonl")
    settings = replay_settings()
    path = str(verify_llm(settings.models_dir, settings.llm_model))

    reading_again = args.second_reading is not None
    whole = None  # the whole model, loaded once, where it reads refusals again
    if reading_again:
        whole = RecordedDrafts(**local_model_options(settings, path), then_the_model=True)

    def recorded_model(drafts: dict[str, str]) -> RecordedDrafts:
        if whole is None:
            return tokenizer_only(settings, path, drafts)
        whole.drafts, whole.drafted = drafts, set()
        return whole

    rows = []
    with out.open("w", encoding="utf-8") as sink:
        replayed_over = pipelines_over(
            settings, recorded, recorded_model, not args.observe, args.naive_drafts
        )
        for corpus, pipeline, mine, records in replayed_over:
            if reading_again and pipeline.calibration is not None:
                again = args.second_reading
                pipeline.calibration = replace(pipeline.calibration, second_reading_sentences=again)
            replayed = answer_corpus(pipeline, corpus, records, naive=False)
            for row, before in zip(replayed, mine, strict=True):
                if "naive" in before:
                    row["naive"] = before["naive"]
                row["replayed"] = True  # its timings are the replay's, not a reader's
                rows.append(row)
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
    rows = read_dump(out)  # naive RAG's answers scored beside the product's
    print(table(rows))
    print(f"{len(rows)} questions of {args.dump.name} replayed; rows in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
