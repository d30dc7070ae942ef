"""The whole database schema: imports every package's models so ``Base.metadata`` is
complete for Alembic (``portal.database.migrate``) and tests."""

import consent.models
import media.models
import messaging.archive.models
import messaging.leaving.models
import messaging.models
import notify.models
import planning.models
import portal.models

__all__ = ["consent", "media", "messaging", "notify", "planning", "portal"]
