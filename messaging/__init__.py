"""Messaging: threads, group posts, diary entries, news, the per-user feed with its
gap-free cursor, the WebSocket hub and the broker (in-process or Redis).

Empty in the foundation; the live-hub issue fills it.
"""
