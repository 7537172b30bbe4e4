"""Starting and steering the local Xentral fake (tests/fakes/xentral_server.py) from tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import start_fake_server

# the fake's own token, shaped like a Xentral personal access token (id|secret)
TOKEN = "1234|fake-xentral-secret"


def product(n: int, **changes: Any) -> dict[str, Any]:
    """A product item as Xentral lists it."""
    return {
        "id": str(n),
        "number": f"SKU-{n:05d}",
        "name": f"Artikel {n}",
        "unit": {"name": "Stück"},
        "isDisabled": False,
        "isDeleted": False,
        "salesPriceNet": {"amount": f"{n % 90 + 1}.50", "currency": "EUR"},
        **changes,
    }


def customer(n: int, **changes: Any) -> dict[str, Any]:
    """A customer item as Xentral lists it (zip and city flattened, as the fake filters them)."""
    return {
        "id": str(n),
        "number": str(10000 + n),
        "name": f"Kunde {n} GmbH",
        "customerType": "company",
        "contactDetails": {"email": f"einkauf@kunde{n}.example", "phone": f"+49 30 {n:07d}"},
        "zip": f"{10000 + n:05d}",
        "city": "Berlin",
        **changes,
    }


@dataclass
class FakeXentral:
    url: str
    process: subprocess.Popen[bytes]

    def control(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = httpx.request(method, f"{self.url}/_fake/{path}", json=body, timeout=10)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def catalogue(self, items: list[Any]) -> None:
        self.control("PUT", "products", {"products": items})

    def change(self, *items: dict[str, Any]) -> None:
        self.control("PATCH", "products", {"products": list(items)})

    def remove(self, xentral_id: str) -> None:
        self.control("DELETE", f"products/{xentral_id}")

    def customers(self, items: list[Any]) -> None:
        """Replace the fake's customers."""
        self.control("PUT", "customers", {"customers": items})

    def change_customers(self, *items: dict[str, Any]) -> None:
        self.control("PATCH", "customers", {"customers": list(items)})

    def orders(self) -> list[dict[str, Any]]:
        """The sales orders the fake stored, oldest first, each with the imported `request`."""
        found: list[dict[str, Any]] = self.control("GET", "orders")["orders"]
        return found

    def order_status(self, order_id: str, status: str) -> None:
        """Move an order on as Xentral's staff would (completed, canceled, ...)."""
        self.control("POST", f"orders/{order_id}/status", {"status": status})

    def faults(self, *faults: dict[str, Any]) -> None:
        self.control("POST", "faults", {"faults": list(faults)})

    def config(self, **values: Any) -> None:
        self.control("POST", "config", values)

    def requests(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "requests")["requests"]
        return found

    def throttled(self) -> int:
        return int(self.control("GET", "requests")["throttled"])

    def forget(self) -> None:
        self.control("DELETE", "requests")

    def env(self, **extra: str) -> dict[str, str]:
        """The worker's variables for this fake."""
        return {"XENTRAL_BASE_URL": self.url, "XENTRAL_TOKEN": TOKEN, **extra}


def start_fake_xentral(log_dir: Path, rate_limit: int, rate_window: float) -> FakeXentral:
    url, process = start_fake_server(
        "xentral", log_dir,
        "--token", TOKEN, "--rate-limit", str(rate_limit), "--rate-window", str(rate_window),
    )  # fmt: skip
    return FakeXentral(url, process)


@pytest.fixture
def xentral(tmp_path: Path) -> Iterator[FakeXentral]:
    """A fake Xentral that allows 20 requests per second (the client is told the same)."""
    fake = start_fake_xentral(tmp_path, rate_limit=20, rate_window=1.0)
    yield fake
    fake.process.terminate()
    fake.process.wait(10)
