"""The allocator settings take effect on glibc (what Debian and the Docker image run)."""

from __future__ import annotations

import platform

import pytest

from portal.memory import tune_malloc


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_the_settings() -> None:
    assert tune_malloc() is True
