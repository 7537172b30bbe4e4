"""Request budgets per key (client IP, token) over a sliding one-minute window, in memory.

Each process counts for itself: with several service processes behind a balancer the effective
limit is a multiple (see docs/decisions.md). The clock is injectable so tests need no sleeping.

Every hit costs a bounded number of steps, however many keys are known: the keys sit in an
OrderedDict in the order they were last seen, each with a deque of its counted hits (at most
`limit` of them). A hit moves its key to the recent end, drops its hits older than the window,
and forgets at most IDLE_KEYS_PER_HIT keys from the old end whose window has passed. When
`max_keys` keys are known, a new key makes room by forgetting the least recently seen one, so
under a flood of new keys the limiter degrades by forgetting old budgets, never by refusing
newcomers; a key that keeps sending stays at the recent end and stays limited.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0
# Idle keys forgotten per hit: more than the one key a hit may add, so idle keys drain.
IDLE_KEYS_PER_HIT = 2


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds, for at most `max_keys` keys at once."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if limit < 1 or max_keys < 1:
            raise ValueError("limit and max_keys must be at least 1")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        # least recently seen first; each key's counted hits, oldest first
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> int:
        """Counts a request. Returns 0 when allowed, else the seconds to wait (Retry-After)."""
        now = self.clock()
        horizon = now - self.window
        self._forget_idle(horizon)
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                # full: forget the least recently seen key rather than refuse a newcomer
                self._hits.popitem(last=False)
            hits = self._hits[key] = deque()
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= horizon:  # at most `limit` entries, each dropped once
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return 0

    def __len__(self) -> int:
        """How many keys are known (at most max_keys)."""
        return len(self._hits)

    def __contains__(self, key: object) -> bool:
        return key in self._hits

    def _forget_idle(self, horizon: float) -> None:
        """Forgets up to IDLE_KEYS_PER_HIT keys at the old end with no hit after `horizon`."""
        for _ in range(IDLE_KEYS_PER_HIT):
            if not self._hits:
                return
            oldest = next(iter(self._hits.values()))
            if oldest and oldest[-1] > horizon:
                return
            self._hits.popitem(last=False)
