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
from collections.abc import Iterable, Mapping
from datetime import date

from bot.dialogue.course import Course
from bot.dialogue.model import Choice, Dialogue, DialogueId, NodeId
from bot.report.insights import Insights, measure
from bot.report.tranche import QuestionCounts, TrancheCounts, WeekCounts
from bot.report.weeks import week_of, weeks_from
from bot.store.catalogue import Catalogue
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Activity, Store, Tranche

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
