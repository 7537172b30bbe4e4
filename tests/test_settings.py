"""Settings fail fast on missing or invalid values and never accept dev secrets in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.settings import DEV_JWT_SECRET, SettingsError, load_settings

NO_DOTENV = Path("/nonexistent/.env")


def test_local_defaults_are_usable() -> None:
    settings = load_settings({}, NO_DOTENV)
    assert settings.env == "local"
    assert settings.jwt_secret == DEV_JWT_SECRET
    assert "user=svc_api" in settings.database_url
    assert "port=54329" in settings.database_url
    assert settings.public_base_url == "http://127.0.0.1:8000"
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

    assert settings.api_port == 8123
    assert settings.postgrest_url == "http://127.0.0.1:3111"
