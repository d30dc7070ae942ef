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
PROGRESS = "progress"  # transient: outside ``seq``, never stored or replayed
HEARTBEAT = "heartbeat"
PONG = "pong"
ERROR = "error"

CLIENT_FRAMES = (HELLO, PING)
SERVER_FRAMES = (READY, EVENT, RETRACT, RESET, PROGRESS, HEARTBEAT, PONG, ERROR)

# content types and event kinds: "<content>.<verb>"; the data is the content as it is now
GROUP_POST = "group_post"
DIARY_ENTRY = "diary_entry"
DAY_ENTRY = "day_entry"  # one moment of a child's structured day (a meal, a nap, a nappy)
MESSAGE = "message"
NEWS = "news"
ABSENCE = "absence"
POST_ACK = "post_ack"
PHOTO = "photo"  # ref: a photo rendition, so each recipient's frame names the rendition they may see
PHOTO_UPLOAD = "photo_upload"  # ref: the photo; its processing status, for the uploader
ARCHIVE = "archive"  # ref: an archive ("download everything"), for the guardian who asked
CHILD = "child"  # ref: a child; only in ``child.retracted``
GROUP = "group"  # ref: a group; only in ``group.retracted``
PLANNING = "planning"  # ref: a swap or extra-day request (rendered by the planning package)

CREATED = "created"
EDITED = "edited"
DELETED = "deleted"
READ = "read"
SHARED = "shared"
FAILED = "failed"
BLOCKED = "blocked"
RETRACTED = "retracted"
FINISHED = "ready"
ADVANCED = "progress"
DECIDED = "decided"
REQUESTED = "requested"


def kind(content: str, verb: str) -> str:
    return f"{content}.{verb}"


GROUP_POST_CREATED = kind(GROUP_POST, CREATED)
DIARY_ENTRY_CREATED = kind(DIARY_ENTRY, CREATED)
DAY_ENTRY_CREATED = kind(DAY_ENTRY, CREATED)
DAY_ENTRY_EDITED = kind(DAY_ENTRY, EDITED)  # a nap ended, a time or a field corrected
DAY_ENTRY_DELETED = kind(DAY_ENTRY, DELETED)
MESSAGE_CREATED = kind(MESSAGE, CREATED)
NEWS_CREATED = kind(NEWS, CREATED)
ABSENCE_CREATED = kind(ABSENCE, CREATED)
POST_ACK_CREATED = kind(POST_ACK, CREATED)
MESSAGE_READ = kind(MESSAGE, READ)
PHOTO_SHARED = kind(PHOTO, SHARED)
PHOTO_UPLOAD_FAILED = kind(PHOTO_UPLOAD, FAILED)
PHOTO_UPLOAD_BLOCKED = kind(PHOTO_UPLOAD, BLOCKED)
ARCHIVE_READY = kind(ARCHIVE, FINISHED)
PHOTO_RETRACTED = kind(PHOTO, RETRACTED)  # ref: the rendition taken back; sent as a ``retract`` frame
ARCHIVE_PROGRESS = kind(ARCHIVE, ADVANCED)  # transient: a build's percentage, sent as a ``progress`` frame
PHOTO_UPLOAD_PROGRESS = kind(PHOTO_UPLOAD, ADVANCED)  # transient: a clip's transcode percentage, for staff
CHILD_RETRACTED = kind(CHILD, RETRACTED)  # a guardian was taken off the child: all of it goes
GROUP_RETRACTED = kind(GROUP, RETRACTED)  # a staff member left the group: all of it goes
PLANNING_DECIDED = kind(PLANNING, DECIDED)  # a request granted, refused or put on the wait list
PLANNING_REQUESTED = kind(PLANNING, REQUESTED)  # a request waits for a manager's decision (the inbox)

RETRACT_KINDS = (PHOTO_RETRACTED, CHILD_RETRACTED, GROUP_RETRACTED)
TRANSIENT_KINDS = (ARCHIVE_PROGRESS, PHOTO_UPLOAD_PROGRESS)  # not in the feed: no ``seq``, lost when no socket is open


def frame_type(event_kind: str) -> str:
    """``retract`` for kinds that take something back, ``progress`` for transient ones, ``event`` for the rest."""
    if event_kind in TRANSIENT_KINDS:
        return PROGRESS
    return RETRACT if event_kind in RETRACT_KINDS else EVENT


EDITABLE = (GROUP_POST, DIARY_ENTRY, MESSAGE, NEWS)
DELETABLE = (GROUP_POST, DIARY_ENTRY, MESSAGE, NEWS, ABSENCE)

EVENT_KINDS = (
    *(kind(c, CREATED) for c in DELETABLE),
    DAY_ENTRY_CREATED,
    DAY_ENTRY_EDITED,
    DAY_ENTRY_DELETED,
    POST_ACK_CREATED,
    MESSAGE_READ,
    PHOTO_SHARED,
    PHOTO_UPLOAD_FAILED,
    PHOTO_UPLOAD_BLOCKED,
    PHOTO_RETRACTED,
    CHILD_RETRACTED,
    GROUP_RETRACTED,
    ARCHIVE_READY,
    ARCHIVE_PROGRESS,
    PLANNING_DECIDED,
    PLANNING_REQUESTED,
    *(kind(c, EDITED) for c in EDITABLE),
    *(kind(c, DELETED) for c in DELETABLE),
)

# close codes
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_SLOW_CONSUMER = 4408
CLOSE_TOO_BIG = 4413
CLOSE_RATE_LIMITED = 4429
CLOSE_PROTOCOL_ERROR = 4400
CLOSE_TRY_AGAIN = 1013  # the standard "try again later": the node could not finish the handshake now
CLOSE_BAD_DATA = 1007  # the standard "invalid frame payload data": JSON nested too deeply to read

CLOSE_CODES = (
    CLOSE_TRY_AGAIN,
    CLOSE_BAD_DATA,
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
SLOW_SEND_SECS = 10.0  # a frame the client has not taken in this long: its socket is dropped (4408)
HANDSHAKE_BATCHES = 2  # per step of the handshake (credentials, cursors): batches reading the database at once
HANDSHAKE_BATCH_MAX = 500  # hellos per batch; the rest wait in line for the next batch, not in the pool
REPLAY_LIMIT = 5000
SLOW_CLOSE_TIMEOUT_SECS = 30.0
