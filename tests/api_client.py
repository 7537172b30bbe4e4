"""A small client for the PostgREST API in tests: JSON calls with a bearer token."""

from __future__ import annotations

from typing import Any

import httpx


class Api:
    def __init__(self, base_url: str, token: str | None = None) -> None:
        self.base_url = base_url
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def rpc(self, name: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.post(
            f"{self.base_url}/rpc/{name}", json=body or {}, headers=self.headers(), timeout=30
        )

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(
            f"{self.base_url}/{path}", params=params, headers=self.headers(), timeout=30
        )

    def one(self, path: str, **params: str) -> dict[str, Any]:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        rows = response.json()
        assert len(rows) == 1, rows
        row: dict[str, Any] = rows[0]
        return row

    def ok(self, name: str, body: dict[str, Any] | None = None) -> Any:
        response = self.rpc(name, body)
        assert response.status_code in (200, 204), f"{name}: {response.status_code} {response.text}"
        return response.json() if response.content else None
