"""How the ai.classify_mail handler reads the router's answers (jobs/classify.py): which ones are a
result, which a task for the owner, which worth another attempt. The whole path runs against the
real service in tests/test_mail_classification.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from jobs.classify import outcome_of
from jobs.runner import TemporaryJobError


def answer(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_an_answer_is_carried_over_as_it_came() -> None:
    outcome = outcome_of(
        answer(200, {
            "call_id": "c1", "confidence": 0.91,
            "result": {"label": "ORDER", "injection_suspected": False},
        })
    )  # fmt: skip
    assert outcome == {
        "label": "ORDER", "confidence": 0.91, "injection_suspected": False, "call_id": "c1",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (402, {"code": "FP1002"}, "budget_exhausted"),
        (503, {"code": "FP1007"}, "ai_not_configured"),
        (422, {"code": "FP1008"}, "ai_refused"),
        (403, {"code": "FP103"}, "ai_refused"),
        (200, {"result": "nonsense"}, "ai_refused"),
    ],
)
def test_answers_that_another_attempt_cannot_change_become_a_task(
    status: int, body: Any, error: str
) -> None:
    assert outcome_of(answer(status, body)) == {"error": error}


@pytest.mark.parametrize(
    ("status", "code"), [(503, "FP1004"), (429, "FP1005"), (500, "FP500"), (401, "FP101")]
)
def test_an_unavailable_router_is_tried_again(status: int, code: str) -> None:
    with pytest.raises(TemporaryJobError):
        outcome_of(answer(status, {"code": code}))
