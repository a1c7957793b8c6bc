"""The database file: migrations, the secret check, refusals with clear messages, private files, backups."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from bot.store.errors import SchemaTooNewError, SecretMismatchError, StoreFileError
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Migration
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_schema import IMPERSONAL_TABLES, MIGRATIONS, PERSONAL_TABLES
from bot.store.sqlite_upgrade import statements

EXTRA = Migration(
    len(MIGRATIONS) + 1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY);\nCREATE INDEX n ON notes (id);"
)


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_empty_database_is_migrated(tmp_path: Path, keys: Keys) -> None:
    """A new file gets every migration, recorded with its number and name, and the secret's check value."""
    path = tmp_path / "new.sqlite3"
    async with await SqliteStore.open(path, keys=keys) as store:
        status = await store.status()
    assert status.current == status.latest == len(MIGRATIONS) and status.pending == ()
    assert [number for number, _, _ in status.applied] == [m.number for m in MIGRATIONS]
    assert set(PERSONAL_TABLES) | IMPERSONAL_TABLES == tables(path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'secret_check'").fetchone() == (keys.check,)


async def test_migrations_apply_step_by_step(tmp_path: Path, keys: Keys) -> None:
    """Opening with a newer list applies only the new migration; without migrating, status shows it pending."""
    path = tmp_path / "db.sqlite3"
    await (await SqliteStore.open(path, keys=keys)).close()
    newer = (*MIGRATIONS, EXTRA)
    async with await SqliteStore.open(path, keys=keys, migrate=False, migrations=newer) as store:
        before = await store.status(newer)
    assert before.current == len(MIGRATIONS) and [m.number for m in before.pending] == [EXTRA.number]
    assert "notes" not in tables(path)
    async with await SqliteStore.open(path, keys=keys, migrations=newer) as store:
        after = await store.status(newer)
    assert after.current == EXTRA.number and after.pending == () and "notes" in tables(path)


async def test_failed_migration_changes_nothing(tmp_path: Path, keys: Keys) -> None:
    """A migration that fails half-way is rolled back whole, its first statement included."""
    path = tmp_path / "db.sqlite3"
    await (await SqliteStore.open(path, keys=keys)).close()
    broken = Migration(EXTRA.number, "broken", "CREATE TABLE fine (id INTEGER);\nCREATE TABLE meta (id INTEGER);")
    with pytest.raises(sqlite3.OperationalError, match="table meta already exists"):
        await SqliteStore.open(path, keys=keys, migrations=(*MIGRATIONS, broken))
    assert "fine" not in tables(path)
    async with await SqliteStore.open(path, keys=keys) as store:
        assert (await store.status()).current == len(MIGRATIONS)


async def test_newer_database_refuses_to_start(tmp_path: Path, keys: Keys) -> None:
    """A database upgraded by a newer goodwork is refused with a message that says what to do."""
    path = tmp_path / "db.sqlite3"
    await (await SqliteStore.open(path, keys=keys, migrations=(*MIGRATIONS, EXTRA))).close()
    with pytest.raises(SchemaTooNewError) as caught:
        await SqliteStore.open(path, keys=keys)
    assert str(caught.value) == (
        f"the database is at schema version {EXTRA.number}, but this goodwork knows versions up to "
        f"{len(MIGRATIONS)}: upgrade goodwork (or restore a backup made by this version)"
    )


async def test_other_secret_refuses_to_start(tmp_path: Path, keys: Keys) -> None:
    """A different GOODWORK_SECRET is refused before anything is written, never silently accepted."""
    path = tmp_path / "db.sqlite3"
    await (await SqliteStore.open(path, keys=keys)).close()
    before = path.read_bytes()
    with pytest.raises(SecretMismatchError, match="GOODWORK_SECRET is not the secret this database was made with"):
        await SqliteStore.open(path, keys=Keys("another-secret-" + "y" * 32))
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(
            b"hello, I am a text file" * 100, "cannot use .* as a database: file is not a database", id="text"
        ),
        pytest.param(None, "the database holds tables goodwork did not make", id="foreign"),
    ],
)
async def test_wrong_file_is_refused(tmp_path: Path, keys: Keys, content: bytes | None, message: str) -> None:
    """A file that is not a goodwork database is refused and left as it was."""
    path = tmp_path / "other.db"
    if content is None:
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE invoices (id INTEGER)")
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StoreFileError, match=message):
        await SqliteStore.open(path, keys=keys)
    assert path.read_bytes() == before


