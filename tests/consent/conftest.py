"""Consent fixtures: the messaging world with nobody having answered anything yet."""

from __future__ import annotations

import pytest

from tests.harness import Harness
from tests.messaging.conftest import World, build_world


@pytest.fixture
async def world(harness: Harness) -> World:
    return await build_world(harness)
