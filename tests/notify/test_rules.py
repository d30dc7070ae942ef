"""The small rules notify decides by: quiet hours across midnight, Retry-After in both
of its forms, which hosts count as push services, and the VAPID key's origins."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from notify.push import retry_after
from notify.service import Preferences, allowed_host, in_quiet_hours
from notify.vapid import load_key, public_key
from portal.settings import Settings

SERVICES = Settings().push_services


def quiet(start: str | None, end: str | None) -> Preferences:
    to_time = lambda v: dt.time.fromisoformat(v) if v else None  # noqa: E731
    return Preferences((), to_time(start), to_time(end), preview=False, digest=False)


@pytest.mark.parametrize(
    ("start", "end", "now", "held"),
    [
        ("20:00", "07:00", "23:59", True),
        ("20:00", "07:00", "00:00", True),
        ("20:00", "07:00", "06:59", True),
        ("20:00", "07:00", "07:00", False),
        ("20:00", "07:00", "19:59", False),
        ("12:00", "14:00", "13:00", True),
        ("12:00", "14:00", "14:00", False),
        (None, None, "03:00", False),
        ("08:00", "08:00", "08:00", False),
    ],
)
def test_quiet_hours(start: str | None, end: str | None, now: str, held: bool) -> None:
    assert in_quiet_hours(quiet(start, end), dt.time.fromisoformat(now)) is held


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
    assert retry_after("120") == 120.0
    assert retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after("Mon, 23 Nov 2026 11:59:00 GMT", now) == 0.0  # already past: at once
    assert retry_after("soon") is None and retry_after(None) is None


@pytest.mark.parametrize(
    ("host", "ok"),
    [
        ("fcm.googleapis.com", True),
        ("updates.push.services.mozilla.com", True),
        ("web.push.apple.com", True),
        ("wns2-par02p.notify.windows.com", True),
        ("push.services.mozilla.com.evil.example", False),
        ("evilfcm.googleapis.com", False),
        ("127.0.0.1", False),
        ("", False),
    ],
)
def test_only_push_services_are_sent_to(host: str, ok: bool) -> None:
    assert allowed_host(host, SERVICES) is ok


def test_the_vapid_key_is_kept_derived_or_given(tmp_path: Path) -> None:
    embedded = Settings(data_dir=str(tmp_path), secret_key="s").resolved()
    first = public_key(load_key(embedded))
    assert public_key(load_key(embedded)) == first, "the embedded key is generated once and kept"
    assert (tmp_path / "vapid_private_key.pem").stat().st_mode & 0o777 == 0o600
    service = dataclasses.replace(embedded, redis_url="redis://127.0.0.1:6379/0")
    derived = public_key(load_key(service))
    assert derived == public_key(load_key(dataclasses.replace(service, data_dir=str(tmp_path / "other"))))
    assert derived != public_key(load_key(dataclasses.replace(service, secret_key="t")))
    given = dataclasses.replace(service, vapid_private_key="A" * 42 + "E")
    assert public_key(load_key(given)) not in (first, derived)
    assert len(first) == 87  # 65 bytes, base64url: what browsers take as applicationServerKey
