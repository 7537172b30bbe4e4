"""Configuration from environment variables, loaded once and validated at startup.

One frozen `Settings` object with a group per concern (`settings.http`, `.database`,
`.postgrest`, `.auth`, `.log`, `.mail`, `.worker`, `.feedback`, `.ai`, `.xentral`); each field's
comment names its variable. Every value has a safe local default except in production, where the JWT
secret and the database location must be given. A `.env` file in the working directory supplies
values; variables already in the environment win.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import msgspec

from api.core.ai_models import DEFAULT_MODELS, PROVIDERS, Provider, Tier, retired, shutdown_date

Environment = Literal["local", "test", "production"]

# Clearly marked development secret: refused outside FRESHPLAN_ENV=local and test.
DEV_JWT_SECRET = "freshplan-local-dev-secret-DO-NOT-USE-IN-PRODUCTION"  # noqa: S105 - public by design
MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """A missing or invalid configuration value; the message names the variable."""


_HIDDEN = "***"
# user:password@ in a URL (up to the host's @), and password=... in a libpq key/value string
_URL_PASSWORD = re.compile(r"(?P<user>//[^/@:]*):[^/]*@")
_CONNINFO_PASSWORD = re.compile(r"(?P<key>\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)")


def redacted(location: str) -> str:
    """A database or mail URL fit for logs and reprs: any password replaced by ***."""
    location = _URL_PASSWORD.sub(rf"\g<user>:{_HIDDEN}@", location)
    return _CONNINFO_PASSWORD.sub(rf"\g<key>{_HIDDEN}", location)


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The service's HTTP side: where it listens, its public address, the proxies it trusts."""

    host: str  # FRESHPLAN_API_HOST
    port: int  # FRESHPLAN_API_PORT
    public_base_url: str  # FRESHPLAN_PUBLIC_BASE_URL
    trusted_proxies: tuple[str, ...]  # FRESHPLAN_TRUSTED_PROXIES, normalised networks
    # FRESHPLAN_METRICS_PORT: /metrics on a listener of its own (required in production, where the
    # service's port is public); None: /metrics on the service's port (local and test default)
    metrics_port: int | None
    metrics_host: str  # FRESHPLAN_METRICS_HOST: the internal interface it binds (127.0.0.1)


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    """PostgreSQL connections: the service's (svc_api, pooled) and the workers' (svc_jobs)."""

    url: str  # FRESHPLAN_DATABASE_URL
    jobs_url: str  # FRESHPLAN_JOBS_DATABASE_URL
    # FRESHPLAN_ADMIN_DATABASE_URL: the migration role's, for operator commands that create roles
    # (freshplan analyst); None in production unless set
    admin_url: str | None
    pool_min: int  # FRESHPLAN_DB_POOL_MIN
    pool_max: int  # FRESHPLAN_DB_POOL_MAX
    # FRESHPLAN_DB_POOL_TIMEOUT: how long a request waits for a free pooled connection before it
    # gets a 503 problem (a full pool, or a database that does not answer)
    pool_timeout_seconds: float

    def __repr__(self) -> str:  # a connection string may carry a password
        return (
            f"DatabaseSettings(url={redacted(self.url)!r}, jobs_url={redacted(self.jobs_url)!r},"
            f" admin_url={redacted(self.admin_url) if self.admin_url else None!r},"
            f" pool_min={self.pool_min}, pool_max={self.pool_max},"
            f" pool_timeout_seconds={self.pool_timeout_seconds})"
        )


class PostgrestSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Where PostgREST answers (its API and its admin server with /live and /ready)."""

    url: str  # FRESHPLAN_POSTGREST_URL (default from FRESHPLAN_POSTGREST_PORT)
    admin_url: str  # FRESHPLAN_POSTGREST_ADMIN_URL (default from FRESHPLAN_POSTGREST_ADMIN_PORT)


class AuthSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The HS256 secret shared with PostgREST."""

    jwt_secret: str  # FRESHPLAN_JWT_SECRET

    def __repr__(self) -> str:  # never print the secret
        return f"AuthSettings(jwt_secret={_HIDDEN!r})"


class LogSettings(msgspec.Struct, frozen=True, kw_only=True):
    level: str  # FRESHPLAN_LOG_LEVEL: DEBUG, INFO, WARNING or ERROR


class MailSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Outgoing mail: the SMTP server (or local mail sink), the sender, retries."""

    smtp_url: str  # FRESHPLAN_SMTP_URL
    smtp_ca_file: str | None  # FRESHPLAN_SMTP_CA_FILE
    sender: str  # FRESHPLAN_MAIL_FROM
    max_attempts: int  # FRESHPLAN_MAIL_MAX_ATTEMPTS
    retry_base_seconds: float  # FRESHPLAN_MAIL_RETRY_BASE_SECONDS

    def __repr__(self) -> str:  # never print the SMTP password
        return (
            f"MailSettings(smtp_url={redacted(self.smtp_url)!r},"
            f" smtp_ca_file={self.smtp_ca_file!r}, sender={self.sender!r},"
            f" max_attempts={self.max_attempts}, retry_base_seconds={self.retry_base_seconds})"
        )


class ImapSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Inbound mail (SPEC 8.4): the mailbox customers reply to, read over IMAP by the workers."""

    # FRESHPLAN_IMAP_URL: imaps://user:password@host:993/INBOX, imap+starttls://..., or plain
    # imap://... (loopback only, as in tests); None: no inbound mail
    url: str | None
    tenant: str | None  # FRESHPLAN_IMAP_TENANT: the slug of the tenant whose leads replies match
    batch: int  # FRESHPLAN_IMAP_BATCH: messages fetched per round trip

    @property
    def configured(self) -> bool:
        return bool(self.url)

    def __repr__(self) -> str:  # never print the password
        url = redacted(self.url) if self.url else None
        return f"ImapSettings(url={url!r}, tenant={self.tenant!r}, batch={self.batch})"


class KasSettings(msgspec.Struct, frozen=True, kw_only=True):
    """all-inkl's KAS API (SPEC 8.4): the daily check of the mailbox's quota."""

    base_url: str  # KAS_BASE_URL, default https://kasapi.kasserver.com
    login: str | None  # KAS_LOGIN: the KAS account (w0...); None: no quota check
    password: str | None  # KAS_PASSWORD
    # KAS_MAIL_LOGIN: the mail account (m0...) or its address; default: FRESHPLAN_IMAP_URL's user
    mail_login: str | None
    tenant: str | None  # FRESHPLAN_IMAP_TENANT: whose admins hear of a full mailbox
    timeout_seconds: float  # KAS_TIMEOUT_SECONDS: one request, connect to last byte

    @property
    def configured(self) -> bool:
        return bool(self.login and self.password)

    def __repr__(self) -> str:  # never print the password
        password = _HIDDEN if self.password else None
        return (
            f"KasSettings(base_url={self.base_url!r}, login={self.login!r}, password={password!r},"
            f" mail_login={self.mail_login!r}, tenant={self.tenant!r},"
            f" timeout_seconds={self.timeout_seconds})"
        )


class WorkerSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The background workers (`freshplan worker`)."""

    poll_seconds: float  # FRESHPLAN_WORKER_POLL_SECONDS: the fallback when no NOTIFY arrives
    # FRESHPLAN_SERVICE_URL: the Litestar service, whose AI router classifies inbound mail
    service_url: str


class FeedbackSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The public feedback link: requests per minute per client address and per link."""

    rate_limit_ip: int  # FRESHPLAN_FEEDBACK_RATE_LIMIT_IP
    rate_limit_token: int  # FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN


class ProviderSettings(msgspec.Struct, frozen=True, kw_only=True):
    """One AI provider: the SDK's own key and base-URL variables, and the model of each tier."""

    api_key: str | None  # OPENAI_API_KEY / ANTHROPIC_API_KEY: without one, not configured
    base_url: str | None  # OPENAI_BASE_URL / ANTHROPIC_BASE_URL: None means the SDK's default
    small_model: str  # OPENAI_MODEL_SMALL / ANTHROPIC_MODEL_SMALL
    large_model: str  # OPENAI_MODEL_LARGE / ANTHROPIC_MODEL_LARGE

    @property
    def configured(self) -> bool:
        return bool(self.api_key)

    def model(self, tier: Tier) -> str:
        return self.small_model if tier == "small" else self.large_model

    def __repr__(self) -> str:  # never print the key
        key = _HIDDEN if self.api_key else None
        return (
            f"ProviderSettings(api_key={key!r}, base_url={self.base_url!r},"
            f" small_model={self.small_model!r}, large_model={self.large_model!r})"
        )


