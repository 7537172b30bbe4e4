"""Request budgets per key (client IP, token) over a sliding one-minute window, in memory.

Each process counts for itself: with several service processes behind a balancer the effective
limit is a multiple (see docs/decisions.md). The clock is injectable so tests need no sleeping.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_SECONDS = 60.0


class SlidingWindowLimiter:
    """At most `limit` hits per key in any `window` seconds, for at most `max_keys` keys at once."""

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def hit(self, key: str) -> int:
        """Counts a request. Returns 0 when allowed, else the seconds to wait (Retry-After)."""
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys and not self._forget_idle(now):
                # full of keys still counting: refusing is safer than forgetting a budget
                return max(1, math.ceil(self.window))
            hits = self._hits[key] = deque()
        else:
            self._hits.move_to_end(key)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return max(1, math.ceil(hits[0] + self.window - now))
        hits.append(now)
        return 0

    def _forget_idle(self, now: float) -> bool:
        """Drops keys without hits in the window (least recently seen first); True if any went."""
        idle = [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]
        for key in idle:
            del self._hits[key]
        return bool(idle)
