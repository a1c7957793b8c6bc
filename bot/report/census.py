"""Counting everyone for the public report: every tranche's people, streamed from the store a chunk at a time.

The two sides of the store share no key: each enrolled contact's chat id is
unsealed once, in memory, and turned into their person pseudonym, and their
conversations are read in chunks of ``CHUNK`` persons, so memory holds the
match and the tallies, not everyone's rows. Nothing of the match is kept.
Every figure counts people, each once; ``bot.report.public`` then leaves out
what the k rule and complementary suppression say.

Follow-ups: a sent outbox row keeps no recipient, so "sent" per tranche is how
many went out (at most its enrolment), and "answered" the tranche's people who
started that follow-up's dialogue (at most those sent).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from bot.dialogue.course import Course, CourseId
from bot.dialogue.model import Dialogue, DialogueId
from bot.report.gather import TOOLKIT, session_titles
from bot.report.public import TrancheLine, tranche_lines
from bot.report.table import CourseTally, Period, PlannedTranche, Replies, ReportCounts, TrancheTally, WeekTally
from bot.report.weeks import monday, week_of, weeks_from
from bot.store.catalogue import Catalogue
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import ConversationDay, Store, Tranche

CHUNK = 500  # persons read at once
Sent = tuple[str, DialogueId, date, int]  # tranche, follow-up, day, how many went out


async def report_counts(
    store: Store,
    keys: Keys,
    catalogue: Catalogue,
    *,
    period: Period,
    language: str,
    progress: Callable[[int, int], None] | None = None,
) -> ReportCounts:
    """Everything the public report counts, for ``period``, streamed person by person (a tranche's members are
    matched to what they did in memory with the secret; nothing of the match is kept)."""
    dialogues = {d.id: d for d in await catalogue.published()}
    courses: dict[str, Course] = {str(c): course for c, course in (await catalogue.courses()).items()}
    opened = await store.tranches()
    tranches = [t for t in opened if period.start <= t.day <= period.end]
    chats, enrolments = dict(await store.contacts()), await store.enrolments()
    # The store answers these while this thread matches people with the secret and counts (SQLite lets go of
    # the interpreter while it works): the two slowest questions overlap the two slowest loops.
    active = asyncio.ensure_future(store.weekly_active(period.start, period.end))
    went = asyncio.ensure_future(store.followups_sent())
    try:
        await asyncio.sleep(0)  # let both tasks put their questions to the store before the loops below
        enrolled_in = _enrolled_persons(keys, chats, enrolments, {t.code for t in tranches})
        tally = _Tally(dialogues, {t.code: courses.get(t.course) for t in tranches}, period, language)
        await _count_people(store, tally, enrolled_in, progress)
        sent = [row for row in await went if row[2] <= period.end]
        weeks = _weeks(await active, tranches, sent, tally, period)
    finally:
        for task in (active, went):
            task.cancel()  # only when counting failed: then nobody waits for them
    return ReportCounts(period, _courses(opened, tranches, courses, tally, sent), weeks)


async def _count_people(
    store: Store,
    tally: _Tally,
    enrolled_in: Mapping[Pseudonym, list[str]],
    progress: Callable[[int, int], None] | None,
) -> None:
    """Every enrolled person's conversations, ``CHUNK`` people at a time: the next is read while one is counted."""
    persons = sorted(enrolled_in)
    chunks = [persons[start : start + CHUNK] for start in range(0, len(persons), CHUNK)]
    if not chunks:
        return
    coming = asyncio.ensure_future(store.conversation_days(chunks[0]))
    try:
        for number, chunk in enumerate(chunks):
            conversations = await coming
            if number + 1 < len(chunks):
                coming = asyncio.ensure_future(store.conversation_days(chunks[number + 1]))
            tally.add(conversations, enrolled_in)
            if progress is not None:
                progress(number * CHUNK + len(chunk), len(persons))
    finally:
        coming.cancel()  # done by now, unless counting failed


async def tranche_figures(
    store: Store, keys: Keys, catalogue: Catalogue, *, today: date, language: str, k: int
) -> dict[str, TrancheLine]:
    """Per tranche code, its figures as the public report shows them (the same suppression), over every tranche
    opened so far, those with a course day still ahead included."""
    opened = await store.tranches()
    end = max([today, *(t.day for t in opened)])
    period = Period(await first_day(store, end), end)
    counts = await report_counts(store, keys, catalogue, period=period, language=language)
    lines = {(line.course, line.tranche): line for line in tranche_lines(counts, language, k)}
    courses = await catalogue.courses()
    found = {}
    for tranche in opened:
        title = _course_title(tranche.course, courses.get(CourseId(tranche.course)), language)
        if (line := lines.get((title, tranche.name))) is not None:
            found[tranche.code] = line
    return found


def _course_title(course_id: str, course: Course | None, language: str) -> str:
    return course.title.get(language) if course else course_id


async def first_day(store: Store, today: date) -> date:
    """The first day of the programme: the earliest course day of a tranche or week with a step (else today)."""
    days = [t.day for t in await store.tranches()]
    first = await store.first_active_day()
    return min([*days, first] if first else days, default=today)


