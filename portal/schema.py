"""The whole database schema: imports every package's models so ``Base.metadata`` is
complete for Alembic and tests. A composition root like ``portal.app``: the only
other module of ``portal`` allowed to import the domain packages."""

import consent.models
import media.models
import messaging.archive.models
import messaging.leaving.models
import messaging.models
import portal.models

__all__ = ["consent", "media", "messaging", "portal"]
