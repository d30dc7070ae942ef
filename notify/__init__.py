"""Telling people wherever they are: Web Push to the devices they subscribed (the
installable app), a daily e-mail digest of what they have not seen, and the
preferences that decide both (kinds, quiet hours, what the lock screen shows).

Notify reads what messaging delivered (each user's feed, with the same entitlement
check a replay gets) and never writes content of its own; messaging does not know
it exists: the composition root wraps the broker so every delivery also hands its
recipients to the ``notify.push`` job (``notify.trigger``).
"""
