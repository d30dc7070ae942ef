"""Consent: per-guardian photo consent per child, the pure visibility policy, and the
append-only audit trail. Built on ``portal`` (roster); used by ``media`` and up.

* ``kinds``: the names of the built-in consent kinds (their texts are data, in
  the ``consent_kind`` table).
* ``models``: consent kinds, each guardian's answers, the audit trail.
* ``policy``: who receives a photo, in which rendition; pure functions.
* ``service``: reading and changing consents, history and exports.
* ``evaluate``: the policy's inputs gathered from the database for one photo.
* ``routes``: the parent, staff, manager and admin endpoints.
"""
