"""Learned decisions, calibrated per model: answer or refuse, from the model's own signals.

One small logistic regression per model, fitted on the public benchmark's *tune* half
(`python app.py calibrate`, `bench/benchmark.py`) and kept as data in
`calibration/<model>.json`, each number beside the figures it came from. The pipeline asks
it once per question, after the model has written its answer and the answer's evidence is
found, before any answer text is shown: the chance that the answer is right rather than
the question unanswerable (the regression is fitted on the questions where that choice
changes the score), against a cut chosen out of fold to keep the answers naive RAG gets
right. A model without a file runs with this decision off and says so at start-up.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

# The signals the decision reads (names as in `AnswerResult.signals`), none of them a model's
# token probability: any backend with a calibration file gets the decision.
FEATURES = (
    "similarity",  # the evidence sentence's cosine similarity to the question (multilingual)
    "top_similarity",  # the highest of any sentence the model read
    "support",  # the share of the answer's facts and words the evidence sentence holds
    "other_language",  # 1 where the evidence is in another language than the question
)
# P(the model's first words are the prompt's refusal), read before it writes, was a signal
# too: it paid nothing beside these (tune half, out of fold: 91 with it, 90 without) and cost
# ~0.5 s a question and a backend with token probabilities (docs/benchmark.md). So did the
# share of the question's rare words the evidence holds and the top passage's fused rank
# score: each within noise of the rest on 683 tune questions (docs/benchmark-ablation.md).


# The key in `fitted_on` of the figures the second reading's N was chosen by.
SECOND_READING_FIGURES = "second reading"


def feature_vector(signals: Mapping[str, float], features: Sequence[str] = FEATURES) -> list[float]:
    """The signals in the decision's order; a missing one (a sentence store that failed) is 0."""
    return [float(signals.get(name, 0.0)) for name in features]


