"""Analysts as the reporting tests make them (tests/test_reporting.py, tests/test_replica.py): a
login from the real `freshplan analyst create`, and a connection over TCP with the password it
printed (SCRAM), as an analyst's tool would connect, to the primary or to a replica of it."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg

from tests.conftest import Cluster, run_freshplan


def create_analyst(cluster: Cluster, dbname: str, tenant: str) -> tuple[str, str]:
    login = f"ana_{uuid.uuid4().hex[:10]}"  # roles are the cluster's: unique per test
    result = run_freshplan(
        cluster, dbname, "analyst", "create", "--tenant", tenant, "--name", login
    )
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().splitlines()[-1]
    return login, password


def connect(cluster: Cluster, dbname: str, login: str, password: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host="127.0.0.1", port=cluster.port, dbname=dbname, user=login, password=password,
        autocommit=True, connect_timeout=5,
    )  # fmt: skip
