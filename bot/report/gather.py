"""Counting one tranche's week from the store: its members (contacts) matched to what they did (persons).

The two sides of the store share no key. Only here, in memory and holding the
secret, is each member's chat id unsealed and turned into their person
pseudonym; the link is never stored. Every count is of people, each person
once per figure, and goes through the *k* rule in ``tranche.summarise``.

Follow-ups: a sent outbox row keeps no recipient, so "people sent at least one"
is the most any one follow-up reached, and "answered" is the members who
started a follow-up dialogue of the course.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from bot.dialogue.course import Course, CourseId
from bot.dialogue.model import Choice, Dialogue, DialogueId, NodeId
from bot.report.insights import Insights, measure
from bot.report.public import TrancheLine, tranche_lines
from bot.report.table import CourseTally, Period, PlannedTranche, Replies, ReportCounts, TrancheTally, WeekTally
from bot.report.tranche import QuestionCounts, TrancheCounts, WeekCounts
from bot.report.weeks import monday, week_of, weeks_from
from bot.store.catalogue import Catalogue
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Activity, ConversationDay, Store, Tranche

TOOLKIT = ("intro", "excellence", "ethics", "engagement")


async def persons_of(store: Store, keys: Keys, contacts: Iterable[Pseudonym]) -> list[Pseudonym]:
    """The person pseudonyms of these contacts (whose contact rows still exist), matched with the secret."""
    found = []
    for contact in contacts:
        participant = await store.participant(contact)
        if participant is not None:
            found.append(keys.telegram_person(participant.chat_id))
    return found


async def dialogue_insights(
    store: Store, catalogue: Catalogue, dialogue: DialogueId, *, version: int | None, today: date, k: int
) -> Insights:
    """A dialogue's insights across its versions (or one), from its conversations; UnknownDialogueError if none."""
    newest = await catalogue.get(dialogue, version)
    rows = await store.conversation_rows(dialogue, version)
    numbers = {newest.version, *(row.state.version for row in rows)}
    versions = {number: await catalogue.get(dialogue, number) for number in sorted(numbers)}
    return measure(versions, rows, today=today, k=k, version=version)


async def tranche_counts(
    store: Store, keys: Keys, catalogue: Catalogue, tranche: Tranche, *, course: Course | None, week: str, language: str
) -> TrancheCounts:
    """What one tranche's people did, up to ``week``, in counts (titles and labels in ``language``)."""
    persons = await persons_of(store, keys, await store.members(tranche.code))
    activity = await store.activity(persons)
    dialogues = {d.id: d for d in await catalogue.published()}
    followups = {f.dialogue for f in course.followups} if course else set()
    weeks = set(weeks_from(tranche.day, week))
    sent = [(dialogue, week_of(day), n) for _, dialogue, day, n in await store.followups_sent(tranche.code)]
    answered = {(p, week_of(day)) for p, d, _, day in activity.conversations if d in followups}
    reached: Counter[DialogueId] = Counter()
    for dialogue, _, n in sent:
        reached[dialogue] += n
    most_reached = max(reached.values(), default=0)
    shared = [(p, d, n) for p, d, n, is_shared, _ in activity.reflections if is_shared]
    return TrancheCounts(
        course=course.title.get(language) if course else tranche.course,
        tranche=tranche.name,
        course_day=tranche.day,
        week=week,
        enrolled=tranche.enrolled,
        active=len(_active(activity).get(week, set())),
        followups_sent=most_reached,
        followups_answered=min(len({p for p, _ in answered}), most_reached),  # some open them from /sessions
        sessions_completed=_sessions(activity, dialogues, language),
        choices=_choices(activity, dialogues, language),
        sharers=len({p for p, _, _ in shared}),
        reflections_shared=len(shared),
        history=_history(activity, sent, answered, weeks),
    )


def _active(activity: Activity) -> dict[str, set[Pseudonym]]:
    """Per ISO week, the people who took a step, chose or wrote that week."""
    days = [
        *((p, day) for p, _, _, day in activity.conversations),
        *((p, day) for p, _, _, _, day in activity.choices),
        *((p, day) for p, _, _, _, day in activity.reflections),
    ]
    active: dict[str, set[Pseudonym]] = defaultdict(set)
    for person, day in days:
        active[week_of(day)].add(person)
    return active


def _history(
    activity: Activity,
    sent: list[tuple[DialogueId, str, int]],
    answered: set[tuple[Pseudonym, str]],
    weeks: set[str],
) -> dict[str, WeekCounts]:
    active, sent_in = _active(activity), Counter[str]()
    for _, week, n in sent:
        sent_in[week] += n
    answered_in = Counter(week for _, week in answered)
    return {
        week: WeekCounts(len(active.get(week, ())), sent_in[week], min(answered_in[week], sent_in[week]))
        for week in sorted(weeks)
    }