async def test_missing_folder_is_named(tmp_path: Path, keys: Keys) -> None:
    """A path in a folder that does not exist is refused naming the folder; a folder as path too."""
    with pytest.raises(StoreFileError, match=r"folder '.*/nope' does not exist"):
        await SqliteStore.open(tmp_path / "nope" / "db.sqlite3", keys=keys)
    with pytest.raises(StoreFileError, match="it is a folder"):
        await SqliteStore.open(tmp_path, keys=keys)


async def test_files_are_private(tmp_path: Path, keys: Keys) -> None:
    """The database, its WAL and a backup are readable by their owner only, whatever the umask."""
    path = tmp_path / "db.sqlite3"
    async with await SqliteStore.open(path, keys=keys) as store:
        await mark_update(store, 1)
        assert mode(path) == 0o600 and mode(path.with_name("db.sqlite3-wal")) == 0o600
        await store.backup(tmp_path / "copy.sqlite3")
    assert mode(tmp_path / "copy.sqlite3") == 0o600


async def test_backup_of_a_live_database(tmp_path: Path, keys: Keys) -> None:
    """A backup taken while the store is open holds every committed row and opens with the same secret."""
    path, copy = tmp_path / "db.sqlite3", tmp_path / "backup.sqlite3"
    async with await SqliteStore.open(path, keys=keys) as store:
        for n in range(50):
            await mark_update(store, n)
        await store.backup(copy)
        with pytest.raises(StoreFileError, match="already exists"):
            await store.backup(copy)
    assert list(tmp_path.glob(".*partial")) == []
    async with await SqliteStore.open(copy, keys=keys) as restored:
        assert await restored.seen_update(49) and not await restored.seen_update(50)


def test_every_table_is_classified(tmp_path: Path) -> None:
    """Each table is either personal (covered by export and erase) or listed as holding no one's data."""
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as db:
        db.create_function("seal_chat", 2, lambda chat, contact: b"sealed")
        db.create_function("author_code", 1, lambda chat: "code")
        for migration in MIGRATIONS:
            for statement in statements(migration.script):
                db.execute(statement)
    assert tables(path) == set(PERSONAL_TABLES) | (IMPERSONAL_TABLES - {"migrations"})


def test_statements_are_split_whole() -> None:
    """A script splits into complete statements; a trailing fragment is an error, not a silent skip."""
    assert list(statements("CREATE TABLE a (x TEXT DEFAULT ';');\nCREATE TABLE b (y);\n")) == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "CREATE TABLE b (y);",
    ]
    with pytest.raises(ValueError, match="incomplete statement"):
        list(statements("CREATE TABLE a (x);\nCREATE TABLE b ("))


async def test_first_schema_upgrades_to_the_current(tmp_path: Path, keys: Keys) -> None:
    """A database made at schema 1 upgrades to the current schema, keeping its rows."""
    path = tmp_path / "db.sqlite3"
    async with await SqliteStore.open(path, keys=keys, migrations=MIGRATIONS[:1]) as old:
        await mark_update(old, 5)
    async with await SqliteStore.open(path, keys=keys) as store:
        status = await store.status()
        assert status.current == len(MIGRATIONS) and [n for n, _, _ in status.applied] == list(
            range(1, len(MIGRATIONS) + 1)
        )
        assert await store.seen_update(5)


async def mark_update(store: SqliteStore, update_id: int) -> None:
    """Apply a Telegram update that changes nothing else, so its id is recorded."""
    await store.set_current(Pseudonym("nobody"), None, update=update_id)