@dataclass(frozen=True)
class Calibration:
    """A fitted answer-or-refuse decision for one model."""

    model: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # refuse below this chance of a right answer (vs. an unanswerable question)
    fitted_on: dict = field(default_factory=dict)  # the data and figures behind the numbers
    # A question this model refuses over its passages is read once more over the n sentences
    # most like it (0: never). Chosen on the tune half's refused drafts by `bench/replay.py
    # --second-reading N`, for each N; the figures are in `fitted_on` (SECOND_READING_FIGURES).
    second_reading_sentences: int = 0

    def right_chance(self, signals: Mapping[str, float]) -> float:
        x = feature_vector(signals)
        z = self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )
        return 1 / (1 + math.exp(-max(min(z, 50.0), -50.0)))

    @property
    def version(self) -> str:
        """Names these numbers: the first 12 hex digits of their SHA-256."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]

    def refuses(self, signals: Mapping[str, float]) -> bool:
        return self.right_chance(signals) < self.threshold

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(asdict(self), indent=1, ensure_ascii=False)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(text + "\n", encoding="utf-8")
        temporary.replace(path)  # never a half-written file


def decision_status(calibration: Calibration | None, model: str) -> str:
    """What decides to answer or refuse, for /healthz and the start-up log."""
    if calibration is None:
        return f"no calibration for {model}: the learned decision is off"
    said = (
        f"learned for {calibration.model} on {calibration.fitted_on.get('questions')} "
        f"benchmark questions: refuses below P(right) {calibration.threshold}"
    )
    if again := calibration.second_reading_sentences:
        said += f"; a question the model refuses is read again over its {again} nearest sentences"
    return said


def calibration_path(calibration_dir: Path, model: str) -> Path:
    return calibration_dir / f"{Path(model).name}.json"


def load_calibration(calibration_dir: Path, model: str) -> Calibration | None:
    path = calibration_path(calibration_dir, model)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(
            f"{path} was fitted on other signals ({data['features']}); run `python app.py calibrate`."
        )
    return Calibration(**{**data, **{k: tuple(data[k]) for k in ("features", "mean", "scale", "weights")}})


@dataclass(frozen=True)
class Example:
    """One tune question as the model answered it with the decision off."""

    group: str  # its article: folds never split one
    signals: Mapping[str, float]
    answered_right: bool  # the model's own answer was right (answerable questions)
    unanswerable: bool
    refused_anyway: bool = False  # by the model itself or a check, whatever the decision


def examples_from(rows: Sequence[Mapping]) -> list[Example]:
    """The tune half's rows of a benchmark run with the decision off (`rag/benchmark.py`):
    what the model's own answer comes to where only its refusal and the hard check refuse
    (a refused row has no signals: it is refused whatever the decision)."""
    return [example_from(row) for row in rows if row["split"] == "tune"]


def example_from(row: Mapping) -> Example:
    """One benchmark row as the decision sees it."""
    return Example(
        group=row["title"] or row["corpus"],
        signals=row["product"].get("signals") or {},
        answered_right=would_be_right(row),
        unanswerable=bool(row["unanswerable"]),
        refused_anyway=refused_anyway(row["product"]),
    )


def refused_anyway(product: Mapping) -> bool:
    """Refused by the model itself or by the hard check, whatever the decision (which comes
    after them)."""
    return bool(product["refused"]) and not str(product.get("reason", "")).startswith("learned")


def would_be_right(row: Mapping) -> bool:
    """The model's own answer (its draft), shown: right where it gives the gold answer,
    cited as the final answer was where that was the draft."""
    product = row["product"]
    if row["unanswerable"] or refused_anyway(product):
        return False
    if not product["refused"] and product["answer"] == product.get("draft", product["answer"]):
        return bool(product["cited"])
    return bool(product.get("draft_right"))


def overall_right(examples: Sequence[Example], chances: Sequence[float], threshold: float) -> int:
    """Answerable questions answered right and kept, plus unanswerable ones refused."""
    return sum(
        bool(e.unanswerable and (e.refused_anyway or p < threshold)) or (e.answered_right and p >= threshold)
        for e, p in zip(examples, chances, strict=True)
    )


def matters(example: Example) -> bool:
    """Whether answering or refusing changes this question's score: a right answer kept, or
    an unanswerable question refused. (A wrong answer and its refusal both score wrong; an
    unanswerable question the model refuses by itself is refused whatever the decision.)"""
    return example.answered_right or (example.unanswerable and not example.refused_anyway)


def _standardised(examples: Sequence[Example], features: Sequence[str] = FEATURES):
    import numpy as np

    x = np.array([feature_vector(e.signals, features) for e in examples])
    y = np.array([e.answered_right for e in examples], dtype=int)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-6] = 1.0  # a signal that never varies here carries no weight
    return (x - mean) / scale, y, mean, scale


def _regression(examples: Sequence[Example], features: Sequence[str] = FEATURES):
    """The regression of "a right answer rather than an unanswerable question", on the
    examples where the decision matters; returns (weights, bias, mean, scale)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    z, y, mean, scale = _standardised([e for e in examples if matters(e)], features)
    if len(set(y)) < 2:  # every such answer right, or none: the same chance for all
        share = min(max(float(y.mean()), 1e-3), 1 - 1e-3)
        return np.zeros(z.shape[1]), math.log(share / (1 - share)), mean, scale
    fitted = LogisticRegression(C=1.0).fit(z, y)
    return fitted.coef_[0], float(fitted.intercept_[0]), mean, scale


def _chances(
    examples: Sequence[Example], weights, bias: float, mean, scale, features: Sequence[str] = FEATURES
) -> list[float]:
    import numpy as np

    z = (np.array([feature_vector(e.signals, features) for e in examples]) - mean) / scale
    return [float(1 / (1 + math.exp(-(bias + float(v @ weights))))) for v in z]


def out_of_fold_chances(
    examples: Sequence[Example], folds: int = 5, features: Sequence[str] = FEATURES
) -> list[float]:
    """Each example's chance from a regression fitted on the other articles' examples
    (`folds` folds by article), on these signals."""
    from sklearn.model_selection import GroupKFold

    groups = [e.group for e in examples]
    chances = [0.0] * len(examples)
    for train, test in GroupKFold(n_splits=min(folds, len(set(groups)))).split(examples, groups=groups):
        fitted = _regression([examples[i] for i in train], features)
        for i, chance in zip(test, _chances([examples[i] for i in test], *fitted, features), strict=True):
            chances[i] = chance
    return chances


# The floor the product must hold beside naive RAG: answerable questions answered right no
# more than 3 points below it. The decision may cost at most this share of the answerable
# questions (out of fold, on the tune half), a point of margin under that floor.
MAX_ANSWERABLE_LOSS = 0.02


def chosen_threshold(examples: Sequence[Example], chances: Sequence[float]) -> float:
    """The cut with the most questions right (out of fold) among those that keep all but
    `MAX_ANSWERABLE_LOSS` of the answerable questions the model gets right with the decision
    off; ties go to the lowest cut (the most answers kept)."""
    answerable = sum(not e.unanswerable for e in examples)
    right_off = sum(e.answered_right for e in examples)
    return best_cut_keeping(examples, chances, right_off - MAX_ANSWERABLE_LOSS * answerable)


