"""What handlers and commands share: the store, the conversations, the renderer, and one person's turn."""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Protocol, TypeVar

from telegram import Message, Update, User
from telegram.error import BadRequest

from bot.config import Settings
from bot.dialogue import engine
from bot.dialogue.buttons import ConsentButton
from bot.dialogue.course import Course
from bot.dialogue.events import Answered, Chosen, Output
from bot.dialogue.model import Choice, DialogueId
from bot.store import aggregate
from bot.store.catalogue import Catalogue
from bot.store.conversations import Conversations
from bot.store.errors import UnknownDialogueError
from bot.store.keys import Identity, Keys
from bot.store.protocol import Participant, Planned, Store, Tranche
from bot.telegram.api import Markup
from bot.telegram.callbacks import ShareButton
from bot.telegram.render import Consent, Renderer, keyboard
from bot.telegram.texts import LANGUAGE_BUTTONS, text

logger = logging.getLogger(__name__)
T = TypeVar("T")
ASKED_REMEMBERED = 100_000  # chats whose last question's message id is kept in memory


@dataclass(slots=True)
class Receipt:
    """Whether an update is recorded in the store, and the way its changes record it: the one place for that fact.

    ``before``: an earlier delivery of this update changed something (Telegram sends an update again after
    a crash); it is not applied again. Otherwise the first change it makes records its id in the same
    transaction (``commit``), and ``saved`` says so; one update may change several things (a language,
    then the introduction starts), and the rest go without the id. Copies of a ``Turn`` share one receipt.
    """

    update_id: int
    before: bool = False
    saved: bool = False

    @property
    def recorded(self) -> bool:
        """What this update changed is in the store (by this delivery or an earlier one)."""
        return self.before or self.saved

    async def commit(self, change: Callable[[int | None], Awaitable[T]]) -> T:
        """Run ``change`` with the update id (None once one change of this delivery has recorded it)."""
        result = await change(None if self.saved else self.update_id)
        self.saved = True
        return result


@dataclass(frozen=True, slots=True)
class Turn:
    """One update from one person in a private chat, with who they are and their settings."""

    update: Update
    who: Identity
    chat_id: int
    participant: Participant
    telegram_language: str | None
    receipt: Receipt

    @property
    def language(self) -> str:
        return self.participant.language or guess_language(self.telegram_language)

    def with_language(self, language: str) -> Turn:
        return replace(self, participant=replace(self.participant, language=language))


def guess_language(code: str | None) -> str:
    """Dutch unless Telegram says the person uses something else."""
    return "en" if code and not code.lower().startswith("nl") else "nl"


class Courses(Protocol):
    """What joining a course needs from the schedule layer (injected, so this layer does not import it)."""

    def plan(self, tranche: Tranche, key: str) -> list[Planned] | None: ...

    def paused(self, dues: Sequence[datetime], until: date, key: str) -> list[datetime]: ...

    def title(self, course: str, language: str) -> str: ...

    def ids(self) -> list[str]: ...

    def remember(self, course: Course) -> None: ...


