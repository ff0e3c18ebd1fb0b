"""The learned answer-or-refuse decision: fitted, saved, loaded and used."""

import dataclasses
import json
import math
import random

import pytest

import app
from rag.decision import (
    FEATURES,
    MAX_ANSWERABLE_LOSS,
    SECOND_READING_FIGURES,
    Calibration,
    Example,
    calibration_path,
    chosen_threshold,
    cut_against_naive,
    fit,
    load_calibration,
)
from rag.settings import PROJECT_ROOT


def examples(count: int = 120) -> list[Example]:
    """Invented tune rows: how much of the answer its evidence holds tells answerable from
    unanswerable, noisily."""
    rng = random.Random(7)
    rows = []
    for i in range(count):
        unanswerable = i % 3 == 0
        support = min(max(rng.gauss(0.2 if unanswerable else 0.8, 0.15), 0.0), 1.0)
        signals = {"refuse": rng.random() * 0.2, "support": support, "similarity": 0.8 + rng.random() / 10}
        rows.append(
            Example(f"article-{i % 12}", signals, not unanswerable and rng.random() < 0.85, unanswerable)
        )
    return rows


def test_fit_learns_the_signal_and_keeps_the_right_answers() -> None:
    calibration = fit(examples(), "test-model")
    assert 0 <= calibration.threshold < 1
    sure = calibration.right_chance({"support": 0.9, "refuse": 0.0, "similarity": 0.85})
    doubtful = calibration.right_chance({"support": 0.1, "refuse": 0.0, "similarity": 0.85})
    assert sure > 0.5 > doubtful and sure >= calibration.threshold
    figures = calibration.fitted_on
    assert figures["questions"] == 120
    # Out of fold, the decision refuses unanswerable questions and costs at most 2 % of the
    # answerable ones their right answer.
    kept, right_off = (
        figures["answerable right kept at the threshold, out of fold"],
        figures["answered right with the decision off"],
    )
    assert kept >= right_off - MAX_ANSWERABLE_LOSS * figures["answerable"]
    assert (
        figures["overall right, out of fold, at the threshold"]
        > figures["overall right with the decision off"]
    )


def test_the_cut_is_the_best_that_keeps_the_right_answers() -> None:
    right = [Example("a", {}, True, False) for _ in range(100)]
    unanswerable = [Example("b", {}, False, True) for _ in range(50)]
    # Chances: the right answers spread over 0.10-0.99, the unanswerable ones over 0.00-0.20.
    chances = [0.1 + 0.89 * n / 99 for n in range(100)] + [0.004 * n for n in range(50)]
    # Cutting at 0.2 would refuse all 50 and cost 12 right answers; 2 may go (2 % of 100):
    # at 0.11, 2 go and 28 are refused (at 0.10: none go, 25 are refused).
    assert chosen_threshold([*right, *unanswerable], chances) == 0.11


# A regression whose chance is the sigmoid of `similarity` alone.
SIGMOID = Calibration("m", FEATURES, (0.0,) * 4, (1.0,) * 4, (1.0, 0.0, 0.0, 0.0), 0.0, 0.5)


def run_row(chance: float, unanswerable: bool, product_right: bool, naive_right: bool) -> dict:
    """A benchmark row, product beside naive RAG, whose answer the decision gives `chance`."""
    product = {"signals": {"similarity": math.log(chance / (1 - chance))}, "refused": False}
    product |= {"answer": "x", "draft": "x", "cited": product_right}
    return {
        "id": "invented",
        "title": "a",
        "corpus": "c",
        "unanswerable": unanswerable,
        "product": product,
        "naive": {"right": naive_right},
    }


def test_the_cut_against_naive_rag_keeps_the_floor() -> None:
    # 100 answerable questions both get right, the product's at chances 0.055, 0.064, ...;
    # 10 more naive RAG alone gets right; 40 unanswerable ones at 0.002, 0.0045, ... that
    # naive RAG answers.
    rows = [run_row(0.055 + 0.009 * n, False, True, True) for n in range(100)]
    rows += [run_row(0.9, False, False, True) for _ in range(10)]
    rows += [run_row(0.002 + 0.0025 * n, True, False, False) for n in range(40)]
    cut, figures = cut_against_naive(rows, SIGMOID)
    # Naive RAG: 110 of 110; the product 100 with the decision off, already 9.1 points below:
    # no cut keeps the floor, so the decision is off.
    assert (cut, figures["naive RAG: answerable right"]) == (0.0, 110)
    # Now naive RAG misses the 10 too: 100 of 110, and the floor (3 points of 110, 3.3
    # questions) lets 3 of the product's right answers go: the cut 0.08 (0.055 to 0.073 go).
    for row in rows[100:110]:
        row["naive"]["right"] = False
    cut, figures = cut_against_naive(rows, SIGMOID)
    assert cut == 0.08 and figures["answerable right kept at the cut"] == 97
    assert figures["unanswerable refused at the cut"] == 32 and figures["overall right at the cut"] == 129


def test_saved_and_loaded_alike(tmp_path) -> None:
    calibration = fit(examples(), "qwen-test")
    calibration.save(calibration_path(tmp_path, "qwen-test"))
    loaded = load_calibration(tmp_path, "qwen-test")
    assert loaded == calibration
    assert load_calibration(tmp_path, "another-model") is None


