"""Calibrate the judge's thresholds on the *tune* halves of the question sets.

    .venv/bin/python bench/calibrate.py            # answer the tune halves, then print the tables
    .venv/bin/python bench/calibrate.py --cached   # print the tables from the last run's answers

The tune questions are answered with the probability rules switched off (`SIGNALS_OFF`),
so each question's signals and the model's own answer are seen unaltered. Each table then
counts, for a range of thresholds, how many questions would come out right:
- refusal: an unanswerable question is right when refused (by the model or by the
  threshold); an answerable one when the model's answer was right and the threshold does
  not refuse it;
- the judgement apart from the text, "does the sentence give the answer?": the same count,
  refusing below each threshold;
- yes/no: for questions whose expected answer is a yes or a no, whether the share
  P(yes) / (P(yes) + P(no)) on the right side of the threshold gives the right word (in the
  text, and judged apart from it), and how many other questions a mass threshold would
  wrongly treat as yes/no; and the judged yes-share on each yes/no question's gold sentence
  (the one holding its `support`), apart from which sentence the model points at.
The report halves are never read here.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

DATA = ROOT / "tests" / "data"
# (questions file, the folder of documents they are about; None = the seed article)
SETS = [
    (DATA / "qa_dev.jsonl", None),
    (DATA / "qa_extra.jsonl", None),
    (DATA / "qa_corpus.jsonl", DATA / "corpus"),
]
CACHE = ROOT / ".cache" / "calibration"
YES_WORDS, NO_WORDS = {"ja", "yes"}, {"nee", "no", "niet", "not"}


def answer_tune_halves() -> None:
    from rag.build import build_pipeline
    from rag.evaluation import corpus_settings, evaluate, load_questions
    from rag.judge import SIGNALS_OFF
    from rag.settings import Settings

    CACHE.mkdir(parents=True, exist_ok=True)
    base = Settings()
    for questions_file, seeds in SETS:
        settings = base if seeds is None else corpus_settings(base, seeds)
        pipeline = build_pipeline(settings, thresholds=SIGNALS_OFF)
        tune = [q for q in load_questions(questions_file) if q.get("split") == "tune"]
        scores = evaluate(pipeline, tune)
        with (CACHE / questions_file.name).open("w", encoding="utf-8") as out:
            for question, score in zip(tune, scores, strict=True):
                gold = gold_judged_yes_share(pipeline, question)
                row = {**asdict(score), "expect": question.get("expect"), "gold_judged_yes_share": gold}
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{questions_file.name}: {len(scores)} tune questions answered", flush=True)
        del pipeline


def gold_judged_yes_share(pipeline, question: dict) -> float | None:
    """A yes/no question's judged yes-share on its gold sentence, apart from which sentence
    the model points at."""
    if not gold_polarity(question.get("expect")) or not question.get("support"):
        return None
    gold = gold_sentence(pipeline, question["support"])
    return pipeline.judged(question["question"], gold, yes_no=True)[1] if gold else None


def gold_sentence(pipeline, support: str) -> str | None:
    """The first sentence of the pipeline's documents that holds a question's `support`."""
    from rag.text import sentences

    return next((s.text for s in sentences(pipeline.retriever.passages) if support in s.text), None)


def gold_polarity(expect: list[list[str]] | None) -> str | None:
    alternatives = {a.lower() for group in expect or [] for a in group}
    if alternatives & YES_WORDS and not alternatives & NO_WORDS:
        return "yes"
    if alternatives & NO_WORDS and not alternatives & YES_WORDS:
        return "no"
    return None


def tables(rows: list[dict]) -> None:
    with_signals = [r for r in rows if r["signals"]]
    print(f"{len(rows)} tune questions, {len(with_signals)} with signals")
    refusal_table(
        "refusal threshold (refuse when P(refusal word) >= T)",
        with_signals,
        lambda signals, t: signals["refuse"] >= t,
        steps=19,
    )
    refusal_table(
        "judged apart from the text, 'does the sentence give the answer?' (refuse when share < T)",
        [r for r in with_signals if "judged_answers" in r["signals"]],
        lambda signals, t: signals["judged_answers"] < t,
        steps=15,
    )

    polar = [(r, gold_polarity(r["expect"])) for r in with_signals if not r["unanswerable"]]
    yes_no = [(r, g) for r, g in polar if g]
    others = [r for r, g in polar if not g]
    print(
        f"\nyes/no questions with a gold yes or no: {len(yes_no)}; other answerable questions: {len(others)}"
    )
    for r, g in yes_no:
        s = r["signals"]
        print(
            f"  {r['qid']:>5} gold {g:<3} mass {s['yes'] + s['no']:.2f} share {in_text_share(s):.2f} "
            f"refuse {s['refuse']:.2f}"
        )
    print("\n  mass M: other questions with P(yes)+P(no) >= M (wrongly taken as yes/no):")
    for step in range(1, 10):
        m = step / 10
        wrong = sum(r["signals"]["yes"] + r["signals"]["no"] >= m for r in others)
        caught = sum(r["signals"]["yes"] + r["signals"]["no"] >= m for r, _ in yes_no)
        print(f"  M {m:3.1f}: yes/no questions caught {caught}/{len(yes_no)}, others taken as yes/no {wrong}")
    share_table(
        "share T: say yes when P(yes)/(P(yes)+P(no)) >= T",
        [(in_text_share(r["signals"]), g) for r, g in yes_no],
    )
    share_table(
        "judged apart from the text, 'yes or no?': yes when share >= T",
        [(r["signals"]["judged_yes_share"], g) for r, g in yes_no if "judged_yes_share" in r["signals"]],
    )
    gold = [(r["gold_judged_yes_share"], g) for r, g in yes_no if r.get("gold_judged_yes_share") is not None]
    share_table("the same on each question's gold sentence: yes when share >= T", gold)
    for polarity in ("yes", "no"):
        shares = sorted(share for share, g in gold if g == polarity)
        print(f"    gold {polarity}: " + " ".join(f"{share:.2f}" for share in shares))


def in_text_share(signals: dict) -> float:
    mass = signals["yes"] + signals["no"]
    return signals["yes"] / mass if mass else 0.0


def share_table(title: str, shares: list[tuple[float, str]]) -> None:
    """For T = 0.05, 0.10, ...: how many (share, gold polarity) pairs get the right word when
    "yes" is said at a share of T or more."""
    print(f"\n  {title} ({len(shares)} questions)")
    for step in range(1, 20):
        t = step / 20
        right = sum((share >= t) == (g == "yes") for share, g in shares)
        print(f"  T {t:4.2f}: right word {right}/{len(shares)}")


def refusal_table(title: str, rows: list[dict], refuses: Callable[[dict, float], bool], steps: int) -> None:
    """For thresholds T = 0.05, 0.10, ...: answerable questions still right (answered right
    and not refused) and unanswerable ones refused (by the model, or by the rule at T)."""
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    print(f"\n{title}:")
    print("     T  answerable right  unanswerable refused  total")
    for step in range(1, steps + 1):
        t = step / 20
        a = sum(r["correct"] and r["support_cited"] and not refuses(r["signals"], t) for r in answerable)
        u = sum(r["correct"] or refuses(r["signals"], t) for r in unanswerable)
        print(f"  {t:4.2f}  {a:>6}/{len(answerable):<9} {u:>8}/{len(unanswerable):<11} {a + u}")


def main() -> None:
    if "--cached" not in sys.argv:
        answer_tune_halves()
    rows = []
    for questions_file, _ in SETS:
        path = CACHE / questions_file.name
        if path.exists():
            rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    tables(rows)


if __name__ == "__main__":
    main()