def _enrolled_persons(
    keys: Keys, chats: Mapping[Pseudonym, int], enrolments: Iterable[tuple[Pseudonym, str]], codes: set[str]
) -> dict[Pseudonym, list[str]]:
    """Each person (pseudonym) enrolled in one of ``codes``, with the tranches they joined, matched by chat id."""
    found: dict[Pseudonym, list[str]] = defaultdict(list)
    for contact, code in enrolments:
        if code in codes and contact in chats:
            found[keys.telegram_person(chats[contact])].append(code)
    return found


class _Tally:
    """Per tranche: people who finished each toolkit session and who answered each follow-up; per week, answers."""

    def __init__(
        self, dialogues: dict[DialogueId, Dialogue], course_of: dict[str, Course | None], period: Period, language: str
    ) -> None:
        self.dialogues, self.course_of, self.period, self.language = dialogues, course_of, period, language
        self.completed: dict[str, Counter[str]] = defaultdict(Counter)
        self.answered: dict[str, Counter[DialogueId]] = defaultdict(Counter)
        self.answered_weeks: Counter[str] = Counter()
        self.followups = {f.dialogue for c in course_of.values() if c for f in c.followups}
        self.sessions = session_titles(dialogues, language)
        self.session_of = {d: known.session for d, known in dialogues.items() if known.session in TOOLKIT}
        self.followups_of = {
            code: frozenset(f.dialogue for f in course.followups if f.dialogue in dialogues) if course else frozenset()
            for code, course in course_of.items()
        }

    def add(self, conversations: list[ConversationDay], enrolled_in: Mapping[Pseudonym, list[str]]) -> None:
        """Count a chunk of people's conversations (all of each person's, so each is counted once)."""
        finished: dict[Pseudonym, set[str]] = defaultdict(set)
        started: dict[Pseudonym, set[DialogueId]] = defaultdict(set)
        start, end = self.period.start, self.period.end
        for person, dialogue, done, day in conversations:
            if day > end:
                continue
            if done and (session := self.session_of.get(dialogue)) is not None:
                finished[person].add(session)
            if dialogue in self.followups:
                started[person].add(dialogue)
                if start <= day:
                    self.answered_weeks[week_of(day)] += 1
        for person in {*finished, *started}:
            sessions, followups = finished.get(person, ()), started.get(person, set())
            for code in enrolled_in[person]:
                completed, answered = self.completed[code], self.answered[code]
                for session in sessions:
                    completed[self.sessions[session]] += 1
                for dialogue in followups & self.followups_of[code]:
                    answered[dialogue] += 1

    def title(self, dialogue: DialogueId) -> str:
        known = self.dialogues.get(dialogue)
        return known.title.get(self.language) if known else dialogue


def _weeks(
    active: Mapping[date, int], tranches: list[Tranche], sent: list[Sent], tally: _Tally, period: Period
) -> dict[str, WeekTally]:
    """The trend across all courses, week by week: active, newly enrolled (by course day), sent, answered."""
    new: Counter[str] = Counter()
    for tranche in tranches:
        new[week_of(tranche.day)] += tranche.enrolled
    went: Counter[str] = Counter()
    for _, _, day, n in sent:
        if period.start <= day:
            went[week_of(day)] += n
    return {
        week: WeekTally(active.get(monday(week), 0), new[week], went[week], min(tally.answered_weeks[week], went[week]))
        for week in weeks_from(period.start, week_of(period.end))
    }


def _courses(
    opened: list[Tranche],
    tranches: list[Tranche],
    courses: Mapping[str, Course],
    tally: _Tally,
    sent: list[Sent],
) -> tuple[CourseTally, ...]:
    """Per course: every tranche opened for it, and the figures of those in the period."""
    went: Counter[tuple[str, DialogueId]] = Counter()
    for code, dialogue, _, n in sent:
        went[code, dialogue] += n
    sessions = list(tally.sessions.values())
    found = []
    for course_id in sorted({t.course for t in opened}):
        course = courses.get(course_id)
        title = _course_title(course_id, course, tally.language)
        planned = tuple(PlannedTranche(t.name, t.day) for t in opened if t.course == course_id)
        tallies = tuple(_tranche(t, course, tally, went, sessions) for t in tranches if t.course == course_id)
        found.append(CourseTally(title, planned, tallies))
    return tuple(found)


def _tranche(
    tranche: Tranche, course: Course | None, tally: _Tally, went: Counter[tuple[str, DialogueId]], sessions: list[str]
) -> TrancheTally:
    completed = {title: min(tally.completed[tranche.code][title], tranche.enrolled) for title in sessions}
    followups = {}
    for followup in course.followups if course else ():
        out = min(went[tranche.code, followup.dialogue], tranche.enrolled)
        followups[tally.title(followup.dialogue)] = Replies(
            out, min(tally.answered[tranche.code][followup.dialogue], out)
        )
    return TrancheTally(tranche.name, tranche.day, tranche.enrolled, completed, followups)
