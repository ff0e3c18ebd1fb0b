"""How far the local model's own signals can carry the answers, apart from every code check.

    .venv/bin/python bench/ceiling.py            # answer every question set, then print
    .venv/bin/python bench/ceiling.py --cached   # print from the last run's answers

Issue 9 asks for 95 % of answerable questions right and 95 % of unanswerable ones refused.
Two signals of the model bound what any rule after them can reach, so this prints them for
each half (tune, report) of every set:
- pointing: the answerable questions whose evidence sentence (the one the model points at,
  or one the answer cites) holds the question's `support`. Where it points elsewhere, the
  answer cannot be right and cited, whatever the checks after it do.
- judging apart from the text: the model's yes-share for "does the sentence give the
  answer?" (`Pipeline.judged`) on each answerable question's gold sentence (the one holding
  its `support`), against the same share on the sentence each unanswerable question was
  pointed at. An unanswerable question asks what the text does not say about something it
  does say, so no check on the answer's numbers and names can refuse it: only this
  judgement can. Printed: the ROC area, the best balance of the two sides, and per
  threshold the answerable questions kept and the unanswerable ones refused.
Follow-up questions (read with their history) and questions whose support spans two
sentences are left out of the judging, which sees one sentence and one question.

Nothing here sets a threshold: the report halves are read to quote figures, never to tune.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

# calibrate.py puts the project on the path and sets the offline variables on import.
from calibrate import DATA, ROOT, gold_sentence

# (questions file, the folder of documents they are about; None = the seed article)
SETS = [
    ("qa_dev.jsonl", None),
    ("qa_extra.jsonl", None),
    ("qa_corpus.jsonl", "corpus"),
    ("qa_fresh.jsonl", "corpus"),
    ("qa_formats.jsonl", "formats"),
]
ISSUE_SETS = ("qa_dev.jsonl", "qa_extra.jsonl", "qa_corpus.jsonl")  # the sets issue 9's goals are on
CACHE = ROOT / ".cache" / "ceiling"
GOAL = 0.95  # issue 9's share, for both sides


def answer_set(questions_file: str, seeds: str | None) -> None:
    """Answer every question of the set as `app.py eval` does, then judge each question's
    sentence apart from the text; one JSON line a question in the cache."""
    from rag.build import build_pipeline
    from rag.evaluation import corpus_settings, evaluate, load_questions
    from rag.settings import Settings

    settings = Settings() if seeds is None else corpus_settings(Settings(), DATA / seeds)
    pipeline = build_pipeline(settings)
    questions = load_questions(DATA / questions_file)
    scores = evaluate(pipeline, questions)
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / questions_file).open("w", encoding="utf-8") as out:
        for question, score in zip(questions, scores, strict=True):
            sentence = judged_sentence(pipeline, question, score.unanswerable, score.evidence)
            share = None
            if sentence:
                share = pipeline.judged(question["question"], sentence, yes_no=False, keep=False)[0]
            row = {**asdict(score), "support": question.get("support"), "sentence": sentence, "judged": share}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{questions_file}: {len(scores)} questions answered and judged", flush=True)


def judged_sentence(pipeline, question: dict, unanswerable: bool, evidence: str) -> str | None:
    """The sentence to judge: an unanswerable question's evidence, an answerable one's gold
    sentence; none for a follow-up or a support in two sentences."""
    if question.get("history"):
        return None
    if unanswerable:
        return evidence or None
    support = question.get("support")
    return gold_sentence(pipeline, support) if isinstance(support, str) else None


def pointed_right(row: dict) -> bool:
    supports = [row["support"]] if isinstance(row["support"], str) else row["support"] or []
    return row["support_cited"] or all(s in row["evidence"] for s in supports)


def roc_area(kept: list[float], refused: list[float]) -> float:
    """The chance that an answerable question's share beats an unanswerable one's."""
    wins = sum((a > b) + 0.5 * (a == b) for a in kept for b in refused)
    return wins / (len(kept) * len(refused))


def print_half(title: str, rows: list[dict]) -> None:
    answerable = [r for r in rows if not r["unanswerable"]]
    unanswerable = [r for r in rows if r["unanswerable"]]
    right = sum(r["correct"] and r["support_cited"] for r in answerable)
    refused = sum(r["correct"] for r in unanswerable)
    pointed = [r for r in answerable if r["support"]]
    print(f"\n== {title}: {len(rows)} questions")
    print(f"  as answered now: answerable right + cited {right}/{len(answerable)}, ", end="")
    print(f"unanswerable refused {refused}/{len(unanswerable)}")
    print(f"  pointing: evidence holds the support {sum(map(pointed_right, pointed))}/{len(pointed)}")
    print("    pointed elsewhere: " + " ".join(r["qid"] for r in pointed if not pointed_right(r)))

    gold = sorted(r["judged"] for r in answerable if r["judged"] is not None)
    other = sorted(r["judged"] for r in unanswerable if r["judged"] is not None)
    if not gold or not other:
        return
    print(f"  judging apart from the text: {len(gold)} gold sentences, ", end="")
    print(f"{len(other)} unanswerable questions' evidence")
    print(f"    ROC area {roc_area(gold, other):.2f}")
    print("    unanswerable: " + " ".join(f"{s:.2f}" for s in other))
    print("    answerable, lowest ten: " + " ".join(f"{s:.2f}" for s in gold[:10]))
    cuts = sorted({0.35, *gold, *other})
    sides = [(sum(s >= t for s in gold) / len(gold), sum(s < t for s in other) / len(other), t) for t in cuts]
    kept, refusing, cut = max(sides, key=lambda side: min(side[0], side[1]))
    print(f"    best balance: refuse below {cut:.2f}: answerable kept {kept:.0%}, ", end="")
    print(f"unanswerable refused {refusing:.0%}")
    at_goal = max((s for s in sides if s[0] >= GOAL), key=lambda side: side[1])
    print(f"    keeping {GOAL:.0%} of answerable (below {at_goal[2]:.2f}): ", end="")
    print(f"unanswerable refused {at_goal[1]:.0%}")
    reach = [s for s in sides if s[1] >= GOAL]
    if reach:
        best = max(reach, key=lambda side: side[0])
        print(f"    refusing {GOAL:.0%} of unanswerable (below {best[2]:.2f}): answerable kept {best[0]:.0%}")
        judged = [r for r in answerable if r["judged"] is not None]
        both = sum(pointed_right(r) and r["judged"] >= best[2] for r in judged)
        print(f"      and pointed at the gold sentence too: {both}/{len(judged)}")
    print("       T  answerable kept  unanswerable refused")
    for step in range(1, 16):
        t = step / 20
        kept_at, refused_at = sum(s >= t for s in gold), sum(s < t for s in other)
        print(f"    {t:4.2f}  {kept_at:>5}/{len(gold):<10} {refused_at:>5}/{len(other)}")


def main() -> None:
    if "--cached" not in sys.argv:
        for questions_file, seeds in SETS:
            answer_set(questions_file, seeds)
    rows = []
    for questions_file, _ in SETS:
        path = CACHE / questions_file
        if path.exists():
            lines = path.read_text(encoding="utf-8").splitlines()
            rows += [{**json.loads(line), "set": questions_file} for line in lines if line]
    for half in ("tune", "report"):
        in_half = [r for r in rows if r["split"] == half]
        print_half(
            f"{half} halves of {', '.join(ISSUE_SETS)}", [r for r in in_half if r["set"] in ISSUE_SETS]
        )
        print_half(f"{half} halves of all {len(SETS)} sets", in_half)


if __name__ == "__main__":
    main()
