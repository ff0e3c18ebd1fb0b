"""Prometheus metrics for GET /metrics: requests, latency, time to the first answer token,
queue depth, refusals. One registry per app, so tests can build several apps."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.pipeline import AnswerResult

# Seconds; answers on a 2-core CPU take from under a second to tens of seconds.
BUCKETS = (0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "rag_requests", "HTTP requests to the API", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "rag_request_seconds",
            "Time to the whole response",
            ["route"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.first_token = Histogram(
            "rag_first_token_seconds",
            "Time to the first answer token",
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter("rag_answers", "Questions answered", ["refused"], registry=self.registry)
        self.client_tasks = Counter(
            "rag_client_tasks",
            "Chat-client tasks (titles, tags) answered without the model",
            registry=self.registry,
        )
        self.feedback = Counter("rag_feedback", "Readers' votes on answers", ["vote"], registry=self.registry)
        self.queue = Gauge(
            "rag_queue_depth", "Callers using or waiting for the model", registry=self.registry
        )

    def answered(self, result: AnswerResult) -> None:
        self.answers.labels(refused=str(result.refused).lower()).inc()
        if "first_token_ms" in result.timings:
            self.first_token.observe(result.timings["first_token_ms"] / 1000)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every /api and /v1 request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(("/api/", "/v1/")):
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route=route, status=str(status)).inc()
            self.metrics.latency.labels(route=route).observe(time.perf_counter() - started)
