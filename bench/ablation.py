"""Does each rule earn its place? The tune half's rows of a run with the decision and the
probability rules off (`bench/benchmark.py --split tune --observe`), replayed offline.

    .venv/bin/python bench/ablation.py .cache/benchmark/tune-observe.jsonl

Every row holds the model's own answer (its draft), its signals and which checks fire on
it, each apart from the others (`AnswerResult.checks`). A configuration is a set of
refusers; a question comes out right when it is unanswerable and refused, or answerable,
answered and right. The learned decision's chances are out of fold (fitted without the
question's article). Beside each rule: its gain over the learned decision with the hard
check (facts the text lacks) alone, and the questions it changes (gained/lost): a change is
beyond noise where its size exceeds twice the square root of the changed questions. Last,
the learned decision refitted without each of its signals: what each signal pays.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.benchmark import normalised, read_dump  # noqa: E402
from rag.decision import FEATURES, examples_from, fit, out_of_fold_chances, would_be_right  # noqa: E402

POST_ANSWER = ["no quantity", "asked words the text lacks", "numbers not in the evidence", "unit changed"]
OPENING = ["P(refusal) rule", "judged rule", "opening refuses"]


def forced_right(row: dict) -> bool | None:
    """A yes/no question where the former rules chose the first word: whether it was the
    gold one (None: they chose none)."""
    checks, gold = row["product"]["checks"], row.get("expect") or [[""]]
    word = "yes" if checks.get("opening says yes") else "no" if checks.get("opening says no") else None
    if word is None or row["class"] != "yesno":
        return None
    return normalised(gold[0][0]) == word


def outcome(row: dict, refused: bool, forcing: bool = False) -> bool:
    if refused:
        return row["unanswerable"]
    forced = forced_right(row) if forcing else None
    return (not row["unanswerable"] and forced) if forced is not None else would_be_right(row)


def main() -> int:
    rows = [r for r in read_dump(Path(sys.argv[1])) if r["split"] == "tune" and r["product"]["signals"]]
    examples = examples_from(rows)
    chances = out_of_fold_chances(examples)
    threshold = fit(examples, "ablation").threshold

    def base_refuses(row: dict, chance: float, gate: bool = True) -> bool:
        checks = row["product"]["checks"]
        return (
            checks.get("model refused", not row["product"]["draft"])
            or checks.get("facts not in the text", False)
            or (gate and chance < threshold)
        )

    def right(
        extra: list[str], gate: bool = True, forcing: bool = False, estimates: list[float] = chances
    ) -> list[bool]:
        return [
            outcome(
                row,
                base_refuses(row, chance, gate) or any(row["product"]["checks"].get(c, False) for c in extra),
                forcing,
            )
            for row, chance in zip(rows, estimates, strict=True)
        ]

    def without(signal: str) -> list[bool]:
        """The learned decision refitted (out of fold) without this signal."""
        kept = tuple(f for f in FEATURES if f != signal)
        return right([], estimates=out_of_fold_chances(examples, features=kept))

    reference = right([])
    answerable = sum(not r["unanswerable"] for r in rows)
    lines = [
        f"{len(rows)} tune questions ({answerable} answerable), learned threshold {threshold}",
        f"{'configuration':<58}{'right':>7}{'ans':>6}{'unans':>7}{'gain':>6}{'+/-':>9}  beyond noise",
    ]
    configurations = [
        ("the model alone (+ hard check)", right([], gate=False)),
        (
            "former rules: opening + every check (+ hard check)",
            right(OPENING + POST_ANSWER, gate=False, forcing=True),
        ),
        ("learned decision (+ hard check): the reference", reference),
        *((f"  + {name}", right([name])) for name in POST_ANSWER + OPENING),
        ("  + former yes/no word choice", right([], forcing=True)),
        ("  + every former rule", right(OPENING + POST_ANSWER, forcing=True)),
        *((f"  without the signal {name!r}", without(name)) for name in FEATURES),
    ]
    for name, outcomes in configurations:
        gained = sum(o and not r for o, r in zip(outcomes, reference, strict=True))
        lost = sum(r and not o for o, r in zip(outcomes, reference, strict=True))
        ans = sum(o for o, row in zip(outcomes, rows, strict=True) if not row["unanswerable"])
        unans = sum(o for o, row in zip(outcomes, rows, strict=True) if row["unanswerable"])
        gain = gained - lost
        beyond = "yes" if abs(gain) > 2 * math.sqrt(max(gained + lost, 1)) else "no"
        lines.append(
            f"{name:<58}{sum(outcomes):>7}{ans:>6}{unans:>7}{gain:>+6}{f'{gained}/{lost}':>9}  {beyond}"
        )
    print("\n".join(lines))
    text = "\n".join(lines)
    (ROOT / "docs" / "benchmark-ablation.md").write_text(
        f"# Ablation, tune half\n\nWritten by `.venv/bin/python bench/ablation.py {sys.argv[1]}`.\n\n"
        f"```\n{text}\n```\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
