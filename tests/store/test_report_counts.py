"""What the public report counts from the store: people per tranche, streamed, and what erasure leaves."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from store_helpers import FakeClock

from bot.dialogue.events import Answer, Choose, Start
from bot.dialogue.model import DialogueId, OptionId
from bot.report.census import first_day, report_counts
from bot.report.table import Period, Replies, ReportCounts
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys
from bot.store.protocol import Planned, Store

ROOT = Path(__file__).parents[2]
COURSE = "art-of-connecting"
FOLLOWUP = DialogueId("connecting-2-days")
DAY = date(2026, 11, 23)
PERIOD = Period(date(2026, 11, 1), date(2026, 11, 30))


async def setting(store: Store, conversations: Conversations, sample_source: bytes) -> None:
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    source = (ROOT / "dialogues" / f"{FOLLOWUP}.yaml").read_bytes()
    await conversations.catalogue.publish(source, f"{FOLLOWUP}.yaml", "test")
    course = (ROOT / "dialogues" / "courses" / f"{COURSE}.yaml").read_bytes()
    await conversations.catalogue.publish_course(course, f"{COURSE}.yaml", "test")


async def enrol(store: Store, keys: Keys, code: str, numbers: range) -> None:
    """Each of these people starts the bot and joins the tranche; one follow-up is planned for each."""
    for number in numbers:
        await store.save_participant(keys.telegram(number).contact, number)
        planned = [Planned(datetime(2026, 11, 25, 9, 0, tzinfo=UTC), FOLLOWUP)]
        assert await store.enrol(keys.telegram(number).contact, code, planned)


async def finish_sample(conversations: Conversations, keys: Keys, numbers: range) -> None:
    for number in numbers:
        person, sample = keys.telegram(number).person, DialogueId("sample")
        await conversations.apply(person, sample, Start("en"))
        await conversations.apply(person, sample, Choose(OptionId("voice")))
        await conversations.apply(person, sample, Answer("it matters"))


async def count(store: Store, keys: Keys, progress: list[tuple[int, int]] | None = None) -> ReportCounts:
    found = await report_counts(
        store,
        keys,
        Catalogue(store),
        period=PERIOD,
        language="en",
        progress=None if progress is None else lambda done, total: progress.append((done, total)),
    )
    return found


async def test_a_tranche_counts_people_who_finished_and_answered(
    store: Store, keys: Keys, conversations: Conversations, sample_source: bytes, clock: FakeClock
) -> None:
    """Enrolled people, who finished a toolkit session, who were sent a follow-up and who opened it."""
    await setting(store, conversations, sample_source)
    tranche = await store.open_tranche(COURSE, "Utrecht", DAY, "trainer")
    later = await store.open_tranche(COURSE, "Zwolle", date(2027, 1, 12), "trainer")
    await enrol(store, keys, tranche.code, range(1, 8))
    await finish_sample(conversations, keys, range(1, 5))
    await finish_sample(conversations, keys, range(20, 23))  # not enrolled: not counted in the tranche
    clock.advance(days=3)
    for row in await store.claim_due(clock(), limit=100):
        await store.mark_sent([row.id])
    for number in (1, 2):
        await conversations.apply(keys.telegram(number).person, FOLLOWUP, Start("en"))
    progress: list[tuple[int, int]] = []
    counts = await count(store, keys, progress)
    (course,) = counts.courses
    assert [p.name for p in course.planned] == ["Utrecht", "Zwolle"] and later.day > PERIOD.end
    (utrecht,) = course.tranches
    assert (utrecht.name, utrecht.enrolled) == ("Utrecht", 7)
    assert utrecht.completed["Sample"] == 4
    first, *others = utrecht.followups.items()
    assert first[1] == Replies(sent=7, answered=2) and first[0] == "Two days on: what stayed with you?"
    assert [replies for _, replies in others] == [Replies(0, 0)] * 3, "not yet sent: nobody, not left out"
    assert progress[-1] == (7, 7)
    week = counts.weeks["2026-W48"]
    assert (week.enrolled, week.followups_sent, week.followups_answered) == (7, 7, 2)
    assert week.active == 7, "everyone who took a step that week (4 enrolled, 3 not), each once"


async def test_erasure_keeps_attendance_and_drops_answers(
    store: Store, keys: Keys, conversations: Conversations, sample_source: bytes
) -> None:
    """/forget removes a person's answers from every figure; how many people came to the course stays."""
    await setting(store, conversations, sample_source)
    tranche = await store.open_tranche(COURSE, "Utrecht", DAY, "trainer")
    await enrol(store, keys, tranche.code, range(1, 7))
    await finish_sample(conversations, keys, range(1, 7))
    before = (await count(store, keys)).courses[0].tranches[0]
    assert (before.enrolled, before.completed["Sample"]) == (6, 6)
    await store.erase(keys.telegram(3))
    after = (await count(store, keys)).courses[0].tranches[0]
    assert (after.enrolled, after.completed["Sample"]) == (6, 5)


async def test_a_period_without_tranches_still_lists_the_planned_ones(
    store: Store, keys: Keys, conversations: Conversations, sample_source: bytes
) -> None:
    """Tranches outside the period are planned, not counted; every week of the period has a row."""
    await setting(store, conversations, sample_source)
    await store.open_tranche(COURSE, "Zwolle", date(2027, 1, 12), "trainer")
    counts = await count(store, keys)
    (course,) = counts.courses
    assert course.tranches == () and len(course.planned) == 1
    assert list(counts.weeks) == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]


async def test_the_programme_starts_at_its_first_tranche_or_step(
    store: Store, keys: Keys, conversations: Conversations, sample_source: bytes, clock: FakeClock
) -> None:
    """A report without --from starts at the earliest course day or step kept; an empty store starts today."""
    today = date(2026, 12, 7)
    assert await first_day(store, today) == today and await store.first_active_day() is None
    await setting(store, conversations, sample_source)
    await finish_sample(conversations, keys, range(1, 2))
    assert await first_day(store, today) == clock().date()
    await store.open_tranche(COURSE, "Early", date(2026, 10, 1), "trainer")
    assert await first_day(store, today) == date(2026, 10, 1)
