"""Password hashing with argon2id (argon2-cffi), and the password rules people see.

``verify`` always spends the same work, also for unknown accounts (it checks a
dummy hash), so response times do not reveal whether an e-mail address exists.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from portal.errors import InvalidInput

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_DUMMY_HASH = _hasher.hash("schriftje-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; an absent hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_new_password(password: str, repeat: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput("auth.password_short", min=MIN_PASSWORD_CHARS)
    if len(password) > MAX_PASSWORD_CHARS:
        raise InvalidInput("auth.password_long")
    if repeat is not None and repeat != password:
        raise InvalidInput("auth.password_mismatch")