class AiSettings(msgspec.Struct, frozen=True, kw_only=True):
    """The AI router (SPEC 7.1): both providers, which one goes first, the caller's rate limit."""

    openai: ProviderSettings
    anthropic: ProviderSettings
    primary: Provider  # FRESHPLAN_AI_PRIMARY: openai (default) or anthropic
    # FRESHPLAN_AI_RATE_LIMIT_USER: AI requests per minute per user and service process (429 beyond)
    rate_limit_user: int
    # FRESHPLAN_AI_TIMEOUT_SMALL / _LARGE: seconds one provider attempt may take (20 / 60)
    timeout_small_seconds: float
    timeout_large_seconds: float
    # FRESHPLAN_AI_LOCAL_FAKES=1: the providers are the project's local fakes (make run without
    # keys); /health says so. Refused in production.
    local_fakes: bool

    def provider(self, name: Provider) -> ProviderSettings:
        return self.openai if name == "openai" else self.anthropic

    def timeout(self, tier: Tier) -> float:
        return self.timeout_small_seconds if tier == "small" else self.timeout_large_seconds


class XentralSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Xentral ERP (SPEC 8.2): the instance, its personal access token and our pace."""

    base_url: str | None  # XENTRAL_BASE_URL, e.g. https://acme.xentral.biz; None: not configured
    token: str | None  # XENTRAL_TOKEN: a personal access token
    # XENTRAL_RATE_LIMIT requests per XENTRAL_RATE_WINDOW_SECONDS (Xentral: 100 per 60 s); the
    # client never exceeds it, and a lower X-RateLimit-Limit from Xentral wins
    rate_limit: int
    rate_window_seconds: float
    timeout_seconds: float  # XENTRAL_TIMEOUT_SECONDS: one request, connect to last byte
    page_size: int  # XENTRAL_PAGE_SIZE: products per page (Xentral allows at most 50)
    # XENTRAL_SYNC_OVERLAP_SECONDS: an incremental sync asks for changes since the last one began,
    # less this much, in case Xentral's clock is behind ours
    sync_overlap_seconds: float
    # XENTRAL_CUSTOMER_SEARCH_OP: the filter operator a customer search by name uses. Xentral's
    # customer list documents equals/in only; contains (as on products) is what a search needs,
    # and whether customers accept it is unverified, so it can be set to equals
    customer_search_op: str
    # XENTRAL_RETRY_BASE_SECONDS: first backoff of a failed Xentral job (None: the job kind's)
    retry_base_seconds: float | None

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.token)

    def __repr__(self) -> str:  # never print the token
        token = _HIDDEN if self.token else None
        return (
            f"XentralSettings(base_url={self.base_url!r}, token={token!r},"
            f" rate_limit={self.rate_limit}, rate_window_seconds={self.rate_window_seconds},"
            f" timeout_seconds={self.timeout_seconds}, page_size={self.page_size},"
            f" sync_overlap_seconds={self.sync_overlap_seconds},"
            f" customer_search_op={self.customer_search_op!r},"
            f" retry_base_seconds={self.retry_base_seconds})"
        )


class AllianzSettings(msgspec.Struct, frozen=True, kw_only=True):
    """Allianz Trade (SPEC 8.3): the API, its key, the policy, and how long we wait."""

    base_url: str | None  # ALLIANZ_TRADE_BASE_URL, e.g. https://api.allianz-trade.com; None: off
    api_key: str | None  # ALLIANZ_TRADE_API_KEY: exchanged for a bearer token
    policy_id: str | None  # ALLIANZ_TRADE_POLICY_ID: the credit insurance policy
    business_unit: str  # ALLIANZ_TRADE_BUSINESS_UNIT: the policy's business unit (ACI, EHSE, ...)
    # ALLIANZ_TRADE_PATH_STYLE: prod paths (/riskinfo/v3/...) or the UAT sandbox's (/uatm/...)
    path_style: str
    timeout_seconds: float  # ALLIANZ_TRADE_TIMEOUT_SECONDS: one request, connect to last byte
    # ALLIANZ_TRADE_GRADE_WAIT_SECONDS: how long a credit check polls a grade request before it
    # answers PENDING (the next check resumes the same request)
    grade_wait_seconds: float
    # ALLIANZ_TRADE_POLL_SECONDS: first wait between polls of a limit request (doubling, up to 1 h)
    poll_seconds: float
    # ALLIANZ_TRADE_MIN_SCORE: the lowest matching score taken for the lead's company (0-100)
    min_score: float
    # ALLIANZ_TRADE_VAT_ID_TYPE: the idTypeCode a VAT id is matched with (unverified; configurable)
    vat_id_type: str

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.api_key and self.policy_id)

    def __repr__(self) -> str:  # never print the key
        key = _HIDDEN if self.api_key else None
        return (
            f"AllianzSettings(base_url={self.base_url!r}, api_key={key!r},"
            f" policy_id={self.policy_id!r}, business_unit={self.business_unit!r},"
            f" path_style={self.path_style!r}, timeout_seconds={self.timeout_seconds},"
            f" grade_wait_seconds={self.grade_wait_seconds}, poll_seconds={self.poll_seconds},"
            f" min_score={self.min_score}, vat_id_type={self.vat_id_type!r})"
        )


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """The whole configuration: one frozen object, one group per concern.

    Groups that hold a secret (auth, database, mail) have a __repr__ that hides it, so the
    default repr of this object, which shows every group, is safe to log.
    """

    env: Environment  # FRESHPLAN_ENV
    data_dir: str  # FRESHPLAN_DATA_DIR
    http: HttpSettings
    database: DatabaseSettings
    postgrest: PostgrestSettings
    auth: AuthSettings
    log: LogSettings
    mail: MailSettings
    worker: WorkerSettings
    feedback: FeedbackSettings
    ai: AiSettings
    xentral: XentralSettings
    allianz: AllianzSettings
    imap: ImapSettings
    kas: KasSettings


def _imap_settings(env: Mapping[str, str]) -> ImapSettings:
    imap = ImapSettings(
        url=env.get("FRESHPLAN_IMAP_URL") or None,
        tenant=env.get("FRESHPLAN_IMAP_TENANT") or None,
        batch=_int(env, "FRESHPLAN_IMAP_BATCH", 50, 1, 500),
    )
    if imap.url:
        parsed = urllib.parse.urlsplit(imap.url)
        if parsed.scheme not in ("imaps", "imap+starttls", "imap") or not parsed.hostname:
            raise SettingsError(
                "FRESHPLAN_IMAP_URL must be imaps://, imap+starttls:// or imap:// with a host"
            )
        if parsed.scheme == "imap" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SettingsError("FRESHPLAN_IMAP_URL: plain imap:// only on loopback; use imaps://")
        if not parsed.username or parsed.password is None:
            raise SettingsError("FRESHPLAN_IMAP_URL needs the mailbox's user and password")
        if not imap.tenant:
            raise SettingsError("FRESHPLAN_IMAP_URL needs FRESHPLAN_IMAP_TENANT (a tenant's slug)")
    return imap


def _service_url(env: Mapping[str, str], api_port: int, production: bool) -> str:
    """Where the workers reach the service's AI router: they send a user's token there."""
    url = (env.get("FRESHPLAN_SERVICE_URL") or f"http://127.0.0.1:{api_port}").rstrip("/")
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError("FRESHPLAN_SERVICE_URL must be an http(s) URL")
    loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
    if production and parsed.scheme != "https" and not loopback:
        raise SettingsError("FRESHPLAN_SERVICE_URL must be https:// in production (or on loopback)")
    return url


def _kas_settings(env: Mapping[str, str], imap: ImapSettings, production: bool) -> KasSettings:
    imap_user = (
        urllib.parse.unquote(urllib.parse.urlsplit(imap.url).username or "") if imap.url else ""
    )
    kas = KasSettings(
        base_url=(env.get("KAS_BASE_URL") or "https://kasapi.kasserver.com").rstrip("/"),
        login=env.get("KAS_LOGIN") or None,
        password=env.get("KAS_PASSWORD") or None,
        mail_login=env.get("KAS_MAIL_LOGIN") or imap_user or None,
        tenant=imap.tenant,
        timeout_seconds=_float(env, "KAS_TIMEOUT_SECONDS", 30.0, 0.1, 600.0),
    )
    parsed = urllib.parse.urlsplit(kas.base_url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError("KAS_BASE_URL must be an http(s) URL")
    if production and parsed.scheme != "https":
        raise SettingsError("KAS_BASE_URL must be https:// in production")
    if bool(kas.login) != bool(kas.password):
        raise SettingsError("KAS needs both KAS_LOGIN and KAS_PASSWORD")
    if kas.configured and not (kas.mail_login and kas.tenant):
        raise SettingsError(
            "the KAS quota check needs FRESHPLAN_IMAP_TENANT and KAS_MAIL_LOGIN"
            " (or FRESHPLAN_IMAP_URL, whose user it defaults to)"
        )
    return kas


def _allianz_settings(env: Mapping[str, str], production: bool) -> AllianzSettings:
    allianz = AllianzSettings(
        base_url=(env.get("ALLIANZ_TRADE_BASE_URL") or "").rstrip("/") or None,
        api_key=env.get("ALLIANZ_TRADE_API_KEY") or None,
        policy_id=env.get("ALLIANZ_TRADE_POLICY_ID") or None,
        business_unit=env.get("ALLIANZ_TRADE_BUSINESS_UNIT") or "ACI",
        path_style=env.get("ALLIANZ_TRADE_PATH_STYLE") or "prod",
        timeout_seconds=_float(env, "ALLIANZ_TRADE_TIMEOUT_SECONDS", 10.0, 0.1, 600.0),
        grade_wait_seconds=_float(env, "ALLIANZ_TRADE_GRADE_WAIT_SECONDS", 10.0, 0.0, 120.0),
        poll_seconds=_float(env, "ALLIANZ_TRADE_POLL_SECONDS", 60.0, 0.01, 3600.0),
        min_score=_float(env, "ALLIANZ_TRADE_MIN_SCORE", 70.0, 0.0, 100.0),
        vat_id_type=env.get("ALLIANZ_TRADE_VAT_ID_TYPE") or "VAT",
    )
    if allianz.base_url and not re.match(r"^https?://[^/\s]+(/[^\s]*)?$", allianz.base_url):
        raise SettingsError("ALLIANZ_TRADE_BASE_URL must be an http(s) URL")
    if production and allianz.base_url and not allianz.base_url.startswith("https://"):
        raise SettingsError("ALLIANZ_TRADE_BASE_URL must be https:// in production")
    if allianz.path_style not in ("prod", "uat"):
        raise SettingsError("ALLIANZ_TRADE_PATH_STYLE must be prod or uat")
    if bool(allianz.base_url) != bool(allianz.api_key and allianz.policy_id):
        raise SettingsError(
            "Allianz Trade needs ALLIANZ_TRADE_BASE_URL, ALLIANZ_TRADE_API_KEY and"
            " ALLIANZ_TRADE_POLICY_ID together"
        )
    return allianz


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


def _metrics_port(env: Mapping[str, str], api_port: int) -> int | None:
    """FRESHPLAN_METRICS_PORT, or None for the service's own port."""
    port = (
        _int(env, "FRESHPLAN_METRICS_PORT", api_port, 1, 65535)
        if env.get("FRESHPLAN_METRICS_PORT")
        else None
    )
    return None if port == api_port else port  # the same port: the service's own listener


