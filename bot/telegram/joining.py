"""A participant and a course: joining a tranche from its link, and /pause for the follow-ups."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.store.errors import TrancheError
from bot.telegram.services import Services, Turn

_PAUSE = re.compile(r"(\d{1,3})\s*([dw])")
_UNTIL = re.compile(r"(?:until|tot|t/m)\s+(\d{4}-\d{2}-\d{2})", re.I)
MAX_PAUSE = timedelta(days=366)


async def join(services: Services, turn: Turn, code: str) -> None:
    """Enrol in the tranche behind ``code`` and queue its follow-ups; a closed or unknown link is explained."""
    tranche = await services.store.tranche(code)
    if tranche is not None and services.courses is not None:  # a course published since the bot started
        newest = await services.catalogue.course(tranche.course)
        if newest is not None:
            services.courses.remember(newest)
    plan = services.courses.plan(tranche, turn.who.contact) if tranche and services.courses else None
    if tranche is None or tranche.closed or plan is None or services.courses is None:
        return await services.say(turn, "course_closed")
    contact, language = turn.who.contact, turn.language  # the follow-ups are written in this confirmation's language
    try:
        new = await turn.receipt.commit(lambda update: services.store.enrol(contact, code, plan, language, update))
    except TrancheError:
        return await services.say(turn, "course_closed")
    course = services.courses.title(tranche.course, turn.language)
    key = "enrolled" if new else "enrolled_already"
    await services.say(turn, key, course=course, tranche=tranche.name, count=len(plan))
    if turn.participant.paused:  # after /stop nothing is sent: say so, or the confirmation would promise too much
        await services.say(turn, "stopped_reminder")


async def pause(services: Services, turn: Turn, argument: str, today: date) -> None:
    """``/pause 14d``, ``/pause 3w`` or ``/pause until 2027-01-10``: nothing comes before that day.

    The next follow-up moves to the first working-hours slot on or after it and the rest keep their
    spacing; a second pause counts from the same plan, so pauses never stack past the date asked for.
    """
    by = pause_length(argument, today)
    if by is None or services.courses is None:
        return await services.say(turn, "pause_usage")
    contact = turn.who.contact
    pending = await services.store.pending(contact)
    if not pending:
        return await services.say(turn, "pause_nothing")
    moved = services.courses.paused([due for _, due in pending], today + by, contact)
    first = min(moved).astimezone(services.settings.tz).date().isoformat()
    if moved == [due for _, due in pending]:
        return await services.say(turn, "pause_already", until=first)
    moves = [(row, due) for (row, _), due in zip(pending, moved, strict=True)]
    await turn.receipt.commit(lambda update: services.store.move_pending(contact, moves, update))
    await services.say(turn, "pause_done", until=first)


def pause_length(argument: str, today: date) -> timedelta | None:
    """How long ``argument`` asks to pause, up to a year; None if it is not understood."""
    if until := _UNTIL.fullmatch(argument.strip()):
        try:
            by = datetime.combine(date.fromisoformat(until.group(1)), time()) - datetime.combine(today, time())
        except ValueError:
            return None
    elif length := _PAUSE.fullmatch(argument.strip().lower()):
        by = timedelta(days=int(length.group(1)) * (7 if length.group(2) == "w" else 1))
    else:
        return None
    return by if timedelta(days=1) <= by <= MAX_PAUSE else None
