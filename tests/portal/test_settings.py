"""Settings: embedded with no configuration, clear errors, masked secrets, README complete."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.settings import SETTINGS, Settings, SettingsError, env_name

README = Path(__file__).resolve().parents[2] / "README.md"


class TestFromEnv:
    def test_nothing_configured_is_embedded(self, tmp_path: Path) -> None:
        settings = Settings.from_env({"SCHRIFTJE_DATA_DIR": str(tmp_path)})
        assert settings.is_embedded
        assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'schriftje.sqlite3'}"
        assert settings.media_dir == str(tmp_path / "media")
        assert len(settings.secret_key) >= 40
        again = Settings.from_env({"SCHRIFTJE_DATA_DIR": str(tmp_path)})
        assert again.secret_key == settings.secret_key  # kept in DATA_DIR, so sessions survive restarts
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0

    def test_values_are_typed(self, tmp_path: Path) -> None:
        settings = Settings.from_env(
            {"SCHRIFTJE_DATA_DIR": str(tmp_path), "SCHRIFTJE_SMTP_PORT": "2525", "SCHRIFTJE_SMTP_STARTTLS": "no"}
        )
        assert settings.smtp_port == 2525
        assert settings.smtp_starttls is False

    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({"SCHRIFTJE_SMTP_PORT": "many"}, "SCHRIFTJE_SMTP_PORT must be a whole number"),
            ({"SCHRIFTJE_SMTP_STARTTLS": "maybe"}, "SCHRIFTJE_SMTP_STARTTLS must be true or false"),
            ({"SCHRIFTJE_STORAGE": "ftp"}, "SCHRIFTJE_STORAGE must be 'local' or 's3'"),
            ({"SCHRIFTJE_DATABASE_URL": "mysql://x"}, "SCHRIFTJE_DATABASE_URL must start with"),
            ({"SCHRIFTJE_PUBLIC_URL": "kober.nl"}, "SCHRIFTJE_PUBLIC_URL must be an http(s) URL"),
            ({"SCHRIFTJE_LANGUAGE": "de"}, "SCHRIFTJE_LANGUAGE must be 'nl' or 'en'"),
            ({"SCHRIFTJE_TYPO": "1"}, "Unknown setting(s): SCHRIFTJE_TYPO"),
        ],
    )
    def test_bad_values_name_the_variable(self, tmp_path: Path, env: dict[str, str], message: str) -> None:
        with pytest.raises(SettingsError) as caught:
            Settings.from_env({"SCHRIFTJE_DATA_DIR": str(tmp_path), **env})
        assert message in str(caught.value)

    @pytest.mark.parametrize(
        "env",
        [
            {"SCHRIFTJE_DATABASE_URL": "postgresql+asyncpg://db/schriftje"},
            {"SCHRIFTJE_REDIS_URL": "redis://localhost:6379/0"},
            {"SCHRIFTJE_STORAGE": "s3"},
        ],
    )
    def test_production_without_secret_key_is_a_startup_error(self, tmp_path: Path, env: dict[str, str]) -> None:
        with pytest.raises(SettingsError, match="SCHRIFTJE_SECRET_KEY is required"):
            Settings.from_env({"SCHRIFTJE_DATA_DIR": str(tmp_path), **env})

    def test_production_without_public_url_is_a_startup_error(self, tmp_path: Path) -> None:
        env = {"SCHRIFTJE_DATABASE_URL": "postgresql+asyncpg://db/schriftje", "SCHRIFTJE_SECRET_KEY": "k"}
        with pytest.raises(SettingsError, match="SCHRIFTJE_PUBLIC_URL is required"):
            Settings.from_env({"SCHRIFTJE_DATA_DIR": str(tmp_path), **env})
        embedded = Settings.from_env({"SCHRIFTJE_DATA_DIR": str(tmp_path)})
        assert embedded.public_url.startswith("http://")  # the embedded default needs none

    def test_secrets_are_masked_in_repr(self, tmp_path: Path) -> None:
        settings = Settings.from_env(
            {
                "SCHRIFTJE_DATA_DIR": str(tmp_path),
                "SCHRIFTJE_SECRET_KEY": "very-secret-key",
                "SCHRIFTJE_SMTP_PASSWORD": "smtp-pass",
                "SCHRIFTJE_DATABASE_URL": "postgresql+asyncpg://app:db-pass@db/schriftje",
                "SCHRIFTJE_PUBLIC_URL": "https://schriftje.example.nl",
            }
        )
        text = repr(settings)
        assert "very-secret-key" not in text and "smtp-pass" not in text and "db-pass" not in text
        assert "secret_key='***'" in text

    def test_every_setting_has_help(self) -> None:
        assert all(f.metadata.get("help") for f in SETTINGS)


class TestReadme:
    def test_readme_lists_every_setting(self) -> None:
        documented = set(re.findall(r"^\| `(SCHRIFTJE_[A-Z0-9_]+)` \|", README.read_text(), flags=re.MULTILINE))
        assert documented == {env_name(f.name) for f in SETTINGS}
