"""How ``schriftje serve`` speaks WebSocket: uvicorn's websockets-sansio protocol, plus
one ASGI extension that lets the hub write a frame straight to the socket.

uvicorn takes a protocol class for ``ws=`` (``uvicorn.Config``). This one adds
``messaging.ws.SEND_NOW`` to each WebSocket scope's ``extensions``: a plain function
``send_now(text) -> bool`` that frames the text and writes it to the transport at
once, or returns False (and writes nothing) when it cannot: before the handshake is
complete, after a close, or while the transport's buffer is full (uvicorn paused
writing). The hub calls it only for a frame that is next in order on an idle socket;
everything else still goes through ASGI's ``send``, which waits for the buffer to
drain, so slow clients are still found and dropped the same way. An application
that ignores the extension runs unchanged.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState

from messaging.ws import SEND_NOW

# what send_now reads of uvicorn's protocol object; checked once, so an upgrade that
# renames one turns the extension off (and a test fails) instead of breaking sockets
_USED = ("conn", "transport", "writable", "handshake_complete", "close_sent", "disconnected", "initial_response")


class DirectSendProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the upgrade was refused
        if scope is not None and SUPPORTED:
            scope["extensions"][SEND_NOW] = self.send_now

    def send_now(self, text: str) -> bool:
        """Write one text frame now if the socket can take it without waiting."""
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        try:
            self.conn.send_text(text.encode())
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True


def _supported() -> bool:
    """Whether uvicorn's protocol still has every attribute ``send_now`` reads (its
    methods' code names them)."""
    names: set[str] = set()
    for member in vars(WebSocketsSansIOProtocol).values():
        code = getattr(member, "__code__", None)
        if code is not None:
            names.update(code.co_names)
    return all(name in names for name in _USED)


SUPPORTED = _supported()
