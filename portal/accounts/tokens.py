"""Secret tokens: generation and the hash under which they are stored.

Raw tokens go into links, cookies and ``Authorization`` headers only; the
database keeps their SHA-256 so a leaked table grants nothing.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
