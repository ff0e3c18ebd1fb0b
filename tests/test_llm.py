"""The model's gate: one caller at a time, in the order they came, and a caller that
goes away leaves the queue. Plain threads, no model."""

import threading
import time

import pytest

from rag.errors import BusyError, Cancelled
from rag.llm import ModelGate


def _wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        time.sleep(0.01)
    assert condition()


def test_callers_get_the_model_in_the_order_they_came() -> None:
    gate = ModelGate(queue_size=16)
    served: list[int] = []

    def ask(number: int) -> None:
        with gate.turn():
            served.append(number)
            time.sleep(0.15)  # longer than a waiter's poll: a plain lock's order is lost here

    threads = []
    with gate.turn():  # the model is busy while eight callers line up, one by one
        for number in range(8):
            thread = threading.Thread(target=ask, args=(number,))
            thread.start()
            threads.append(thread)
            _wait_until(lambda n=number: gate.occupied == n + 2)
        time.sleep(0.3)
    for thread in threads:
        thread.join(timeout=10)
    assert served == list(range(8))
    assert gate.occupied == 0


def test_a_caller_that_goes_away_leaves_the_queue_and_the_next_goes_on() -> None:
    gate = ModelGate(queue_size=16)
    gone = threading.Event()
    outcome: dict[str, object] = {}

    def leaver() -> None:
        try:
            with gate.turn(cancelled=gone):
                outcome["leaver"] = "served"
        except Cancelled:
            outcome["leaver"] = "left"

    def stayer() -> None:
        with gate.turn():
            outcome["stayer"] = "served"

    with gate.turn():
        first = threading.Thread(target=leaver)
        first.start()
        _wait_until(lambda: gate.occupied == 2)
        second = threading.Thread(target=stayer)
        second.start()
        _wait_until(lambda: gate.occupied == 3)
        gone.set()
        first.join(timeout=5)
        assert outcome == {"leaver": "left"} and gate.occupied == 2
    second.join(timeout=5)
    assert outcome == {"leaver": "left", "stayer": "served"} and gate.occupied == 0


def test_a_full_queue_turns_the_next_caller_away() -> None:
    gate = ModelGate(queue_size=0)
    with gate.turn():
        with pytest.raises(BusyError):
            gate.check_room()
        with pytest.raises(BusyError), gate.turn():
            pass
    with gate.turn():
        pass  # free again
