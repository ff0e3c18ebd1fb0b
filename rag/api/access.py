"""Who may use the API and how much: a bearer key, a per-client rate limit, a Host check,
a body size limit counted on the bytes read, a refusal of state changes sent by other
sites' pages, and security headers on every response."""

from __future__ import annotations

import hmac
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

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
    """At most `per_minute` costly requests (questions, searches, uploads) from one client in
    any 60 seconds (a sliding window). `trusted_proxies`: the addresses whose
    `X-Forwarded-For` names the client (see `client_key`)."""

    def __init__(
        self,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
        trusted_proxies: Collection[str] = (),
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.trusted_proxies = frozenset(trusted_proxies)
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

    def client_key(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_key(peer or "unknown", forwarded_for, self.trusted_proxies)


# Requests that carry an X-Forwarded-For no trusted proxy vouches for share this bucket.
FORWARDED_BUCKET = "x-forwarded-for"


def client_key(peer: str, forwarded_for: str | None, trusted_proxies: Collection[str]) -> str:
    """The address a rate limit counts.

    `X-Forwarded-For` is believed only from a trusted proxy: then the client is the nearest
    address in it that is not a proxy. With no trusted proxy, uvicorn (whose proxy_headers
    are on by default, trusting 127.0.0.1) may already have put the header's address in the
    peer's place, so a request that carries the header cannot be told apart from one whose
    header was made up: all of them share one bucket, and a new header buys no new one."""
    if forwarded_for is None:
        return peer
    if peer in trusted_proxies:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        clients = [hop for hop in hops if hop not in trusted_proxies]
        return clients[-1] if clients else peer
    return peer if trusted_proxies else FORWARDED_BUCKET


def client_of(request: Request, limiter: RateLimiter) -> str:
    peer = request.client.host if request.client else None
    return limiter.client_key(peer, request.headers.get("x-forwarded-for"))


def rate_limited(limiter: RateLimiter) -> Callable[[Request], None]:
    """A route dependency: 429 with Retry-After once a client asks too often."""

    def check(request: Request) -> None:
        wait = limiter.wait_seconds(client_of(request, limiter))
        if wait > 0:
            raise HTTPException(
                429,
                f"Too many requests from this client; try again in {math.ceil(wait)} s.",
                headers={"Retry-After": str(math.ceil(wait))},
            )

    return check


# ---------------------------------------------------------------- the Host header


def split_host(value: str) -> tuple[str, int | None] | None:
    """A Host header (or an allowed host) as (name, port): "Example.org:8080" ->
    ("example.org", 8080), "[::1]:7860" -> ("::1", 7860); None when malformed."""
    value = value.strip().lower()
    if value.startswith("["):  # an IPv6 address, bracketed so its colons are not the port's
        name, closed, rest = value[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
    elif value.count(":") == 1:
        name, _, port = value.partition(":")
    else:
        name, port = value, ""  # no port (or a bare IPv6 address, as an allowed host)
    if port and not port.isdigit():
        return None
    return name, int(port) if port else None


def host_allowed(name: str, allowed: Collection[str]) -> bool:
    for pattern in allowed:
        pattern = pattern.strip().lower().removeprefix("[").removesuffix("]")
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class HostCheckMiddleware:
    """Refuses (400) a Host header that names none of `allowed_hosts` ("*" for any,
    "*.example.org" for its subdomains): what a DNS-rebinding page would send. Unlike
    Starlette's check, "[::1]:7860" is read as ::1."""

    def __init__(self, app: ASGIApp, allowed_hosts: Collection[str]) -> None:
        self.app = app
        self.allowed_hosts = list(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = split_host(header(scope, b"host") or "")
        if host is None or not host_allowed(host[0], self.allowed_hosts):
            response = JSONResponse(error_body("Invalid host header.", 400), status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


# ---------------------------------------------------------------- requests from other sites

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Questions change nothing stored, and chat clients in a browser (Open WebUI's direct
# connections) send them from their own origin.
QUESTION_PATHS = ("/api/ask", "/api/ask/stream")
QUESTION_PREFIXES = ("/v1/",)
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def changes_state(scope: Scope) -> bool:
    """Every request that may change what is stored: any method but GET, HEAD and OPTIONS,
    on any route (uploads, removals, the web chat's own calls, its login) but a question's."""
    path = scope.get("path", "")
    if scope.get("method", "GET") in SAFE_METHODS:
        return False
    return not (path in QUESTION_PATHS or path.startswith(QUESTION_PREFIXES))


def origin_of(scheme: str, host: str) -> tuple[str, str, int | None] | None:
    parts = split_host(host)
    if parts is None:
        return None
    name, port = parts
    return scheme, name, port or DEFAULT_PORTS.get(scheme)


def cross_site(scope: Scope) -> str | None:
    """Why this request came from another site's page, or None when it did not.

    A browser says where a request comes from: `Sec-Fetch-Site` (every current browser),
    which decides when present (only "same-origin" and "none", a typed address, pass: it
    stays right behind a TLS proxy, where our own scheme differs from the page's); else
    `Origin`, which must be this server's own (scheme, host and port, the host as the Host
    header names it). A request with neither (curl, scripts, SDKs) is no browser's: the key,
    when set, guards it."""
    site = header(scope, b"sec-fetch-site")
    if site is not None:
        return None if site.lower() in ("same-origin", "none") else f"Sec-Fetch-Site: {site[:40]}"
    origin = header(scope, b"origin")
    if origin is None:
        return None
    try:
        page = urlsplit(origin)
        theirs = origin_of(page.scheme, page.netloc)
    except ValueError:
        theirs = None
    ours = origin_of(scope.get("scheme", "http"), header(scope, b"host") or "")
    return None if theirs is not None and theirs == ours else f"Origin: {origin[:100]}"


# ---------------------------------------------------------------- the guard


class BodyTooLarge(HTTPException):
    """Raised from `receive` once a body passes its limit: whatever was reading it stops."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is over {limit} bytes, the limit.")


async def _drain(receive: Receive, limit: int) -> bool:
    """Reads the request's body and drops it; True once all of it is read, False when it
    passed `limit` bytes first (or the client went away)."""
    read = 0
    while read <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return False
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return read <= limit
    return False


class GuardMiddleware:
    """Pure ASGI (streams pass through untouched), on every route:

    - a state change sent by another site's page gets a 403 before anything parses its body
      (read up to the limit and dropped, so that a browser gets the answer);
    - a body over `max_bytes` (`upload_bytes` on the upload routes) gets a 413: at once by
      its Content-Length, and otherwise by counting the bytes as they are read (a chunked
      body has no length), so no more than the limit is ever read, spooled or parsed;
    - every response gets the security headers."""

    UPLOAD_PATHS = ("/api/documents", "/gradio_api/upload")

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_bytes = upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        limit = self.upload_bytes if scope["path"] in self.UPLOAD_PATHS else self.max_bytes
        if changes_state(scope) and (reason := cross_site(scope)) is not None:
            message = (
                f"Refused: this request came from another site's page ({reason}). Uploads, removals "
                "and other changes are taken only from this server's own pages, or from clients "
                "that are not browsers."
            )
            # The body is read and dropped (never parsed or stored) up to the limit: a browser
            # whose upload is cut off reports a network error instead of this answer.
            drained = await _drain(receive, limit)
            await self._refuse(scope, receive, send, message, 403, close=not drained)
            return
        length = header(scope, b"content-length") or "0"
        if length.isdigit() and int(length) > limit:
            message = f"The request body is {int(length)} bytes; the limit is {limit}."
            await self._refuse(scope, receive, send, message, 413)
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received, over, started = 0, False, False

        async def counted_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise BodyTooLarge(limit)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:  # whatever the app makes of the error, our 413 answers instead
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await self._refuse(scope, receive, send, BodyTooLarge(limit).detail, 413)

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, message: str, status: int, close: bool = True
    ) -> None:
        # "Connection: close": the server stops reading what else the client sends.
        headers = {"Connection": "close"} if close else None
        response = JSONResponse(error_body(message, status), status_code=status, headers=headers)
        await response(scope, receive, send)

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return send_with_headers
