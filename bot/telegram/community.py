"""Sharing with a Community of Practice: the consent after a shareable answer, /shared with withdrawal, /cop.

A reflection is shared only when its author presses "share" under the question
asked right after it (ignoring it means no). /shared lists what they shared,
each with a button that takes it back. /cop CODE gives a trainer the tranche's
discussion pack as an HTML document, once at least k of its people shared: the
tranche's members are matched to their reflections in memory with the secret.
"""

from __future__ import annotations

import random

from telegram import Message

from bot.dialogue.model import Reflection
from bot.report import pack
from bot.report.gather import persons_of
from bot.report.weeks import week_of
from bot.store.errors import UnknownDialogueError
from bot.store.protocol import SharedReflection
from bot.telegram.callbacks import ShareButton, WithdrawButton
from bot.telegram.render import keyboard
from bot.telegram.services import Services, Turn
from bot.telegram.texts import text


async def on_share(services: Services, turn: Turn, pressed: ShareButton, message: Message | None) -> None:
    """The answer to the sharing question: recorded (shared) or not, and the buttons replaced by the choice."""
    consent = pressed.consent
    if consent is None:
        await services.answer(turn)
        return await services.renderer.remove_keyboard(
            message, text("chosen_mark", turn.language, label=text("share_kept", turn.language))
        )
    person = turn.who.person
    shared = await turn.receipt.commit(
        lambda update: services.store.share(person, consent.dialogue, consent.node, True, update)
    )
    if not shared:
        return await services.answer(turn, "stale_button")
    await services.answer(turn)
    await services.renderer.remove_keyboard(
        message, text("chosen_mark", turn.language, label=text("share_done", turn.language))
    )


async def shared(services: Services, turn: Turn) -> None:
    """/shared: what the person shared, numbered, with a button to take each back."""
    mine = sorted(await services.store.shared([turn.who.person]), key=lambda r: (r.dialogue, r.node))
    if not mine:
        return await services.say(turn, "shared_none")
    lines = [text("shared_header", turn.language)]
    lines += [f"{n}. {reflection.text}" for n, reflection in enumerate(mine, 1)]
    buttons = [
        (text("shared_withdraw", turn.language, number=n), WithdrawButton(r.dialogue, r.node).data)
        for n, r in enumerate(mine, 1)
    ]
    await services.renderer.send(turn.chat_id, "\n\n".join(lines)[:4096], keyboard(*buttons))


async def on_withdraw(services: Services, turn: Turn, pressed: WithdrawButton) -> None:
    person = turn.who.person
    withdrawn = await turn.receipt.commit(
        lambda update: services.store.share(person, pressed.dialogue, pressed.node, False, update)
    )
    await services.answer(turn, "shared_withdrawn" if withdrawn else "stale_button")


async def cop(services: Services, turn: Turn, code: str) -> None:
    """/cop CODE: the tranche's Community of Practice pack, once at least k of its people shared."""
    code = code.strip().removeprefix("c_")
    tranche = await services.store.tranche(code) if code else None
    if not code:
        return await services.say(turn, "cop_usage")
    if tranche is None:
        return await services.say(turn, "cop_unknown")
    persons = await persons_of(services.store, services.keys, await services.store.members(code))
    reflections = await services.store.shared(persons)
    k, language = services.settings.min_group, turn.language
    sharers = len({r.person for r in reflections})
    course = services.courses.title(tranche.course, language) if services.courses else tranche.course
    week = services.clock().astimezone(services.settings.tz).strftime("%G-W%V")
    items = [await _item(services, r, language) for r in reflections]
    html = pack.cop_pack(
        course, tranche.name, week, items, sharers=sharers, language=language, k=k, rng=random.Random()
    )
    if html is None:
        return await services.say(turn, "cop_too_few", shared=text("cop_fewer_than", language, k=k), k=k)
    caption = text("cop_caption", language, course=course, tranche=tranche.name)
    await services.renderer.document(turn.chat_id, html, f"community-of-practice-{week}.html", caption)


async def _item(services: Services, reflection: SharedReflection, language: str) -> pack.SharedReflection:
    """A shared reflection as the pack shows it: the dialogue's title and the question, in the trainer's language."""
    try:
        dialogue = await services.catalogue.get(reflection.dialogue, reflection.version)
    except UnknownDialogueError:
        return pack.SharedReflection(reflection.dialogue, reflection.node, week_of(reflection.day), reflection.text)
    node = dialogue.nodes.get(reflection.node)
    question = node.ask.get(language) if isinstance(node, Reflection) else reflection.node
    return pack.SharedReflection(dialogue.title.get(language), question, week_of(reflection.day), reflection.text)