def kept_right(examples: Sequence[Example], chances: Sequence[float], cut: float) -> int:
    """The right answers the decision keeps at this cut."""
    return sum(e.answered_right and p >= cut for e, p in zip(examples, chances, strict=True))


def best_cut_keeping(examples: Sequence[Example], chances: Sequence[float], allowed: float) -> float:
    """The cut (in hundredths) with the most questions right among those that keep at least
    `allowed` right answers; ties go to the lowest cut, and where none keeps them, 0 (off)."""
    cuts = [round(c / 100, 2) for c in range(100)]
    holding = [c for c in cuts if kept_right(examples, chances, c) >= allowed] or [0.0]
    return max(holding, key=lambda c: (overall_right(examples, chances, c), -c))


# The floor the product holds beside naive RAG in the same run: answerable questions answered
# right (and cited) no more than this many points below naive RAG's.
FLOOR_POINTS = 3.0


def cut_against_naive(rows: Sequence[Mapping], calibration: Calibration) -> tuple[float, dict]:
    """The cut with the most questions right on these rows (a benchmark run, naive RAG beside
    the product, on articles the regression was not fitted on) among those that keep the
    answerable questions answered right within `FLOOR_POINTS` of naive RAG's; ties go to the
    lowest cut, and where none keeps the floor the decision is off (0). Why a second set: the
    tune half's own budget (`chosen_threshold`) cost four times as much on new articles
    (docs/benchmark.md), so the floor, measured where it is judged, sets the cut."""
    examples = [example_from(row) for row in rows]
    chances = [calibration.right_chance(e.signals) for e in examples]
    answerable = [row for row in rows if not row["unanswerable"]]
    naive_answerable = sum(bool(row["naive"]["right"]) for row in answerable)
    naive_overall = sum(bool(row["naive"]["right"]) for row in rows)
    cut = best_cut_keeping(examples, chances, naive_answerable - FLOOR_POINTS / 100 * len(answerable))
    overall, kept = overall_right(examples, chances, cut), kept_right(examples, chances, cut)
    return cut, {
        "questions": len(rows),
        "answerable": len(answerable),
        "naive RAG: answerable right": naive_answerable,
        "naive RAG: overall right": naive_overall,
        "answerable right kept at the cut": kept,
        "unanswerable refused at the cut": overall - kept,
        "overall right at the cut": overall,
        "overall right with the decision off": overall_right(examples, chances, 0.0),
    }


def fit(examples: Sequence[Example], model: str, folds: int = 5) -> Calibration:
    """Logistic regression of "a right answer rather than an unanswerable question" on the
    signals, fitted where the decision matters (`matters`), and its cut chosen out of fold
    (`chosen_threshold`). The figures beside it are out of fold (folds by article), not read
    off the fitted data."""
    weights, bias, mean, scale = _regression(examples)
    out_of_fold = out_of_fold_chances(examples, folds)
    threshold = chosen_threshold(examples, out_of_fold)
    cuts = [round(c / 100, 2) for c in range(0, 100, 5)]
    answerable = sum(not e.unanswerable for e in examples)
    return Calibration(
        model=model,
        features=FEATURES,
        mean=tuple(round(float(v), 6) for v in mean),
        scale=tuple(round(float(v), 6) for v in scale),
        weights=tuple(round(float(v), 6) for v in weights),
        bias=round(bias, 6),
        threshold=threshold,
        fitted_on={
            "questions": len(examples),
            "answerable": answerable,
            "unanswerable": len(examples) - answerable,
            "answered right with the decision off": sum(e.answered_right for e in examples),
            "where the decision matters": sum(matters(e) for e in examples),
            "articles": len({e.group for e in examples}),
            "answerable right kept at the threshold, out of fold": kept_right(
                examples, out_of_fold, threshold
            ),
            "overall right, out of fold, at the threshold": overall_right(examples, out_of_fold, threshold),
            "overall right with the decision off": overall_right(examples, out_of_fold, 0.0),
            "overall right refusing all": len(examples) - answerable,
            "curve (threshold: answerable kept right, unanswerable refused), out of fold": {
                str(c): [
                    kept_right(examples, out_of_fold, c),
                    sum(
                        e.unanswerable and (e.refused_anyway or p < c)
                        for e, p in zip(examples, out_of_fold, strict=True)
                    ),
                ]
                for c in cuts
            },
        },
    )
