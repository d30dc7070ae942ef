"""Files the embedded default keeps on its own disk (the database, photos, originals,
archives, the outbox, the secret key) are the families' data: every folder is made
owner-only (0700) and every file owner-only (0600), whatever the process umask."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` and any missing parents, owner-only; an existing folder is narrowed to 0700."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):  # mkdir(parents=True) would give the parents the umask's mode
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(folder, DIR_MODE)
    if path not in missing:
        os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path) -> IO[bytes]:
    """A new file for writing (replacing one that is there), owner-only from its first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, "wb")


def make_private(path: Path) -> None:
    """Narrow an existing file (one another library created) to 0600."""
    if path.exists():
        os.chmod(path, FILE_MODE)
