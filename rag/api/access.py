"""Who may use the API and how much: a bearer key, a per-client rate limit, a Host check,
a body size limit, and security headers on every response."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.api.errors import error_body
from rag.settings import Settings

# Gradio needs inline scripts and styles; nothing may come from another origin (no remote
# images, fonts or scripts), and no other site may frame the page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


def key_matches(settings: Settings, offered: str | None) -> bool:
    if settings.api_key is None:
        return True
    return offered is not None and hmac.compare_digest(
        offered.encode(), settings.api_key.get_secret_value().encode()
    )


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def require_key(settings: Settings) -> Callable[[Request], None]:
    """A route dependency: with RAG_API_KEY set, the request must carry it as a bearer token."""

    def check(request: Request) -> None:
        if not key_matches(settings, bearer(request)):
            raise HTTPException(
                401,
                "Missing or wrong API key: send it as 'Authorization: Bearer <key>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check


class RateLimiter:
    """At most `per_minute` questions from one client in any 60 seconds (a sliding window)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, client: str) -> float:
        """0 when the client may go ahead now (and counts it), else how long to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            times = self._seen.setdefault(client, deque())
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.per_minute:
                return 60 - (now - times[0])
            times.append(now)
            if len(self._seen) > 10_000:  # forget clients that went quiet
                self._seen = {c: t for c, t in self._seen.items() if t and now - t[-1] < 60}
            return 0.0


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def rate_limited(limiter: RateLimiter) -> Callable[[Request], None]:
    """A route dependency: 429 with Retry-After once a client asks too often."""

    def check(request: Request) -> None:
        wait = limiter.wait_seconds(client_of(request))
        if wait > 0:
            raise HTTPException(
                429,
                f"Too many questions from this client; try again in {math.ceil(wait)} s.",
                headers={"Retry-After": str(math.ceil(wait))},
            )

    return check


class GuardMiddleware:
    """Pure ASGI (streams pass through untouched): refuses bodies over `max_bytes` by their
    Content-Length (`upload_bytes` on the upload routes), and adds the security headers to
    every response."""

    UPLOAD_PATHS = ("/api/documents", "/gradio_api/upload")

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length", b"0")
        limit = self.upload_bytes if scope["path"] in self.UPLOAD_PATHS else self.max_bytes
        if length.isdigit() and int(length) > limit:
            message = f"The request body is {int(length)} bytes; the limit is {limit}."
            response = JSONResponse(error_body(message, 413), status_code=413)
            await response(scope, receive, self._with_headers(send))
            return
        await self.app(scope, receive, self._with_headers(send))

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_headers
