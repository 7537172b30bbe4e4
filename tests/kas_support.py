"""Starting and steering the local all-inkl.com KAS fake (tests/fakes/kas_server.py) from tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import start_fake_server

# the fake's own account; the real ones are in the customer's KAS
LOGIN = "w0123456"
PASSWORD = "kas-test-password"  # the fake's test password
AUTH_PATH = "/soap/KasAuth.php"
API_PATH = "/soap/KasApi.php"


def mailaccount(n: int, **changes: Any) -> dict[str, Any]:
    """A mailbox fixture for PUT /_fake/mailaccounts: mail_login m0000nnn, one address
    postfach<n>@freshfoodz.example, 10*n of 1000 MB used, active."""
    return {
        "mail_login": f"m{n:07d}",
        "addresses": [f"postfach{n}@freshfoodz.example"],
        "used_mb": 10 * n,
        "quota_mb": 1000,
        "active": True,
        **changes,
    }


@dataclass
class FakeKas:
    url: str
    process: subprocess.Popen[bytes]
    login: str = LOGIN
    password: str = PASSWORD
    _started_as: tuple[str, str] = field(default=("", ""), repr=False)

    def __post_init__(self) -> None:
        self._started_as = (self.login, self.password)

    def control(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = httpx.request(method, f"{self.url}/_fake/{path}", json=body, timeout=10)
        response.raise_for_status()
        answer: dict[str, Any] = response.json()
        return answer

    def mailaccounts(self, items: list[dict[str, Any]]) -> None:
        """Replace the mailboxes (see mailaccount())."""
        self.control("PUT", "mailaccounts", {"mailaccounts": items})

    def resources(self, values: dict[str, dict[str, Any]]) -> None:
        """Replace the resources: {"max_webspace": {"max": 50000, "used": 2000}, ...}."""
        self.control("PUT", "resources", {"resources": values})

    def config(self, **values: Any) -> None:
        """flood_delay, locked, session_fault, login, password (any subset)."""
        self.control("POST", "config", values)
        self.login = values.get("login", self.login)
        self.password = values.get("password", self.password)

    def faults(self, *faults: dict[str, Any]) -> None:
        self.control("POST", "faults", {"faults": list(faults)})

    def expire_sessions(self) -> int:
        return int(self.control("POST", "expire_sessions")["expired"])

    def requests(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.control("GET", "requests")["requests"]
        return found

    def sessions_issued(self) -> int:
        return int(self.control("GET", "requests")["sessions_issued"])

    def forget(self) -> None:
        """Forget the request log, the faults and the session count (not sessions, mailboxes,
        resources, config or flood times)."""
        self.control("DELETE", "requests")

    def reset(self) -> None:
        """Everything back to how the process started."""
        self.control("POST", "reset")
        self.login, self.password = self._started_as

    def env(self, **extra: str) -> dict[str, str]:
        """The service's and worker's variables for this fake; the client appends
        /soap/KasAuth.php and /soap/KasApi.php to KAS_BASE_URL."""
        return {
            "KAS_BASE_URL": self.url,
            "KAS_LOGIN": self.login,
            "KAS_PASSWORD": self.password,
            **extra,
        }


def start_fake_kas(
    log_dir: Path, *extra_args: str, login: str = LOGIN, password: str = PASSWORD
) -> FakeKas:
    """Start the fake on a free loopback port; extra_args e.g. "--demo", "--flood-delay", "0"."""
    url, process = start_fake_server(
        "kas", log_dir, "--login", login, "--password", password, *extra_args
    )
    return FakeKas(url, process, login=login, password=password)


@pytest.fixture
def kas(tmp_path: Path) -> Iterator[FakeKas]:
    """A fake KAS with the default login and password, no mailboxes, flood delay 0.5 s."""
    fake = start_fake_kas(tmp_path)
    yield fake
    fake.process.terminate()
    fake.process.wait(10)
