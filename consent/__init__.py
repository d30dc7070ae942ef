"""Consent: per-guardian photo consent per child, the pure visibility policy, and the
append-only audit trail. Built on ``portal`` (roster); used by ``media`` and up.

Empty in the foundation; the consent issue fills it.
"""
