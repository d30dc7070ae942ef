"""What signed-in people change about their own account: the password (which
signs out their other sessions) and, for staff, the PIN that unlocks a group
tablet. Both need the current password, so a session left open on someone
else's phone cannot take the account over."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from portal.accounts.passwords import check_new_password, hash_password, verify_password
from portal.accounts.pins import check_new_pin, hash_pin
from portal.accounts.service import Principal, revoke_all_sessions
from portal.errors import BadCredentials, Forbidden


def _confirm_password(principal: Principal, password: str) -> None:
    if not verify_password(principal.user.password_hash, password):
        raise BadCredentials("account.password_wrong")


async def change_password(session: AsyncSession, principal: Principal, current: str, new: str, repeat: str) -> int:
    """Set a new password; every other session of the user ends. Returns how many did."""
    _confirm_password(principal, current)
    check_new_password(new, repeat)
    principal.user.password_hash = hash_password(new)
    return await revoke_all_sessions(session, principal.user, keep=principal.session.id)


def set_pin(principal: Principal, password: str, pin: str, repeat: str, secret_key: str) -> None:
    """Set (or replace) the staff member's tablet PIN."""
    if not principal.user.role.is_staff:
        raise Forbidden()
    _confirm_password(principal, password)
    check_new_pin(pin, repeat)
    principal.user.pin_hash = hash_pin(pin, principal.user.id, secret_key)
    principal.user.pin_failures, principal.user.pin_locked_at = 0, None  # the password was just given


def clear_pin(principal: Principal) -> None:
    principal.user.pin_hash = None


_BROWSERS = (("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (
    ("iPad", "iPad"),
    ("iPhone", "iPhone"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def device_name(label: str) -> str:
    """What a person recognises a session by: "Chrome · Android" from a browser's
    user agent; an app's own label (or a tablet's name) as it is."""
    browser = next((name for marker, name in _BROWSERS if marker in label), None)
    system = next((name for marker, name in _SYSTEMS if marker in label), None)
    if browser is None and system is None:
        return label
    return " · ".join(part for part in (browser, system) if part)
