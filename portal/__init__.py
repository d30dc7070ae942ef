"""The shell of Schriftje: settings, database, roster, accounts, the web app and the CLI.

Everything else (consent, media, messaging, workers) builds on this package;
nothing in here imports them except the composition roots ``portal.app`` and
``portal.cli``.
"""
