"""The ``schriftje`` command: migrate, demo, serve, worker, organisation set-up,
roster and staff imports, the e-mail outbox and operator login links.

A composition root like ``schriftje.app``: it may import every package. Each
command reads ``Settings.from_env()`` once and exits non-zero with a clear
message on bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import errno
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from portal.settings import Settings, SettingsError

if TYPE_CHECKING:
    import uvicorn

    from portal.roster.file_import import Kind
    from portal.roster.models import Organisation, User
    from portal.runtime import Runtime
    from portal.uow import UnitOfWork

Command = Callable[[argparse.Namespace, Settings], int]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"schriftje: {exc}", file=sys.stderr)
        return 2
    from portal.logs import configure_logging
    from portal.memory import tune_malloc

    configure_logging(settings.log_level)
    tune_malloc()  # serve runs the embedded default's jobs, worker the service stack's
    command: Command = args.func
    try:
        return command(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from portal.preflight import unreachable

        line = unreachable(settings, exc)
        if line is None:
            raise
        print(f"schriftje: {line}", file=sys.stderr)
        return 1


def _reachable(settings: Settings, *, redis: bool = True) -> bool:
    """Print one line per backend that cannot be reached; whether all can."""
    from schriftje.app import preflight

    problems = asyncio.run(preflight(settings, redis=redis))
    for line in problems:
        print(f"schriftje: {line}", file=sys.stderr)
    return not problems


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="schriftje",
        description="Schriftje: diary, photos and messages for childcare.",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    def add(name: str, func: Command, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        return p

    add("migrate", cmd_migrate, "Bring the database schema up to date.")
    p = add(
        "demo",
        cmd_demo,
        "Migrate, seed a demo organisation, print login links and serve it.",
    )
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--no-serve", action="store_true", help="Seed and print links, then exit.")
    p = add("serve", cmd_serve, "Serve the web app and WebSocket hub (uvicorn).")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p = add(
        "worker",
        cmd_worker,
        "Run the arq workers (quick jobs and long ones; needs SCHRIFTJE_REDIS_URL). Waits out Redis outages.",
    )
    p.add_argument("--burst", action="store_true", help="Exit when the queues are empty.")
    p.add_argument("--health", action="store_true", help="Exit 0 if a worker here is running (a health check).")
    p = add(
        "create-org",
        cmd_create_org,
        "Create an organisation, optionally with an admin who gets an invitation.",
    )
    p.add_argument("slug")
    p.add_argument("--name", required=True)
    p.add_argument("--admin-email")
    p.add_argument("--admin-name", default="Beheerder")
    p = add(
        "import",
        cmd_import,
        "Import a child roster CSV (all-or-nothing, safe to re-run).",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--org", required=True)
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="Validate and report without changing anything.",
    )
    p.add_argument(
        "--confirm-removals",
        action="store_true",
        help="Take guardians the file no longer names off their children (run with --dry-run first to see who).",
    )
    p = add(
        "import-staff",
        cmd_import_staff,
        "Import a staff CSV (name, email, role, groups).",
    )
    p.add_argument("file", type=Path)
    p.add_argument("--org", required=True)
    p.add_argument("--dry-run", action="store_true")
    p = add(
        "deactivate",
        cmd_deactivate,
        "End an account (someone who left): no sign-in, every session and socket closed, off every child and group.",
    )
    p.add_argument("email")
    p.add_argument("--org", required=True)
    p.add_argument("--reason", required=True, help="Why (kept in the roster's audit log).")
    p = add(
        "reactivate", cmd_reactivate, "Let a deactivated account sign in again (children and groups: via the roster)."
    )
    p.add_argument("email")
    p.add_argument("--org", required=True)
    p = add(
        "remove-guardian",
        cmd_remove_guardian,
        "Take a guardian off a child (a court order, a wrong address): their access to the child ends at once.",
    )
    p.add_argument("email")
    p.add_argument("--org", required=True)
    p.add_argument("--child", required=True, help="The child's reference from the roster (child_ref) or its id.")
    p.add_argument("--reason", required=True, help="Why (kept in the roster's audit log).")
    p = add(
        "outbox",
        cmd_outbox,
        "List e-mail in the outbox folder with the links they contain.",
    )
    p.add_argument("--last", type=int, default=20)
    p = add(
        "login-link",
        cmd_login_link,
        "Print a one-time login link for a user (support, demos).",
    )
    p.add_argument("email")
    p.add_argument("--org", required=True)
    add("settings", cmd_settings, "Print the effective settings (secrets masked).")
    return parser


def _run(coro: Awaitable[int]) -> int:
    return asyncio.run(coro)  # type: ignore[arg-type]


# ---- database ----------------------------------------------------------------------


async def _migrate(settings: Settings) -> None:
    from portal.database import engine_from_settings, migrate

    engine = engine_from_settings(settings)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from portal.preflight import check_database

    problem = asyncio.run(check_database(settings))
    if problem:
        print(f"schriftje: {problem}", file=sys.stderr)
        return 1
    asyncio.run(_migrate(settings))
    print("database is up to date")
    return 0


# ---- organisations and imports --------------------------------------------------------


def cmd_create_org(args: argparse.Namespace, settings: Settings) -> int:
    from portal.accounts.invitations import invite_after_commit
    from portal.errors import DomainError
    from portal.roster.models import Role, User
    from portal.roster.service import create_organisation
    from portal.tenancy import organisation_url
    from schriftje.app import open_runtime

    async def run() -> int:
        async with open_runtime(settings) as rt:
            try:
                async with rt.uow() as uow:
                    org = await create_organisation(
                        uow.session,
                        args.slug,
                        args.name,
                        leaving_window_days=settings.leaving_window_days,
                        language=settings.language,
                    )
                    if args.admin_email:
                        admin = User(
                            organisation_id=org.id,
                            email=args.admin_email.strip().lower(),
                            display_name=args.admin_name,
                            role=Role.ADMIN,
                            invited_at=dt.datetime.now(dt.UTC),
                        )
                        uow.session.add(admin)
                        await uow.session.flush()
                        invite_after_commit(uow, rt.queue, [admin.id])
            except DomainError as exc:
                print(f"schriftje: {exc.message(settings.language)}", file=sys.stderr)
                return 1
        print(f"organisation '{args.slug}' created: {organisation_url(settings, args.slug)}")
        return 0

    return _run(run())


def _import(args: argparse.Namespace, settings: Settings, kind: Kind) -> int:
    from portal.errors import DomainError
    from portal.roster.csvfile import ImportRejected
    from portal.roster.file_import import import_file
    from portal.roster.service import RemovalsNeedConfirming
    from schriftje.app import open_runtime

    lang = settings.language
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"schriftje: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1

    async def run() -> int:
        async with open_runtime(settings) as rt:
            try:
                report = await import_file(
                    rt,
                    args.org,
                    kind,
                    data,
                    dry_run=args.dry_run,
                    confirm_removals=getattr(args, "confirm_removals", False),
                )
            except RemovalsNeedConfirming as exc:
                print(f"schriftje: {exc.message(lang)} Nothing was changed.", file=sys.stderr)
                _print_people("guardian to remove", exc.report.guardians_removed, sys.stderr)
                print("Run again with --confirm-removals to apply.", file=sys.stderr)
                return 1
            except ImportRejected as exc:
                print(
                    f"{args.file}: {len(exc.errors)} problem(s); nothing was changed.",
                    file=sys.stderr,
                )
                for error in exc.errors:
                    print(f"  line {error.line}: {error.message(lang)}", file=sys.stderr)
                return 1
            except DomainError as exc:
                print(f"schriftje: {exc.message(lang)}", file=sys.stderr)
                return 1
        if args.dry_run:
            print("dry run: the file is valid; nothing was changed")
        else:
            print(f"{args.file}: imported into '{args.org}'")
        _print_report(report.as_dict())
        _print_people("guardian removed" if not args.dry_run else "guardian to remove", report.guardians_removed)
        _print_people("guardian added (new photos of the child wait for their consent)", report.guardians_added)
        for person in report.deactivated:
            print(f"  account deactivated: {person}")
        return 0

    return _run(run())


def _print_report(report: dict[str, int]) -> None:
    for key, value in report.items():
        print(f"  {key.replace('_', ' ')}: {value}")


def _print_people(what: str, pairs: list[tuple[str, str]], out: TextIO = sys.stdout) -> None:
    for child, person in pairs:
        print(f"  {what}: {person} of {child}", file=out)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    return _import(args, settings, "roster")


def cmd_import_staff(args: argparse.Namespace, settings: Settings) -> int:
    return _import(args, settings, "staff")


# ---- ending access -------------------------------------------------------------------


def _with_member(
    settings: Settings,
    org_slug: str,
    email: str,
    act: Callable[[Runtime, UnitOfWork, Organisation, User], Awaitable[str]],
) -> int:
    """Run ``act`` on one member of an organisation in one transaction; print what it says."""
    from portal.accounts.service import find_user_by_email
    from portal.errors import DomainError
    from portal.roster.service import get_organisation
    from schriftje.app import open_runtime

    async def run() -> int:
        async with open_runtime(settings) as rt:
            try:
                async with rt.uow() as uow:
                    org = await get_organisation(uow.session, org_slug)
                    user = await find_user_by_email(uow.session, org.id, email)
                    if user is None:
                        print(f"schriftje: no user {email} in '{org_slug}'", file=sys.stderr)
                        return 1
                    done = await act(rt, uow, org, user)
            except DomainError as exc:
                print(f"schriftje: {exc.message(settings.language)}", file=sys.stderr)
                return 1
        print(done)
        return 0

    return _run(run())


def cmd_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    from portal.accounts.deactivation import deactivate
    from portal.roster.membership import check_reason

    async def act(rt: Runtime, uow: UnitOfWork, org: Organisation, user: User) -> str:
        ended = await deactivate(uow.session, org, None, user, check_reason(args.reason))
        await rt.take_back(uow, ended)
        return (
            f"{user.email}: deactivated; every session ends within seconds"
            if ended
            else f"{user.email}: already deactivated"
        )

    return _with_member(settings, args.org, args.email, act)


def cmd_reactivate(args: argparse.Namespace, settings: Settings) -> int:
    from portal.accounts.deactivation import reactivate

    async def act(rt: Runtime, uow: UnitOfWork, org: Organisation, user: User) -> str:
        await reactivate(uow.session, org, None, user)
        return f"{user.email}: may sign in again; add children or groups through the roster"

    return _with_member(settings, args.org, args.email, act)


def cmd_remove_guardian(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import or_, select

    from portal.errors import NotFound
    from portal.roster.membership import check_reason, remove_guardian
    from portal.roster.models import Child

    async def act(rt: Runtime, uow: UnitOfWork, org: Organisation, user: User) -> str:
        ref = args.child
        child = await uow.session.scalar(
            select(Child).where(
                Child.organisation_id == org.id,
                or_(Child.external_ref == ref, Child.id == (int(ref) if ref.isdigit() else -1)),
            )
        )
        if child is None:
            raise NotFound()
        ended = await remove_guardian(uow.session, org, None, child.id, user.id, check_reason(args.reason))
        await rt.take_back(uow, ended)
        return f"{user.email}: no longer a guardian of {child.full_name}"

    return _with_member(settings, args.org, args.email, act)


# ---- mail and links ------------------------------------------------------------------


def cmd_outbox(args: argparse.Namespace, settings: Settings) -> int:
    from portal.mail import read_outbox

    if settings.smtp_host:
        print("SMTP is configured; e-mail is sent, not kept in the outbox.")
    entries = read_outbox(settings.outbox_dir)
    if not entries:
        print(f"the outbox ({settings.outbox_dir}) is empty")
    for entry in entries[-args.last :] if args.last else entries:
        print(f"{entry.date}  to {entry.to}\n  {entry.subject}")
        for link in entry.links:
            print(f"  {link}")
    return 0


def cmd_login_link(args: argparse.Namespace, settings: Settings) -> int:
    from portal.accounts.models import TokenPurpose
    from portal.accounts.service import find_user_by_email, issue_link_token
    from portal.roster.service import get_organisation
    from portal.tenancy import organisation_url
    from schriftje.app import open_runtime

    async def run() -> int:
        async with open_runtime(settings) as rt, rt.uow() as uow:
            org = await get_organisation(uow.session, args.org)
            user = await find_user_by_email(uow.session, org.id, args.email)
            if user is None:
                print(f"schriftje: no user {args.email} in '{args.org}'", file=sys.stderr)
                return 1
            token = await issue_link_token(uow.session, user, TokenPurpose.LOGIN, dt.timedelta(minutes=15))
        print(organisation_url(settings, org.slug, f"/login/link/{token}"))
        return 0

    return _run(run())


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    for field in dataclasses.fields(settings):
        value = getattr(settings, field.name)
        if field.metadata.get("secret") and value:
            value = "***"
        print(f"SCHRIFTJE_{field.name.upper()}={value}")
    from notify.vapid import load_key, public_key

    print(f"# Web Push (VAPID) public key: {public_key(load_key(settings))}")
    return 0


# ---- serving -------------------------------------------------------------------------


def uvicorn_config(settings: Settings, host: str, port: int) -> uvicorn.Config:
    """How ``schriftje serve`` runs the app. ``X-Forwarded-For`` and ``-Proto`` count only
    from ``FORWARDED_ALLOW_IPS`` (the proxy in front); from anyone else they are ignored."""
    import uvicorn

    from schriftje.app import create_app
    from schriftje.ws_server import DirectSendProtocol

    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,  # our metrics middleware logs route templates, never raw paths with tokens
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,
        ws=DirectSendProtocol,  # uvicorn's websockets-sansio, with a direct send for the hub
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,  # frames are small JSON; compressing each cost ~19 % of a node's CPU
    )


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    try:
        listening = listen(host, port)
    except PortUnavailable as exc:
        print(f"schriftje: {exc}", file=sys.stderr)
        return 1
    tune_garbage_collector()
    uvicorn.Server(uvicorn_config(settings, host, port)).run(sockets=[listening])
    return 0


GC_YOUNG_THRESHOLD = 10_000  # Python's default is 700
GC_OLDER_THRESHOLDS = (20, 20)  # defaults 10, 10


def tune_garbage_collector() -> None:
    """A serving process holds thousands of long-lived objects per thousand sockets; with
    Python's default thresholds the cycle collector walked them all again and again during
    a reconnect storm (11 s of 22 s of CPU for 6,000 sockets; docs/benchmarks.md). What
    was imported is frozen out of every collection, and the young generation is collected
    after 10,000 allocations instead of 700: collections are rarer and as cheap as before."""
    import gc

    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *GC_OLDER_THRESHOLDS)


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound before the app starts, so a port in use is one
    line naming the setting to change (not uvicorn's traceback after a full start-up).
    Raises ``PortUnavailable``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listening = socket.socket(family, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as exc:
        listening.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} on {host} is already in use: stop what uses it, or choose another port "
                f"with SCHRIFTJE_PORT (or --port)"
            ) from exc
        if exc.errno == errno.EACCES:
            raise PortUnavailable(f"may not listen on port {port}: choose one above 1023 with SCHRIFTJE_PORT") from exc
        raise PortUnavailable(f"cannot listen on {host}:{port} ({exc.strerror}): check SCHRIFTJE_HOST") from exc
    listening.set_inheritable(True)
    return listening


class PortUnavailable(Exception):
    """The server cannot listen where the settings say."""


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if not _reachable(settings):
        return 1
    if settings.is_embedded:
        asyncio.run(_migrate(settings))  # one machine, one command: keep the embedded schema current
    return _serve(settings, args.host or settings.host, args.port or settings.port)


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.worker import HealthFile, burst, run

    if not settings.redis_url:
        print(
            "schriftje: the worker needs SCHRIFTJE_REDIS_URL; embedded installs run jobs in-process.", file=sys.stderr
        )
        return 2
    if args.health:
        healthy, why = HealthFile(settings).healthy()
        print(f"schriftje worker: {why}", file=sys.stdout if healthy else sys.stderr)
        return 0 if healthy else 1
    if not _reachable(settings, redis=args.burst):  # running, it waits Redis out
        return 1
    if args.burst:
        asyncio.run(burst(settings))
        return 0

    async def until_stopped() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for stop in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await run(settings)

    asyncio.run(until_stopped())
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from consent.demo import seed_demo_consents
    from planning.demo import seed_demo_planning
    from portal.database import create_sessionmaker, engine_from_settings
    from portal.demo import DEMO_PASSWORD, DEMO_SLUG, demo_login_links, seed_demo
    from portal.tenancy import organisation_url
    from portal.uow import UnitOfWork

    host = args.host or settings.host
    port = args.port or settings.port
    if not _reachable(settings):
        return 1
    changes: dict[str, object] = {"default_org": settings.default_org or DEMO_SLUG}
    default_url = next(f.default for f in dataclasses.fields(Settings) if f.name == "public_url")
    if args.port or args.host or settings.public_url == default_url:  # the links follow SCHRIFTJE_PORT too
        changes["public_url"] = f"http://{host}:{port}"
    settings = dataclasses.replace(settings, **changes)  # type: ignore[arg-type]

    async def prepare() -> list[tuple[str, str, str]]:
        await _migrate(settings)
        engine = engine_from_settings(settings)
        try:
            async with UnitOfWork(create_sessionmaker(engine)) as uow:
                org = await seed_demo(uow.session)
                await seed_demo_consents(uow.session, org)
                await seed_demo_planning(uow.session, org)
                logins = await demo_login_links(uow.session, org)
        finally:
            await engine.dispose()
        return [
            (role, email, organisation_url(settings, DEMO_SLUG, f"/login/link/{token}"))
            for role, (email, token) in (
                ("ouder", logins.parent),
                ("medewerker", logins.staff),
                ("beheerder", logins.admin),
            )
        ]

    links = asyncio.run(prepare())
    print("\nSchriftje demo is ready. One-time login links (valid for an hour):\n")
    for role, email, link in links:
        print(f"  {role:<11} {email}\n              {link}\n")
    print(f"Every demo account also logs in with its e-mail address and the password '{DEMO_PASSWORD}'.")
    if args.no_serve:
        return 0
    print(f"Serving on http://{host}:{port}  (Ctrl+C stops)\n", flush=True)
    return _serve(settings, host, port)


if __name__ == "__main__":
    raise SystemExit(main())
