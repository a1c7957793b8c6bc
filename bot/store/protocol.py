"""The one storage protocol every part of the bot talks to, with its records and errors.

    StoreError
     +-- StoreFileError       the database cannot be opened (missing folder, not a database, ...)
     +-- SchemaTooNewError    the database was upgraded by a newer goodwork
     +-- SecretMismatchError  GOODWORK_SECRET differs from the one the database was made with
     +-- ConflictError        the conversation moved on since it was read (retry the step)
     +-- RepeatedUpdateError  this Telegram update changed something already (show where the person is)
     +-- TrancheError         a course tranche that is unknown, closed, or whose name is taken

Two sides never meet in one row: the *contact* side (keyed by the contact
pseudonym: chat id and settings) and the *person* side (keyed by the person
pseudonym: conversation state, choices, reflections). See ``keys.py``.

Every method that changes something on behalf of a Telegram update takes that
update's id as ``update``: the id is recorded in the same transaction as the
change, so an update delivered twice changes state once (the second time the
method raises ``RepeatedUpdateError`` and changes nothing).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.dialogue.events import Answered, Chosen
from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.dialogue.state import State
from bot.store.keys import Identity, Pseudonym

UPDATE_DAYS = 3  # processed update ids are kept this long (Telegram keeps an update for 24 hours)


@dataclass(frozen=True, slots=True)
class Participant:
    """The contact side of one person: where and how to reach them."""

    chat_id: int = field(repr=False)
    language: str | None = None
    paused: bool = False
    digest: bool = True
    active: bool = True


@dataclass(frozen=True, slots=True)
class Arrival:
    """An update's arrival: the sender's contact, and whether the update changed something before."""

    participant: Participant
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class Saved:
    """A stored conversation: the engine's state and a revision that grows with each step."""

    state: State
    revision: int


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One dialogue step to commit as one transaction.

    ``revision`` is that of the state the step was computed from (None for a
    conversation that did not exist); ``update_id`` de-duplicates Telegram updates;
    ``started``: the step (re)starts the conversation, which keeps that day.
    """

    person: Pseudonym = field(repr=False)
    state: State
    revision: int | None
    records: tuple[Chosen | Answered, ...] = ()
    update_id: int | None = None
    started: bool = False


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One conversation as insights read it: its state, the day it started (None before that was kept) and the
    day of its last step. No person: insights count conversations, never whose they are."""

    state: State
    started: date | None
    last: date


@dataclass(frozen=True, slots=True)
class Version:
    dialogue: DialogueId
    number: int
    source: str = field(repr=False)
    sha256: str
    published_by: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Tranche:
    """One group that took a course on one day; ``code`` is the unguessable join code."""

    code: str = field(repr=False)
    course: str
    name: str
    day: date
    opened_by: str
    closed: bool = False
    enrolled: int = 0  # a counter: erasing a person does not lower it


@dataclass(frozen=True, slots=True)
class Planned:
    """One message to send later: a follow-up dialogue (or a reminder of one) due at ``due`` (UTC)."""

    due: datetime
    dialogue: DialogueId
    kind: str = "followup"


@dataclass(frozen=True, slots=True)
class DigestDue:
    """One weekly digest to queue: for ``contact``, about ``tranche`` (a trainer's) or about them (None)."""

    contact: Pseudonym = field(repr=False)
    due: datetime
    tranche: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class SharedReflection:
    """A reflection its author chose to share with their tranche's Community of Practice."""

    person: Pseudonym = field(repr=False)
    dialogue: DialogueId
    version: int
    node: NodeId
    language: str
    text: str = field(repr=False)
    day: date


ConversationDay = tuple[Pseudonym, DialogueId, bool, date]  # person, dialogue, finished, day of the last step


@dataclass(frozen=True, slots=True)
class Activity:
    """What a group of people did, person by person (in memory only: the caller matched them with the secret)."""

    conversations: list[ConversationDay]
    choices: list[tuple[Pseudonym, DialogueId, NodeId, OptionId, date]]
    reflections: list[tuple[Pseudonym, DialogueId, NodeId, bool, date]]  # ..., shared, day


