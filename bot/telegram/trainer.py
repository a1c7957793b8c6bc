"""/course for trainers (``GOODWORK_TRAINERS``): list tranches, open one with its join link and QR code, close one.

Anyone else gets the same answer as for an unknown command, and nothing changes.
"""

from __future__ import annotations

import re
from datetime import date

from bot.dialogue.loader import DIALOGUE_ID
from bot.report.census import tranche_figures
from bot.report.public import legend
from bot.store.errors import TrancheError
from bot.telegram.joinlink import join_link, qr_png
from bot.telegram.menus import set_trainer_menu
from bot.telegram.services import Services, Turn
from bot.telegram.texts import fit, text

_OPEN = re.compile(rf"open\s+({DIALOGUE_ID.pattern})\s+(\d{{4}}-\d{{2}}-\d{{2}})\s+(.{{1,60}})", re.S)
_CLOSE = re.compile(r"close\s+(?:c_)?([A-Za-z0-9_-]{8,64})")


INVITE_PREFIX = "t_"


async def is_trainer(services: Services, turn: Turn) -> bool:
    """In ``GOODWORK_TRAINERS``, or invited by a link (``goodwork trainer invite``) and not revoked."""
    user = turn.update.effective_user
    if user is not None and user.id in services.settings.trainers:
        return True
    return await services.store.is_trainer(turn.who.contact)


async def accept(services: Services, turn: Turn, code: str) -> None:
    """``/start t_<code>``: an invitation that works once, before it expires."""
    contact = turn.who.contact
    if await turn.receipt.commit(lambda update: services.store.redeem_invitation(code, contact, update)):
        await set_trainer_menu(services.renderer.bot, turn.chat_id)
        await services.say(turn, "trainer_welcome")
        return
    await services.say(turn, "unknown_payload")


async def course(services: Services, turn: Turn, argument: str) -> None:
    if opening := _OPEN.fullmatch(argument.strip()):
        return await _open(services, turn, opening.group(1), opening.group(2), opening.group(3).strip())
    if closing := _CLOSE.fullmatch(argument.strip()):
        code = closing.group(1)
        closed = await turn.receipt.commit(lambda update: services.store.close_tranche(code, update))
        return await services.say(turn, "course_closed_done" if closed else "course_close_unknown")
    if argument.strip():
        return await services.say(turn, "course_usage")
    await _reply(services, turn, await _listing(services, turn.language))


async def _reply(services: Services, turn: Turn, body: str) -> None:
    await services.renderer.send(turn.chat_id, body)


async def _listing(services: Services, language: str) -> str:
    """Each tranche with its enrolment and, below it, its completion and response figures as the report has them."""
    tranches = await services.store.tranches()
    if not tranches:
        return text("course_no_tranches", language) + "\n\n" + text("course_usage", language)
    k = services.settings.min_group
    figures = await tranche_figures(
        services.store, services.keys, services.catalogue, today=services.today(), language=language, k=k
    )
    closed = " · " + text("course_tranche_closed_mark", language)
    lines = []
    for t in tranches:
        line = text(
            "course_tranche_line", language, course=t.course, tranche=t.name, day=t.day.isoformat(), count=t.enrolled
        )
        lines.append(line + (closed if t.closed else ""))
        if t.code in figures and figures[t.code].figures:
            lines.append(f"   {figures[t.code].figures}")
    if any(figures[t.code].hidden for t in tranches if t.code in figures):
        lines = [legend(language, k), "", *lines]
    return fit(lines, language)


async def _open(services: Services, turn: Turn, course_id: str, day: str, name: str) -> None:
    if services.courses is None or course_id not in services.courses.ids():
        known = ", ".join(services.courses.ids()) if services.courses else text("course_none_known", turn.language)
        return await services.say(turn, "course_unknown", course=course_id, courses=known)
    try:
        opening = (course_id, name, date.fromisoformat(day), "telegram trainer")
        tranche = await turn.receipt.commit(
            lambda update: services.store.open_tranche(*opening, update=update, trainer=turn.who.contact)
        )
    except (TrancheError, ValueError) as exc:
        return await _reply(services, turn, str(exc))
    link = join_link(services.renderer.bot.username, tranche.code)
    caption = f"{services.courses.title(course_id, turn.language)} · {name} · {day}\n{link}"
    await services.renderer.photo(turn.chat_id, qr_png(link), "join.png", caption)
