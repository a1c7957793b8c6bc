"""Telling a PostgreSQL URL from a SQLite path, and naming a database without its password."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str) -> bool:
    """Whether ``db`` (what GOODWORK_DB takes) is a PostgreSQL URL rather than a SQLite file path."""
    return db.startswith(SCHEMES)


def shown(db: str) -> str:
    """``db`` as it may be printed and logged: a URL's password replaced by ``***``."""
    if not is_postgres(db):
        return db
    parts = urlsplit(db)
    if parts.password is None:
        return db
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))