@dataclass(frozen=True, slots=True)
class Queued:
    """An outbox row claimed for sending."""

    id: int
    contact: Pseudonym = field(repr=False)
    kind: str
    dialogue: DialogueId
    due: datetime
    attempts: int
    tranche: str | None = field(default=None, repr=False)
    week: str | None = None


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change. ``note`` is said to the operator when it is applied; ``scrub`` compacts
    the file afterwards, so that no old page keeps what the migration removed."""

    number: int
    name: str
    script: str = field(repr=False)
    note: str = ""
    scrub: bool = False


@dataclass(frozen=True, slots=True)
class Erasure:
    """A recorded erasure: its sequence number, the person's erasure mark (a keyed hash) and the day."""

    number: int
    mark: str = field(repr=False)
    day: str


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    path: str
    current: int
    latest: int
    applied: tuple[tuple[int, str, str], ...]  # (number, name, applied at)
    pending: tuple[Migration, ...]


@dataclass(frozen=True, slots=True)
class Pruned:
    reflections: int = 0
    people: int = 0
    participants: int = 0
    updates: int = 0


RECEIVING = ("polling", "webhook")  # the loops that take updates from Telegram
LOOP_STALE = timedelta(seconds=120)  # a long poll returns within 35 s; a beat is written every 15 s at most
OUTBOX_STALE = timedelta(seconds=180)  # the outbox ticks every 30 s, and beats for every row it settles


@dataclass(frozen=True, slots=True)
class Beat:
    """When ``loop`` (polling, webhook, outbox) of ``instance`` last went round."""

    instance: str
    loop: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Backlog:
    """Outbox rows due and not sent yet, and when the oldest of them was due (None: nothing due)."""

    due: int
    oldest: datetime | None


