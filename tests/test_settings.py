"""Settings fail fast on missing or invalid values and never accept dev secrets in production."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from api.core.settings import (
    DEV_JWT_SECRET,
    SettingsError,
    _ai_settings,
    load_settings,
    require_service_settings,
)

NO_DOTENV = Path("/nonexistent/.env")


def test_local_defaults_are_usable() -> None:
    settings = load_settings({}, NO_DOTENV)
    assert settings.env == "local"
    assert settings.auth.jwt_secret == DEV_JWT_SECRET
    assert "user=svc_api" in settings.database.url
    assert "port=54329" in settings.database.url
    assert settings.http.public_base_url == "http://127.0.0.1:8000"
    assert DEV_JWT_SECRET not in repr(settings)


def test_production_refuses_the_dev_secret() -> None:
    with pytest.raises(SettingsError, match="FRESHPLAN_JWT_SECRET"):
        load_settings(
            {
                "FRESHPLAN_ENV": "production",
                "FRESHPLAN_JWT_SECRET": DEV_JWT_SECRET,
                "FRESHPLAN_DATABASE_URL": "host=db",
            },
            NO_DOTENV,
        )


def test_production_requires_a_secret_and_a_database() -> None:
    with pytest.raises(SettingsError, match="FRESHPLAN_JWT_SECRET"):
        load_settings(
            {"FRESHPLAN_ENV": "production", "FRESHPLAN_DATABASE_URL": "host=db"}, NO_DOTENV
        )
    with pytest.raises(SettingsError, match="FRESHPLAN_DATABASE_URL"):
        load_settings({"FRESHPLAN_ENV": "production", "FRESHPLAN_JWT_SECRET": "s" * 40}, NO_DOTENV)


def test_metrics_get_their_own_listener_only_when_asked_and_always_in_production() -> None:
    assert load_settings({}, NO_DOTENV).http.metrics_port is None, "the service's port locally"
    same = {"FRESHPLAN_API_PORT": "8123", "FRESHPLAN_METRICS_PORT": "8123"}
    assert load_settings(same, NO_DOTENV).http.metrics_port is None
    apart = load_settings({"FRESHPLAN_METRICS_PORT": "9464"}, NO_DOTENV).http
    assert (apart.metrics_host, apart.metrics_port) == ("127.0.0.1", 9464)
    with pytest.raises(SettingsError, match="FRESHPLAN_METRICS_PORT"):
        load_settings({"FRESHPLAN_METRICS_PORT": "0"}, NO_DOTENV)
    production = {
        "FRESHPLAN_ENV": "production",
        "FRESHPLAN_JWT_SECRET": "s" * 40,
        "FRESHPLAN_DATABASE_URL": "host=db",
        "FRESHPLAN_JOBS_DATABASE_URL": "host=db",
        "FRESHPLAN_SMTP_URL": "smtp://mail",
    }
    # the workers and the CLI start without one; the service refuses to
    for missing in (production, production | {"FRESHPLAN_METRICS_PORT": "8000"}):
        settings = load_settings(missing, NO_DOTENV)
        with pytest.raises(SettingsError, match="FRESHPLAN_METRICS_PORT is required in production"):
            require_service_settings(settings)
    require_service_settings(load_settings(production | {"FRESHPLAN_METRICS_PORT": "1"}, NO_DOTENV))
    assert load_settings(production | {"FRESHPLAN_METRICS_PORT": "9464"}, NO_DOTENV)


def test_short_secret_and_bad_numbers_are_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings({"FRESHPLAN_JWT_SECRET": "short"}, NO_DOTENV)
    with pytest.raises(SettingsError, match="FRESHPLAN_API_PORT"):
        load_settings({"FRESHPLAN_API_PORT": "eighty"}, NO_DOTENV)
    with pytest.raises(SettingsError, match="FRESHPLAN_PG_PORT"):
        load_settings({"FRESHPLAN_PG_PORT": "70000"}, NO_DOTENV)
    with pytest.raises(SettingsError, match="FRESHPLAN_ENV"):
        load_settings({"FRESHPLAN_ENV": "staging"}, NO_DOTENV)


def test_dotenv_supplies_values_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        '# comment\nFRESHPLAN_API_PORT="8123"\nFRESHPLAN_POSTGREST_PORT=3999\n', encoding="utf-8"
    )

    settings = load_settings({"FRESHPLAN_POSTGREST_PORT": "3111"}, dotenv)

    assert settings.http.port == 8123
    assert settings.postgrest.url == "http://127.0.0.1:3111"


def test_settings_are_grouped_per_concern_and_frozen() -> None:
    settings = load_settings(
        {
            "FRESHPLAN_API_PORT": "8100",
            "FRESHPLAN_DB_POOL_MAX": "7",
            "FRESHPLAN_POSTGREST_ADMIN_PORT": "3101",
            "FRESHPLAN_LOG_LEVEL": "debug",
            "FRESHPLAN_MAIL_FROM": "Test <t@example.test>",
            "FRESHPLAN_MAIL_MAX_ATTEMPTS": "3",
            "FRESHPLAN_WORKER_POLL_SECONDS": "0.5",
            "FRESHPLAN_FEEDBACK_RATE_LIMIT_TOKEN": "4",
            "FRESHPLAN_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16",
            "FRESHPLAN_DATA_DIR": "/srv/fp",
        },
        NO_DOTENV,
    )

    assert settings.http.port == 8100
    assert settings.http.public_base_url == "http://127.0.0.1:8100"
    assert settings.http.trusted_proxies == ("10.0.0.1/32", "192.168.0.0/16")
    assert settings.database.pool_max == 7
    assert "user=svc_jobs" in settings.database.jobs_url
    assert settings.postgrest.admin_url == "http://127.0.0.1:3101"
    assert settings.log.level == "DEBUG"
    assert settings.mail.sender == "Test <t@example.test>"
    assert settings.mail.max_attempts == 3
    assert settings.mail.smtp_url == "file:///srv/fp/mail"
    assert settings.worker.poll_seconds == 0.5
    assert settings.feedback.rate_limit_token == 4
    assert settings.feedback.rate_limit_ip == 30
    with pytest.raises(AttributeError):
        settings.http.port = 1  # type: ignore[misc]


def test_no_repr_shows_a_secret() -> None:
    secret = "a-production-secret-of-forty-characters!"
    settings = load_settings(
        {
            "FRESHPLAN_ENV": "production",
            "FRESHPLAN_JWT_SECRET": secret,
            "FRESHPLAN_DATABASE_URL": "postgresql://svc_api:db-pass-1@db.internal/freshplan",
            "FRESHPLAN_JOBS_DATABASE_URL": "host=db.internal user=svc_jobs password=db-pass-2",
            "FRESHPLAN_SMTP_URL": "smtps://mailer:smtp-pass-3@smtp.example:465",
            "FRESHPLAN_METRICS_PORT": "9464",
        },
        NO_DOTENV,
    )

    shown = repr(settings)

    for hidden in (secret, "db-pass-1", "db-pass-2", "smtp-pass-3"):
        assert hidden not in shown
    assert "db.internal" in shown
    assert "smtp.example" in shown
    assert secret not in repr(settings.auth)


def test_invalid_grouped_values_name_their_variable() -> None:
    for key, value in (
        ("FRESHPLAN_DB_POOL_MAX", "0"),
        ("FRESHPLAN_MAIL_RETRY_BASE_SECONDS", "soon"),
        ("FRESHPLAN_WORKER_POLL_SECONDS", "1000"),
        ("FRESHPLAN_FEEDBACK_RATE_LIMIT_IP", "-1"),
        ("FRESHPLAN_TRUSTED_PROXIES", "proxy.example"),
        ("FRESHPLAN_LOG_LEVEL", "LOUD"),
    ):
        with pytest.raises(SettingsError, match=key):
            load_settings({key: value}, NO_DOTENV)


def test_the_pool_acquisition_timeout_is_configurable_and_validated() -> None:
    assert load_settings({}, NO_DOTENV).database.pool_timeout_seconds == 3.0
    configured = load_settings({"FRESHPLAN_DB_POOL_TIMEOUT": "0.5"}, NO_DOTENV)
    assert configured.database.pool_timeout_seconds == 0.5
    for value in ("0", "-1", "soon", "301"):
        with pytest.raises(SettingsError, match="FRESHPLAN_DB_POOL_TIMEOUT"):
            load_settings({"FRESHPLAN_DB_POOL_TIMEOUT": value}, NO_DOTENV)


def test_ai_defaults_are_the_current_models_and_keys_stay_hidden() -> None:
    settings = load_settings({"OPENAI_API_KEY": "sk-test-secret-value"}, NO_DOTENV)
    assert settings.ai.openai.configured
    assert not settings.ai.anthropic.configured
    assert (settings.ai.openai.small_model, settings.ai.openai.large_model) == (
        "gpt-6-luna",
        "gpt-6.1-sol",
    )
    assert settings.ai.anthropic.model("large") == "claude-sonnet-5-5"
    assert settings.ai.primary == "openai"
    assert "sk-test-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    ("model", "today", "refused"),
    [
        ("gpt-5-mini", dt.date(2026, 12, 10), False),
        ("gpt-5-mini", dt.date(2026, 12, 11), True),
        ("gpt-4o-2024-08-06", dt.date(2027, 1, 14), True),
        ("gpt-4o-mini", dt.date(2027, 1, 13), False),
        ("gpt-6-luna", dt.date(2030, 1, 1), False),
    ],
)
def test_a_model_past_its_shutdown_date_is_refused(
    model: str, today: dt.date, refused: bool
) -> None:
    env = {"OPENAI_MODEL_SMALL": model}
    if refused:
        with pytest.raises(SettingsError, match=f"OPENAI_MODEL_SMALL: {model} was shut down"):
            _ai_settings(env, production=False, today=today)
    else:
        assert _ai_settings(env, production=False, today=today).openai.small_model == model


def test_ai_primary_and_fakes_are_checked() -> None:
    with pytest.raises(SettingsError, match="FRESHPLAN_AI_PRIMARY"):
        load_settings({"FRESHPLAN_AI_PRIMARY": "mistral"}, NO_DOTENV)
    with pytest.raises(SettingsError, match="FRESHPLAN_AI_LOCAL_FAKES"):
        _ai_settings({"FRESHPLAN_AI_LOCAL_FAKES": "1"}, production=True, today=dt.date(2026, 12, 2))


def test_xentral_settings_hide_the_token_and_refuse_plain_http_in_production() -> None:
    local = load_settings(
        {"XENTRAL_BASE_URL": "http://127.0.0.1:9/", "XENTRAL_TOKEN": "7|secret-pat"}, NO_DOTENV
    )
    assert local.xentral.configured
    assert local.xentral.base_url == "http://127.0.0.1:9"
    assert "secret-pat" not in repr(local)
    assert not load_settings(
        {"XENTRAL_BASE_URL": "https://a.xentral.biz"}, NO_DOTENV
    ).xentral.configured
    production = {
        "FRESHPLAN_ENV": "production",
        "FRESHPLAN_JWT_SECRET": "s" * 40,
        "FRESHPLAN_DATABASE_URL": "host=db",
        "FRESHPLAN_JOBS_DATABASE_URL": "host=db",
        "FRESHPLAN_SMTP_URL": "smtp://mail",
        "FRESHPLAN_METRICS_PORT": "9464",
        "XENTRAL_TOKEN": "7|secret-pat",
    }
    with pytest.raises(SettingsError, match="https:// in production"):
        load_settings(production | {"XENTRAL_BASE_URL": "http://acme.xentral.biz"}, NO_DOTENV)
    with pytest.raises(SettingsError, match="XENTRAL_PAGE_SIZE"):
        load_settings({"XENTRAL_PAGE_SIZE": "51"}, NO_DOTENV)
    assert load_settings(production | {"XENTRAL_BASE_URL": "https://acme.xentral.biz"}, NO_DOTENV)


def test_kas_settings_default_to_the_mailbox_hide_the_password_and_need_a_tenant() -> None:
    imap = {
        "FRESHPLAN_IMAP_URL": "imap://kontakt%40freshfoodz.example:imap-pw@127.0.0.1:1143/INBOX",
        "FRESHPLAN_IMAP_TENANT": "freshfoodz",
    }
    kas = {"KAS_LOGIN": "w0123456", "KAS_PASSWORD": "kas-secret-pw"}
    settings = load_settings(imap | kas, NO_DOTENV)
    assert settings.kas.configured
    assert settings.kas.base_url == "https://kasapi.kasserver.com"
    assert settings.kas.mail_login == "kontakt@freshfoodz.example", "the IMAP user by default"
    assert settings.kas.tenant == "freshfoodz"
    assert "kas-secret-pw" not in repr(settings)
    assert settings.worker.service_url == "http://127.0.0.1:8000"
    assert not load_settings({}, NO_DOTENV).kas.configured
    with pytest.raises(SettingsError, match="KAS_LOGIN and KAS_PASSWORD"):
        load_settings({"KAS_LOGIN": "w0123456"}, NO_DOTENV)
    with pytest.raises(SettingsError, match="FRESHPLAN_IMAP_TENANT and KAS_MAIL_LOGIN"):
        load_settings(kas, NO_DOTENV)
    with pytest.raises(SettingsError, match="KAS_BASE_URL must be an http"):
        load_settings(imap | kas | {"KAS_BASE_URL": "ftp://kas"}, NO_DOTENV)
    production = {
        "FRESHPLAN_ENV": "production",
        "FRESHPLAN_JWT_SECRET": "s" * 40,
        "FRESHPLAN_DATABASE_URL": "host=db",
        "FRESHPLAN_JOBS_DATABASE_URL": "host=db",
        "FRESHPLAN_SMTP_URL": "smtp://mail",
        "FRESHPLAN_METRICS_PORT": "9464",
    }
    with pytest.raises(SettingsError, match="KAS_BASE_URL must be https:// in production"):
        load_settings(production | {"KAS_BASE_URL": "http://kas.internal"}, NO_DOTENV)
    # the workers send a user's token to the service: not over plain http across a network
    with pytest.raises(SettingsError, match="FRESHPLAN_SERVICE_URL must be https:// in production"):
        load_settings(production | {"FRESHPLAN_SERVICE_URL": "http://api.internal:8000"}, NO_DOTENV)
    on_loopback = load_settings(
        production | {"FRESHPLAN_SERVICE_URL": "http://127.0.0.1:8000"}, NO_DOTENV
    )
    assert on_loopback.worker.service_url == "http://127.0.0.1:8000"
    explicit = load_settings(
        kas | {"KAS_MAIL_LOGIN": "m0123456", "FRESHPLAN_IMAP_TENANT": "freshfoodz",
               "FRESHPLAN_SERVICE_URL": "http://api.internal:8000/"},
        NO_DOTENV,
    )  # fmt: skip
    assert explicit.kas.mail_login == "m0123456"
    assert explicit.worker.service_url == "http://api.internal:8000"
