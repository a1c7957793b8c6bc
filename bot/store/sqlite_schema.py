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

# No Telegram id in clear: the chat id is sealed (AES-GCM, see keys.py) by the SQL function seal_chat that
# the upgrade provides; trainers credited by a prefix of their contact pseudonym get a code of its own purpose
# (author_code; "a trainer" when they are gone); forget_code/forget_until hold the one-time value a /forget
# prompt issued; erasures records each erasure under a keyed hash of its own, so that a restored backup can
# erase that person again; inbox keeps sealed updates the poller confirmed to Telegram before handling them.
_CREDIT_BY_AUTHOR_CODE = """
UPDATE {table} SET published_by = coalesce(
    'trainer ' || (
        SELECT author_code(chat_id) FROM participants WHERE substr(contact, 1, 8) = substr(published_by, 9, 8)
    ) || substr(published_by, 17),
    'a trainer' || substr(published_by, 17))
WHERE published_by GLOB 'trainer [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f] in chat*';
"""

SEALED_CHAT_IDS = (
    _CREDIT_BY_AUTHOR_CODE.format(table="dialogue_versions")
    + _CREDIT_BY_AUTHOR_CODE.format(table="course_versions")
    + """
CREATE TABLE participants_sealed (
    contact TEXT PRIMARY KEY,
    chat BLOB NOT NULL,
    language TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    digest INTEGER NOT NULL DEFAULT 1,
    active INTEGER NOT NULL DEFAULT 1,
    seen_week TEXT NOT NULL,
    forget_code TEXT,
    forget_until TEXT
) WITHOUT ROWID;

INSERT INTO participants_sealed (contact, chat, language, paused, digest, active, seen_week)
SELECT contact, seal_chat(chat_id, contact), language, paused, digest, active, seen_week FROM participants;

DROP TABLE participants;

ALTER TABLE participants_sealed RENAME TO participants;

CREATE TABLE erasures (
    number INTEGER PRIMARY KEY,
    mark TEXT NOT NULL,
    day TEXT NOT NULL
);

CREATE TABLE inbox (
    update_id INTEGER PRIMARY KEY,
    sealed BLOB NOT NULL,
    day TEXT NOT NULL
);

UPDATE outbox SET status = 'stopped'
WHERE status = 'cancelled' AND contact IN (SELECT contact FROM participants WHERE paused = 1);
"""
)

# The weekly rhythm: one digest per person (and per tranche for a trainer) per ISO week, kept on the contact
# side because a sent outbox row forgets its recipient; the trainers who follow a tranche, by contact.
DIGESTS = """
CREATE TABLE digests (
    contact TEXT NOT NULL,
    week TEXT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (contact, week, subject)
) WITHOUT ROWID;

ALTER TABLE outbox ADD COLUMN week TEXT;

CREATE TABLE tranche_trainers (
    tranche TEXT NOT NULL REFERENCES tranches (code),
    contact TEXT NOT NULL,
    PRIMARY KEY (tranche, contact)
) WITHOUT ROWID;
"""

# Insights: the day a conversation (re)started (days, never times), for the days it took to finish. The
# report's weekly figures count people per day: indexes of (day, person) answer that without reading the rows;
# the follow-ups sent per tranche come from an index of only those rows.
STARTED = """
ALTER TABLE conversations ADD COLUMN started TEXT;

CREATE INDEX conversations_by_day ON conversations (day, person);
CREATE INDEX choices_by_day ON choices (day, person);
DROP INDEX reflections_by_day;
CREATE INDEX reflections_by_day ON reflections (day, person);

CREATE INDEX outbox_followups_sent ON outbox (tranche, dialogue, due) WHERE kind = 'followup' AND status = 'sent';
"""

# Each instance's loops (polling or webhook, outbox) say here when they last went round, for ``goodwork health``
# and for the other instances: a host name, a loop's name and a time, nobody's data.
HEARTBEATS = """
CREATE TABLE heartbeats (
    instance TEXT NOT NULL,
    loop TEXT NOT NULL,
    beat TEXT NOT NULL,
    PRIMARY KEY (instance, loop)
) WITHOUT ROWID;
"""

# Several instances on one database: each update kept in the inbox names the instance that took it, which
# handles it after a restart; another instance takes over the updates of one that stopped beating.
INBOX_OWNER = """
ALTER TABLE inbox ADD COLUMN instance TEXT;
"""

SEALED_NOTE = (
    "Telegram chat ids are now kept encrypted. Backups made before this upgrade still hold them in clear: "
    "delete them, or keep them as safe as GOODWORK_SECRET."
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "participants, conversations, choices, reflections, dialogue versions, updates", INITIAL),
    Migration(2, "course tranches, enrolments with attendance counters, the outbox", COURSES),
    Migration(3, "trainers invited by link, and their one-time invitations", TRAINERS),
    Migration(4, "published course versions", COURSE_VERSIONS),
    Migration(
        5,
        "chat ids sealed, one-time /forget confirmations, a record of erasures, an inbox of sealed updates",
        SEALED_CHAT_IDS,
        SEALED_NOTE,
        True,
    ),
    Migration(6, "weekly digests once per person and week, trainers who follow a tranche", DIGESTS),
    Migration(7, "the day each conversation started, people by day", STARTED),
    Migration(8, "heartbeats of each instance's loops", HEARTBEATS),
    Migration(9, "the instance that took each update kept in the inbox", INBOX_OWNER),
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
    "digests": ("contact", "contact"),
    "tranche_trainers": ("contact", "contact"),
}
# Tables that hold nothing of any one person (tranches keep counts, never names; an erasure is a keyed hash
# of someone no longer here, which only the secret can recompute, and which matches no other value; the inbox
# holds updates sealed with the secret for the seconds until they are handled, keyed by update id).
IMPERSONAL_TABLES = frozenset(
    {
        "meta",
        "migrations",
        "dialogue_versions",
        "updates",
        "tranches",
        "invitations",
        "course_versions",
        "erasures",
        "inbox",
        "heartbeats",
    }
)
