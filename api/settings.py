"""Configuration from environment variables, loaded once and validated at startup.

Every value has a safe local default except in production, where the JWT secret and the
database location must be given. A `.env` file in the working directory supplies values;
variables already in the environment win.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

Environment = Literal["local", "test", "production"]

# Clearly marked development secret: refused when FRESHPLAN_ENV=production.
DEV_JWT_SECRET = "freshplan-local-dev-secret-DO-NOT-USE-IN-PRODUCTION"  # noqa: S105 - public by design
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A missing or invalid configuration value; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    env: Environment
    jwt_secret: str
    database_url: str
    postgrest_url: str
    postgrest_admin_url: str
    public_base_url: str
    api_host: str
    api_port: int
    db_pool_min: int
    db_pool_max: int
    log_level: str
    data_dir: str
    jobs_database_url: str
    smtp_url: str
    smtp_ca_file: str | None
    mail_from: str
    mail_max_attempts: int
    mail_retry_base_seconds: float
    worker_poll_seconds: float
    feedback_rate_limit_ip: int
    feedback_rate_limit_token: int
    trusted_proxies: tuple[str, ...]

    def __repr__(self) -> str:  # never print the secret or the SMTP password
        return f"Settings(env={self.env!r}, database_url={self.database_url!r}, ...)"


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines (comments, blank lines and optional quotes allowed)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _int(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = env.get(key, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{key} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], key: str, default: float, low: float, high: float) -> float:
    raw = env.get(key, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{key} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{key} must be between {low} and {high}, got {value}")
    return value


def _networks(env: Mapping[str, str], key: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks (CIDR), normalised."""
    networks = []
    for item in env.get(key, "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            message = f"{key}: {item.strip()!r} is not an IP address or network"
            raise SettingsError(message) from None
    return tuple(networks)


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Build the settings from the environment (and `.env`), failing fast on bad values."""
    env: dict[str, str] = read_dotenv(dotenv or Path.cwd() / ".env")
    env.update(os.environ if environ is None else environ)

    profile = env.get("FRESHPLAN_ENV", "local")
    if profile not in ("local", "test", "production"):
        raise SettingsError(f"FRESHPLAN_ENV must be local, test or production, got {profile!r}")
    production = profile == "production"

    secret = env.get("FRESHPLAN_JWT_SECRET") or ("" if production else DEV_JWT_SECRET)
    if production and secret == DEV_JWT_SECRET:
        raise SettingsError("FRESHPLAN_JWT_SECRET: the development secret is refused in production")
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(
            f"FRESHPLAN_JWT_SECRET must have at least {MIN_SECRET_LENGTH} characters"
        )

    if production and not env.get("FRESHPLAN_DATABASE_URL"):
        raise SettingsError("FRESHPLAN_DATABASE_URL is required in production")
    pg_port = _int(env, "FRESHPLAN_PG_PORT", 54329, 1, 65535)
    local_db = (
        f"host={env.get('FRESHPLAN_PG_HOST', '/tmp')} port={pg_port} "  # noqa: S108 - socket dir
        f"dbname={env.get('FRESHPLAN_PG_DATABASE', 'freshplan')}"
    )
    database_url = env.get("FRESHPLAN_DATABASE_URL") or f"{local_db} user=svc_api"
    if production and not env.get("FRESHPLAN_JOBS_DATABASE_URL"):
        raise SettingsError("FRESHPLAN_JOBS_DATABASE_URL is required in production")
    if production and not env.get("FRESHPLAN_SMTP_URL"):
        raise SettingsError("FRESHPLAN_SMTP_URL is required in production")
    data_dir = env.get("FRESHPLAN_DATA_DIR") or str(Path.cwd() / ".data")

    postgrest_port = _int(env, "FRESHPLAN_POSTGREST_PORT", 3000, 1, 65535)
    postgrest_admin_port = _int(env, "FRESHPLAN_POSTGREST_ADMIN_PORT", 3001, 1, 65535)
    api_port = _int(env, "FRESHPLAN_API_PORT", 8000, 1, 65535)
    log_level = env.get("FRESHPLAN_LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(
            f"FRESHPLAN_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}"
        )

    return Settings(
        env=profile,  # type: ignore[arg-type]  # checked above
        jwt_secret=secret,
        database_url=database_url,
        postgrest_url=env.get("FRESHPLAN_POSTGREST_URL", f"http://127.0.0.1:{postgrest_port}"),
        postgrest_admin_url=env.get(
            "FRESHPLAN_POSTGREST_ADMIN_URL", f"http://127.0.0.1:{postgrest_admin_port}"
        ),
        public_base_url=env.get("FRESHPLAN_PUBLIC_BASE_URL", f"http://127.0.0.1:{api_port}"),
        api_host=env.get("FRESHPLAN_API_HOST", "127.0.0.1"),
        api_port=api_port,
        db_pool_min=_int(env, "FRESHPLAN_DB_POOL_MIN", 1, 0, 100),
        db_pool_max=_int(env, "FRESHPLAN_DB_POOL_MAX", 10, 1, 200),
        log_level=log_level,
        data_dir=data_dir,
        jobs_database_url=env.get("FRESHPLAN_JOBS_DATABASE_URL") or f"{local_db} user=svc_jobs",
        # Locally, mail goes to a directory of .eml files (the "mail sink").
        smtp_url=env.get("FRESHPLAN_SMTP_URL") or f"file://{data_dir}/mail",
        # An extra CA for the SMTP server's certificate (a private relay); default: system CAs.
        smtp_ca_file=env.get("FRESHPLAN_SMTP_CA_FILE") or None,
        mail_from=env.get("FRESHPLAN_MAIL_FROM", "FreshPlan <freshplan@freshfoodz.example>"),
        mail_max_attempts=_int(env, "FRESHPLAN_MAIL_MAX_ATTEMPTS", 10, 1, 100),
        mail_retry_base_seconds=_float(
            env, "FRESHPLAN_MAIL_RETRY_BASE_SECONDS", 30.0, 0.01, 3600.0
        ),
        worker_poll_seconds=_float(env, "FRESHPLAN_WORKER_POLL_SECONDS", 5.0, 0.01, 300.0),
        # Requests per minute on the public feedback endpoints, per client IP and per token.
        feedback_rate_limit_ip=_int(env, "FRESHPLAN_FEEDBACK_RATE_LIMIT_IP", 30, 1, 1_000_000),
        feedback_rate_limit_token=_int(
            env, "FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN", 10, 1, 1_000_000
        ),
        trusted_proxies=_networks(env, "FRESHPLAN_TRUSTED_PROXIES"),
    )
