"""Telling a PostgreSQL URL from a SQLite path, and naming a database without its password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str) -> bool:
    """Whether ``db`` (what GOODWORK_DB takes) is a PostgreSQL URL rather than a SQLite file path."""
    return db.startswith(SCHEMES)


def shown(db: str) -> str:
    """``db`` as it may be printed and logged: a URL's password (before the host, or as ``?password=``)
    replaced by ``***``."""
    if not is_postgres(db):
        return db
    parts = urlsplit(db)
    if parts.password is not None:
        parts = parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rsplit('@', 1)[1]}")
    query = [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))
