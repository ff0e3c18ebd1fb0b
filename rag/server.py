"""The app: the answer API (FastAPI routers in `rag/api/`) with the web chat (Gradio)
mounted in the same server.

If the pipeline cannot be built (missing model, unreadable index), the server still starts
and says why, without server paths, on every route that needs it.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from rag.api import ask, documents, feedback, openai_compat, responses
from rag.api.access import GuardMiddleware, HostCheckMiddleware, RateLimiter, rate_limited, require_key
from rag.api.errors import install_error_handlers, unknown_routes
from rag.api.metrics import MetricsMiddleware
from rag.api.read_deadline import with_read_deadline
from rag.api.runtime import Runtime, runtime_of
from rag.api.schemas import Health
from rag.documents import skipped_files
from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.settings import Settings


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> FastAPI:
    """`pipeline` is built at start-up when not given (tests hand in their own)."""
    # X-Forwarded-For is believed only from these proxies (none by default).
    proxies = settings.trusted_proxies
    limiter = RateLimiter(settings.rate_limit_per_minute, trusted_proxies=proxies)
    runtime = Runtime(settings, pipeline, limiter=limiter)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if runtime.pipeline is None:
            from rag.build import build_pipeline

            try:
                runtime.pipeline = build_pipeline(settings, serve_at_once=True)
                runtime.library().catch_up()  # what the index lacks, indexed while it serves
                # Load the model's weights while the server already answers; a question
                # that comes sooner waits for it at the model's gate.
                threading.Thread(target=runtime.pipeline.warm_up, name="warm-up", daemon=True).start()
            except RagError as error:
                runtime.fail(error)
        yield

    app = FastAPI(
        title="Grounded QA",
        description="Cited answers over the documents in seeds/. With RAG_API_KEY set, send "
        "`Authorization: Bearer <key>`.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    key = Depends(require_key(settings))
    # The rate limit guards every costly route: questions, searches, uploads.
    costly = [Depends(rate_limited(runtime.limiter))]
    app.include_router(ask.router(costly), dependencies=[key])
    app.include_router(documents.router(costly), dependencies=[key])
    app.include_router(feedback.router(costly), dependencies=[key])
    app.include_router(unknown_routes("/api"))
    app.include_router(openai_compat.router(costly), dependencies=[key])
    app.include_router(responses.router(costly), dependencies=[key])
    app.include_router(unknown_routes("/v1"), dependencies=[key])

    @app.get("/healthz", response_model=Health)
    def healthz(request: Request) -> JSONResponse:
        state = runtime_of(request)
        if state.pipeline is None:
            health = Health(status="error", error=state.startup_error or "starting")
            return JSONResponse(health.model_dump(exclude_none=True), status_code=503)
        skipped = [asdict(s) for s in skipped_files(settings.seeds_dir)]
        return JSONResponse(
            Health(
                status="ok",
                passages=len(state.pipeline.retriever.passages),
                skipped=skipped or None,
                decision=state.pipeline.decision_status(),
                rules_off=state.pipeline.rules_off(),
                backend_lacks=state.pipeline.backend_lacks() or None,
                languages=list(settings.language_codes),
            ).model_dump(exclude_none=True)
        )

    @app.get("/metrics", dependencies=[key], response_class=Response)
    def metrics(request: Request) -> Response:
        state = runtime_of(request)
        if state.pipeline is not None:
            state.metrics.queue.set(state.pipeline.gate.occupied)
        return Response(state.metrics.exposition(), media_type="text/plain; version=0.0.4")

    import gradio as gr

    from rag.ui import CSS, build_ui

    auth = None
    if settings.api_key is not None:
        secret = settings.api_key.get_secret_value().encode()

        def auth(_user: str, password: str) -> bool:
            return hmac.compare_digest(password.encode(), secret)

    app = gr.mount_gradio_app(
        app,
        build_ui(runtime),
        path="/",
        css=CSS,
        auth=auth,
        auth_message="This server asks for its key: any user name, the key as the password.",
        show_error=False,
        max_file_size=int(settings.max_upload_mb * 1_000_000),
    )
    # Outermost first: the Host check, then the cross-site check, size limit and headers,
    # then the metrics.
    app.add_middleware(MetricsMiddleware, metrics=runtime.metrics)
    uploads = int(settings.max_upload_mb * 1_000_000) + 100_000  # the file and its multipart wrapping
    app.add_middleware(GuardMiddleware, max_bytes=settings.max_request_bytes, upload_bytes=uploads)
    app.add_middleware(HostCheckMiddleware, allowed_hosts=settings.allowed_hosts)
    return app


def server_config(settings: Settings, app: FastAPI, log_level: str = "info") -> uvicorn.Config:
    """How uvicorn serves the app: each request whole within `request_read_seconds`, and
    (proxy_headers=False) the client address never taken from X-Forwarded-For by uvicorn
    itself: the rate limit believes that header only from RAG_TRUSTED_PROXIES."""
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        proxy_headers=False,
        http=with_read_deadline(settings.request_read_seconds),
    )
