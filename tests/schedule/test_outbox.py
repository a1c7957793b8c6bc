"""The outbox tick against the fake Telegram: a real SQLite store, the real sender, and a clock the test moves.

Nothing sleeps for real: the dispatcher reads an injected clock, and the sender paces on ``Instant``,
seconds that follow that clock and pass as soon as something waits for them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiohttp import web
from botrun import settings_for
from fakeapi import FakeTelegram
from person import Person
from telegram import Bot

from bot.dialogue import engine
from bot.dialogue.course import load_course
from bot.dialogue.model import DialogueId
from bot.schedule.calendar import WorkingHours
from bot.schedule.courses import CourseBook
from bot.schedule.messages import FollowupMessages
from bot.schedule.outbox import EVERY, Dispatcher
from bot.schedule.reminders import ReminderPolicy, after_working_days
from bot.schedule.sender import MAX_ATTEMPTS, WINDOW, Limits, Sender
from bot.schedule.worker import RESTART_AFTER, outbox_worker
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Planned, Queued, Store, Tranche
from bot.store.sqlite import SqliteStore
from bot.telegram.services import Services
from bot.telegram.texts import text

DATA = Path(__file__).parents[1] / "telegram" / "data"
SECRET = "outbox-tests-secret-" + "q" * 32
COURSE = b"""\
id: trial-course
kind: course
title: {nl: De proefcursus, en: The trial course}
languages: [nl, en]
followups:
  - after: 2d
    dialogue: sample
  - after: 1w
    dialogue: welcome
