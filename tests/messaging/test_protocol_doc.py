"""docs/protocol.md names every frame type, event kind and close code the code uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from messaging import protocol

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()


@pytest.mark.parametrize("frame_type", protocol.CLIENT_FRAMES + protocol.SERVER_FRAMES)
def test_frame_type_is_documented(frame_type: str) -> None:
    assert f"`{frame_type}`" in DOC


@pytest.mark.parametrize("kind", protocol.EVENT_KINDS)
def test_event_kind_is_documented(kind: str) -> None:
    assert f"`{kind}`" in DOC


@pytest.mark.parametrize("code", protocol.CLOSE_CODES)
def test_close_code_is_documented(code: int) -> None:
    assert f"| {code} |" in DOC


def test_every_close_code_constant_is_listed() -> None:
    constants = {v for k, v in vars(protocol).items() if k.startswith("CLOSE_") and isinstance(v, int)}
    assert constants == set(protocol.CLOSE_CODES)
