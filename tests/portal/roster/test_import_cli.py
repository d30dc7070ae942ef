"""``schriftje import``: all-or-nothing, idempotent, every bad line named; on both stacks.

These tests drive the real command (``schriftje.cli.main``) with the stack's
settings in the environment; on the service stack invitations go through
Redis and ``schriftje worker --burst`` sends them.
"""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.database import create_sessionmaker, engine_from_settings
from portal.mail import read_outbox
from portal.roster.models import Child, Group, Guardianship, Location, StaffAssignment, User
from portal.settings import Settings, env_name
from schriftje.cli import main
from tests.harness import ROSTER, STAFF

TABLES = (Location, Group, Child, User, Guardianship, StaffAssignment)


@pytest.fixture
def cli(stack_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    for field in dataclasses.fields(stack_settings):
        monkeypatch.setenv(env_name(field.name), str(getattr(stack_settings, field.name)))
    if stack_settings.is_postgres:
        truncate(stack_settings)

    class Cli:
        settings = stack_settings

        def run(self, *args: str) -> int:
            code = main(list(args))
            if stack_settings.redis_url:
                assert main(["worker", "--burst"]) == 0
            return code

        def write(self, name: str, text: str) -> str:
            path = tmp_path / name
            path.write_text(text, encoding="utf-8")
            return str(path)

        def counts(self) -> dict[str, int]:
            return asyncio.run(count_rows(stack_settings))

        def mails(self) -> list[str]:
            return sorted(e.to for e in read_outbox(stack_settings.outbox_dir))

    assert main(["create-org", "kober", "--name", "Kober"]) == 0
    return Cli()


def truncate(settings: Settings) -> None:
    from sqlalchemy import text

    from portal.database import Base
    from tests.harness import REFERENCE_TABLES

    async def run() -> None:
        engine = engine_from_settings(settings)
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name not in REFERENCE_TABLES)
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await engine.dispose()

    asyncio.run(run())


