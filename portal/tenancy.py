"""Which organisation a request belongs to, from its Host, and the URL of an organisation.

``kober.example.org`` is organisation ``kober`` when the public URL's host is
``example.org``. A Host without such a subdomain (localhost, an IP address, the
bare public host, a single-tenant domain) falls back to ``SCHRIFTJE_DEFAULT_ORG``
and, when that is unset, to the only organisation if there is exactly one.
Browser cookies are host-only, so each organisation's sessions stay apart.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import NotFound
from portal.roster.models import Organisation
from portal.settings import Settings

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def slug_from_host(host: str, settings: Settings) -> str | None:
    """The subdomain label under the public host, or None when the Host has none."""
    name = host.strip().lower()
    if name.startswith("["):  # IPv6 literal
        return None
    name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    suffix = "." + settings.base_host
    if name.endswith(suffix):
        label = name[: -len(suffix)]
        if SLUG_RE.match(label):
            return label
    return None


def organisation_slug(host: str, settings: Settings) -> str | None:
    """The organisation this Host names, or None when only the database can tell (the
    only organisation there is)."""
    return slug_from_host(host, settings) or settings.default_org or None


async def resolve_organisation(session: AsyncSession, host: str, settings: Settings) -> Organisation:
    slug = organisation_slug(host, settings)
    if slug:
        organisation = await session.scalar(select(Organisation).where(Organisation.slug == slug))
        if organisation is None:
            raise NotFound("error.org_not_found")
        return organisation
    only = (await session.scalars(select(Organisation).limit(2))).all()
    if len(only) == 1:
        return only[0]
    raise NotFound("error.org_not_found")


def organisation_url(settings: Settings, slug: str, path: str = "/") -> str:
    """The URL people of organisation ``slug`` use: a subdomain unless it is the default."""
    parts = urlsplit(settings.public_url)
    host = parts.hostname or "localhost"
    is_ip = host.replace(".", "").isdigit() or ":" in host
    netloc = parts.netloc
    if slug != settings.default_org and not is_ip:
        netloc = f"{slug}.{netloc}"
    base = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, netloc, base + path, "", ""))
