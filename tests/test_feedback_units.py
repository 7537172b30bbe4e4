"""The pure parts of the feedback endpoint: token shape, the sliding-window limiter, the client
address behind proxies. (Everything that touches the database is tested in test_feedback.py.)"""

from __future__ import annotations

import hashlib
import secrets

from litestar import Request
from litestar.datastructures import State

from api.feedback.client import client_ip
from api.feedback.ratelimit import SlidingWindowLimiter
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


def test_a_full_limiter_forgets_idle_keys_but_never_a_counting_one() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(1, window=60, clock=lambda: now[0], max_keys=2)
    assert limiter.hit("a") == 0
    assert limiter.hit("b") == 0
    assert limiter.hit("c") == 60  # both budgets still count: no room, refused
    assert limiter.hit("a") > 0  # and "a" was not forgotten
    now[0] = 61.0
    assert limiter.hit("c") == 0  # idle keys make room
    assert limiter.hit("c") > 0


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
