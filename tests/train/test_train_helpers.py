"""The waiting helper the training tests use instead of fixed sleeps."""

import pytest

from .train_helpers import wait_until


def test_wait_until_returns_the_first_true_answer_as_soon_as_it_comes():
    answers = iter([None, 0, "ready", "later"])
    calls = []

    def predicate():
        calls.append(1)
        return next(answers)

    assert wait_until(predicate, timeout=60) == "ready"
    assert len(calls) == 3, "no look after the condition held"


def test_wait_until_names_what_never_happened():
    calls = []
    with pytest.raises(AssertionError, match="the first batch did not happen within 0 s"):
        wait_until(lambda: calls.append(1), timeout=0, what="the first batch")
    assert calls == [1], "the condition is looked at once even with no time to wait"
