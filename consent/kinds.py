"""The built-in consent kinds by name. Their labels and explanations (Dutch and
English) are data in the ``consent_kind`` table, seeded by the migration."""

from __future__ import annotations

PHOTO = "photo"  # my child may appear in photos shared with our family
PHOTO_GROUP = "photo_group"  # photos showing my child may also go to the families of the other children in them

BUILT_IN = (PHOTO, PHOTO_GROUP)
