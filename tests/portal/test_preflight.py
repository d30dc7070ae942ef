"""Start-up against backends that are not there: one line saying what was tried and which
setting to check, exit status 1, never a traceback and never a password."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal.settings import Settings
from schriftje.app import preflight
from schriftje.cli import main
from tests.conftest import pg_url, run_sync

Cli = Callable[..., tuple[int, str]]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``schriftje <args>`` with these settings; its exit status and what it printed."""

    def run(*args: str, **env: str) -> tuple[int, str]:
        base = {"SCHRIFTJE_DATA_DIR": str(tmp_path), "SCHRIFTJE_SECRET_KEY": "k", "SCHRIFTJE_PUBLIC_URL": "http://x.nl"}
        for name, value in {**base, **env}.items():
            monkeypatch.setenv(name, value)
        capsys.readouterr()
        code = main(list(args))
        return code, capsys.readouterr().err

    return run


def one_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if '"logger": "werkzeug"' not in line]  # moto's own
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


class TestDatabase:
    def test_postgres_that_refuses_names_the_address_and_the_setting(self, cli: Cli) -> None:
        port = closed_port()
        url = f"postgresql+asyncpg://app:hunter2@127.0.0.1:{port}/schriftje"
        code, err = cli("serve", SCHRIFTJE_DATABASE_URL=url)
        line = one_line(err)
        assert code == 1
        assert f"cannot reach PostgreSQL at app@127.0.0.1:{port}/schriftje (connection refused)" in line
        assert "SCHRIFTJE_DATABASE_URL" in line and "hunter2" not in line

    def test_a_database_that_does_not_exist_says_to_create_it(self, cli: Cli, postgres_schema: str) -> None:
        url = pg_url().rsplit("/", 1)[0] + "/schriftje_nowhere"
        code, err = cli("migrate", SCHRIFTJE_DATABASE_URL=url)
        assert code == 1
        assert "database 'schriftje_nowhere' does not exist): create it (createdb schriftje_nowhere)" in one_line(err)

    def test_any_command_that_meets_an_unreachable_database_says_so_in_one_line(
        self, cli: Cli, postgres_schema: str
    ) -> None:
        url = pg_url().rsplit("/", 1)[0] + "/schriftje_nowhere"
        code, err = cli("create-org", "kober", "--name", "Kober", SCHRIFTJE_DATABASE_URL=url)
        assert code == 1
        assert "does not exist" in one_line(err)


class TestRedisAndStorage:
    def test_serve_refuses_a_redis_that_is_not_there(self, cli: Cli) -> None:
        code, err = cli("serve", SCHRIFTJE_REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
        assert code == 1
        assert "cannot reach Redis" in one_line(err) and "SCHRIFTJE_REDIS_URL" in err

    def test_the_worker_starts_without_redis_and_waits_for_it(self, tmp_path: Path) -> None:
        settings = Settings(
            data_dir=str(tmp_path), redis_url=f"redis://127.0.0.1:{closed_port()}/0", secret_key="k"
        ).resolved()
        assert run_sync(preflight(settings, redis=False)) == []
        assert ["cannot reach Redis" in line for line in run_sync(preflight(settings))] == [True]

    def test_a_missing_bucket_is_named(self, cli: Cli, s3_endpoint: str) -> None:
        code, err = cli(
            "serve",
            SCHRIFTJE_STORAGE="s3",
            SCHRIFTJE_S3_ENDPOINT_URL=s3_endpoint,
            SCHRIFTJE_S3_BUCKET="not-there",
            SCHRIFTJE_S3_ACCESS_KEY_ID="test",
            SCHRIFTJE_S3_SECRET_ACCESS_KEY="test",
        )
        assert code == 1
        assert "S3 at bucket 'not-there'" in one_line(err) and "the bucket does not exist" in err

    def test_an_s3_endpoint_that_refuses(self, cli: Cli) -> None:
        code, err = cli(
            "serve",
            SCHRIFTJE_STORAGE="s3",
            SCHRIFTJE_S3_ENDPOINT_URL=f"http://127.0.0.1:{closed_port()}",
            SCHRIFTJE_S3_BUCKET="b",
            SCHRIFTJE_S3_ACCESS_KEY_ID="test",
            SCHRIFTJE_S3_SECRET_ACCESS_KEY="test",
        )
        assert code == 1
        assert "(connection refused)" in one_line(err)


class TestPort:
    @pytest.fixture
    def busy(self) -> Iterator[int]:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            yield int(taken.getsockname()[1])

    def test_a_port_in_use_names_the_setting_to_change(self, cli: Cli, busy: int) -> None:
        code, err = cli("serve", SCHRIFTJE_PORT=str(busy))
        assert code == 1
        assert f"port {busy} on 127.0.0.1 is already in use" in one_line(err) and "SCHRIFTJE_PORT" in err
