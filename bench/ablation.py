"""Does each part earn its place? The tune half's rows of a run with the learned decision
off (`bench/benchmark.py --split tune --observe`), replayed offline.

    .venv/bin/python bench/ablation.py .cache/benchmark/tune-plain.jsonl

Every row holds the model's own answer, its signals, and whether the model or the hard check
(a number or name its cited text lacks) refused it. A question comes out right when it is
unanswerable and refused, or answerable, answered right and its gold sentence cited. The
learned decision's chances are out of fold (fitted without the question's article), its cut
chosen on them as `python app.py calibrate` chooses it. Beside each configuration: its gain
over the reference and the questions it changes (gained/lost); a change is beyond noise
where its size exceeds twice the square root of the changed questions.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.benchmark import read_dump  # noqa: E402
from rag.decision import (  # noqa: E402
    FEATURES,
    chosen_threshold,
    examples_from,
    out_of_fold_chances,
    refused_anyway,
    would_be_right,
)
from rag.grounding import MODEL_REFUSED  # noqa: E402


def main() -> int:
    rows = [r for r in read_dump(Path(sys.argv[1])) if r["split"] == "tune"]
    examples = examples_from(rows)
    assert len(examples) == len(rows), "every row needs its signals"

    def outcome(row: dict, refused: bool) -> bool:
        if refused:
            return row["unanswerable"]
        if refused_anyway(row["product"]):  # answered here though the hard check refused it
            return bool(row["product"].get("draft_right")) and bool(row["product"].get("cited"))
        return would_be_right(row)

    def learned(features: tuple[str, ...] = FEATURES) -> tuple[list[bool], float]:
        chances = out_of_fold_chances(examples, features=features)
        cut = chosen_threshold(examples, chances)
        refused = [refused_anyway(r["product"]) or p < cut for r, p in zip(rows, chances, strict=True)]
        return [outcome(r, x) for r, x in zip(rows, refused, strict=True)], cut

    reference, cut = learned()
    answerable = sum(not r["unanswerable"] for r in rows)
    lines = [
        f"{len(rows)} tune questions ({answerable} answerable), learned cut {cut} (out of fold)",
        f"{'configuration':<58}{'right':>7}{'ans':>6}{'unans':>7}{'gain':>6}{'+/-':>9}  beyond noise",
    ]
    configurations = [
        (
            "the model alone (its own refusals)",
            [outcome(r, r["product"]["reason"] == MODEL_REFUSED) for r in rows],
        ),
        (
            "+ the hard check (the learned decision off)",
            [outcome(r, refused_anyway(r["product"])) for r in rows],
        ),
        ("+ the learned decision: the reference", reference),
        *(
            (f"  without the signal {name!r}", learned(tuple(f for f in FEATURES if f != name))[0])
            for name in FEATURES
        ),
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
    text = "\n".join(lines)
    print(text)
    (ROOT / "docs" / "benchmark-ablation.md").write_text(
        f"# Ablation, tune half\n\nWritten by `.venv/bin/python bench/ablation.py {sys.argv[1]}`.\n\n"
        f"```\n{text}\n```\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
