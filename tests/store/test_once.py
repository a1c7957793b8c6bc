"""Every change made for a Telegram update commits with its update id: delivered twice, it changes state once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from store_helpers import FakeClock, sample_start

from bot.dialogue.model import DialogueId
from bot.store.errors import RepeatedUpdateError
from bot.store.keys import Keys
from bot.store.protocol import Planned, Store

DAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
PLAN = [Planned(NOON + timedelta(days=d), DialogueId(f"followup-{d}")) for d in (2, 7, 21)]


async def snapshot(store: Store, keys: Keys) -> object:
    """Everything the changes below can touch."""
    who = keys.telegram(1)
    return (
        await store.export(who),
        await store.tranches(),
        await store.outbox_status(),
        await store.current_dialogue(who.person),
        [v.number for v in await store.versions(DialogueId("sample"))],
    )


CHANGES: dict[str, Callable[[Store, Keys, str, int], Awaitable[object]]] = {
    "language": lambda s, k, code, u: s.update_participant(k.telegram(1).contact, language="en", update=u),
    "stop": lambda s, k, code, u: s.stop(k.telegram(1).contact, update=u),
    "resume": lambda s, k, code, u: s.resume(k.telegram(1).contact, NOON, update=u),
    "pause": lambda s, k, code, u: s.move_pending(k.telegram(1).contact, [(1, NOON)], update=u),
    "join": lambda s, k, code, u: s.enrol(k.telegram(1).contact, code, PLAN, "nl", update=u),
    "cancel": lambda s, k, code, u: s.set_current(k.telegram(1).person, None, update=u),
    "forget": lambda s, k, code, u: s.erase(k.telegram(1), update=u),
    "open tranche": lambda s, k, code, u: s.open_tranche("art", "Zwolle", DAY, "trainer", update=u),
    "close tranche": lambda s, k, code, u: s.close_tranche(code, update=u),
    "publish": lambda s, k, code, u: s.publish(DialogueId("sample"), "id: sample\n# v2\n", "trainer", update=u),
    "invitation": lambda s, k, code, u: s.redeem_invitation("nope", k.telegram(1).contact, update=u),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
async def test_a_change_applied_again_for_the_same_update_changes_nothing(
    store: Store, keys: Keys, sample_source: bytes, name: str
) -> None:
    """The second delivery of the update raises RepeatedUpdateError and leaves everything as the first left it."""
    who = keys.telegram(1)
    await store.save_participant(who.contact, 1)
    await sample_start(store, who.person, sample_source)
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    change = CHANGES[name]
    await change(store, keys, tranche.code, 500)
    assert await store.seen_update(500)
    after_first = await snapshot(store, keys)
    with pytest.raises(RepeatedUpdateError):
        await change(store, keys, tranche.code, 500)
    assert await snapshot(store, keys) == after_first


async def test_stop_holds_the_plan_and_resume_restores_what_is_ahead(
    store: Store, keys: Keys, clock: FakeClock
) -> None:
    """/stop holds every queued follow-up; /resume brings back those still ahead and drops the ones that passed."""
    anna = keys.telegram(1)
    await store.save_participant(anna.contact, 1)
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    await store.enrol(anna.contact, tranche.code, PLAN)
    assert await store.stop(anna.contact) == 3
    paused = await store.participant(anna.contact)
    assert paused is not None and paused.paused and await store.pending(anna.contact) == []
    assert await store.claim_due(NOON + timedelta(days=30), limit=10) == []
    assert await store.resume(anna.contact, NOON + timedelta(days=5)) == 2
    resumed = await store.participant(anna.contact)
    assert resumed is not None and not resumed.paused
    assert [due for _, due in await store.pending(anna.contact)] == [p.due for p in PLAN[1:]]
    assert (await store.outbox_status())["cancelled"] == 1


async def test_joining_gives_a_language_only_to_someone_without_one(store: Store, keys: Keys) -> None:
    """The confirmation's language becomes the contact's when they had none; a chosen language stays."""
    anna, ben = keys.telegram(1), keys.telegram(2)
    await store.save_participant(anna.contact, 1)
    await store.save_participant(ben.contact, 2)
    await store.update_participant(ben.contact, language="en")
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    await store.enrol(anna.contact, tranche.code, PLAN, "nl")
    await store.enrol(ben.contact, tranche.code, PLAN, "nl")
    languages = [(await store.participant(who.contact)) for who in (anna, ben)]
    assert [p.language if p else None for p in languages] == ["nl", "en"]


async def test_moving_touches_only_pending_rows_of_that_contact(store: Store, keys: Keys) -> None:
    """A move names rows by id, but only the contact's own rows that are still pending move."""
    anna, ben = keys.telegram(1).contact, keys.telegram(2).contact
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    await store.enrol(anna, tranche.code, PLAN)
    await store.enrol(ben, tranche.code, PLAN)
    bens = await store.pending(ben)
    later = NOON + timedelta(days=60)
    assert await store.move_pending(anna, [(row, later) for row, _ in bens]) == 0
    assert await store.pending(ben) == bens
    annas = await store.pending(anna)
    assert await store.move_pending(anna, [(annas[0][0], later)]) == 1
    assert [due for _, due in await store.pending(anna)] == [PLAN[1].due, PLAN[2].due, later]
