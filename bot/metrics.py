"""What the running bot counts, for Prometheus (``GOODWORK_METRICS=127.0.0.1:9108``), and the endpoint that serves it.

Every metric is defined here, once. Labels take values from small fixed sets
(a kind of update, a Bot API method, an outcome), never a person, a chat, a
dialogue's text or a tranche: a scrape holds no personal data.

Counting costs a dictionary lookup and an increment; the endpoint only runs
when ``GOODWORK_METRICS`` is set.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # CPU seconds, memory, open files: the process's own
PlatformCollector(registry=REGISTRY)

UPDATES = Counter(
    "goodwork_updates",
    "Telegram updates handled, by kind (message, button, edited, membership, other)",
    ["kind"],
    registry=REGISTRY,
)
HANDLING = Histogram(
    "goodwork_update_seconds",
    "How long handling one update took, from the router to its last reply (typing pauses and 429 waits included)",
    registry=REGISTRY,
)
HANDLER_ERRORS = Counter(
    "goodwork_handler_errors",
    "Updates whose handling ended in an unexpected error (the person got an apology)",
    registry=REGISTRY,
)
SENT = Counter(
    "goodwork_messages_sent",
    "Messages that reached Telegram, by kind: reply (to someone chatting), followup, reminder, digest, tranche-digest",
    ["kind"],
    registry=REGISTRY,
)
REQUESTS = Counter(
    "goodwork_bot_api_requests",
    "Bot API requests by method and result: ok, rate_limited (429), refused (another 4xx), server_error, network",
    ["method", "result"],
    registry=REGISTRY,
)
OUTBOX = Counter(
    "goodwork_outbox_outcomes",
    "Outbox rows settled, by kind (followup, reminder, digest, tranche-digest) and outcome "
    "(sent, retry, unknown, failed, blocked, cancelled, stopped, skipped)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
DIGESTS_QUEUED = Counter("goodwork_digests_queued", "Weekly digests queued in the outbox", registry=REGISTRY)
OUTBOX_DUE = Gauge("goodwork_outbox_due", "Outbox rows due now and not sent yet", registry=REGISTRY)
OUTBOX_OLDEST = Gauge(
    "goodwork_outbox_oldest_due_seconds", "How long the oldest due outbox row has waited (0: none)", registry=REGISTRY
)
BEATS = Gauge(
    "goodwork_heartbeat_timestamp_seconds",
    "When a loop of this instance last showed it is alive (polling, webhook, outbox), Unix time",
    ["loop"],
    registry=REGISTRY,
)

_RESULTS = {200: "ok", 429: "rate_limited"}


def request_done(url: str, status: int | None) -> None:
    """A Bot API request ended with ``status`` (None: no answer). Only the method name is taken from ``url``,
    whose path also holds the token."""
    method = url.rpartition("/")[2].lower()
    REQUESTS.labels(method, _result(status)).inc()


def _result(status: int | None) -> str:
    if status is None:
        return "network"
    return _RESULTS.get(status) or ("server_error" if status >= 500 else "refused")


Refresh = Callable[[], Awaitable[None]]


class MetricsServer:
    """``GET /metrics`` on ``host:port``: ``refresh`` (reading the outbox's gauges from the store) runs first, so
    a scrape sees the database as it is; if it fails, the scrape still answers with what is counted."""

    def __init__(self, host: str, port: int, refresh: Refresh) -> None:
        self.host, self.port, self.refresh = host, port, refresh
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen, or raise OSError (the address is in use, say)."""
        app = web.Application()
        app.router.add_get("/metrics", self._scrape)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        logger.info("metrics on http://%s:%d/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _scrape(self, _request: web.Request) -> web.Response:
        try:
            await self.refresh()
        except Exception as exc:  # the counters are still worth serving
            logger.warning("metrics: the outbox could not be read (%s)", type(exc).__name__)
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})