async def count_rows(settings: Settings) -> dict[str, int]:
    engine = engine_from_settings(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            return {
                model.__tablename__: int(await session.scalar(select(func.count()).select_from(model)) or 0)
                for model in TABLES
            }
    finally:
        await engine.dispose()


class TestGoodFile:
    def test_import_creates_everything_and_invites_guardians(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        out = capsys.readouterr().out
        assert "children created: 4" in out and "invitations: 5" in out
        assert cli.counts() == {
            "location": 2,
            "care_group": 3,
            "child": 4,
            "app_user": 5,
            "guardianship": 6,
            "staff_assignment": 0,
        }
        assert cli.mails() == [
            "anna@example.nl",
            "bram@example.nl",
            "carla@example.nl",
            "dirk@example.nl",
            "eva@example.nl",
        ]

    def test_rerun_with_the_same_file_changes_nothing(self, cli, capsys) -> None:
        path = cli.write("roster.csv", ROSTER)
        assert cli.run("import", path, "--org", "kober") == 0
        before, mails = cli.counts(), cli.mails()
        capsys.readouterr()
        assert cli.run("import", path, "--org", "kober") == 0
        out = capsys.readouterr().out
        assert "children unchanged: 4" in out and "children created: 0" in out and "invitations: 0" in out
        assert cli.counts() == before
        assert cli.mails() == mails

    def test_changed_rows_update_in_place(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        moved = ROSTER.replace("Centrum,Rupsjes,kdv,C2", "Centrum,Vlinders,peuteropvang,C2").replace(
            "Carla Bakker", "Carla Bakker-Smit"
        )
        capsys.readouterr()
        assert cli.run("import", cli.write("moved.csv", moved), "--org", "kober") == 0
        out = capsys.readouterr().out
        assert "children updated: 1" in out and "users updated: 1" in out and "children created: 0" in out
        assert cli.counts()["child"] == 4

    def test_dry_run_validates_without_writing(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober", "--dry-run") == 0
        assert "nothing was changed" in capsys.readouterr().out
        assert cli.counts()["child"] == 0
        assert cli.mails() == []

    def test_staff_import_assigns_groups(self, cli) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        assert cli.run("import-staff", cli.write("staff.csv", STAFF), "--org", "kober") == 0
        assert cli.counts()["staff_assignment"] == 2
        assert "ingrid@example.nl" in cli.mails() and "wilma@example.nl" in cli.mails()

    def test_a_group_left_off_the_staff_list_is_taken_away(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        assert cli.run("import-staff", cli.write("staff.csv", STAFF), "--org", "kober") == 0
        moved = STAFF.replace("ingrid@example.nl,staff,Centrum/Rupsjes", "ingrid@example.nl,staff,Centrum/Vlinders")
        assert moved != STAFF
        capsys.readouterr()
        assert cli.run("import-staff", cli.write("moved.csv", moved), "--org", "kober") == 0
        out = capsys.readouterr().out
        assert "links created: 1" in out and "links removed: 1" in out
        assert cli.counts()["staff_assignment"] == 2  # Vlinders instead of Rupsjes, not both
        assert cli.run("import-staff", cli.write("moved.csv", moved), "--org", "kober") == 0
        assert "links removed: 0" in capsys.readouterr().out  # idempotent


class TestBadFile:
    def test_bad_file_changes_nothing_and_names_each_line(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        before, mails = cli.counts(), cli.mails()
        bad = ROSTER + (
            "Centrum,Rupsjes,kdv,C9,Nieuw,Kind,2024-01-01,2024-06-01,,Nieuwe Ouder,nieuw@example.nl,,,,\n"
            "Centrum,Rupsjes,kdv,C10,,Kind,2024-01-01,2024-06-01,,Ouder,ouder@example.nl,,,,\n"
            "Centrum,Rupsjes,kdv,C11,Kind,Drie,gisteren,2024-06-01,,Ouder Drie,drie@example.nl,,,,\n"
        )
        capsys.readouterr()
        assert cli.run("import", cli.write("bad.csv", bad), "--org", "kober") == 1
        err = capsys.readouterr().err
        assert "2 problem(s); nothing was changed." in err
        assert "line 7: child_first_name is verplicht" in err
        assert "line 8: birth_date 'gisteren' is geen datum" in err
        assert cli.counts() == before  # the good new row on line 6 was not applied either
        assert cli.mails() == mails

    def test_staff_file_naming_an_unknown_group_is_rolled_back(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        before = cli.counts()
        staff = STAFF + "Piet Plan,piet@example.nl,staff,Centrum/Bestaatniet\n"
        capsys.readouterr()
        assert cli.run("import-staff", cli.write("staff.csv", staff), "--org", "kober") == 1
        assert "line 5: groep 'Centrum/Bestaatniet' bestaat niet" in capsys.readouterr().err
        assert cli.counts() == before

    def test_unknown_organisation(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "nope") == 1
        assert "Deze organisatie bestaat niet." in capsys.readouterr().err

    def test_unreadable_file(self, cli, capsys) -> None:
        assert main(["import", "/nonexistent/roster.csv", "--org", "kober"]) == 1
        assert "cannot read /nonexistent/roster.csv" in capsys.readouterr().err


class TestOutboxCommand:
    def test_outbox_lists_links(self, cli, capsys) -> None:
        assert cli.run("import", cli.write("roster.csv", ROSTER), "--org", "kober") == 0
        capsys.readouterr()
        assert main(["outbox"]) == 0
        out = capsys.readouterr().out
        assert "to anna@example.nl" in out
        assert "http://kober.localhost:8000/activate/" in out


def test_demo_links_follow_the_port_setting(cli, monkeypatch, capsys) -> None:
    """``SCHRIFTJE_PORT=8765 make demo`` prints links that open on port 8765."""
    default_url = next(f.default for f in dataclasses.fields(Settings) if f.name == "public_url")
    monkeypatch.setenv(env_name("public_url"), str(default_url))
    monkeypatch.setenv(env_name("port"), "8765")
    assert cli.run("demo", "--no-serve") == 0
    links = [line.strip() for line in capsys.readouterr().out.splitlines() if "/login/link/" in line]
    assert len(links) == 3 and all(link.startswith("http://127.0.0.1:8765/login/link/") for link in links)
