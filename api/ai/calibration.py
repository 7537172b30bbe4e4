"""Calibration of a small model's confidence (SPEC 7.5): isotonic map, error, cascade report.

A model's verbalised confidence is overconfident and differs per model and prompt, so the router
compares the threshold with P(small answer correct) instead: a non-decreasing map fitted by
pool-adjacent-violators on a labelled set. `cascade_report` judges what the map does at a
threshold: how many calls stay on the small model and how accurate the cascade is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class IsotonicMap:
    """Breakpoints of a non-decreasing step map from raw confidence to probability.

    `x[i]` is the highest raw score of block i and `y[i]` its share of correct answers. A score
    maps to the value of the first block whose upper end it does not exceed (a step, not an
    interpolation: between two blocks there is no evidence for anything in between, and a step
    never promises more than the block that holds the score); above the last block, the last value.
    """

    x: tuple[float, ...]
    y: tuple[float, ...]

    def apply(self, score: float) -> float:
        for upper, value in zip(self.x, self.y, strict=True):
            if score <= upper:
                return value
        return self.y[-1]

    def to_json(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "y": list(self.y)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IsotonicMap:
        return cls(tuple(float(v) for v in data["x"]), tuple(float(v) for v in data["y"]))


def fit_isotonic(scores: Sequence[float], correct: Sequence[bool]) -> IsotonicMap:
    """Pool adjacent violators over the points sorted by score (equal scores pooled first)."""
    if not scores or len(scores) != len(correct):
        raise ValueError("need one correctness value per score, and at least one")
    points = sorted(zip(scores, correct, strict=True))
    # blocks of [upper score, sum correct, count]
    blocks: list[list[float]] = []
    for score, ok in points:
        if blocks and blocks[-1][0] == score:
            blocks[-1][1] += float(ok)
            blocks[-1][2] += 1
        else:
            blocks.append([score, float(ok), 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            upper, hits, count = blocks.pop()
            blocks[-1] = [upper, blocks[-1][1] + hits, blocks[-1][2] + count]
    # merge equal neighbours (>= above) is done; keep strictly increasing values
    return IsotonicMap(tuple(b[0] for b in blocks), tuple(b[1] / b[2] for b in blocks))


def expected_calibration_error(
    probabilities: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Bin-size-weighted gap between mean predicted probability and accuracy (equal widths)."""
    if not probabilities:
        return 0.0
    totals = [[0.0, 0.0, 0] for _ in range(bins)]
    for p, ok in zip(probabilities, correct, strict=True):
        b = min(int(p * bins), bins - 1)
        totals[b][0] += p
        totals[b][1] += float(ok)
        totals[b][2] += 1
    n = len(probabilities)
    return sum(abs(s - h) / n for s, h, c in totals if c)


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Probability that a random positive outranks a random negative (ties count half)."""
    pos = [s for s, p in zip(scores, positive, strict=True) if p]
    neg = [s for s, p in zip(scores, positive, strict=True) if not p]
    if not pos or not neg:
        return None
    wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


@dataclass(frozen=True)
class CascadeItem:
    confidence: float  # the small model's raw confidence
    small_correct: bool
    large_correct: bool
    small_cost: float  # EUR
    large_cost: float


@dataclass(frozen=True)
class CascadeReport:
    items: int
    threshold: float
    small_accuracy: float
    large_accuracy: float
    escalation_rate: float
    small_share: float
    cascade_accuracy: float
    cost_per_item: float
    cost_per_correct: float | None
    ece_raw: float
    ece_calibrated: float
    auroc: float | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def format(self) -> str:
        def pct(value: float) -> str:
            return f"{value * 100:.1f} %"

        lines = [
            f"items (held out)        {self.items}",
            f"small accuracy          {pct(self.small_accuracy)}",
            f"large accuracy          {pct(self.large_accuracy)}",
            f"threshold               {self.threshold:.2f}",
            f"escalation rate         {pct(self.escalation_rate)}",
            f"small-model share       {pct(self.small_share)}",
            f"cascade accuracy        {pct(self.cascade_accuracy)}",
            f"ECE raw / calibrated    {self.ece_raw:.3f} / {self.ece_calibrated:.3f}",
            f"AUROC (calibrated)      {'n/a' if self.auroc is None else f'{self.auroc:.3f}'}",
            f"cost per item           {self.cost_per_item:.6f} EUR",
            "cost per correct answer "
            + ("n/a" if self.cost_per_correct is None else f"{self.cost_per_correct:.6f} EUR"),
        ]
        return "\n".join(lines)


def cascade_report(
    items: Sequence[CascadeItem], threshold: float, calibration: IsotonicMap
) -> CascadeReport:
    """What the cascade does on these items at this threshold with this map."""
    if not items:
        raise ValueError("no items to report on")
    n = len(items)
    calibrated = [calibration.apply(i.confidence) for i in items]
    escalated = [c < threshold for c in calibrated]
    correct = [
        i.large_correct if up else i.small_correct for i, up in zip(items, escalated, strict=True)
    ]
    cost = sum(
        i.small_cost + (i.large_cost if up else 0.0) for i, up in zip(items, escalated, strict=True)
    )
    hits = sum(correct)
    small_correct = [i.small_correct for i in items]
    return CascadeReport(
        items=n,
        threshold=threshold,
        small_accuracy=sum(small_correct) / n,
        large_accuracy=sum(i.large_correct for i in items) / n,
        escalation_rate=sum(escalated) / n,
        small_share=1 - sum(escalated) / n,
        cascade_accuracy=hits / n,
        cost_per_item=cost / n,
        cost_per_correct=cost / hits if hits else None,
        ece_raw=expected_calibration_error([i.confidence for i in items], small_correct),
        ece_calibrated=expected_calibration_error(calibrated, small_correct),
        auroc=auroc(calibrated, small_correct),
    )


def split(items: Sequence[T], key: Callable[[T], str]) -> tuple[list[T], list[T]]:
    """A stable 60/40 split by the SHA-256 of each item's key."""
    first: list[T] = []
    second: list[T] = []
    for item in items:
        bucket = int.from_bytes(hashlib.sha256(key(item).encode()).digest()[:4], "big") % 100
        (first if bucket < 60 else second).append(item)
    return first, second


__all__ = [
    "CascadeItem",
    "CascadeReport",
    "IsotonicMap",
    "auroc",
    "cascade_report",
    "expected_calibration_error",
    "fit_isotonic",
    "split",
]
