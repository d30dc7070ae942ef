"""The installation's VAPID key pair (RFC 8292) and the ``Authorization`` header a push
service wants with every push.

The key is generated once per installation and kept like the secret key: the
embedded install writes it to ``DATA_DIR/vapid_private_key.pem``; an installation
with ``SCHRIFTJE_VAPID_PRIVATE_KEY`` set uses that; otherwise (several nodes, no
shared folder) it is derived from ``SCHRIFTJE_SECRET_KEY`` with HKDF, so every node
signs with the same key and nothing else needs configuring. Browsers bind each
subscription to the public key: changing the key (or the secret key it is derived
from) makes the app subscribe again on its next open.

A signed token is valid for 12 hours and reused for every push to the same push
service (its origin) until an hour before it expires: one ECDSA signature per push
service per 11 hours, not one per push.
"""

from __future__ import annotations

import base64
import os
import time
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from py_vapid import Vapid02

from portal.settings import Settings

TOKEN_SECONDS = 12 * 3600
RENEW_BEFORE_SECONDS = 3600
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    """The installation's private key (see the module docstring for where it comes from)."""
    if settings.vapid_private_key:
        text = settings.vapid_private_key.strip()
        if "BEGIN" in text:
            key = serialization.load_pem_private_key(text.encode(), password=None)
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            return key
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if settings.is_embedded:
        return _embedded_key(Path(settings.data_dir))
    return _derived_key(settings.secret_key)


def _embedded_key(data_dir: Path) -> ec.EllipticCurvePrivateKey:
    path = data_dir / "vapid_private_key.pem"
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of this install wrote it first
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return loaded


def _derived_key(secret_key: str) -> ec.EllipticCurvePrivateKey:
    material = HKDF(algorithm=hashes.SHA256(), length=48, salt=None, info=b"schriftje vapid p-256").derive(
        secret_key.encode()
    )
    scalar = int.from_bytes(material, "big") % (_P256_ORDER - 1) + 1  # 384 bits folded: no bias worth a bit
    return ec.derive_private_key(scalar, ec.SECP256R1())


def public_key(key: ec.EllipticCurvePrivateKey) -> str:
    """The ``applicationServerKey`` browsers subscribe with: the uncompressed point, base64url."""
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(point)


class VapidSigner:
    """``Authorization: vapid t=<JWT>, k=<public key>`` per push-service origin, cached."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, subject: str) -> None:
        self._vapid = Vapid02(private_key=key)
        self.subject = subject
        self.public_key = public_key(key)
        self._tokens: dict[str, tuple[float, str]] = {}

    def header(self, endpoint: str) -> str:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._tokens.get(audience)
        if cached is not None and cached[0] - now > RENEW_BEFORE_SECONDS:
            return cached[1]
        expires = int(now) + TOKEN_SECONDS
        value = str(self._vapid.sign({"aud": audience, "exp": expires, "sub": self.subject})["Authorization"])
        self._tokens[audience] = (expires, value)
        return value


def subject(settings: Settings) -> str:
    """The contact push services may use (RFC 8292 ``sub``): ``SCHRIFTJE_PUSH_CONTACT``, else the
    sender address of Schriftje's e-mail as ``mailto:``."""
    return settings.push_contact or f"mailto:{parseaddr(settings.mail_from)[1]}"
