"""`freshplan analyst create|drop|watchdog`: analyst logins for the reporting schema (SPEC 9).

    freshplan analyst create --tenant freshfoodz --name ana_mueller
    freshplan analyst drop --name ana_mueller
    freshplan analyst watchdog --database-url "host=/tmp port=54330 dbname=freshplan user=migrator"

`create` makes a database login in reporting_reader bound to one tenant (app.analysts), whose
sessions start read-only with statement_timeout = reporting.maxQuerySeconds, and prints its
password once: only a SCRAM-SHA-256 verifier of it is sent to the server, so the plain text is in
no server log and nowhere else. `drop` removes the login and ends its sessions. Both need the
migration role's connection (FRESHPLAN_ADMIN_DATABASE_URL; locally the cluster's socket).

`watchdog` is the analysts' watchdog for a streaming replica, where pg_cron does not run: every
`--interval` seconds (60, as the primary's pg_cron job) it ends the analyst sessions over
reporting.maxQuerySeconds, with an open transaction as long, or holding an advisory lock
(app_private.end_overrunning_analyst_sessions, which writes nothing, so a hot standby runs it),
and logs one line per session ended. It connects as the migration role, which owns that function
and is a member of every analyst login, so it may end their sessions; the logins' defaults are
set again by the primary's job and reach the replica with the WAL.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import logging
import secrets
import signal
import sys
import threading
import time
from typing import Any

import psycopg

from api.core.logs import configure_logging
from api.core.settings import SettingsError, load_settings

SCRAM_ITERATIONS = 4096  # what PostgreSQL 15 uses for its own verifiers
MAX_INTERVAL_SECONDS = 3600  # reporting.maxQuerySeconds' own maximum

log = logging.getLogger("freshplan.analyst_watchdog")


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
    watchdog = actions.add_parser(
        "watchdog", help="end analyst sessions over their limit on a replica, every minute"
    )
    # required, not FRESHPLAN_ADMIN_DATABASE_URL by default: that is the primary's, which its own
    # pg_cron job watches already; a replica's watchdog must name the replica
    watchdog.add_argument(
        "--database-url",
        required=True,
        help="the replica's database, as the migration role (libpq URL or key=value string)",
    )
    watchdog.add_argument(
        "--interval", type=_interval, default=60, help="seconds between runs (default 60)"
    )
    watchdog.add_argument("--once", action="store_true", help="run once and exit")
    analyst.set_defaults(run=run)


def _interval(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not 1 <= seconds <= MAX_INTERVAL_SECONDS:
        raise argparse.ArgumentTypeError(
            f"invalid interval {text!r}: 1 to {MAX_INTERVAL_SECONDS} seconds"
        )
    return seconds


def run(args: argparse.Namespace) -> int:
    if args.action == "watchdog":  # needs no settings: it is handed its database
        return watch(args.database_url, args.interval, once=args.once)
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


def watch(url: str, interval: float, *, once: bool) -> int:
    """Run the watchdog every `interval` seconds until SIGINT or SIGTERM (or once). A run that
    cannot reach the database is logged and retried at the next tick: the replica may be
    restarting, and a watchdog that gave up would leave analysts unwatched."""
    configure_logging("INFO")
    stop = threading.Event()
    if not once:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    conn: psycopg.Connection[Any] | None = None
    try:
        while True:
            started = time.monotonic()
            try:
                if conn is None or conn.closed:
                    conn = _watchdog_connection(url)
                _end_overrunning(conn)
            except psycopg.OperationalError as exc:
                log.warning("analyst_watchdog_unreachable", extra={"error": str(exc).strip()})
                if conn is not None:
                    conn.close()
                    conn = None
                if once:
                    return 1
            except (psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedFunction) as exc:
                # the wrong role, or a database without the migrations: retrying will not help
                refused = exc.diag.message_primary
                break
            if once or stop.wait(max(0.0, interval - (time.monotonic() - started))):
                return 0
    finally:
        if conn is not None:
            conn.close()
    log.error("analyst_watchdog_refused", extra={"error": refused})
    return 2


def _watchdog_connection(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(
        url, autocommit=True, connect_timeout=5, application_name="freshplan-analyst-watchdog"
    )
    # a run that hangs (a lock, a stuck catalog read) must not delay the next one for long
    conn.execute("set statement_timeout = '30s'")
    row = conn.execute("select pg_is_in_recovery()").fetchone()
    standby = bool(row and row[0])
    log.info("analyst_watchdog_connected", extra={"standby": standby})
    if not standby:
        log.warning(
            "analyst_watchdog_on_a_primary",
            extra={"hint": "its pg_cron job analyst_watchdog watches it already"},
        )
    return conn


def _end_overrunning(conn: psycopg.Connection[Any]) -> int:
    rows = conn.execute(
        "select pid, analyst, reason, since"
        " from app_private.end_overrunning_analyst_sessions() order by pid"
    ).fetchall()
    for pid, analyst, reason, since in rows:
        log.info(
            "analyst_session_ended",
            extra={"analyst": analyst, "pid": pid, "reason": reason, "since": since},
        )
    return len(rows)
