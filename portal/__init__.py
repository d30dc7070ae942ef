"""The shared kernel of Schriftje: settings, database, roster, accounts, web helpers,
templates and static files.

Everything else (consent, media, messaging, notify, workers) builds on this package
and nothing in here imports them; the composition root ``schriftje`` wires them up.
"""
