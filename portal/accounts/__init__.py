"""Accounts: passwords, one-time links (activation, reset, login), sessions and bearer tokens."""
