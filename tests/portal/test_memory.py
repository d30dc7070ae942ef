"""The allocator settings take effect on glibc (what Debian and the Docker image run)."""

from __future__ import annotations

import platform

import pytest

from portal.memory import M_MMAP_THRESHOLD, M_TRIM_THRESHOLD, mallopt, tune_malloc


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_the_settings() -> None:
    assert tune_malloc() is True


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_accepts_the_photo_sandboxs_thresholds() -> None:
    assert mallopt(M_MMAP_THRESHOLD, 256 * 1024 * 1024) is True
    assert mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024) is True
