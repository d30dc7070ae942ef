"""The composition root: the ASGI app factory (``schriftje.app``), the command line
(``schriftje.cli``) and the registry of every package's tables (``schriftje.schema``).
It imports every package; nothing imports it."""
