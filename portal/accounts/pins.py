"""Staff PINs for unlocking a group tablet: the rules people see and the hash.

A PIN has 4 to 8 digits and may not be a run of one digit or a straight
sequence (1234, 9876). It is hashed with argon2id over an HMAC of the PIN with
the server's secret key, so a leaked database alone is not enough to try all
10^8 PINs offline. A PIN never signs anyone in by itself: it only unlocks a
registered tablet of a group the person works in, under a rate limit.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools

from portal.accounts.passwords import hash_password, verify_password
from portal.errors import InvalidInput

MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 8


def _peppered(pin: str, user_id: int, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), f"pin:{user_id}:{pin}".encode(), hashlib.sha256).hexdigest()


def hash_pin(pin: str, user_id: int, secret_key: str) -> str:
    return hash_password(_peppered(pin, user_id, secret_key))


def verify_pin(pin_hash: str | None, pin: str, user_id: int, secret_key: str) -> bool:
    """True if ``pin`` matches; costs one argon2 verification also without a PIN set."""
    return verify_password(pin_hash, _peppered(pin, user_id, secret_key))


def _is_trivial(pin: str) -> bool:
    steps = {int(b) - int(a) for a, b in itertools.pairwise(pin)}
    return len(set(pin)) == 1 or steps in ({1}, {-1})


def check_new_pin(pin: str, repeat: str) -> None:
    if not (pin.isascii() and pin.isdigit()) or not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        raise InvalidInput("tablet.pin_format", min=MIN_PIN_DIGITS, max=MAX_PIN_DIGITS)
    if _is_trivial(pin):
        raise InvalidInput("tablet.pin_trivial")
    if repeat != pin:
        raise InvalidInput("tablet.pin_mismatch")