"""
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Amsterdam, a working day
AMSTERDAM = WorkingHours().tz


def local(*fields: int) -> datetime:
    """A wall-clock moment in Amsterdam, as UTC."""
    return datetime(*fields, tzinfo=AMSTERDAM).astimezone(UTC)


class Clock:
    """The dispatcher's time: it moves only when the test moves it."""

    def __init__(self, now: datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Instant:
    """The sender's monotonic seconds: they follow ``clock``, and a wait passes at once (time jumps by it)."""

    def __init__(self, clock: Clock) -> None:
        self.clock, self.waited = clock, 0.0

    def __call__(self) -> float:
        return (self.clock.now - MONDAY).total_seconds() + self.waited

    async def sleep(self, seconds: float) -> None:
        self.waited += max(seconds, 0.0)
        await asyncio.sleep(0)


class DroppingTelegram(FakeTelegram):
    """The fake, which can also take the next sendMessage and then drop the connection before answering."""

    drop_next = False

    async def _api(self, request: web.Request) -> web.Response:
        response = await super()._api(request)
        if request.match_info["method"].lower() == "sendmessage" and self.drop_next and request.transport is not None:
            self.drop_next = False
            request.transport.abort()
        return response


@dataclass
class Outbox:
    """Everything a tick needs, and the steps the tests take with it."""

    tg: DroppingTelegram
    store: Store
    keys: Keys
    clock: Clock
    dispatcher: Dispatcher
    tranche: Tranche
    catalogue: Catalogue
    courses: CourseBook

    def contact(self, person: Person) -> Pseudonym:
        return self.keys.telegram(person.user_id).contact

    async def join(self, person: Person, *dues: datetime, language: str = "nl", chat_id: int | None = None) -> None:
        """``person`` talks to the bot and is enrolled in the tranche with follow-ups due at ``dues``."""
        contact = self.contact(person)
        await self.store.save_participant(contact, person.chat_id if chat_id is None else chat_id)
        await self.store.update_participant(contact, language=language)
        dialogues = ("sample", "welcome")
        plan = [Planned(due, DialogueId(dialogues[n % 2])) for n, due in enumerate(dues)]
        assert await self.store.enrol(contact, self.tranche.code, plan)

    async def tick(self) -> Counter[str]:
        return await self.dispatcher.tick()

    async def rows(self, person: Person) -> list[dict[str, Any]]:
        """The person's outbox rows as /mydata shows them (a sent row is no longer theirs)."""
        return list((await self.store.export(self.keys.telegram(person.user_id)))["outbox"])

    async def status(self) -> dict[str, int]:
        return await self.store.outbox_status()


@pytest.fixture
async def tg() -> AsyncIterator[DroppingTelegram]:
    async with DroppingTelegram(quiet=0.01) as fake:
        yield fake


@pytest.fixture
async def outbox(tg: DroppingTelegram, tmp_path: Path) -> AsyncIterator[Outbox]:
    keys, clock = Keys(SECRET), Clock()
    instant = Instant(clock)
    store = await SqliteStore.open(tmp_path / "outbox.sqlite3", keys=keys, clock=clock)
    try:
        catalogue = Catalogue(store)
        for name in ("sample", "welcome"):
            await catalogue.publish((DATA / f"{name}.yaml").read_bytes(), f"{name}.yaml", "test")
        hours = WorkingHours()
        courses = CourseBook({(course := load_course(COURSE)).id: course}, hours)
        tranche = await store.open_tranche(course.id, "Utrecht november", date(2026, 11, 20), "trainer")
        async with Bot(tg.token, base_url=tg.api_url, base_file_url=tg.file_url) as bot:
            limits = Limits(overall=1000, per_chat=1000)
            sender = Sender(bot, limits, clock=instant, sleep=instant.sleep, jitter=lambda: 0.0)
            compose = FollowupMessages(store, catalogue, courses)
            dispatcher = Dispatcher(store, sender, hours=hours, compose=compose, clock=clock)
            yield Outbox(tg, store, keys, clock, dispatcher, tranche, catalogue, courses)
    finally:
        await store.close()


def sent_to(tg: FakeTelegram) -> list[int]:
    """The chats of every sendMessage the fake received, failed ones included, in order."""
    return [int(call.params["chat_id"]) for call in tg.calls_to("sendMessage")]


# -- delivery -------------------------------------------------------------------------------------


async def test_a_due_follow_up_is_sent_once_with_a_start_button(outbox: Outbox, tg: FakeTelegram) -> None:
    """A participant gets one follow-up naming the course and the dialogue, with a Start button that opens it."""
    anna, ben = tg.person(language_code="nl"), tg.person(language_code="en")
    await outbox.join(anna, MONDAY - timedelta(minutes=5), MONDAY + timedelta(days=7))
    await outbox.join(ben, MONDAY, language="en")
    assert await outbox.tick() == Counter(sent=2)
    assert await outbox.tick() == Counter()

    [followup] = anna.messages
    assert followup.text == text("followup", "nl", course="De proefcursus", title="Proef")
    assert followup.button(text("followup_button", "nl")) == {"text": "Beginnen", "callback_data": "o:sample"}
    [english] = ben.messages
    assert english.text == text("followup", "en", course="The trial course", title="Sample")
    assert english.buttons == ["Start"]

    assert await outbox.status() == {"sent": 2, "pending": 1, "unknown": 0}
    assert [row["status"] for row in await outbox.rows(anna)] == ["pending"], "a sent row keeps no recipient"
    assert await outbox.rows(ben) == []


async def test_rows_sent_while_others_are_being_marked_are_marked_together(outbox: Outbox, tg: FakeTelegram) -> None:
    """Sent rows are settled in a few transactions, not one each, and each send is settled before the tick ends."""
    people = [tg.person() for _ in range(30)]
    for person in people:
        await outbox.join(person, MONDAY - timedelta(minutes=1))
    marked: list[list[int]] = []
    mark_sent = outbox.store.mark_sent

    async def slow_mark(rows: Sequence[int]) -> None:  # the writer is busy: more sends come back meanwhile
        marked.append(list(rows))
        await asyncio.sleep(0.05)
        await mark_sent(rows)

    outbox.store.mark_sent = slow_mark  # type: ignore[method-assign]
    assert await outbox.tick() == Counter(sent=30)
    every = [row for rows in marked for row in rows]
    assert len(every) == len(set(every)) == 30, "each sent row marked once"
    assert len(marked) < 10, f"{len(marked)} transactions for 30 rows"
    assert await outbox.status() == {"sent": 30, "unknown": 0}
    assert all(len(person.messages) == 1 for person in people)


async def test_rows_are_claimed_a_chunk_at_a_time_while_others_are_still_going_out(
    outbox: Outbox, tg: FakeTelegram
) -> None:
    """The next rows are claimed while earlier ones are still being sent (the sender never waits for a
    claim), never more in flight than the batch, and every row goes out once."""
    people = [tg.person() for _ in range(20)]
    for person in people:
        await outbox.join(person, MONDAY - timedelta(minutes=1))
    store, hours, compose, sender = outbox.store, WorkingHours(), outbox.dispatcher.compose, outbox.dispatcher.sender
    dispatcher = Dispatcher(store, sender, hours=hours, compose=compose, clock=outbox.clock, batch=6, chunk=2)
    flying, most, claims = 0, 0, []
    deliver, claim_due = dispatcher.deliver, store.claim_due

    async def counted(row: Queued, now: datetime, participant: Any) -> str:
        nonlocal flying, most
        flying += 1
        most = max(most, flying)
        try:
            await asyncio.sleep(0.01)  # a send that takes a while
            return await deliver(row, now, participant)
        finally:
            flying -= 1

    async def claim(now: datetime, limit: int) -> list[Queued]:
        claims.append((limit, flying))
        return await claim_due(now, limit)

    dispatcher.deliver = counted  # type: ignore[method-assign]
    store.claim_due = claim  # type: ignore[method-assign]
    assert await dispatcher.tick() == Counter(sent=20)
    assert all(limit <= 2 for limit, _ in claims) and most <= 6
    assert any(busy for _, busy in claims), "a claim was made while rows were still going out"
    assert sorted(len(person.messages) for person in people) == [1] * 20


async def test_a_claim_that_fails_midway_leaves_no_row_mid_send(outbox: Outbox, tg: FakeTelegram) -> None:
    """When claiming more rows fails, the rows already going out are still sent and settled before the error."""
    people = [tg.person() for _ in range(10)]
    for person in people:
        await outbox.join(person, MONDAY - timedelta(minutes=1))
    store, sender = outbox.store, outbox.dispatcher.sender
    compose = outbox.dispatcher.compose
    dispatcher = Dispatcher(store, sender, hours=WorkingHours(), compose=compose, clock=outbox.clock, batch=6, chunk=2)
    claim_due, claims = store.claim_due, 0

    async def failing(now: datetime, limit: int) -> list[Queued]:
        nonlocal claims
        claims += 1
        if claims == 3:
            raise OSError("disk I/O error")
        return await claim_due(now, limit)

    store.claim_due = failing  # type: ignore[method-assign]
    with pytest.raises(OSError):
        await dispatcher.tick()
    assert await outbox.status() == {"sent": 4, "pending": 6, "unknown": 0}
    assert sum(len(person.messages) for person in people) == 4


async def test_follow_ups_of_one_tranche_read_the_tranche_once(
    outbox: Outbox, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each follow-up names its course; the course of a tranche is read once, not once a message."""
    people = [tg.person() for _ in range(20)]
    for person in people:
        await outbox.join(person, MONDAY - timedelta(minutes=1))
    reads: list[str] = []
    tranche = outbox.store.tranche

    async def counted(code: str) -> Tranche | None:
        reads.append(code)
        return await tranche(code)

    monkeypatch.setattr(outbox.store, "tranche", counted)
    assert await outbox.tick() == Counter(sent=20)
    assert reads == [outbox.tranche.code]
    assert all("De proefcursus" in person.messages[-1].text for person in people)


async def test_rows_that_cannot_be_marked_sent_stay_mid_send_and_go_again_after_restart(
    outbox: Outbox, tg: FakeTelegram
) -> None:
    """If marking sent rows fails, each of them counts as an error and stays mid-send, as one row alone would."""
    people = [tg.person() for _ in range(3)]
    for person in people:
        await outbox.join(person, MONDAY - timedelta(minutes=1))
    mark_sent = outbox.store.mark_sent

    async def broken(rows: Sequence[int]) -> None:
        raise OSError("disk full")

    outbox.store.mark_sent = broken  # type: ignore[method-assign]
    assert await outbox.tick() == Counter(error=3)
    assert await outbox.status() == {"sending": 3, "unknown": 0}
    outbox.store.mark_sent = mark_sent  # type: ignore[method-assign]
    assert await outbox.store.recover_sending() == 3
    assert await outbox.tick() == Counter(sent=3)
    assert await outbox.status() == {"sent": 3, "unknown": 3}


@pytest.mark.parametrize(
    ("closed", "opening"),
    [
        pytest.param(local(2026, 11, 28, 11, 0), local(2026, 11, 30, 9, 0), id="saturday"),
        pytest.param(local(2026, 11, 23, 20, 0), local(2026, 11, 24, 9, 0), id="evening"),
        pytest.param(local(2026, 4, 27, 10, 0), local(2026, 4, 28, 9, 0), id="kings-day"),
    ],
)
async def test_nothing_goes_out_outside_working_hours(
    outbox: Outbox, tg: FakeTelegram, closed: datetime, opening: datetime
) -> None:
    """On a Saturday, at 20:00 or on King's Day nothing is sent; the follow-up goes out when the office opens."""
    anna = tg.person()
    await outbox.join(anna, closed - timedelta(hours=3))
    outbox.clock.now = closed
    assert await outbox.tick() == Counter()
    outbox.clock.now = opening - timedelta(seconds=1)
    assert await outbox.tick() == Counter()
    assert anna.messages == []
    outbox.clock.now = opening
    assert await outbox.tick() == Counter(sent=1)
    assert len(anna.messages) == 1


# -- people who do not want messages ------------------------------------------------------------


async def test_a_person_who_blocked_the_bot_gets_nothing_more(outbox: Outbox, tg: FakeTelegram) -> None:
    """Someone who blocked the bot is marked inactive and all their follow-ups cancelled; others still get theirs."""
    anna, ben = tg.person(), tg.person()
    await outbox.join(anna, MONDAY, MONDAY + timedelta(days=7))
    await outbox.join(ben, MONDAY)
    tg.set_blocked(anna.chat_id)
    assert await outbox.tick() == Counter(blocked=1, sent=1)
    participant = await outbox.store.participant(outbox.contact(anna))
    assert participant is not None and not participant.active
    assert [row["status"] for row in await outbox.rows(anna)] == ["cancelled", "cancelled"]
    assert await outbox.status() == {"cancelled": 2, "sent": 1, "unknown": 0}
    assert len(ben.messages) == 1


async def test_a_stopped_participant_gets_nothing(outbox: Outbox, tg: FakeTelegram) -> None:
    """A participant who is stopped gets no follow-up: their rows are held until /resume, not sent."""
    anna = tg.person()
    await outbox.join(anna, MONDAY, MONDAY + timedelta(days=7))
    await outbox.store.update_participant(outbox.contact(anna), paused=True)
    assert await outbox.tick() == Counter(stopped=1)
    assert sent_to(tg) == [] and anna.messages == []
    assert [row["status"] for row in await outbox.rows(anna)] == ["stopped", "stopped"]


# -- failures -------------------------------------------------------------------------------------


async def test_a_server_error_is_retried_in_working_hours(outbox: Outbox, tg: FakeTelegram) -> None:
    """A 5xx just before closing time puts the follow-up back for the next working morning, when it goes out."""
    anna = tg.person()
    friday = local(2026, 11, 27, 16, 59, 55)
    await outbox.join(anna, friday - timedelta(hours=1))
    outbox.clock.now = friday
    tg.fail_next("sendMessage", 500, "Internal Server Error")
    assert await outbox.tick() == Counter(retry=1)
    [row] = await outbox.rows(anna)
    monday = local(2026, 11, 30, 9, 0)
    assert (row["status"], datetime.fromisoformat(row["due"]), row["attempts"]) == ("pending", monday, 1)
    assert row["error"] == "Internal Server Error"

    outbox.clock.now = monday - timedelta(seconds=1)
    assert await outbox.tick() == Counter()
    outbox.clock.now = monday
    assert await outbox.tick() == Counter(sent=1)
    assert sent_to(tg) == [anna.chat_id, anna.chat_id] and len(anna.messages) == 1


async def test_a_follow_up_that_keeps_failing_is_parked(outbox: Outbox, tg: FakeTelegram) -> None:
    """After MAX_ATTEMPTS failed sends a follow-up is parked as failed and `outbox status` counts it."""
    anna = tg.person()
    await outbox.join(anna, MONDAY)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        tg.fail_next("sendMessage", 502, "Bad Gateway")
        expected = Counter(failed=1) if attempt == MAX_ATTEMPTS else Counter(retry=1)
        assert await outbox.tick() == expected, f"attempt {attempt}"
        outbox.clock.advance(minutes=31)  # longer than the longest backoff
    assert await outbox.tick() == Counter()
    assert len(sent_to(tg)) == MAX_ATTEMPTS and anna.messages == []
    assert await outbox.status() == {"failed": 1, "unknown": 0}
    [row] = await outbox.rows(anna)
    assert (row["status"], row["attempts"], row["error"]) == ("failed", MAX_ATTEMPTS, "Bad Gateway")


async def test_a_chat_telegram_does_not_know_is_parked(outbox: Outbox, tg: FakeTelegram) -> None:
    """A 400 (chat not found) parks the follow-up as failed at once; it is not tried again."""
    anna = tg.person()
    await outbox.join(anna, MONDAY, chat_id=999)
    assert await outbox.tick() == Counter(failed=1)
    outbox.clock.advance(hours=1)
    assert await outbox.tick() == Counter()
    assert await outbox.status() == {"failed": 1, "unknown": 0}
    [row] = await outbox.rows(anna)
    assert row["error"] == "Chat not found"


async def test_a_dropped_connection_is_sent_again_and_counted(outbox: Outbox, tg: DroppingTelegram) -> None:
    """Telegram took the follow-up but the answer was lost: it is sent again later and counted as unknown."""
    anna = tg.person()
    await outbox.join(anna, MONDAY)
    tg.drop_next = True
    assert await outbox.tick() == Counter(unknown=1)
    outbox.clock.advance(minutes=1)
    assert await outbox.tick() == Counter(sent=1)
    assert len(anna.messages) == 2, "the unknown send did arrive: a counted duplicate"
    assert await outbox.status() == {"sent": 1, "unknown": 1}


async def test_rows_left_mid_send_by_a_crash_are_sent_after_restart(outbox: Outbox, tg: FakeTelegram) -> None:
    """Follow-ups a crash left mid-send go out when the outbox starts again, counted as of unknown outcome."""
    anna, ben = tg.person(), tg.person()
    await outbox.join(anna, MONDAY)
    await outbox.join(ben, MONDAY - timedelta(minutes=1))
    assert len(await outbox.store.claim_due(MONDAY, 10)) == 2  # claimed, then the process died
    assert await outbox.tick() == Counter(), "a row being sent is not claimed twice"

    async def stop(seconds: float) -> None:
        if seconds == 30:  # after the first tick (the second before it: taking the turn to send)
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await outbox.dispatcher.run(every=30, sleep=stop)
    assert len(anna.messages) == 1 and len(ben.messages) == 1
    assert await outbox.status() == {"sent": 2, "unknown": 2}


async def test_an_instance_without_the_turn_to_send_sends_nothing_until_it_has_it(
    outbox: Outbox, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With several instances only the one holding the turn sends; another that takes it over sends what
    the previous one left mid-send (counted as unknown), and then what is due."""
    anna, ben = tg.person(), tg.person()
    await outbox.join(anna, MONDAY)
    await outbox.join(ben, MONDAY)
    assert len(await outbox.store.claim_due(MONDAY, 1)) == 1  # the sender before was killed mid-send
    turns = iter([False, False, True])

    async def take_sending() -> bool:
        return next(turns)

    monkeypatch.setattr(outbox.store, "take_sending", take_sending)
    rounds, waits = 0, list[float]()

    async def pause(seconds: float) -> None:
        nonlocal rounds
        waits.append(seconds)
        if seconds != 30:
            return
        rounds += 1
        if rounds == 2:
            assert not anna.messages and not ben.messages, "no turn: nothing sent, nothing taken back"
        if rounds == 3:
            raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await outbox.dispatcher.run(every=30, sleep=pause)
    assert len(anna.messages) == 1 and len(ben.messages) == 1
    assert await outbox.status() == {"sent": 2, "unknown": 1}
    assert waits == [30, 30, WINDOW, 30], "taking the turn, it waits a second: the previous sender's last one"


async def test_a_long_429_for_one_chat_does_not_hold_up_the_others(outbox: Outbox, tg: FakeTelegram) -> None:
    """A 429 for one person's chat puts only their follow-up back; everyone else's goes out in the same tick."""
    people = [tg.person() for _ in range(4)]
    for person in people:
        await outbox.join(person, MONDAY)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 120", retry_after=120)
    assert await outbox.tick() == Counter(sent=3, retry=1)
    throttled = sent_to(tg)[0]
    assert sorted(sent_to(tg)[1:]) == sorted(p.chat_id for p in people if p.chat_id != throttled)
    outbox.clock.advance(minutes=1)
    assert await outbox.tick() == Counter(), "the throttled chat waits for retry_after"
    outbox.clock.advance(minutes=2)
    assert await outbox.tick() == Counter(sent=1)
    assert all(len(person.messages) == 1 for person in people)


async def test_a_short_429_is_waited_out_in_the_same_tick(outbox: Outbox, tg: FakeTelegram) -> None:
    """A 429 of a few seconds is waited out: every follow-up still goes out in that tick, each once."""
    people = [tg.person() for _ in range(3)]
    for person in people:
        await outbox.join(person, MONDAY)
    tg.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)
    assert await outbox.tick() == Counter(sent=3)
    assert all(len(person.messages) == 1 for person in people)
    assert len(sent_to(tg)) == 4


async def test_a_follow_up_that_cannot_be_composed_does_not_stop_the_others(
    outbox: Outbox, tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If one follow-up cannot be put together, the others still go out and that one is tried again later."""
    anna, ben = tg.person(), tg.person()
    await outbox.join(anna, MONDAY)
    await outbox.join(ben, MONDAY)
    compose, broken = outbox.dispatcher.compose, outbox.contact(anna)

    async def flaky(row: Queued, participant: Any) -> Any:
        if row.contact == broken:
            raise OSError("disk trouble")
        return await compose(row, participant)

    monkeypatch.setattr(outbox.dispatcher, "compose", flaky)
    assert await outbox.tick() == Counter(sent=1, retry=1)
    assert anna.messages == [] and len(ben.messages) == 1
    [row] = await outbox.rows(anna)
    assert row["status"] == "pending" and datetime.fromisoformat(row["due"]) > MONDAY

    monkeypatch.setattr(outbox.dispatcher, "compose", compose)
    outbox.clock.advance(minutes=5)
    assert await outbox.tick() == Counter(sent=1)
    assert len(anna.messages) == 1


async def test_the_outbox_starts_again_when_telegram_is_away_at_first(
    outbox: Outbox, tg: FakeTelegram, tmp_path: Path
) -> None:
    """If Telegram cannot be reached as the bot's outbox starts, it tries again a minute later and sends what is due."""
    anna = tg.person()
    await outbox.join(anna, MONDAY)
    services = cast(
        Services, SimpleNamespace(store=outbox.store, catalogue=outbox.catalogue, clock=outbox.clock, keys=outbox.keys)
    )
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise asyncio.CancelledError  # the bot stops

    tg.fail_next("getMe", 502, "Bad Gateway")
    before = len(tg.calls)
    work = outbox_worker(settings_for(tg, tmp_path, tmp_path), outbox.courses, WorkingHours(), sleep=sleep)
    with pytest.raises(asyncio.CancelledError):
        await work(services)
    assert waits == [RESTART_AFTER, WINDOW, EVERY], "a minute; a second on taking the turn to send; a tick"
    assert [call.method for call in tg.calls[before:]] == ["getMe", "getMe", "sendMessage"]
    assert len(anna.messages) == 1


# -- reminders ------------------------------------------------------------------------------------


def with_reminders(outbox: Outbox) -> Outbox:
    outbox.dispatcher.reminders = ReminderPolicy(outbox.store, outbox.keys, outbox.courses, WorkingHours())
    return outbox


def test_working_days_skip_weekends_and_holidays() -> None:
    """Two working days after a Thursday are the Monday; after Friday 24 April 2026 they skip King's Day."""
    hours = WorkingHours()
    assert after_working_days(hours, local(2026, 11, 26, 10, 30), 2) == local(2026, 11, 30, 10, 30)
    assert after_working_days(hours, local(2026, 4, 24, 9, 15), 2) == local(2026, 4, 29, 9, 15)
    assert after_working_days(hours, local(2026, 11, 27, 16, 59), 1).tzinfo == UTC


async def test_unanswered_follow_up_gets_one_reminder_then_backs_off(outbox: Outbox, tg: FakeTelegram) -> None:
    """Unanswered for two working days: one reminder, after which the rest of the plan moves a week later."""
    with_reminders(outbox)
    anna = tg.person(language_code="nl")
    later = MONDAY + timedelta(days=10)
    await outbox.join(anna, MONDAY, later)
    assert await outbox.tick() == Counter(sent=1)
    outbox.clock.advance(days=1)
    assert await outbox.tick() == Counter(), "one working day later: not yet"
    outbox.clock.advance(days=1)
    assert await outbox.tick() == Counter(sent=1)
    assert anna.messages[-1].text == text("reminder", "nl", title="Proef", course="De proefcursus")
    assert anna.messages[-1].buttons == ["Beginnen"]
    [pending] = [row for row in await outbox.rows(anna) if row["status"] == "pending"]
    assert datetime.fromisoformat(pending["due"]) == later + timedelta(weeks=1)
    outbox.clock.advance(days=3)
    assert await outbox.tick() == Counter(), "no second reminder"


async def test_answered_follow_up_needs_no_reminder(outbox: Outbox, tg: FakeTelegram) -> None:
    """Someone who started the follow-up's dialogue gets no reminder, and nothing of the plan moves."""
    with_reminders(outbox)
    ben = tg.person(language_code="en")
    await outbox.join(ben, MONDAY, language="en")
    await outbox.tick()
    person = outbox.keys.telegram(ben.user_id).person
    await Conversations(outbox.store, outbox.catalogue).apply(person, DialogueId("sample"), engine.Start("en"))
    outbox.clock.advance(days=2)
    assert await outbox.tick() == Counter(skipped=1)
    assert len(ben.messages) == 1
    assert (await outbox.status()).get("skipped") == 1
