"""The client address the rate limit counts: the socket peer, unless it is a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from litestar import Request
from litestar.datastructures import State


def client_ip(request: Request[Any, Any, State], trusted_proxies: Sequence[str]) -> str:
    """The peer address; behind trusted proxies, the right-most X-Forwarded-For hop not trusted."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies:
        return _subscriber(peer)
    networks = [ipaddress.ip_network(n) for n in trusted_proxies]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    if not trusted(peer):
        return _subscriber(peer)
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not trusted(hop):
            return _subscriber(hop)
    return _subscriber(peer)


def _subscriber(address: str) -> str:
    """An IPv6 client controls at least a /64, so that is what one client is; IPv4 as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
