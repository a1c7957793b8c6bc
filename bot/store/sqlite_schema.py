"""The SQLite schema as numbered migrations. Append new ones; never edit a published one.

Rules that keep the two sides apart (see ``keys.py``):
- tables keyed by a pseudonym are ``WITHOUT ROWID``: a hidden rowid would number
  rows in the order people arrived, and that order could line the sides up;
- choices and reflections get random ids and carry the day, never a time;
- the contact side keeps the ISO week it last heard from someone, not the day;
- attendance is also counted per tranche, so erasing a person does not change published figures,
  and a delivered outbox row loses its recipient and keeps only the day it went out.

Every table that holds something of a person is listed in ``PERSONAL_TABLES``;
export, erase and a test that walks the schema all read that list.
"""

from __future__ import annotations

from bot.store.protocol import Migration

INITIAL = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE participants (
    contact TEXT PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    language TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    digest INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1,
    seen_week TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE persons (
    person TEXT PRIMARY KEY,
    current TEXT,
    active_day TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE conversations (
    person TEXT NOT NULL REFERENCES persons (person) ON DELETE CASCADE,
    dialogue TEXT NOT NULL,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    revision INTEGER NOT NULL,
    done INTEGER NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (person, dialogue)
) WITHOUT ROWID;

CREATE TABLE choices (
    id INTEGER PRIMARY KEY,
    person TEXT NOT NULL REFERENCES persons (person) ON DELETE CASCADE,
    dialogue TEXT NOT NULL,
    version INTEGER NOT NULL,
    node TEXT NOT NULL,
    option TEXT NOT NULL,
    day TEXT NOT NULL,
    UNIQUE (person, dialogue, node)
);
CREATE INDEX choices_by_node ON choices (dialogue, node, option);

CREATE TABLE reflections (
    id INTEGER PRIMARY KEY,
    person TEXT NOT NULL REFERENCES persons (person) ON DELETE CASCADE,
    dialogue TEXT NOT NULL,
    version INTEGER NOT NULL,
    node TEXT NOT NULL,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    shared INTEGER NOT NULL DEFAULT 0,
    day TEXT NOT NULL,
    UNIQUE (person, dialogue, node)
);
CREATE INDEX reflections_by_day ON reflections (day);

CREATE TABLE dialogue_versions (
    dialogue TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (dialogue, version)
) WITHOUT ROWID;

CREATE TABLE updates (
    update_id INTEGER PRIMARY KEY,
    day TEXT NOT NULL
);
"""

COURSES = """
CREATE TABLE tranches (
    code TEXT PRIMARY KEY,
    course TEXT NOT NULL,
    name TEXT NOT NULL,
    day TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0,
    enrolled INTEGER NOT NULL DEFAULT 0,
    UNIQUE (course, name)
) WITHOUT ROWID;

CREATE TABLE enrolments (
    contact TEXT NOT NULL,
    tranche TEXT NOT NULL REFERENCES tranches (code),
    PRIMARY KEY (contact, tranche)
) WITHOUT ROWID;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    contact TEXT,
    tranche TEXT,
    kind TEXT NOT NULL,
    dialogue TEXT NOT NULL,
    due TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX outbox_by_due ON outbox (status, due);
CREATE INDEX outbox_by_contact ON outbox (contact);
"""

TRAINERS = """
CREATE TABLE trainers (
    contact TEXT PRIMARY KEY,
    since TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE invitations (
    code TEXT PRIMARY KEY,
    expires TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL
) WITHOUT ROWID;
"""

COURSE_VERSIONS = """
CREATE TABLE course_versions (
    course TEXT NOT NULL,
    version INTEGER NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (course, version)
) WITHOUT ROWID;
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "participants, conversations, choices, reflections, dialogue versions, updates", INITIAL),
    Migration(2, "course tranches, enrolments with attendance counters, the outbox", COURSES),
    Migration(3, "trainers invited by link, and their one-time invitations", TRAINERS),
    Migration(4, "published course versions", COURSE_VERSIONS),
)

BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS migrations (
    number INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""

# table -> (side, key column). Erase deletes by that key; export reads it.
PERSONAL_TABLES: dict[str, tuple[str, str]] = {
    "participants": ("contact", "contact"),
    "persons": ("person", "person"),
    "conversations": ("person", "person"),
    "choices": ("person", "person"),
    "reflections": ("person", "person"),
    "enrolments": ("contact", "contact"),
    "outbox": ("contact", "contact"),  # once delivered a row keeps no recipient, so it is no one's
    "trainers": ("contact", "contact"),
}
# Tables that hold nothing of any one person (tranches keep counts, never names).
IMPERSONAL_TABLES = frozenset(
    {"meta", "migrations", "dialogue_versions", "updates", "tranches", "invitations", "course_versions"}
)
