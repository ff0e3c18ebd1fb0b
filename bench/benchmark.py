"""The public benchmark: the product beside naive RAG, same retriever, same model, same run.

    .venv/bin/python bench/benchmark.py --split tune --observe   # the rows calibration fits on
    .venv/bin/python bench/benchmark.py --split report           # the figures to quote
    .venv/bin/python bench/benchmark.py --cached FILE            # the table again from a dump

Prints, per half and language, answerable questions right (the product's with the gold
answer's sentence cited), unanswerable ones refused, and both together, for the product and
for naive RAG; then the run time and the first answer word of each (medians). `--observe`
answers with the learned decision and the probability rules off, so every question's
signals and the model's own answer are seen (`python app.py calibrate` fits on them).
`--per-corpus N` answers N questions of each corpus, spread over it (a quicker run);
`--skip DUMP` leaves out the questions an earlier run answered (the rest of a half).
Corpora in a language not served (`RAG_LANGUAGES`) are left out:

    RAG_LANGUAGES=nl,en,de .venv/bin/python bench/benchmark.py --corpora report-de-1 report-de-2
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from rag.benchmark import corpora, corpus_pipelines, kinds_table, read_dump, run, table  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tune", "report", "all"], default="report")
    parser.add_argument("--corpora", nargs="*", help="only these corpora (names in manifest.json)")
    parser.add_argument("--per-corpus", type=int, help="questions per corpus, spread over it")
    parser.add_argument("--observe", action="store_true", help="the learned decision off")
    parser.add_argument("--no-naive", action="store_true", help="the product alone")
    parser.add_argument(
        "--dump", type=Path, help="rows as JSON lines (default .cache/benchmark/<split>.jsonl)"
    )
    parser.add_argument(
        "--skip", type=Path, nargs="*", default=[], help="leave out the questions these dumps answered"
    )
    parser.add_argument("--cached", type=Path, help="print the table from this dump, answer nothing")
    args = parser.parse_args()
    from rag.settings import Settings

    settings = Settings()
    if args.cached:  # the figures again, scored anew, and in docs/benchmark-<file's name>.md
        rows = read_dump(args.cached)
        source = f"{len(rows)} questions, from {args.cached.name}"
        figures = "\n\n".join([table(rows), speeds(rows) + "\n" + source, *more(rows, settings)])
        print(figures)
        write_docs(args.cached.stem, " ".join(sys.argv[1:]), figures, settings.llm_model)
        return 0

    chosen = [
        c
        for c in corpora()
        if args.split in ("all", c.split)
        and (not args.corpora or c.name in args.corpora)
        and c.lang in settings.language_codes  # a language not served is not asked
    ]
    indexes = ROOT / ".cache" / "benchmark" / "model-states"  # each corpus's index
    pipeline_for = corpus_pipelines(settings, indexes, calibration=not args.observe)

    label = f"{args.split}{'-observe' if args.observe else ''}"
    if settings.llm_model != Settings.model_fields["llm_model"].default:  # another model's figures
        label += f"-{Path(settings.llm_model).name.removesuffix('.gguf')}"
    served = Settings.model_fields["languages"].default.split(",")
    label += "".join(f"-{code}" for code in settings.language_codes if code not in served)  # RAG_LANGUAGES
    dump = args.dump or ROOT / ".cache" / "benchmark" / f"{label}.jsonl"
    started = time.perf_counter()
    skip = frozenset(json.loads(line)["id"] for path in args.skip for line in path.open() if line.strip())
    rows = run(pipeline_for, chosen, dump, args.per_corpus, naive=not args.no_naive, skip=skip)
    elapsed = f"run time: {time.perf_counter() - started:.0f} s for {len(rows)} questions"
    figures = "\n\n".join([table(rows), speeds(rows) + "\n" + elapsed, *more(rows, settings)])
    print(figures)
    print(f"rows in {dump}")
    write_docs(label, " ".join(sys.argv[1:]), figures, settings.llm_model)
    return 0


def more(rows: list[dict], settings) -> list[str]:
    """The same rows split by kind of question, and the learned decision's curve."""
    from rag.decision import load_calibration

    calibration = load_calibration(settings.calibration_dir, settings.llm_model)
    if not calibration:
        return [held_to_the_text(rows), kinds_table(rows)]
    return [
        held_to_the_text(rows),
        kinds_table(rows),
        curve(rows, calibration),
        shown_then_refused(rows, calibration),
    ]


