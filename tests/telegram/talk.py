"""Helpers for the Telegram tests: what the store keeps about a person, button data, waiting, holding a step."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from person import Person

from bot.dialogue.course import Course, load_course
from bot.dialogue.model import DialogueId
from bot.dialogue.state import State
from bot.store.keys import Identity
from bot.store.protocol import Participant, Saved, StepRecord, Store
from bot.telegram.app import Bot
from bot.telegram.texts import LANGUAGE_BUTTONS, text


def store_of(bot: Bot) -> Store:
    assert bot.store is not None, "the bot has not opened its store yet"
    return bot.store


def who(bot: Bot, person: Person) -> Identity:
    return bot.keys.telegram(person.user_id)


async def exported(bot: Bot, person: Person) -> dict[str, Any]:
    """Everything the store keeps about ``person`` (what /mydata would send)."""
    return await store_of(bot).export(who(bot, person))


async def state_of(bot: Bot, person: Person, dialogue: str = "sample") -> State | None:
    saved = await store_of(bot).load_state(who(bot, person).person, DialogueId(dialogue))
    return saved.state if saved else None


async def participant_of(bot: Bot, person: Person) -> Participant | None:
    return await store_of(bot).participant(who(bot, person).contact)


def joined(*paragraphs: str) -> str:
    """One message of a dialogue step as the bot sends it: its bubbles as paragraphs, blank lines between."""
    return "\n\n".join(paragraphs)


async def texts(person: Person, timeout: float = 5.0) -> list[str]:
    """The texts of what the bot sent ``person`` since the last look, once it has settled."""
    return [message.text for message in await person.replies(timeout)]


async def chose(person: Person, language: str = "nl") -> Person:
    """The person has chosen a language (with /language), so a deep link takes them straight where it points."""
    person.send("/language")
    await person.replies()
    await person.press(LANGUAGE_BUTTONS[language])
    await person.replies()
    return person


async def at_why(person: Person) -> dict[str, Any]:  # the person then sees WHY
    """Choose Dutch, open the sample dialogue and choose "Schrijven": the person is at the skippable "Waarom?".

    The update of that press, to deliver it again.
    """
    await chose(person, "nl")
    person.send("/start sample")
    await person.replies()
    press = await person.press("Schrijven")
    await person.replies()
    return press


def button_data(person: Person, label: str) -> tuple[int, str]:
    """The message id and callback data of the newest button labelled ``label`` in ``person``'s chat."""
    for message in reversed(person.messages):
        button = message.button(label)
        if button is not None:
            return message.message_id, str(button["callback_data"])
    raise AssertionError(f"no button {label!r} for {person}")


async def until(condition: Callable[[], bool], timeout: float = 3.0) -> float:
    """Wait (bounded) until ``condition()`` holds; returns the seconds it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


async def bounded(awaitable: Awaitable[Any], timeout: float = 3.0) -> Any:
    return await asyncio.wait_for(awaitable, timeout)


class Hold:
    """Holds one person's dialogue steps just before they commit, until ``release()`` (or ``crash()``)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, bot: Bot, person: Person) -> None:
        self.store, self.person = store_of(bot), who(bot, person).person
        self.reached = asyncio.Event()
        self._released = asyncio.Event()
        self._crashed = False
        self._commit = self.store.commit_step
        monkeypatch.setattr(self.store, "commit_step", self._held)

    async def _held(self, step: StepRecord) -> Saved | None:
        if step.person == self.person:
            self.reached.set()
            await self._released.wait()
            if self._crashed:
                raise asyncio.CancelledError  # as if the process died here: nothing after it runs
        return await self._commit(step)

    def release(self) -> None:
        self._released.set()

    def crash(self) -> None:
        """End a held step without committing it, the way a killed process ends it."""
        self._crashed = True
        self._released.set()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for a server the bot starts: metrics, a webhook)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


WHY = joined(text("peers_too_few", "nl", k=5), "Waarom?")  # after "Schrijven": how peers chose, then the question


MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a course day: a Monday, 11:00 in Amsterdam


class Clock:
    """The bot's clock, which the test sets."""

    def __init__(self, now: datetime = MONDAY) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def trial_course(*followups: tuple[str, str]) -> Course:
    """The test course "De proefcursus" (``trial-course``), with these follow-ups: (after, dialogue id)."""
    planned = "".join(f"  - after: {after}\n    dialogue: {dialogue}\n" for after, dialogue in followups)
    return load_course(
        b"id: trial-course\nkind: course\ntitle: {nl: De proefcursus, en: The trial course}\n"
        b"languages: [nl, en]\nfollowups:\n" + planned.encode()
    )
