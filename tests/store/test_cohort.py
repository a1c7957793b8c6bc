"""The weekly rhythm in the store: digests once per person and week, tranche members, activity, shared reflections."""

from __future__ import annotations

from datetime import UTC, date, datetime

from store_helpers import FakeClock, sample_start

from bot.dialogue.events import Answered, Chosen
from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.store.keys import Keys
from bot.store.protocol import DigestDue, StepRecord, Store

WEEK = "2026-W48"
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SAMPLE, WHY = DialogueId("sample"), NodeId("why")


async def people(store: Store, keys: Keys, *numbers: int, language: str | None = "nl") -> None:
    for number in numbers:
        await store.save_participant(keys.telegram(number).contact, number)
        if language:
            await store.update_participant(keys.telegram(number).contact, language=language)


async def test_digests_are_due_for_those_who_want_one(store: Store, keys: Keys) -> None:
    """Everyone with a language who has not stopped, paused, blocked or opted out is due; nobody else."""
    await people(store, keys, 1, 2, 3, 4, 5)
    await people(store, keys, 6, language=None)
    await store.update_participant(keys.telegram(2).contact, paused=True)
    await store.update_participant(keys.telegram(3).contact, active=False)
    await store.update_participant(keys.telegram(4).contact, digest=False)
    due = await store.digest_due(WEEK)
    assert sorted(due) == sorted([keys.telegram(1).contact, keys.telegram(5).contact])


async def test_one_digest_per_person_and_week(store: Store, keys: Keys) -> None:
    """Queueing twice in a week queues once; another week, or a trainer's tranche digest, is a digest of its own."""
    await people(store, keys, 1)
    anna = keys.telegram(1).contact
    assert await store.queue_digests(WEEK, [DigestDue(anna, MONDAY)]) == 1
    assert await store.queue_digests(WEEK, [DigestDue(anna, MONDAY), DigestDue(anna, MONDAY)]) == 0
    assert await store.digest_due(WEEK) == []
    assert await store.queue_digests("2026-W49", [DigestDue(anna, MONDAY)]) == 1
    assert await store.queue_digests(WEEK, [DigestDue(anna, MONDAY, tranche="code1")]) == 1
    claimed = await store.claim_due(MONDAY, limit=10)
    assert sorted((q.kind, q.week, q.tranche) for q in claimed) == [
        ("digest", "2026-W48", None),
        ("digest", "2026-W49", None),
        ("tranche-digest", "2026-W48", "code1"),
    ]


async def test_a_tranche_knows_its_trainer_and_members(store: Store, keys: Keys) -> None:
    """The trainer who opened a tranche follows it; its members are the contacts enrolled; erase removes both."""
    trainer, anna = keys.telegram(9), keys.telegram(1)
    tranche = await store.open_tranche("art", "Utrecht", date(2026, 11, 23), "trainer", trainer=trainer.contact)
    await store.enrol(anna.contact, tranche.code, [])
    assert await store.tranche_trainers(tranche.code) == [trainer.contact]
    assert await store.members(tranche.code) == [anna.contact]
    await store.erase(trainer)
    await store.erase(anna)
    assert await store.tranche_trainers(tranche.code) == [] and await store.members(tranche.code) == []
    found = await store.tranche(tranche.code)
    assert found is not None and found.enrolled == 1


async def test_activity_and_sharing_of_a_group(
    store: Store, keys: Keys, sample_source: bytes, clock: FakeClock
) -> None:
    """Activity lists what each person did (no text); only shared reflections are handed out, and can be withdrawn."""
    anna, ben = keys.telegram(1).person, keys.telegram(2).person
    for person in (anna, ben):
        saved = await sample_start(store, person, sample_source)
        records = (Chosen(NodeId("pick"), OptionId("write"), "", True), Answered(WHY, f"thought of {person[:4]}"))
        await store.commit_step(StepRecord(person, saved.state, 1, records))
    assert await store.share(anna, SAMPLE, WHY, True)
    assert not await store.share(anna, SAMPLE, NodeId("nowhere"), True)
    activity = await store.activity([anna, ben])
    assert sorted(p for p, *_ in activity.conversations) == sorted([anna, ben])
    assert {(p, option) for p, _, _, option, _ in activity.choices} == {(anna, "write"), (ben, "write")}
    assert {(p, shared) for p, _, _, shared, _ in activity.reflections} == {(anna, True), (ben, False)}
    (shared,) = await store.shared([anna, ben])
    assert (shared.person, shared.node, shared.text, shared.day) == (
        anna,
        WHY,
        f"thought of {anna[:4]}",
        clock().date(),
    )
    assert await store.share(anna, SAMPLE, WHY, False)
    assert await store.shared([anna, ben]) == []


async def test_conversations_keep_the_day_they_started(
    store: Store, keys: Keys, sample_source: bytes, clock: FakeClock
) -> None:
    """Insights read each conversation's state, the day it started and the day of its last step; no person."""
    anna = keys.telegram(1).person
    saved = await sample_start(store, anna, sample_source)
    clock.advance(days=3)
    await store.commit_step(StepRecord(anna, saved.state, 1, (Chosen(NodeId("pick"), OptionId("write"), "", True),)))
    (row,) = await store.conversation_rows(SAMPLE)
    assert (row.started, row.last) == (date(2026, 11, 23), date(2026, 11, 26))
    assert await store.conversation_rows(SAMPLE, version=99) == []


async def test_weekly_active_counts_people_once_a_week(
    store: Store, keys: Keys, sample_source: bytes, clock: FakeClock
) -> None:
    """Someone who chose and wrote in one week counts once in it; weeks are keyed by their Monday."""
    for number in (1, 2):
        saved = await sample_start(store, keys.telegram(number).person, sample_source)
        records = (Chosen(NodeId("pick"), OptionId("write"), "", True), Answered(WHY, "a thought"))
        await store.commit_step(StepRecord(keys.telegram(number).person, saved.state, 1, records))
    clock.advance(days=7)
    await sample_start(store, keys.telegram(3).person, sample_source)
    weeks = await store.weekly_active(date(2026, 11, 1), date(2026, 12, 31))
    assert weeks == {date(2026, 11, 23): 2, date(2026, 11, 30): 1}
