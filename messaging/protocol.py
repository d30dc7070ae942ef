"""The WebSocket protocol's vocabulary in one place: frame types, event kinds, close
codes and limits. ``docs/protocol.md`` documents each; a test fails when one is
missing there."""

from __future__ import annotations

# frame types, client -> server
HELLO = "hello"
PING = "ping"

# frame types, server -> client
READY = "ready"
EVENT = "event"
RETRACT = "retract"
RESET = "reset"
HEARTBEAT = "heartbeat"
PONG = "pong"
ERROR = "error"

CLIENT_FRAMES = (HELLO, PING)
SERVER_FRAMES = (READY, EVENT, RETRACT, RESET, HEARTBEAT, PONG, ERROR)

# event kinds (the "kind" of an event frame and of a feed item)
GROUP_POST_CREATED = "group_post.created"
DIARY_ENTRY_CREATED = "diary_entry.created"
MESSAGE_CREATED = "message.created"

EVENT_KINDS = (GROUP_POST_CREATED, DIARY_ENTRY_CREATED, MESSAGE_CREATED)

# close codes
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SLOW_CONSUMER = 4408
CLOSE_TOO_BIG = 4413
CLOSE_RATE_LIMITED = 4429
CLOSE_PROTOCOL_ERROR = 4400

CLOSE_CODES = (
    CLOSE_PROTOCOL_ERROR,
    CLOSE_UNAUTHENTICATED,
    CLOSE_FORBIDDEN,
    CLOSE_SLOW_CONSUMER,
    CLOSE_TOO_BIG,
    CLOSE_RATE_LIMITED,
)

# limits
HELLO_TIMEOUT_SECS = 10.0
HEARTBEAT_SECS = 25.0
MAX_CLIENT_FRAME_BYTES = 4096
MAX_CLIENT_FRAMES_PER_10_SECS = 50
MAX_QUEUED_EVENTS = 512
REPLAY_LIMIT = 5000
SLOW_CLOSE_TIMEOUT_SECS = 30.0
