"""The embedded default keeps families' data on its own disk: the data folder and
everything Schriftje writes in it (database, photos, archives, outbox, secret key)
is owner-only, whatever the umask."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from portal.settings import Settings
from tests.conftest import PUBLIC_URL
from tests.harness import Harness
from tests.media.conftest import consenting_world, upload


def modes(root: Path) -> dict[str, tuple[int, bool]]:
    """Every path under ``root`` (and itself): its permission bits, and whether it is a folder."""
    return {str(p): (stat.S_IMODE(p.stat().st_mode), p.is_dir()) for p in (root, *root.rglob("*"))}


async def test_every_folder_is_0700_and_every_file_0600(tmp_path: Path, sqlite_template: Path) -> None:
    old = os.umask(0o022)  # a typical server umask: group and world may read
    try:
        data = tmp_path / "data"
        data.mkdir(mode=0o755)  # made by hand, readable by all
        shutil.copy(sqlite_template, data / "schriftje.sqlite3")  # an existing database, 0644
        settings = Settings(data_dir=str(data), public_url=PUBLIC_URL).resolved()  # makes the secret key
        async with Harness.open(settings) as harness:
            world = await consenting_world(harness)  # invitations go to the outbox
            response = await upload(world, "ingrid@example.nl", "Rupsjes", [{"children": [world.children["Noor"]]}])
            assert response.status_code == 201
            await harness.run_jobs()
    finally:
        os.umask(old)
    found = modes(data)
    assert any(p.endswith("schriftje.sqlite3") for p in found) and any(p.endswith("/original") for p in found)
    assert any("/outbox/" in p for p in found) and any(p.endswith("secret_key") for p in found)
    loose = {p: oct(m) for p, (m, folder) in found.items() if m != (0o700 if folder else 0o600)}
    assert loose == {}
