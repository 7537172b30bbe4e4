"""A circuit breaker per AI provider (the rule SPEC 7.4 names) and per connector (SPEC 8.5).

Closed: calls pass; it opens when at least half of at least 5 calls in the last 60 s failed
(outages only: 5xx, 529, timeouts, broken connections; never a 4xx, which is our bug, and never a
429, which only means "slow down"). Open: calls are refused at once, so the router falls back
without waiting on a dead provider and a connector fails fast. After the cool-down (30 s,
doubling with every failed trial up to ai.routing.demotion.cooldown for AI providers, 30 min for
connectors) one trial call is let through (half-open): success closes the breaker and resets the
cool-down, failure opens it again.

The `circuitbreaker` package counts consecutive failures with a fixed recovery time, which is
not this rule (docs/decisions.md), so this small class implements it. One per process and
provider or connector: every process judges the other side by what it saw itself.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import Literal

WINDOW_SECONDS = 60.0
MIN_CALLS = 5
FAILURE_SHARE = 0.5
FIRST_COOLDOWN_SECONDS = 30.0

State = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    def __init__(
        self,
        max_cooldown_seconds: float = 1800.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_cooldown_seconds = max_cooldown_seconds
        self._clock = clock
        self._calls: deque[tuple[float, bool]] = deque()  # (when, failed) within the window
        self._opened_at: float | None = None
        self._cooldown = FIRST_COOLDOWN_SECONDS
        self._trial_running = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self._cooldown:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May a call go out now? In half-open, only one trial at a time."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_running:
            self._trial_running = True
            return True
        return False

    def record_success(self) -> None:
        if self._opened_at is not None:
            if not self._trial_running:
                return  # a call from before the breaker opened says nothing new
            # the trial succeeded: close
            self._opened_at = None
            self._cooldown = FIRST_COOLDOWN_SECONDS
            self._trial_running = False
            self._calls.clear()
            return
        self._add(failed=False)

    def record_failure(self) -> None:
        if self._opened_at is not None:
            if not self._trial_running:
                return  # a call from before the breaker opened: already counted as an outage
            # the trial failed: open again, wait twice as long
            self._opened_at = self._clock()
            self._cooldown = min(self._cooldown * 2, self.max_cooldown_seconds)
            self._trial_running = False
            return
        self._add(failed=True)
        failures = sum(1 for _, failed in self._calls if failed)
        if len(self._calls) >= MIN_CALLS and failures >= FAILURE_SHARE * len(self._calls):
            self._opened_at = self._clock()

    def record_neutral(self) -> None:
        """A call that says nothing about the provider's health (a 4xx, a 429) ends a trial."""
        self._trial_running = False

    def _add(self, *, failed: bool) -> None:
        now = self._clock()
        self._calls.append((now, failed))
        while self._calls and self._calls[0][0] <= now - WINDOW_SECONDS:
            self._calls.popleft()
