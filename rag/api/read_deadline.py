"""A deadline for receiving each request, headers and body: uvicorn has none (its keep-alive
timeout covers only the quiet between requests, and any byte resets it), so a client that
sends half a request, or a byte a minute, would hold its connection forever. ASGI middleware
cannot help: it runs once the headers are complete.

The clock starts when the connection opens or a request's first byte arrives, and stops
once the request is whole; a long answer streamed back is never cut."""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)

# Their side is still sending a request in these states.
_RECEIVING = (h11.IDLE, h11.SEND_BODY)


def with_read_deadline(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request is not whole in `seconds`."""

    class ReadDeadlineProtocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and self.conn.their_state in _RECEIVING:
                self._arm()  # the next request on a kept-alive connection starts
            super().data_received(data)
            if self.conn.their_state not in _RECEIVING:
                self._disarm()  # the request is whole (or the connection is done with)

        def handle_websocket_upgrade(self, event: h11.Request) -> None:
            self._disarm()  # the connection is a websocket's from here on
            super().handle_websocket_upgrade(event)

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            self._deadline = None
            if not self.transport.is_closing():
                log.warning("closed a connection whose request was not whole after %.0f s", seconds)
                self.transport.close()

    return ReadDeadlineProtocol