def _sessions(activity: Activity, dialogues: dict[DialogueId, Dialogue], language: str) -> dict[str, int]:
    """Per toolkit session (its first dialogue's title), the people who finished one of its dialogues."""
    finished: dict[str, set[Pseudonym]] = defaultdict(set)
    for person, dialogue, done, _ in activity.conversations:
        if done and dialogue in dialogues and dialogues[dialogue].session in TOOLKIT:
            finished[dialogues[dialogue].session].add(person)
    return {title: len(finished[session]) for session, title in session_titles(dialogues, language).items()}


def session_titles(dialogues: Mapping[DialogueId, Dialogue], language: str) -> dict[str, str]:
    """Each toolkit session that has a dialogue, in the toolkit's order, named by its first dialogue's title."""
    first: dict[str, Dialogue] = {}
    for _, known in sorted(dialogues.items()):
        first.setdefault(known.session, known)
    return {session: first[session].title.get(language) for session in TOOLKIT if session in first}


def _choices(activity: Activity, dialogues: dict[DialogueId, Dialogue], language: str) -> tuple[QuestionCounts, ...]:
    """How the tranche's people chose at each question with ``peers: true`` they answered."""
    chosen: dict[tuple[DialogueId, NodeId], Counter[str]] = defaultdict(Counter)
    for _, dialogue_id, node_id, option, _ in activity.choices:
        chosen[dialogue_id, node_id][option] += 1
    found: list[QuestionCounts] = []
    for (dialogue_id, node_id), counts in sorted(chosen.items()):
        known = dialogues.get(dialogue_id)
        node = known.nodes.get(node_id) if known else None
        if known is None or not isinstance(node, Choice) or not node.peers:
            continue
        options = {o.label.get(language): counts.get(o.id, 0) for o in node.options}
        found.append(QuestionCounts(known.title.get(language), node.ask.get(language), options))
    return tuple(found)


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
    enrolled_in = await _enrolled_persons(store, keys, {t.code for t in tranches})
    tally = _Tally(dialogues, {t.code: courses.get(t.course) for t in tranches}, period, language)
    persons = sorted(enrolled_in)
    for start in range(0, len(persons), CHUNK):
        chunk = persons[start : start + CHUNK]
        tally.add(await store.conversation_days(chunk), enrolled_in)
        if progress is not None:
            progress(start + len(chunk), len(persons))
    sent = [row for row in await store.followups_sent() if row[2] <= period.end]
    weeks = await _weeks(store, tranches, sent, tally, period)
    return ReportCounts(period, _courses(opened, tranches, courses, tally, sent), weeks)


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


async def _enrolled_persons(store: Store, keys: Keys, codes: set[str]) -> dict[Pseudonym, list[str]]:
    """Each enrolled person (pseudonym) with the tranches they joined, from one pass over the contacts."""
    chats = dict(await store.contacts())
    found: dict[Pseudonym, list[str]] = defaultdict(list)
    for contact, code in await store.enrolments():
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

    def add(self, conversations: list[ConversationDay], enrolled_in: Mapping[Pseudonym, list[str]]) -> None:
        finished: dict[Pseudonym, set[str]] = defaultdict(set)
        started: dict[Pseudonym, set[DialogueId]] = defaultdict(set)
        for person, dialogue, done, day in conversations:
            known = self.dialogues.get(dialogue)
            if known is not None and done and day <= self.period.end and known.session in TOOLKIT:
                finished[person].add(known.session)
            if known is not None and day <= self.period.end:
                started[person].add(dialogue)
            if dialogue in self.followups and self.period.start <= day <= self.period.end:
                self.answered_weeks[week_of(day)] += 1
        for person, codes in ((p, enrolled_in[p]) for p in {*finished, *started}):
            for code in codes:
                self._count(code, finished[person], started[person])

    def _count(self, code: str, sessions: set[str], started: set[DialogueId]) -> None:
        course = self.course_of.get(code)
        followups = {f.dialogue for f in course.followups} if course else set()
        self.completed[code].update(self.sessions[s] for s in sessions)
        self.answered[code].update(started & followups)

    def title(self, dialogue: DialogueId) -> str:
        known = self.dialogues.get(dialogue)
        return known.title.get(self.language) if known else dialogue


async def _weeks(
    store: Store, tranches: list[Tranche], sent: list[Sent], tally: _Tally, period: Period
) -> dict[str, WeekTally]:
    """The trend across all courses, week by week: active, newly enrolled (by course day), sent, answered."""
    active = await store.weekly_active(period.start, period.end)
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