def require_service_settings(settings: Settings) -> None:
    """What only the service needs (the workers and the CLI do not bind /metrics): in production,
    /metrics on an internal listener apart from the public port."""
    if settings.env == "production" and settings.http.metrics_port is None:
        raise SettingsError(
            "FRESHPLAN_METRICS_PORT is required in production: /metrics belongs on an internal"
            " listener, apart from FRESHPLAN_API_PORT"
        )


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Build the settings from the environment (and `.env`), failing fast on bad values."""
    env: dict[str, str] = read_dotenv(dotenv or Path.cwd() / ".env")
    env.update(os.environ if environ is None else environ)

    profile = env.get("FRESHPLAN_ENV", "local")
    if profile not in ("local", "test", "production"):
        raise SettingsError(f"FRESHPLAN_ENV must be local, test or production, got {profile!r}")
    production = profile == "production"

    # The published dev secret is for the local and test profiles only (SPEC 10.2).
    dev_profile = profile in ("local", "test")
    secret = env.get("FRESHPLAN_JWT_SECRET") or (DEV_JWT_SECRET if dev_profile else "")
    if not dev_profile and secret == DEV_JWT_SECRET:
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
    metrics_port = _metrics_port(env, api_port)
    log_level = env.get("FRESHPLAN_LOG_LEVEL", "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError(
            f"FRESHPLAN_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}"
        )

    # validated in this order, so the first bad variable named is always the same one
    pool_min = _int(env, "FRESHPLAN_DB_POOL_MIN", 1, 0, 100)
    pool_max = _int(env, "FRESHPLAN_DB_POOL_MAX", 10, 1, 200)
    pool_timeout = _float(env, "FRESHPLAN_DB_POOL_TIMEOUT", 3.0, 0.1, 300.0)
    mail_max_attempts = _int(env, "FRESHPLAN_MAIL_MAX_ATTEMPTS", 10, 1, 100)
    mail_retry_base = _float(env, "FRESHPLAN_MAIL_RETRY_BASE_SECONDS", 30.0, 0.01, 3600.0)
    worker_poll = _float(env, "FRESHPLAN_WORKER_POLL_SECONDS", 5.0, 0.01, 300.0)
    # Requests per minute on the public feedback endpoints, per client IP and per token.
    rate_limit_ip = _int(env, "FRESHPLAN_FEEDBACK_RATE_LIMIT_IP", 30, 1, 1_000_000)
    rate_limit_token = _int(env, "FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN", 10, 1, 1_000_000)
    trusted_proxies = _networks(env, "FRESHPLAN_TRUSTED_PROXIES")

    ai = _ai_settings(env, production, dt.datetime.now(dt.UTC).date())
    xentral = XentralSettings(
        base_url=(env.get("XENTRAL_BASE_URL") or "").rstrip("/") or None,
        token=env.get("XENTRAL_TOKEN") or None,
        rate_limit=_int(env, "XENTRAL_RATE_LIMIT", 100, 1, 100_000),
        rate_window_seconds=_float(env, "XENTRAL_RATE_WINDOW_SECONDS", 60.0, 0.1, 3600.0),
        timeout_seconds=_float(env, "XENTRAL_TIMEOUT_SECONDS", 30.0, 0.1, 600.0),
        page_size=_int(env, "XENTRAL_PAGE_SIZE", 50, 1, 50),
        sync_overlap_seconds=_float(env, "XENTRAL_SYNC_OVERLAP_SECONDS", 120.0, 0.0, 3600.0),
        customer_search_op=env.get("XENTRAL_CUSTOMER_SEARCH_OP") or "contains",
        retry_base_seconds=(
            _float(env, "XENTRAL_RETRY_BASE_SECONDS", 60.0, 0.01, 3600.0)
            if env.get("XENTRAL_RETRY_BASE_SECONDS")
            else None
        ),
    )
    if xentral.base_url and not re.match(r"^https?://[^/\s]+(/[^\s]*)?$", xentral.base_url):
        raise SettingsError("XENTRAL_BASE_URL must be an http(s) URL")
    if production and xentral.base_url and not xentral.base_url.startswith("https://"):
        # the token is a bearer header: never over plain HTTP outside a test or a laptop
        raise SettingsError("XENTRAL_BASE_URL must be https:// in production")
    if xentral.customer_search_op not in ("contains", "equals", "startsWith"):
        raise SettingsError("XENTRAL_CUSTOMER_SEARCH_OP must be contains, equals or startsWith")
    allianz = _allianz_settings(env, production)
    imap = _imap_settings(env)
    kas = _kas_settings(env, imap, production)

    return Settings(
        env=profile,  # type: ignore[arg-type]  # checked above
        data_dir=data_dir,
        http=HttpSettings(
            host=env.get("FRESHPLAN_API_HOST", "127.0.0.1"),
            port=api_port,
            public_base_url=env.get("FRESHPLAN_PUBLIC_BASE_URL", f"http://127.0.0.1:{api_port}"),
            trusted_proxies=trusted_proxies,
            metrics_port=metrics_port,
            metrics_host=env.get("FRESHPLAN_METRICS_HOST", "127.0.0.1"),
        ),
        database=DatabaseSettings(
            url=database_url,
            jobs_url=env.get("FRESHPLAN_JOBS_DATABASE_URL") or f"{local_db} user=svc_jobs",
            admin_url=env.get("FRESHPLAN_ADMIN_DATABASE_URL")
            or (None if production else f"{local_db} user=migrator"),
            pool_min=pool_min,
            pool_max=pool_max,
            pool_timeout_seconds=pool_timeout,
        ),
        postgrest=PostgrestSettings(
            url=env.get("FRESHPLAN_POSTGREST_URL", f"http://127.0.0.1:{postgrest_port}"),
            admin_url=env.get(
                "FRESHPLAN_POSTGREST_ADMIN_URL", f"http://127.0.0.1:{postgrest_admin_port}"
            ),
        ),
        auth=AuthSettings(jwt_secret=secret),
        log=LogSettings(level=log_level),
        mail=MailSettings(
            # Locally, mail goes to a directory of .eml files (the "mail sink").
            smtp_url=env.get("FRESHPLAN_SMTP_URL") or f"file://{data_dir}/mail",
            # An extra CA for the SMTP server's certificate (a private relay); default: system CAs.
            smtp_ca_file=env.get("FRESHPLAN_SMTP_CA_FILE") or None,
            sender=env.get("FRESHPLAN_MAIL_FROM", "FreshPlan <freshplan@freshfoodz.example>"),
            max_attempts=mail_max_attempts,
            retry_base_seconds=mail_retry_base,
        ),
        worker=WorkerSettings(
            poll_seconds=worker_poll, service_url=_service_url(env, api_port, production)
        ),
        feedback=FeedbackSettings(rate_limit_ip=rate_limit_ip, rate_limit_token=rate_limit_token),
        ai=ai,
        xentral=xentral,
        allianz=allianz,
        imap=imap,
        kas=kas,
    )


def _ai_settings(env: Mapping[str, str], production: bool, today: dt.date) -> AiSettings:
    """The providers from the SDKs' own variables; a retired model id is refused (SPEC 7.1)."""
    providers: dict[Provider, ProviderSettings] = {}
    for name in PROVIDERS:
        prefix = name.upper()
        models: dict[Tier, str] = {}
        for tier in ("small", "large"):
            key = f"{prefix}_MODEL_{tier.upper()}"
            model = env.get(key) or DEFAULT_MODELS[(name, tier)]
            if retired(model, today):
                raise SettingsError(
                    f"{key}: {model} was shut down by {name} on {shutdown_date(model)};"
                    " choose a current model (docs/ai.md lists them)"
                )
            models[tier] = model
        providers[name] = ProviderSettings(
            api_key=env.get(f"{prefix}_API_KEY") or None,
            base_url=env.get(f"{prefix}_BASE_URL") or None,
            small_model=models["small"],
            large_model=models["large"],
        )
    primary = env.get("FRESHPLAN_AI_PRIMARY", "openai")
    if primary not in PROVIDERS:
        raise SettingsError(f"FRESHPLAN_AI_PRIMARY must be openai or anthropic, got {primary!r}")
    local_fakes = env.get("FRESHPLAN_AI_LOCAL_FAKES", "") in ("1", "true", "yes")
    if local_fakes and production:
        raise SettingsError(
            "FRESHPLAN_AI_LOCAL_FAKES: the local fake providers are refused in production"
        )
    return AiSettings(
        openai=providers["openai"],
        anthropic=providers["anthropic"],
        primary=primary,  # checked above
        rate_limit_user=_int(env, "FRESHPLAN_AI_RATE_LIMIT_USER", 60, 1, 1_000_000),
        # at most 120 s: three attempts must end before a call's 10-minute reservation does
        timeout_small_seconds=_float(env, "FRESHPLAN_AI_TIMEOUT_SMALL", 20.0, 0.1, 120.0),
        timeout_large_seconds=_float(env, "FRESHPLAN_AI_TIMEOUT_LARGE", 60.0, 0.1, 120.0),
        local_fakes=local_fakes,
    )
