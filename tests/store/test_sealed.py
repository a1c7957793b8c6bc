"""No Telegram id at rest: chat ids are sealed, the migration seals old ones, and the files hold none."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from store_helpers import FakeClock

from bot.dialogue.model import DialogueId
from bot.store.errors import SealError, StoreError
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Store
from bot.store.sqlite import SqliteStore
from bot.store.sqlite_schema import MIGRATIONS

sys.path.insert(0, str(Path(__file__).parents[1] / "telegram"))
from idscan import database_files, hits

# Large, distinctive ids (beyond 32 bits, as many Telegram ids are now), so no byte pattern matches by chance.
PEOPLE = [7_301_000_000 + 7919 * n for n in range(12)]


def test_a_sealed_chat_id_opens_only_with_its_secret_and_row(keys: Keys) -> None:
    """The same chat id seals differently each time; another secret or another row cannot open it."""
    contact = keys.telegram(PEOPLE[0]).contact
    first, second = keys.seal_chat(PEOPLE[0], contact), keys.seal_chat(PEOPLE[0], contact)
    assert first != second and keys.open_chat(first, contact) == keys.open_chat(second, contact) == PEOPLE[0]
    with pytest.raises(SealError):
        Keys("another-secret-" + "q" * 32).open_chat(first, contact)
    with pytest.raises(SealError):
        keys.open_chat(first, keys.telegram(PEOPLE[1]).contact)
    with pytest.raises(SealError):
        keys.open_chat(first[:-1] + bytes([first[-1] ^ 1]), contact)


async def test_no_telegram_id_in_the_files_of_a_live_store(tmp_path: Path, keys: Keys, clock: FakeClock) -> None:
    """With people written and settings changed (the WAL not yet checkpointed), no file holds an id in any form."""
    path = tmp_path / "live.sqlite3"
    async with await SqliteStore.open(path, keys=keys, clock=clock) as store:
        for n, user_id in enumerate(PEOPLE):
            who = keys.telegram(user_id)
            await store.receive(who.contact, user_id, update_id=n)
            await store.update_participant(who.contact, language="en", update=1000 + n)
        assert path.with_name(path.name + "-wal").stat().st_size > 0, "the test must see a WAL with frames"
        assert hits(database_files(path), PEOPLE) == []
        assert [(await store.participant(keys.telegram(u).contact)) is not None for u in PEOPLE] == [True] * 12


async def test_upgrade_seals_the_chat_ids_of_an_older_database(tmp_path: Path, keys: Keys, clock: FakeClock) -> None:
    """A schema-4 database keeps chat ids in clear; after the upgrade none is left in any byte of its files."""
    path = tmp_path / "old.sqlite3"
    async with await SqliteStore.open(path, keys=keys, clock=clock, migrations=MIGRATIONS[:4]) as old:
        await old._writer.transaction(  # what goodwork before migration 5 wrote
            lambda db: db.executemany(
                "INSERT INTO participants (contact, chat_id, language, seen_week) VALUES (?, ?, 'nl', '2026-W48')",
                [(keys.telegram(user_id).contact, user_id) for user_id in PEOPLE],
            )
        )
    assert len(hits(database_files(path), PEOPLE)) >= len(PEOPLE), "the test must see the ids in clear first"
    async with await SqliteStore.open(path, keys=keys, clock=clock) as store:
        assert store.upgraded[0].number == 5 and "Backups made before" in store.upgraded[0].note
        reached = [await store.participant(keys.telegram(user_id).contact) for user_id in PEOPLE]
        assert [(p.chat_id, p.language) if p else None for p in reached] == [(u, "nl") for u in PEOPLE]
        assert hits(database_files(path), PEOPLE) == []
    assert hits(database_files(path), PEOPLE) == []


async def test_a_thief_sees_only_sealed_bytes(tmp_path: Path, keys: Keys, clock: FakeClock) -> None:
    """Read without the secret, the contact side holds an opaque value where the chat id was."""
    path = tmp_path / "db.sqlite3"
    async with await SqliteStore.open(path, keys=keys, clock=clock) as store:
        await store.save_participant(keys.telegram(PEOPLE[0]).contact, PEOPLE[0])
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(participants)")]
        (chat,) = db.execute("SELECT chat FROM participants").fetchone()
    assert "chat_id" not in columns and isinstance(chat, bytes) and len(chat) == 37


async def test_a_database_sealed_with_another_secret_is_refused(tmp_path: Path, keys: Keys) -> None:
    """A sealed value that does not open (a row copied in from elsewhere) is a store error, not a wrong chat."""
    path = tmp_path / "db.sqlite3"
    async with await SqliteStore.open(path, keys=keys) as store:
        contact = keys.telegram(PEOPLE[0]).contact
        await store.save_participant(contact, PEOPLE[0])
        foreign = Keys("another-secret-" + "q" * 32).seal_chat(PEOPLE[0], contact)
        await store._writer.transaction(lambda db: db.execute("UPDATE participants SET chat = ?", (foreign,)))
        with pytest.raises(StoreError, match="cannot open"):
            await store.participant(contact)


async def test_author_codes_match_no_stored_value(store: Store, keys: Keys) -> None:
    """A trainer's "published by" code is stable and is not a prefix of their contact or person pseudonym."""
    who = keys.telegram(PEOPLE[0])
    code = keys.author(PEOPLE[0])
    assert code == keys.author(PEOPLE[0]) and len(code) == 8 and code != keys.author(PEOPLE[1])
    assert not who.contact.startswith(code) and not who.person.startswith(code) and not who.erasure.startswith(code)
    assert Pseudonym(code) not in (who.contact, who.person)


async def test_upgrade_credits_trainers_by_a_code_of_their_own(tmp_path: Path, keys: Keys, clock: FakeClock) -> None:
    """Versions credited to a prefix of a contact pseudonym get the trainer's author code ("a trainer" if gone)."""
    path = tmp_path / "old.sqlite3"
    here, gone = keys.telegram(PEOPLE[0]), keys.telegram(PEOPLE[1])
    async with await SqliteStore.open(path, keys=keys, clock=clock, migrations=MIGRATIONS[:4]) as old:
        await old._writer.transaction(
            lambda db: db.execute(
                "INSERT INTO participants (contact, chat_id, seen_week) VALUES (?, ?, '2026-W48')",
                (here.contact, PEOPLE[0]),
            )
        )
        await old.publish(DialogueId("sample"), "id: sample\n", f"trainer {here.contact[:8]} in chat")
        await old.publish(DialogueId("sample"), "id: sample\n#2\n", f"trainer {gone.contact[:8]} in chat")
        await old.publish(
            DialogueId("sample"), "id: sample\n#3\n", f"trainer {here.contact[:8]} in chat (rollback to 1)"
        )
        await old.publish(DialogueId("sample"), "id: sample\n#4\n", "command line (root)")
    async with await SqliteStore.open(path, keys=keys, clock=clock) as store:
        credited = [v.published_by for v in reversed(await store.versions(DialogueId("sample")))]
    code = keys.author(PEOPLE[0])
    assert credited == [
        f"trainer {code} in chat",
        "a trainer in chat",
        f"trainer {code} in chat (rollback to 1)",
        "command line (root)",
    ]
