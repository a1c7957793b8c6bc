"""Tranches, enrolments with attendance counters, and the outbox: what a course leaves in the store."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.dialogue.model import DialogueId
from bot.store.errors import TrancheError
from bot.store.keys import Keys
from bot.store.protocol import Planned, Store

DAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def plan(*hours: int) -> list[Planned]:
    """Follow-ups due ``hours`` after NOON."""
    return [Planned(NOON + timedelta(hours=h), DialogueId(f"followup-{h}")) for h in hours]


async def test_tranches_open_list_close(store: Store) -> None:
    """A tranche gets a long unguessable code; names are unique per course; a closed tranche stays listed."""
    first = await store.open_tranche("art", "Utrecht March", DAY, "trainer")
    second = await store.open_tranche("art", "Zwolle", DAY, "trainer")
    assert len(first.code) >= 16 and first.code != second.code
    assert (await store.tranche(first.code)) == first
    with pytest.raises(TrancheError, match="already has a tranche named 'Zwolle'"):
        await store.open_tranche("art", "Zwolle", DAY, "someone")
    assert await store.close_tranche(first.code) and not await store.close_tranche(first.code)
    listed = await store.tranches("art")
    assert [(t.name, t.closed) for t in listed] == [("Utrecht March", True), ("Zwolle", False)]
    assert await store.tranche("no-such-code") is None and await store.tranches("other") == []


async def test_enrol_once_and_count(store: Store, keys: Keys) -> None:
    """Opening the link twice enrols once; the counter counts people; a closed tranche takes nobody."""
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    anna, ben = keys.telegram(1).contact, keys.telegram(2).contact
    assert await store.enrol(anna, tranche.code, plan(0, 48))
    assert not await store.enrol(anna, tranche.code, plan(0, 48))
    assert await store.enrol(ben, tranche.code, plan(0))
    assert (await store.tranche(tranche.code)).enrolled == 2  # type: ignore[union-attr]
    assert (await store.outbox_status())["pending"] == 3
    await store.close_tranche(tranche.code)
    with pytest.raises(TrancheError, match="closed or unknown"):
        await store.enrol(keys.telegram(3).contact, tranche.code, plan(0))


async def test_claim_due_sends_each_row_once(store: Store, keys: Keys) -> None:
    """Only rows that are due are claimed, each once; a sent row forgets its recipient and keeps the day."""
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    await store.enrol(keys.telegram(1).contact, tranche.code, plan(0, 1, 30))
    due = await store.claim_due(NOON + timedelta(hours=1), limit=10)
    assert [q.dialogue for q in due] == ["followup-0", "followup-1"] and {q.attempts for q in due} == {1}
    assert await store.claim_due(NOON + timedelta(hours=1), limit=10) == []
    await store.mark_sent([due[0].id])
    await store.mark_retry(due[1].id, NOON + timedelta(hours=5), "NetworkError")
    assert await store.claim_due(NOON + timedelta(hours=4), limit=10) == []
    retried = await store.claim_due(NOON + timedelta(hours=5), limit=10)
    assert [(q.id, q.attempts) for q in retried] == [(due[1].id, 2)]
    await store.mark_failed(retried[0].id, "gave up")
    assert await store.outbox_status() == {"sent": 1, "failed": 1, "pending": 1, "unknown": 0}
    exported = await store.export(keys.telegram(1))
    assert sorted(row["status"] for row in exported["outbox"]) == ["failed", "pending"], "a sent row is no one's"


async def test_cancel_shift_and_recover(store: Store, keys: Keys) -> None:
    """Blocking cancels, /pause moves only that person's rows, and rows left mid-send come back counted."""
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    anna, ben = keys.telegram(1).contact, keys.telegram(2).contact
    await store.enrol(anna, tranche.code, plan(0, 24))
    await store.enrol(ben, tranche.code, plan(0, 24))
    later = [(row, due + timedelta(days=14)) for row, due in await store.pending(anna)]
    assert await store.move_pending(anna, later) == 2
    claimed = await store.claim_due(NOON, limit=10)
    assert len(claimed) == 1, "anna's rows moved two weeks on; ben's first is due"
    assert await store.recover_sending() == 1
    assert (await store.outbox_status())["unknown"] == 1
    assert await store.cancel_pending(ben) == 2
    assert [q.due for q in await store.claim_due(NOON + timedelta(days=15), limit=10)] == [
        NOON + timedelta(days=14),
        NOON + timedelta(days=15),
    ]


async def test_erase_keeps_the_counts(store: Store, keys: Keys) -> None:
    """Erasing a person removes their enrolment and queued rows; the tranche's count and sent rows stay."""
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    anna = keys.telegram(1)
    await store.save_participant(anna.contact, 1)
    await store.enrol(anna.contact, tranche.code, plan(0, 24))
    (first,) = await store.claim_due(NOON, limit=10)
    await store.mark_sent([first.id])
    exported = await store.export(anna)
    assert exported["enrolments"] and json.dumps(exported)
    await store.erase(anna)
    after = await store.export(anna)
    assert after["enrolments"] == [] and after["outbox"] == []
    assert (await store.tranche(tranche.code)).enrolled == 1  # type: ignore[union-attr]
    assert (await store.outbox_status())["sent"] == 1


async def test_retry_that_does_not_count_and_cancel_mid_send(store: Store, keys: Keys) -> None:
    """A wait Telegram asked for gives the attempt back; a row cancelled while being sent stays cancelled."""
    tranche = await store.open_tranche("art", "Utrecht", DAY, "trainer")
    anna = keys.telegram(1).contact
    await store.enrol(anna, tranche.code, plan(0))
    (row,) = await store.claim_due(NOON, limit=10)
    await store.mark_retry(row.id, NOON, "429", counted=False)
    (again,) = await store.claim_due(NOON, limit=10)
    assert again.attempts == 1
    await store.cancel_pending(anna)
    await store.mark_retry(again.id, NOON, "5xx")
    await store.mark_failed(again.id, "gave up")
    assert (await store.outbox_status())["cancelled"] == 1