@dataclass
class Services:
    settings: Settings
    store: Store
    keys: Keys
    catalogue: Catalogue
    conversations: Conversations
    renderer: Renderer
    courses: Courses | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _asked: OrderedDict[int, int] = field(default_factory=OrderedDict)  # chat id -> message id of its last question

    def today(self) -> date:
        return self.clock().astimezone(self.settings.tz).date()

    async def turn(self, update: Update, user: User) -> Turn:
        """Who this is, their contact saved as active and seen this week, and whether the update is repeated."""
        who = self.keys.telegram(user.id)
        chat = update.effective_chat
        assert chat is not None
        arrival = await self.store.receive(who.contact, chat.id, update.update_id)
        receipt = Receipt(update.update_id, before=arrival.repeated)
        return Turn(update, who, chat.id, arrival.participant, user.language_code, receipt)

    def written_before_asked(self, turn: Turn) -> bool:
        """Whether the message was written before the question now open was shown (so it cannot answer it).

        Telegram numbers the messages of one chat in order, the bot's and the person's alike: a client that
        splits a long text sends its tail as a second message, which must not answer the next question.
        """
        message = turn.update.message
        asked = self._asked.get(turn.chat_id)
        return message is not None and asked is not None and message.message_id < asked

    async def show(
        self,
        turn: Turn,
        dialogue: DialogueId,
        outputs: tuple[Output, ...],
        language: str,
        *,
        pressed: Message | None = None,
        version: int | None = None,
    ) -> None:
        """What a step (or a resumed conversation) produced; remembers the message id of the question shown.

        With ``version`` (a step that may record a shareable answer), the sharing question follows that answer.
        """
        consent = _consent(dialogue, version, language) if version is not None else None
        peers = self.peers(dialogue, language)
        asked = await self.renderer.outputs(turn.chat_id, outputs, language, peers, pressed=pressed, consent=consent)
        if asked is not None:
            self._asked[turn.chat_id] = asked
            self._asked.move_to_end(turn.chat_id)
            if len(self._asked) > ASKED_REMEMBERED:
                self._asked.popitem(last=False)

    async def say(self, turn: Turn, key: str, **values: object) -> None:
        await self.renderer.send(turn.chat_id, text(key, turn.language, **values))

    async def answer(self, turn: Turn, key: str | None = None) -> None:
        """Answer a button press (Telegram shows a spinner until then), with a short notice if ``key``."""
        query = turn.update.callback_query
        if query is None:
            return
        try:
            await self.renderer.answer(query.id, text(key, turn.language) if key else None)
        except BadRequest as exc:  # too old (the bot was away) or answered already: the step still counts
            logger.info("could not answer a button press: %s", exc.message)

    async def step(
        self,
        turn: Turn,
        dialogue: DialogueId,
        event: engine.Event,
        version: int | None = None,
        pressed: Message | None = None,
    ) -> None:
        """One dialogue step, committed before anything is shown; engine refusals get a kind word."""
        person = turn.who.person
        try:
            outcome = await turn.receipt.commit(
                lambda update: self.conversations.apply(person, dialogue, event, update, version)
            )
        except engine.EngineError as exc:
            return await self.refuse(turn, exc)
        except UnknownDialogueError:
            return await self.refuse_key(turn, "unknown_dialogue")
        if pressed is not None:
            await self.answer(turn)
        if outcome.state is not None:
            state = outcome.state
            await self.show(turn, dialogue, outcome.outputs, state.language, pressed=pressed, version=state.version)

    async def refuse(self, turn: Turn, error: engine.EngineError) -> None:
        if isinstance(error, engine.AnswerLengthError) and error.too_long:
            return await self.say(turn, "too_long", maximum=error.maximum)
        if isinstance(error, engine.AnswerLengthError):
            return await self.say(turn, "too_short", minimum=error.minimum)
        if isinstance(error, engine.StaleError):
            return await self.refuse_key(turn, "stale_button")
        if isinstance(error, engine.NotOfferedError):
            return await self.refuse_key(turn, "not_offered")
        if turn.update.callback_query is not None:
            return await self.refuse_key(turn, "stale_button")
        await self.say(turn, "text_expected_choice" if await self._asks_choice(turn) else "no_dialogue_text")

    async def _asks_choice(self, turn: Turn) -> bool:
        """Whether the person's current dialogue is waiting for a button press."""
        current = await self.store.current_dialogue(turn.who.person)
        saved = await self.store.load_state(turn.who.person, current) if current else None
        return saved is not None and not saved.state.done

    async def refuse_key(self, turn: Turn, key: str) -> None:
        """A press gets a notice on the button; a message gets a reply."""
        if turn.update.callback_query is not None:
            return await self.answer(turn, key)
        await self.say(turn, key)

    async def open(self, turn: Turn, dialogue: DialogueId) -> None:
        """Continue ``dialogue`` where the person left it, or start it."""
        try:
            resumed = await self.conversations.current(turn.who.person, dialogue)
        except UnknownDialogueError:
            return await self.say(turn, "unknown_dialogue")
        if resumed is None:
            return await self.step(turn, dialogue, engine.Start(turn.language))
        await turn.receipt.commit(lambda update: self.store.set_current(turn.who.person, dialogue, update))
        await self.show(turn, dialogue, resumed.outputs, resumed.state.language if resumed.state else turn.language)

    async def set_language(self, turn: Turn, language: str, pressed: Message | None) -> None:
        contact = turn.who.contact
        await turn.receipt.commit(
            lambda update: self.store.update_participant(contact, language=language, update=update)
        )
        await self.renderer.remove_keyboard(pressed, text("chosen_mark", language, label=LANGUAGE_BUTTONS[language]))

    def peers(self, dialogue: DialogueId, language: str) -> PeersText:
        return PeersText(self, dialogue, language)


@dataclass(frozen=True, slots=True)
class PeersText:
    """How colleagues chose at a question, as one bubble; below k people only that there are too few."""

    services: Services
    dialogue: DialogueId
    language: str

    async def __call__(self, chosen: Chosen) -> str:
        k = self.services.settings.min_group
        counts = await aggregate.peer_choices(self.services.store, self.dialogue, chosen.node, k)
        if counts is None:
            return text("peers_too_few", self.language, k=k)
        node = (await self.services.catalogue.get(self.dialogue)).nodes.get(chosen.node)
        options = [
            o
            for o in (node.options if isinstance(node, Choice) else ())
            if o.condition is None or counts.by_key.get(o.id)
        ]
        lines = [
            text("peers_line", self.language, label=o.label.get(self.language), percent=round(100 * counts.share(o.id)))
            for o in options
        ]
        return "\n".join([text("peers_header", self.language), *lines, "", text("peers_note", self.language)])


def _consent(dialogue: DialogueId, version: int, language: str) -> Consent:
    """The question after an answer to a reflection with ``share: true``: share it with the group, or not."""

    def ask(answered: Answered) -> tuple[str, Markup]:
        share = ShareButton(ConsentButton(dialogue, version, answered.node))
        buttons = ((text("share_yes", language), share.data), (text("share_no", language), ShareButton().data))
        return text("share_question", language), keyboard(*buttons)

    return ask
