"""The pure parts of the feedback endpoint: token shape, the sliding-window limiter, the client
address behind proxies. (Everything that touches the database is tested in test_feedback.py.)"""

from __future__ import annotations

import hashlib
import secrets
import sys
from collections.abc import Callable
from functools import partial
from types import FrameType

from litestar import Request
from litestar.datastructures import State

from api.core import ratelimit
from api.core.ratelimit import SlidingWindowLimiter
from api.feedback.client import client_ip
from api.feedback.tokens import token_hash


def test_only_43_base64url_characters_are_tokens() -> None:
    token = secrets.token_urlsafe(32)
    assert token_hash(token) == hashlib.sha256(token.encode()).digest()
    for bad in ("", token[:-1], token + "A", token[:-1] + "=", token[:-1] + "+", token[:-1] + "ä"):
        assert token_hash(bad) is None, bad


def test_the_limiter_allows_the_budget_per_window_and_says_how_long_to_wait() -> None:
    now = [1000.0]
    limiter = SlidingWindowLimiter(3, window=60, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("a") == 60
    assert limiter.hit("b") == 0  # every key has its own budget
    now[0] += 59.5
    assert limiter.hit("a") == 1  # the first hit leaves the window in half a second
    now[0] += 0.5
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 0
    assert limiter.hit("a") == 0
    assert limiter.hit("a") > 0


def test_idle_keys_are_forgotten_once_their_window_has_passed() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(1, window=60, clock=lambda: now[0], max_keys=1000)
    for i in range(100):
        assert limiter.hit(f"k{i}") == 0
    assert limiter.hit("k0") > 0
    assert len(limiter) == 100
    now[0] = 61.0
    assert limiter.hit("k0") == 0  # its window has passed: a fresh budget
    for _ in range(50):
        limiter.hit("fresh")
    # the keys nobody used for a minute are gone (a few per hit); k0 and "fresh" still count
    assert len(limiter) == 2
    assert "k0" in limiter
    assert "fresh" in limiter
    assert "k1" not in limiter


def test_a_full_limiter_admits_a_new_key_and_forgets_the_oldest() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(3, window=60, clock=lambda: now[0], max_keys=2000)
    assert [limiter.hit("first") for _ in range(3)] == [0, 0, 0]
    assert limiter.hit("first") > 0

    # 2000 newcomers within the same minute, every budget still counting: all are admitted
    assert [limiter.hit(f"k{i}") for i in range(2000)] == [0] * 2000

    assert len(limiter) == 2000  # bounded by max_keys
    assert "first" not in limiter  # the least recently seen key was forgotten ...
    assert "k0" in limiter
    assert "k1999" in limiter
    assert limiter.hit("first") == 0  # ... and starts again with a fresh budget
    assert "k0" not in limiter  # making room for it forgot the next oldest


def test_the_default_limiter_admits_newcomers_past_100_000_keys() -> None:
    limiter = SlidingWindowLimiter(30, clock=lambda: 5.0)  # the production key limit
    assert limiter.max_keys == 100_000
    assert all(
        limiter.hit(f"10.{i // 65536}.{i // 256 % 256}.{i % 256}") == 0 for i in range(100_500)
    )
    assert len(limiter) == 100_000
    assert "10.0.0.0" not in limiter
    assert "10.1.136.147" in limiter  # the 100 500th


def test_a_key_under_attack_stays_limited_while_new_keys_flood_in() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(5, window=60, clock=lambda: now[0], max_keys=1000)
    assert [limiter.hit("attacker") for _ in range(5)] == [0] * 5

    refused = []
    for i in range(20_000):  # twenty times the key limit in distinct newcomers
        now[0] += 0.001
        assert limiter.hit(f"new{i}") == 0
        if i % 100 == 0:
            refused.append(limiter.hit("attacker"))

    assert len(refused) == 200
    assert all(wait > 0 for wait in refused)  # every one of its requests refused
    assert len(limiter) == 1000


def _lines_run(call: Callable[[], object]) -> int:
    """How many lines of api/feedback/ratelimit.py one call executes (its cost, clock-free)."""
    count = 0
    target = ratelimit.__file__

    def local(frame: FrameType, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def calls(frame: FrameType, event: str, arg: object) -> object:
        return local if frame.f_code.co_filename == target else None

    previous = sys.gettrace()
    sys.settrace(calls)  # type: ignore[arg-type]
    try:
        call()
    finally:
        sys.settrace(previous)
    return count


def _costs(max_keys: int) -> tuple[int, int, int, float]:
    """Lines per hit in a full limiter: the worst newcomer, the worst known key, the worst
    limited key, and the mean over a minute and a half of traffic that lets keys expire."""
    now = [0.0]
    limiter = SlidingWindowLimiter(5, window=60, clock=lambda: now[0], max_keys=max_keys)
    for i in range(max_keys):
        limiter.hit(f"k{i}")
    for _ in range(6):
        limiter.hit("attacker")
    assert len(limiter) == max_keys

    newcomer = max(_lines_run(partial(limiter.hit, f"new{i}")) for i in range(50))
    known = max(_lines_run(partial(limiter.hit, f"k{max_keys - 1 - i}")) for i in range(50))
    limited = max(_lines_run(partial(limiter.hit, "attacker")) for _ in range(50))

    total = 0
    hits = 3 * max_keys
    for i in range(hits):
        now[0] += 90.0 / hits
        total += _lines_run(partial(limiter.hit, f"later{i}"))
        assert len(limiter) <= max_keys
    return newcomer, known, limited, total / hits


def test_the_cost_of_a_hit_does_not_grow_with_the_number_of_keys() -> None:
    small = _costs(500)
    large = _costs(5000)

    newcomer, known, limited, mean = large
    assert newcomer <= small[0]
    assert known <= small[1]
    assert limited <= small[2]
    assert mean <= small[3] * 1.1
    assert max(newcomer, known, limited) < 40  # a handful of steps, not a scan
    assert mean < 40


def request_from(peer: str, forwarded: str | None = None) -> Request[object, object, State]:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope = {
        "type": "http",
        "client": (peer, 5000),
        "headers": headers,
        "path": "/",
        "method": "GET",
    }
    return Request(scope)  # type: ignore[arg-type]


def test_the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() -> None:
    assert client_ip(request_from("203.0.113.7", "198.51.100.1"), ()) == "203.0.113.7"
    trusted = ("10.0.0.0/8",)
    assert client_ip(request_from("203.0.113.7", "198.51.100.1"), trusted) == "203.0.113.7"
    assert client_ip(request_from("10.1.2.3", "198.51.100.1"), trusted) == "198.51.100.1"
    # a client cannot choose its address by prepending hops: the right-most untrusted one counts
    spoofed = "192.0.2.99, 198.51.100.1, 10.9.9.9"
    assert client_ip(request_from("10.1.2.3", spoofed), trusted) == "198.51.100.1"
    assert client_ip(request_from("10.1.2.3"), trusted) == "10.1.2.3"


def test_an_ipv6_client_is_its_64_network() -> None:
    one = client_ip(request_from("2001:db8:1:2::1"), ())
    assert one == client_ip(request_from("2001:db8:1:2:ffff::9"), ()) == "2001:db8:1:2::/64"
    assert client_ip(request_from("2001:db8:1:3::1"), ()) != one
