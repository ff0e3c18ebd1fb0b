"""The best-first search over token paths that points at a sentence, with invented
probabilities (no model)."""

import numpy as np

from rag.llama_chat import likeliest_paths

# Labels "1]", "2]" and "12]" as token paths over a tiny vocabulary: 1, 2 and "]" (0).
ONE, TWO, TWELVE = (1, 0), (2, 0), (1, 2, 0)
NEXT = {
    (): [0.0, 0.7, 0.3],  # "1" before "2"
    (1,): [0.4, 0.0, 0.6],  # after "1": "]" (label 1) or "2" (label 12)
    (1, 2): [1.0, 0.0, 0.0],
    (2,): [1.0, 0.0, 0.0],
}


def next_token(done: tuple[int, ...]) -> np.ndarray:
    return np.array(NEXT[done])


def test_the_likeliest_path_wins_without_weights() -> None:
    [best] = likeliest_paths([ONE, TWO, TWELVE], next_token)
    assert best.index == 2 and abs(best.probability - 0.42) < 1e-9  # 0.7 x 0.6


def test_weights_move_the_choice_and_the_models_own_probability_is_reported() -> None:
    [best] = likeliest_paths([ONE, TWO, TWELVE], next_token, weights=[0.1, 1.0, 0.5])
    assert best.index == 1 and abs(best.probability - 0.3) < 1e-9  # 0.3 x 1.0 beats 0.42 x 0.5
    assert abs(best.score - 0.3) < 1e-9


def test_branches_that_cannot_win_are_not_followed() -> None:
    asked: list[tuple[int, ...]] = []

    def counting(done: tuple[int, ...]) -> np.ndarray:
        asked.append(done)
        return next_token(done)

    likeliest_paths([ONE, TWO, TWELVE], counting, weights=[0.01, 1.0, 0.01])
    assert (1, 2) not in asked  # label 12 can reach at most 0.7 x 0.01 < 0.3


def test_no_path_means_no_choice() -> None:
    assert likeliest_paths([], next_token) == []


def test_the_runners_up_come_in_order() -> None:
    ranked = likeliest_paths([ONE, TWO, TWELVE], next_token, count=2)
    assert [c.index for c in ranked] == [2, 1]  # 0.42, then 0.3 (label 1: 0.7 x 0.4 = 0.28)
    assert [c.index for c in likeliest_paths([ONE, TWO, TWELVE], next_token, count=5)] == [2, 1, 0]


def test_the_runner_up_is_searched_for_only_as_far_as_it_can_place() -> None:
    asked: list[tuple[int, ...]] = []

    def counting(done: tuple[int, ...]) -> np.ndarray:
        asked.append(done)
        return next_token(done)

    # Label 12 can reach 0.7 x 0.01: below both others, so its last step is never taken.
    ranked = likeliest_paths([ONE, TWO, TWELVE], counting, weights=[1.0, 1.0, 0.01], count=2)
    assert [c.index for c in ranked] == [1, 0] and (1, 2) not in asked