def test_a_file_fitted_on_other_signals_is_refused(tmp_path) -> None:
    data = {**json.loads(json.dumps(fit(examples(), "m").__dict__, default=list)), "features": ["refuse"]}
    calibration_path(tmp_path, "m").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="calibrate"):
        load_calibration(tmp_path, "m")


@pytest.mark.parametrize("model", ["qwen2.5-1.5b", "qwen2.5-0.5b"])
def test_each_shipped_model_has_its_file(model: str) -> None:
    calibration = load_calibration(PROJECT_ROOT / "calibration", model)
    assert isinstance(calibration, Calibration) and calibration.features == FEATURES
    assert calibration.model == model and calibration.fitted_on["questions"] >= 100
    if calibration.second_reading_sentences:  # chosen on the tune half, with its figures
        assert any(name.startswith(SECOND_READING_FIGURES) for name in calibration.fitted_on)


def test_calibrate_command_fits_from_a_run(tmp_path, monkeypatch, capsys) -> None:
    rows = []
    for i, example in enumerate(examples(60)):
        product = {
            "signals": example.signals,
            "cited": example.answered_right,
            "refused": False,
            "answer": "x",
            "draft": "x",
        }
        rows.append(
            {
                "split": "tune",
                "title": example.group,
                "corpus": "c",
                "unanswerable": example.unanswerable,
                "id": str(i),
                "product": product,
            }
        )
    dump = tmp_path / "rows.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("RAG_CALIBRATION_DIR", str(tmp_path / "calibration"))
    # The second reading's N, chosen with the model, outlives a refit with its figures.
    chosen = {"second reading: N -> figures": {"3": [3, 0, 5]}, "questions": 1}
    before = dataclasses.replace(SIGMOID, model="qwen2.5-1.5b", fitted_on=chosen, second_reading_sentences=3)
    before.save(calibration_path(tmp_path / "calibration", "qwen2.5-1.5b"))
    assert app.main(["calibrate", "--from", str(dump)]) == 0
    written = load_calibration(tmp_path / "calibration", "qwen2.5-1.5b")
    assert written is not None and written.fitted_on["questions"] == 60
    assert written.weights != before.weights and written.second_reading_sentences == 3
    assert written.fitted_on["second reading: N -> figures"] == {"3": [3, 0, 5]}
    assert "threshold" in capsys.readouterr().out
    # A file fitted on other signals is refitted, nothing of it kept.
    stale = json.loads(calibration_path(tmp_path / "calibration", "qwen2.5-1.5b").read_text())
    stale["features"] = ["a", "b", "c", "d"]
    calibration_path(tmp_path / "calibration", "qwen2.5-1.5b").write_text(json.dumps(stale))
    assert app.main(["calibrate", "--from", str(dump)]) == 0
    refitted = load_calibration(tmp_path / "calibration", "qwen2.5-1.5b")
    assert refitted.features == FEATURES and refitted.second_reading_sentences == 0


@pytest.mark.model
def test_the_real_pipeline_asks_its_calibration(real_pipeline) -> None:
    assert real_pipeline.decision_status().startswith("learned for qwen2.5-1.5b")
    shipped = real_pipeline.calibration
    question = "Hoeveel had Amazon eerder aan Anthropic toegezegd?"
    try:
        real_pipeline.calibration = dataclasses.replace(shipped, threshold=1.0)  # refuse all
        refused = real_pipeline.answer(question)
        real_pipeline.calibration = dataclasses.replace(shipped, threshold=0.0)  # refuse none
        answered = real_pipeline.answer(question)
    finally:
        real_pipeline.calibration = shipped
    assert refused.refused and refused.reason.startswith("learned: P(right)")
    assert not answered.refused and "8 miljard" in answered.answer


@pytest.mark.model
def test_calibrate_answers_a_tiny_benchmark_and_writes_the_file(tmp_path, monkeypatch) -> None:
    mini = PROJECT_ROOT / "tests" / "data" / "benchmark-mini"
    monkeypatch.setenv("RAG_CALIBRATION_DIR", str(tmp_path))
    assert app.main(["calibrate", "--benchmark", str(mini)]) == 0
    written = load_calibration(tmp_path, "qwen2.5-1.5b")
    assert written is not None and 8 <= written.fitted_on["questions"] <= 10


def test_calibrate_command_cuts_against_naive_rag(tmp_path, monkeypatch, capsys) -> None:
    rows = [run_row(0.055 + 0.009 * n, False, True, True) for n in range(100)]
    rows += [run_row(0.9, False, False, False) for _ in range(10)]
    rows += [run_row(0.002 + 0.0025 * n, True, False, False) for n in range(40)]
    dump = tmp_path / "report.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("RAG_CALIBRATION_DIR", str(tmp_path / "calibration"))
    fitted = dataclasses.replace(SIGMOID, model="qwen2.5-1.5b", fitted_on={"questions": 683})
    fitted.save(calibration_path(tmp_path / "calibration", "qwen2.5-1.5b"))
    assert app.main(["calibrate", "--cut-from", str(dump)]) == 0
    written = load_calibration(tmp_path / "calibration", "qwen2.5-1.5b")
    assert written.threshold == 0.08 and written.weights == fitted.weights  # only the cut moved
    assert written.fitted_on["questions"] == 683
    assert (
        written.fitted_on["cut chosen against naive RAG on report.jsonl"]["overall right at the cut"] == 129
    )
    assert "threshold 0.08" in capsys.readouterr().out
