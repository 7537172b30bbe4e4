"""Starting and steering the local Allianz Trade fake (tests/fakes/allianz_server.py) from tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import start_fake_server

# the fake's own API key and policy; the real ones come from the developer portal
API_KEY = "fake-allianz-api-key-0123456789"
POLICY_ID = "POL-123456"
BUSINESS_UNIT = "ACI"


def company(n: int, **changes: Any) -> dict[str, Any]:
    """A company fixture for PUT /_fake/companies: companyId 1000+n, a name no other n's name
    contains (so that name matching finds exactly one), VAT id DE1000000nn."""
    return {
        "companyId": str(1000 + n),
        "companyName": f"Gasthaus {n:03d} GmbH",
        "streetName": f"Hauptstraße {n}",
        "town": "Berlin",
        "postalCode": f"{10000 + n:05d}",
        "countryCode": "DE",
        "vatId": f"DE{100000000 + n}",
        "grade": "4",
        "decision": "agreed",
        **changes,
    }


@dataclass
class FakeAllianz:
    url: str
    process: subprocess.Popen[bytes]

    def control(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = httpx.request(method, f"{self.url}/_fake/{path}", json=body, timeout=10)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def companies(self, items: list[dict[str, Any]]) -> None:
        self.control("PUT", "companies", {"companies": items})

    def faults(self, *faults: dict[str, Any]) -> None:
        self.control("POST", "faults", {"faults": list(faults)})

    def config(self, **values: Any) -> None:
        self.control("POST", "config", values)

    def expire_tokens(self) -> int:
        return int(self.control("POST", "expire_tokens")["expired"])

    def requests(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "requests")["requests"]
        return found

    def tokens_issued(self) -> int:
        return int(self.control("GET", "requests")["tokens_issued"])

    def forget(self) -> None:
        """Forget the request log, the faults and the token count (not companies or jobs)."""
        self.control("DELETE", "requests")

    def reset(self) -> None:
        """Everything back to how the process started: config, companies, tokens, jobs, log."""
        self.control("POST", "reset")

    def env(self, **extra: str) -> dict[str, str]:
        """The service's and worker's variables for this fake (SPEC 8.3)."""
        return {
            "ALLIANZ_TRADE_BASE_URL": self.url,
            "ALLIANZ_TRADE_API_KEY": API_KEY,
            "ALLIANZ_TRADE_POLICY_ID": POLICY_ID,
            **extra,
        }


def start_fake_allianz(log_dir: Path, *extra_args: str) -> FakeAllianz:
    url, process = start_fake_server(
        "allianz", log_dir, "--api-key", API_KEY, "--policy-id", POLICY_ID, *extra_args
    )
    return FakeAllianz(url, process)


@pytest.fixture
def allianz(tmp_path: Path) -> Iterator[FakeAllianz]:
    """A fake Allianz Trade in the production path style, without companies."""
    fake = start_fake_allianz(tmp_path)
    yield fake
    fake.process.terminate()
    fake.process.wait(10)