class Store(Protocol):
    """Everything the bot keeps. Implementations: ``SqliteStore`` (one file) and ``PostgresStore`` (shared)."""

    upgraded: tuple[Migration, ...]  # the migrations applied when this store was opened
    instance: str  # this instance's name among several (GOODWORK_INSTANCE): whose inbox rows are whose

    async def close(self) -> None: ...

    async def status(self) -> SchemaStatus: ...

    # --- contact side -------------------------------------------------------
    async def save_participant(self, contact: Pseudonym, chat_id: int) -> Participant: ...

    async def participant(self, contact: Pseudonym) -> Participant | None: ...

    async def participants(self, contacts: Sequence[Pseudonym]) -> dict[Pseudonym, Participant]: ...

    async def receive(self, contact: Pseudonym, chat_id: int, update_id: int) -> Arrival: ...

    async def update_participant(
        self,
        contact: Pseudonym,
        *,
        language: str | None = None,
        paused: bool | None = None,
        digest: bool | None = None,
        active: bool | None = None,
        update: int | None = None,
    ) -> Participant | None: ...

    async def seen_update(self, update_id: int) -> bool: ...

    async def spill(self, updates: Sequence[tuple[int, str]]) -> None: ...

    async def spilled(self, others_only: bool = False) -> list[tuple[int, str]]: ...

    async def unspill(self, update_ids: Sequence[int]) -> None: ...

    # --- person side --------------------------------------------------------
    async def load_state(self, person: Pseudonym, dialogue: DialogueId) -> Saved | None: ...

    async def conversations(self, person: Pseudonym) -> list[Saved]: ...

    async def current_dialogue(self, person: Pseudonym) -> DialogueId | None: ...

    async def set_current(self, person: Pseudonym, dialogue: DialogueId | None, update: int | None = None) -> None: ...

    async def commit_step(self, step: StepRecord) -> Saved | None: ...

    async def count_choices(self, dialogue: DialogueId, node: NodeId) -> dict[OptionId, int]: ...

    async def conversation_rows(self, dialogue: DialogueId, version: int | None = None) -> list[ConversationRow]: ...

    async def weekly_active(self, since: date, until: date) -> dict[date, int]: ...

    async def first_active_day(self) -> date | None: ...

    # --- content ------------------------------------------------------------
    async def publish(
        self, dialogue: DialogueId, source: str, published_by: str, update: int | None = None
    ) -> Version: ...

    async def version(self, dialogue: DialogueId, number: int | None = None) -> Version | None: ...

    async def versions(self, dialogue: DialogueId) -> list[Version]: ...

    async def dialogue_ids(self) -> list[DialogueId]: ...

    async def first_published(self) -> dict[DialogueId, datetime]: ...

    async def newest_versions(self) -> dict[DialogueId, int]: ...

    async def publish_course(
        self, course: str, source: str, published_by: str, update: int | None = None
    ) -> Version: ...

    async def course_version(self, course: str) -> Version | None: ...

    async def course_ids(self) -> list[str]: ...

    # --- privacy and upkeep -------------------------------------------------
    async def export(self, who: Identity) -> dict[str, Any]: ...

    async def ask_to_forget(self, contact: Pseudonym, code: str, until: datetime) -> None: ...

    async def erase(self, who: Identity, *, confirm: str | None = None, update: int | None = None) -> int | None: ...

    async def erasures(self, after: int = 0) -> list[Erasure]: ...

    async def erase_again(self, erasure: Erasure, who: Identity | None) -> int: ...

    async def contacts(self) -> list[tuple[Pseudonym, int]]: ...

    async def prune(self, today: date, retention_days: int) -> Pruned: ...

    async def backup(self, target: Path) -> None: ...

    # --- courses and the outbox ---------------------------------------------
    async def open_tranche(
        self,
        course: str,
        name: str,
        day: date,
        opened_by: str,
        *,
        update: int | None = None,
        trainer: Pseudonym | None = None,
    ) -> Tranche: ...

    async def tranche_trainers(self, code: str) -> list[Pseudonym]: ...

    async def trainer_contacts(self) -> list[Pseudonym]: ...

    async def members(self, code: str) -> list[Pseudonym]: ...

    async def followups_sent(self, code: str | None = None) -> list[tuple[str, DialogueId, date, int]]: ...

    async def enrolments(self) -> list[tuple[Pseudonym, str]]: ...

    async def activity(self, persons: Sequence[Pseudonym]) -> Activity: ...

    async def conversation_days(self, persons: Sequence[Pseudonym]) -> list[ConversationDay]: ...

    async def digest_due(self, week: str) -> list[Pseudonym]: ...

    async def queue_digests(self, week: str, due: Sequence[DigestDue]) -> int: ...

    async def share(
        self, person: Pseudonym, dialogue: DialogueId, node: NodeId, shared: bool, update: int | None = None
    ) -> bool: ...

    async def shared(self, persons: Sequence[Pseudonym]) -> list[SharedReflection]: ...

    async def tranche(self, code: str) -> Tranche | None: ...

    async def tranches(self, course: str | None = None) -> list[Tranche]: ...

    async def close_tranche(self, code: str, update: int | None = None) -> bool: ...

    async def enrol(
        self,
        contact: Pseudonym,
        code: str,
        plan: Sequence[Planned],
        language: str | None = None,
        update: int | None = None,
    ) -> bool: ...

    async def claim_due(self, now: datetime, limit: int) -> list[Queued]: ...

    async def mark_sent(self, rows: Sequence[int]) -> None: ...

    async def mark_retry(
        self, row: int, when: datetime, error: str, unknown: bool = False, counted: bool = True
    ) -> None: ...

    async def mark_failed(self, row: int, error: str) -> None: ...

    async def mark_skipped(self, row: int) -> None: ...

    async def queue(self, contact: Pseudonym, tranche: str | None, planned: Planned) -> None: ...

    async def cancel_pending(self, contact: Pseudonym) -> int: ...

    async def pending(self, contact: Pseudonym) -> list[tuple[int, datetime]]: ...

    async def move_pending(
        self, contact: Pseudonym, moves: Sequence[tuple[int, datetime]], update: int | None = None
    ) -> int: ...

    async def stop(self, contact: Pseudonym, update: int | None = None) -> int: ...

    async def resume(self, contact: Pseudonym, now: datetime, update: int | None = None) -> int: ...

    async def recover_sending(self) -> int: ...

    async def outbox_status(self) -> dict[str, int]: ...

    # --- trainers invited by link --------------------------------------------
    async def invite_trainer(self, expires: datetime, created_by: str) -> str: ...

    async def redeem_invitation(self, code: str, contact: Pseudonym, update: int | None = None) -> bool: ...

    async def is_trainer(self, contact: Pseudonym) -> bool: ...

    async def revoke_trainer(self, contact: Pseudonym) -> bool: ...

    async def trainer_count(self) -> int: ...

    # --- several instances ------------------------------------------------------
    def serialised(self, contact: Pseudonym) -> AbstractAsyncContextManager[None]: ...

    async def take_sending(self) -> bool: ...

    # --- moving a deployment (goodwork db copy) ---------------------------------
    def rows_of(self, tables: Sequence[str]) -> AsyncIterator[tuple[str, list[str], list[tuple[Any, ...]]]]: ...

    async def add_rows(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None: ...

    async def row_counts(self, tables: Sequence[str]) -> dict[str, int]: ...

    # --- health ---------------------------------------------------------------
    async def beat(self, instance: str, loop: str, at: datetime) -> None: ...

    async def beats(self) -> list[Beat]: ...

    async def backlog(self, now: datetime) -> Backlog: ...
