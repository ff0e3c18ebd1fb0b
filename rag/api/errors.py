"""Errors as JSON in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`,
with a fitting status code: never a traceback, a server path or a copy of a huge input."""

from __future__ import annotations

import logging
import re

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from rag.errors import Cancelled, InputError, RagError

log = logging.getLogger(__name__)

# A 422 quotes at most this much of the offending input.
ECHO_CHARS = 80

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    415: "invalid_request_error",
    413: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    499: "client_closed_request",
    503: "service_unavailable",
}


def error_body(message: str, status: int, param: str | None = None, code: str | None = None) -> dict:
    kind = ERROR_TYPES.get(status, "server_error")
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_response(
    message: str, status: int, param: str | None = None, code: str | None = None, headers: dict | None = None
) -> JSONResponse:
    return JSONResponse(error_body(message, status, param, code), status_code=status, headers=headers)


def status_for(error: RagError) -> int:
    if isinstance(error, InputError):
        return error.status
    if isinstance(error, Cancelled):
        return 499
    return 503  # busy, or a model or index problem on our side


_ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:[\w.@+-]+/)+([\w.@+-]+)")


def public_message(error: BaseException | str) -> str:
    """The message without the server's folders: /home/x/app/models/q.gguf -> q.gguf."""
    return _ABSOLUTE_PATH.sub(r"\1", str(error))


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= ECHO_CHARS else text[:ECHO_CHARS] + f"… ({len(text)} characters)"


def validation_message(error: RequestValidationError) -> tuple[str, str | None]:
    problems = []
    for problem in error.errors()[:5]:
        where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
        shown = f" (got {_short(problem['input'])})" if "input" in problem else ""
        problems.append(f"{where or 'body'}: {problem.get('msg', 'invalid')}{shown}")
    first = error.errors()[0] if error.errors() else {}
    param = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
    return "Invalid request: " + "; ".join(problems), param


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RagError)
    async def rag_error(_: Request, error: RagError) -> JSONResponse:
        return error_response(public_message(error), status_for(error))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        message, param = validation_message(error)
        return error_response(message, 422, param=param)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return error_response(str(error.detail), error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return error_response("Something went wrong on the server; its log has the details.", 500)


def unknown_routes(prefix: str) -> APIRouter:
    """Unknown paths under `prefix` get a 404 in our shape (without this, the web chat
    mounted at / would answer them in its own). Included after the prefix's own routes."""
    router = APIRouter(prefix=prefix, include_in_schema=False)

    @router.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unknown(path: str) -> None:
        raise HTTPException(404, f"No route {prefix}/{path[:100]} here; see /docs.")

    return router
