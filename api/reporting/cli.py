"""`freshplan analyst create|drop`: analyst logins for the reporting schema (SPEC 9).

    freshplan analyst create --tenant freshfoodz --name ana_mueller
    freshplan analyst drop --name ana_mueller

`create` makes a database login in reporting_reader bound to one tenant (app.analysts), whose
sessions start read-only with statement_timeout = reporting.maxQuerySeconds, and prints its
password once: only a SCRAM-SHA-256 verifier of it is sent to the server, so the plain text is in
no server log and nowhere else. `drop` removes the login and ends its sessions. Both need the
migration role's connection (FRESHPLAN_ADMIN_DATABASE_URL; locally the cluster's socket).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import secrets
import sys
from typing import Any

import psycopg

from api.core.settings import SettingsError, load_settings

SCRAM_ITERATIONS = 4096  # what PostgreSQL 15 uses for its own verifiers


def scram_verifier(password: str, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 7677, as `\\password`
    computes it), so that the password itself never travels."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, SCRAM_ITERATIONS)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode()

    return f"SCRAM-SHA-256${SCRAM_ITERATIONS}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def register(commands: Any) -> None:
    analyst = commands.add_parser("analyst", help="create or drop an analyst login")
    actions = analyst.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="a login bound to one tenant; prints its password")
    create.add_argument("--tenant", required=True, help="the tenant's slug")
    create.add_argument("--name", required=True, help="the login: 3-40 of a-z, 0-9, _")
    drop = actions.add_parser("drop", help="remove a login and end its sessions")
    drop.add_argument("--name", required=True)
    analyst.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"freshplan analyst: {exc}", file=sys.stderr)
        return 2
    if not settings.database.admin_url:
        print(
            "freshplan analyst: set FRESHPLAN_ADMIN_DATABASE_URL (the migration role)",
            file=sys.stderr,
        )
        return 2
    try:
        with psycopg.connect(
            settings.database.admin_url, connect_timeout=5, autocommit=True
        ) as conn:
            if args.action == "create":
                return _create(conn, args.tenant, args.name)
            return _drop(conn, args.name)
    except psycopg.OperationalError as exc:
        print(f"freshplan analyst: cannot connect: {exc}", file=sys.stderr)
        return 1


def _create(conn: psycopg.Connection[Any], tenant: str, name: str) -> int:
    password = secrets.token_urlsafe(24)
    try:
        conn.execute(
            "select app_private.create_analyst(%s, %s, %s)",
            [name, tenant, scram_verifier(password)],
        )
    except (
        psycopg.errors.InvalidParameterValue,
        psycopg.errors.DuplicateObject,
        psycopg.errors.ReservedName,
    ) as exc:
        print(f"freshplan analyst: {exc.diag.message_primary}", file=sys.stderr)
        return 1
    print(f"analyst {name} created for tenant {tenant}; its password (shown only now):")
    print(password)
    return 0


def _drop(conn: psycopg.Connection[Any], name: str) -> int:
    row = conn.execute("select app_private.drop_analyst(%s)", [name]).fetchone()
    if not row or not row[0]:
        print(f"freshplan analyst: no analyst {name}", file=sys.stderr)
        return 1
    print(f"analyst {name} dropped")
    return 0
