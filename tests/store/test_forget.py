"""Forgetting someone: only with the code their prompt issued, recorded so that a restored backup forgets too."""

from __future__ import annotations

from datetime import timedelta

from store_helpers import FakeClock

from bot.store.keys import Keys
from bot.store.protocol import Store

CODE = "Zq3-x9Lm"


async def test_erase_needs_the_code_the_prompt_issued(store: Store, keys: Keys, clock: FakeClock) -> None:
    """No code issued, a wrong one, or an expired one erases nothing; the issued code before it expires erases."""
    anna = keys.telegram(1)
    await store.save_participant(anna.contact, 1)
    assert await store.erase(anna, confirm=CODE) is None, "no prompt was issued"
    await store.ask_to_forget(anna.contact, CODE, clock() + timedelta(minutes=10))
    assert await store.erase(anna, confirm="f0rged00") is None
    clock.advance(minutes=11)
    assert await store.erase(anna, confirm=CODE) is None, "expired"
    assert await store.participant(anna.contact) is not None and await store.erasures() == []
    await store.ask_to_forget(anna.contact, CODE, clock() + timedelta(minutes=10))
    assert await store.erase(anna, confirm=CODE) == 1
    assert await store.participant(anna.contact) is None


async def test_a_newer_prompt_replaces_the_code(store: Store, keys: Keys, clock: FakeClock) -> None:
    """Only the latest prompt's button works."""
    anna = keys.telegram(1)
    await store.save_participant(anna.contact, 1)
    await store.ask_to_forget(anna.contact, CODE, clock() + timedelta(minutes=10))
    await store.ask_to_forget(anna.contact, "Newer123", clock() + timedelta(minutes=10))
    assert await store.erase(anna, confirm=CODE) is None
    assert await store.erase(anna, confirm="Newer123") == 1


async def test_each_erasure_is_recorded_under_its_own_mark(store: Store, keys: Keys, clock: FakeClock) -> None:
    """An erasure keeps a sequence number, the day and a mark that equals none of the person's pseudonyms."""
    anna, ben = keys.telegram(1), keys.telegram(2)
    for who, chat in ((anna, 1), (ben, 2)):
        await store.save_participant(who.contact, chat)
    await store.erase(anna)
    clock.advance(days=1)
    await store.erase(ben)
    recorded = await store.erasures()
    assert [(e.mark, e.day) for e in recorded] == [(anna.erasure, "2026-11-23"), (ben.erasure, "2026-11-24")]
    assert recorded[0].number < recorded[1].number
    assert await store.erasures(after=recorded[0].number) == recorded[1:]
    assert anna.erasure not in (anna.contact, anna.person)


async def test_an_erasure_made_elsewhere_applies_again(store: Store, keys: Keys) -> None:
    """Re-applying an erasure removes the person and keeps the record with its original number."""
    anna, ben = keys.telegram(1), keys.telegram(2)
    for who, chat in ((anna, 1), (ben, 2)):
        await store.save_participant(who.contact, chat)
    await store.erase(ben)
    (made,) = await store.erasures()
    await store.save_participant(ben.contact, 2)
    assert sorted(chat for _, chat in await store.contacts()) == [1, 2]
    assert await store.erase_again(made, ben) == 1
    assert [chat for _, chat in await store.contacts()] == [1]
    assert await store.erasures() == [made]
