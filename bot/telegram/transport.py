"""HTTP to the Bot API over one aiohttp session, behind python-telegram-bot's ``BaseRequest``.

python-telegram-bot's own transport (httpx) cost 0.96 to 1.42 ms of CPU per call
under load, most of it httpcore looking at every pooled connection on each
request; over an aiohttp session the same call costs about a third of that
(issue "The fast path"; ``tests/benchmarks/bench_bot.py`` prints the figures).

``BaseRequest`` turns HTTP answers into the library's errors (``RetryAfter``,
``Forbidden``, ``BadRequest``, ``NetworkError``...); this module only has to
say what went wrong on the way: a timeout (connecting, waiting for a free
connection, or reading the answer) is ``TimedOut``, anything else aiohttp raises
is ``NetworkError``. Connections are kept alive and limited in number;
``HTTP(S)_PROXY`` and ``NO_PROXY`` in the environment are honoured as
python-telegram-bot's httpx transport honours them.

The environment is read once, when the session starts, and the proxy chosen
once per host: aiohttp's own ``trust_env`` looks up the proxy and ``~/.netrc``
on every request, each in a worker thread, which took a third of the bot's CPU
under load (a py-spy profile of ``bench_bot.py``'s shipped run).
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
import httpx
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot import metrics

Timeout = float | None
# Failures that happen before a request leaves this machine: no connection could be made, or none
# was free in time. A send that failed so may be tried again without any risk of showing twice.
# (httpx's too: python-telegram-bot's own transport, which tests and the start-up probe still use.)
NOT_SENT = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)
_DEFAULT = type(BaseRequest.DEFAULT_NONE)  # what a call passes for "the transport's own timeout"


class AiohttpRequest(BaseRequest):
    """One keep-alive ``aiohttp.ClientSession`` with at most ``connections`` open connections.

    The timeouts mean what they mean for python-telegram-bot's ``HTTPXRequest``: ``pool``
    for a free connection, ``connect`` for a new one, ``read`` for the answer, ``write``
    for sending the request (``media_write`` when it carries a file).
    """

    def __init__(
        self,
        connections: int = 8,
        *,
        read: Timeout = 5.0,
        write: Timeout = 5.0,
        connect: Timeout = 5.0,
        pool: Timeout = 1.0,
        media_write: Timeout = 20.0,
    ) -> None:
        if connections < 1:
            raise ValueError("connections must be at least 1")
        self.connections = connections
        self._read, self._write, self._connect, self._pool, self._media_write = read, write, connect, pool, media_write
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str] = {}  # scheme -> proxy URL, from the environment at initialize()
        self._proxy_for: dict[tuple[str, str], str | None] = {}  # (scheme, host) -> the proxy it goes through
        self._shut = False  # shut down: calls are refused until initialize() again

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        self._shut = False
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.connections, keepalive_timeout=30.0)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})
            self._proxies, self._proxy_for = urllib.request.getproxies_environment(), {}

    async def shutdown(self) -> None:
        session, self._session, self._shut = self._session, None, True
        if session is not None and not session.closed:
            await session.close()

    async def do_request(  # noqa: PLR0917 (the signature is BaseRequest's)
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None and not self._shut:  # used before initialize(), as HTTPXRequest may be
            await self.initialize()
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data is not None else None
        read = _given(read_timeout, self._read)
        connect = _given(connect_timeout, self._connect)
        pool = _given(pool_timeout, self._pool)
        write = _given(write_timeout, self._media_write if files else self._write)
        timeout = aiohttp.ClientTimeout(total=None, connect=_sum(pool, connect), sock_connect=connect, sock_read=read)
        body = _body(request_data, files)
        try:
            async with asyncio.timeout(_sum(_sum(pool, connect), _sum(write, read))):  # write has no timeout of its own
                proxy = self._proxy(url)
                async with self._session.request(method, url, data=body, timeout=timeout, proxy=proxy) as response:
                    answer = response.status, await response.read()
        except TimeoutError as exc:  # asyncio's and aiohttp's timeouts (ServerTimeoutError) alike
            metrics.request_done(url, None)
            raise TimedOut(f"no answer from the Bot API in time ({type(exc).__name__})") from exc
        except aiohttp.ClientError as exc:
            metrics.request_done(url, None)
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc
        metrics.request_done(url, answer[0])
        return answer

    def _proxy(self, url: str) -> str | None:
        """The proxy a request to ``url`` goes through (None: directly), by the environment read at start."""
        parts = urllib.parse.urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._proxy_for:
            chosen = self._proxies.get(parts.scheme)
            if chosen is not None and urllib.request.proxy_bypass(parts.hostname or ""):
                chosen = None
            self._proxy_for[key] = chosen
        return self._proxy_for[key]


def _given(value: Any, default: Timeout) -> Timeout:
    """A timeout passed for one call, or the transport's own when the call left it at its default."""
    return default if isinstance(value, _DEFAULT) else value


def _sum(first: Timeout, second: Timeout) -> Timeout:
    """Two timeouts one after the other; None (no limit) if either has none."""
    return None if first is None or second is None else first + second


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> Any:
    """The parameters as one JSON object (the Bot API takes ``application/json``); a multipart form
    as python-telegram-bot builds it when a file goes along.

    URL-encoding the form fields (``quote_plus`` over every character of a message, in Python) cost
    more than the rest of building a request; handing aiohttp a dict built a ``FormData`` and a
    multipart writer, with a fresh uuid4 boundary, per request.
    """
    if request_data is None:
        return None
    if not files:
        return aiohttp.payload.BytesPayload(
            json.dumps(request_data.parameters, ensure_ascii=False).encode(), content_type="application/json"
        )
    form = aiohttp.FormData(request_data.json_parameters)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form


def never_sent(error: NetworkError) -> bool:
    """Whether the request behind ``error`` surely never reached Telegram (else it may have been carried out).

    An error status that Telegram answered (a 5xx: it did not carry the call out) counts as never sent;
    a dropped connection or a read timeout after the request left does not.
    """
    cause = error.__cause__
    return cause is None or isinstance(cause, (TelegramError, *NOT_SENT))