def held_to_the_text(rows: list[dict]) -> str:
    """Two of the issue's targets over the answers shown: each in the question's language,
    and none with a number or name its cited text lacks."""
    shown = [r["product"] for r in rows if not r["product"]["refused"]]
    in_language = sum(bool(p.get("language_ok")) for p in shown)
    lacking = sum(bool(p.get("unsupported")) for p in shown)
    return (
        f"Answers shown: {len(shown)}; in the question's language {in_language} "
        f"({in_language / max(len(shown), 1):.1%}); with a number or name the cited text lacks {lacking}"
    )


def shown_then_refused(rows: list[dict], calibration) -> str:
    """What streaming the model's words as it writes them would cost: of its drafts that are
    not its own refusal, how many a check after it refuses (the hard check, or the learned
    decision at the shipped cut). The product shows an answer once its checks have passed."""
    from rag.grounding import MODEL_REFUSED, UNSUPPORTED_PREFIX

    drafts = [r["product"] for r in rows if r["product"].get("reason") != MODEL_REFUSED]
    unsupported = [str(d.get("reason", "")).startswith(UNSUPPORTED_PREFIX) for d in drafts]
    hard = sum(unsupported)
    decided = sum(
        not refused and bool(d.get("signals")) and calibration.refuses(d["signals"])
        for d, refused in zip(drafts, unsupported, strict=True)
    )
    share = (hard + decided) / max(len(drafts), 1)
    return (
        f"Drafts the model wrote (not its refusal): {len(drafts)}; refused after by the hard check "
        f"{hard}, by the learned decision at {calibration.threshold} {decided}: words streamed as "
        f"written would be taken back in {share:.0%} of them"
    )


def curve(rows: list[dict], calibration) -> str:
    """The shipped regression replayed at other cuts over these rows: answers are the same
    whatever the cut (a refused answer counts right where its draft gives the gold answer)."""
    from rag.decision import example_from, kept_right, overall_right

    lines = [f"The learned decision at other cuts (shipped: {calibration.threshold}, `calibrate --cut-from`)"]
    if all("naive" in r for r in rows):
        answerable = sum(r["naive"]["right"] for r in rows if not r["unanswerable"])
        refused = sum(r["naive"]["right"] for r in rows if r["unanswerable"])
        lines.append(f"naive RAG: answerable {answerable}, unanswerable refused {refused}")
    lines.append(f"{'cut':<6}{'answerable right+cited':>24}{'unanswerable refused':>22}{'overall':>9}")
    examples = [example_from(row) for row in rows]
    chances = [calibration.right_chance(e.signals) for e in examples]
    n_ans = sum(not e.unanswerable for e in examples)
    for cut in (0.0, 0.1, calibration.threshold, 0.3, 0.5, 0.7, 0.9):
        kept, overall = kept_right(examples, chances, cut), overall_right(examples, chances, cut)
        lines.append(
            f"{cut:<6}{f'{kept}/{n_ans}':>24}{f'{overall - kept}/{len(rows) - n_ans}':>22}"
            f"{f'{overall}/{len(rows)}':>9}"
        )
    return "\n".join(lines)


def write_docs(label: str, arguments: str, figures: str, model: str = "the default model") -> None:
    """The figures, as printed, in docs/benchmark-<label>.md (docs/measurements.md points there)."""

    def git(*words: str) -> str:
        return subprocess.run(["git", *words], capture_output=True, text=True, cwd=ROOT).stdout.strip()

    commit, changed = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "rag")
    at = commit + (" with uncommitted changes to rag/" if changed else "")
    text = (
        f"# Benchmark: {label}\n\nWritten by `.venv/bin/python bench/benchmark.py {arguments}` on "
        f"{datetime.date.today()} at {at}, {os.cpu_count()} cores, model {model}.\n\n```\n{figures}\n```\n"
    )
    (ROOT / "docs" / f"benchmark-{label}.md").write_text(text, encoding="utf-8")


def speeds(rows: list[dict]) -> str:
    def median(values: list[float]) -> str:
        return f"{statistics.median(values) / 1000:.2f} s" if values else "-"

    # A row replayed from its recorded draft (bench/replay.py) was not timed as a reader waits.
    timed = [r for r in rows if not r.get("replayed")]
    product = [r["product"]["first_token_ms"] for r in timed if r["product"]["first_token_ms"]]
    naive = [r["naive"]["first_token_ms"] for r in rows if "naive" in r and r["naive"]["first_token_ms"]]
    totals = [r["product"]["total_ms"] for r in timed]
    naive_totals = [r["naive"]["total_ms"] for r in rows if "naive" in r]
    untimed = len(rows) - len(timed)
    replayed = f" ({untimed} product rows replayed, not timed)" if untimed else ""
    return (
        f"first answer word p50: product {median(product)}, naive RAG {median(naive)}; "
        f"total p50: product {median(totals)}, naive RAG {median(naive_totals)}{replayed}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
