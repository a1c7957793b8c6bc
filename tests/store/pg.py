"""PostgreSQL for tests: ``GOODWORK_TEST_POSTGRES`` names a server (``.ci/run`` sets it); each test gets a schema
of its own there, dropped afterwards. Unset or unreachable: the test is skipped, saying why; under ``CI=true``
it fails instead, so that CI never passes without having tested PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg
import pytest

VARIABLE = "GOODWORK_TEST_POSTGRES"


def server() -> str:
    """The server's URL, or the test is skipped (failed under CI)."""
    url = os.environ.get(VARIABLE, "")
    if not url:
        _unavailable(f"{VARIABLE} is not set (a postgresql:// URL of a server the tests may create schemas on)")
    return url


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}")
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def in_schema(url: str, schema: str) -> str:
    """``url`` with ``search_path`` set to ``schema``: what ``GOODWORK_DB`` takes to use it."""
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode({"search_path": schema})]))
    return urlunsplit(parts._replace(query=query))


@asynccontextmanager
async def fresh_schema() -> AsyncIterator[str]:
    """A new, empty schema on the test server; the URL that uses it. Dropped with everything in it afterwards."""
    url, schema = server(), f"goodwork_test_{secrets.token_hex(6)}"
    try:
        admin = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        _unavailable(f"cannot connect to {VARIABLE} ({type(exc).__name__}: {exc})")
        raise  # not reached: skip and fail raise
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield in_schema(url, schema)
    finally:
        await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


@contextmanager
def fresh_schema_sync() -> Iterator[str]:
    """``fresh_schema`` for a test that is not a coroutine (one that runs ``goodwork`` commands, say)."""
    url, schema = server(), f"goodwork_test_{secrets.token_hex(6)}"

    async def run(sql: str) -> None:
        admin = await asyncpg.connect(url, timeout=10)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    try:
        asyncio.run(run(f"CREATE SCHEMA {schema}"))
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        _unavailable(f"cannot connect to {VARIABLE} ({type(exc).__name__}: {exc})")
    try:
        yield in_schema(url, schema)
    finally:
        asyncio.run(run(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
