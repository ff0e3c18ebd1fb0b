"""Would the model's own confidence in its answer help the learned decision? A trial, kept
to repeat it: each recorded draft of a run (where the decision changes the score) is read
again after the very prompt the product sent, and its tokens' log-probabilities become
candidate signals (mean, lowest, first, the end token's, mean entropy); then the decision
is fitted out of fold (folds by article) with and without each, on the same rows.

    .venv/bin/python bench/draft_logprobs.py score .cache/benchmark/tune-a.jsonl
    .venv/bin/python bench/draft_logprobs.py compare .cache/benchmark/tune-a.jsonl ...

`score` writes DUMP-logprobs.jsonl beside each dump (resumable; ~10 s a row on 2 cores);
`compare` prints the table. Findings: docs/benchmark.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import RecordedDrafts, pipelines_over, replay_settings

from rag.benchmark import answer_corpus, read_dump
from rag.decision import (
    FEATURES,
    chosen_threshold,
    examples_from,
    matters,
    out_of_fold_chances,
    overall_right,
)

CANDIDATES = ("mean_logprob", "min_logprob", "first_logprob", "end_logprob", "mean_entropy")


class ScoredDrafts(RecordedDrafts):
    """Answers with the recorded draft, after reading it under the prompt (all logits kept)."""

    scores: dict[str, dict] = Field(default_factory=dict)  # question -> its draft's signals

    def _stream(self, messages: list, stop: Any = None, run_manager: Any = None, **kwargs: Any):
        question = str(messages[-1].content).strip()
        llama = self.client
        prompt = self._reply_tokens(messages)
        answer = llama.tokenize(self.drafts[question].encode(), add_bos=False, special=False)
        answer.append(llama.token_eos())
        llama.reset()
        llama.eval(prompt + answer)
        logits = np.asarray(llama.scores[len(prompt) - 1 : len(prompt) + len(answer) - 1], dtype=np.float64)
        top = logits.max(axis=1)
        total = top + np.log(np.exp(logits - top[:, None]).sum(axis=1))
        logprobs = logits[np.arange(len(answer)), answer] - total
        entropy = -(np.exp(logits - total[:, None]) * (logits - total[:, None])).sum(axis=1)
        words = logprobs[:-1] if len(logprobs) > 1 else logprobs
        self.scores[question] = {
            "mean_logprob": float(words.mean()),
            "min_logprob": float(words.min()),
            "first_logprob": float(logprobs[0]),
            "end_logprob": float(logprobs[-1]),
            "mean_entropy": float(entropy.mean()),
        }
        yield from super()._stream(messages, stop, run_manager, **kwargs)


def _mattering(dump: Path) -> list[dict]:
    rows = [{**r, "split": "tune"} for r in read_dump(dump)]
    return [r for r, e in zip(rows, examples_from(rows), strict=True) if matters(e)]


def score(dump: Path) -> None:
    from rag.llm import verify_llm

    out = dump.with_name(f"{dump.stem}-logprobs.jsonl")
    done = {json.loads(line)["id"] for line in out.open()} if out.exists() else set()
    settings = replay_settings()
    path = str(verify_llm(settings.models_dir, settings.llm_model))

    def all_logits(drafts: dict[str, str]) -> ScoredDrafts:
        return ScoredDrafts(
            model_path=path,
            n_ctx=settings.llm_context_tokens,
            n_threads=settings.llm_threads,
            logits_all=True,
            rope_freq_base=0.0,  # the GGUF's own RoPE settings, as rag/llm.py loads it
            rope_freq_scale=0.0,
            verbose=False,
            drafts=drafts,
        )

    wanted = [r for r in _mattering(dump) if r["id"] not in done]
    with out.open("a", encoding="utf-8") as sink:
        replayed = pipelines_over(settings, wanted, all_logits, calibration=False)
        for corpus, pipeline, rows, records in replayed:
            for row, record in zip(rows, records, strict=True):
                list(answer_corpus(pipeline, corpus, [record], naive=False))
                signals = pipeline.llm.scores[record["question"].strip()]
                sink.write(json.dumps({"id": row["id"], **signals}) + "\n")
                sink.flush()
                print(row["id"], signals, flush=True)


def compare(dumps: list[Path]) -> None:
    rows = []
    for dump in dumps:
        scored = dump.with_name(f"{dump.stem}-logprobs.jsonl")
        extra = {d["id"]: d for d in map(json.loads, scored.open())} if scored.exists() else {}
        for row in read_dump(dump):
            signals = {**row["product"]["signals"], **extra.get(row["id"], {})}
            rows.append({**row, "split": "tune", "product": {**row["product"], "signals": signals}})
    examples = examples_from(rows)
    print(f"{len(examples)} questions, the decision matters for {sum(map(matters, examples))}")
    print(f"{'signals':28s} {'folds':>5s} {'cut':>5s} {'overall right':>13s} {'answerable kept':>15s}")
    trials = {"the four shipped": FEATURES, **{f"+ {c}": (*FEATURES, c) for c in CANDIDATES}}
    trials["+ mean and lowest"] = (*FEATURES, "mean_logprob", "min_logprob")
    trials["log-probabilities alone"] = ("mean_logprob", "min_logprob", "end_logprob")
    for name, features in trials.items():
        for folds in (5, 10):
            chances = out_of_fold_chances(examples, folds, features)
            cut = chosen_threshold(examples, chances)
            kept = sum(e.answered_right and p >= cut for e, p in zip(examples, chances, strict=True))
            print(f"{name:28s} {folds:5d} {cut:5.2f} {overall_right(examples, chances, cut):13d} {kept:15d}")
    print(f"{'decision off':28s} {'':5s} {'':5s} {overall_right(examples, [1.0] * len(examples), 0.0):13d}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["score", "compare"])
    parser.add_argument("dumps", type=Path, nargs="+", help="benchmark runs with the decision off")
    args = parser.parse_args()
    if args.action == "score":
        for dump in args.dumps:
            score(dump)
    else:
        compare(args.dumps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
