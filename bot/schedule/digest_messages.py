"""What a participant's weekly digest says: the dilemma of the week, their progress, and a cohort pulse.

One message, short enough for one phone screen, with at most two buttons: open the
dilemma of the week, continue the next toolkit session. The pulse (how colleagues
chose on a recent dilemma) is there only when at least k people answered it.
Everything is read when the digest is sent, so it is never out of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.dialogue.model import Choice, Dialogue, DialogueId
from bot.schedule.sender import Outgoing
from bot.store import aggregate
from bot.store.catalogue import Catalogue
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Participant, Queued, Store
from bot.telegram.callbacks import OpenButton
from bot.telegram.texts import MARK_DONE, MARK_NEW, MARK_STARTED, known, text

TOOLKIT = ("intro", "excellence", "ethics", "engagement")
SESSION_TEXTS = {"intro": "introduction", "excellence": "excellence", "ethics": "ethics", "engagement": "engagement"}
SHOWN_SHARES = 3  # options named in the pulse


@dataclass(frozen=True, slots=True)
class DigestContent:
    """What one person's digest shows; titles already in their language."""

    dilemma: tuple[DialogueId, str] | None  # the newest weekly dilemma they have not done
    progress: tuple[tuple[str, str], ...]  # (mark, session name) for the four toolkit sessions
    next_session: tuple[DialogueId, str] | None  # the first session not done, to continue
    pulse: tuple[str, tuple[tuple[str, int], ...]] | None  # (dilemma title, (option label, percent) ...)


def digest_text(content: DigestContent, language: str) -> str:
    lines = [text("digest_header", language), ""]
    if content.dilemma is not None:
        lines.append(text("digest_dilemma", language, title=content.dilemma[1]))
    else:
        lines.append(text("digest_no_dilemma", language))
    lines += ["", text("digest_progress", language), *(f"{mark} {name}" for mark, name in content.progress)]
    if content.pulse is not None:
        title, shares = content.pulse
        listed = ", ".join(f"{percent} % {label}" for label, percent in shares)
        lines += ["", text("digest_pulse", language, title=title, shares=listed)]
    return "\n".join([*lines, "", text("digest_footer", language)])


def digest_buttons(content: DigestContent, language: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    rows = []
    if content.dilemma is not None:
        rows.append(((text("digest_open_button", language), OpenButton(content.dilemma[0]).data),))
    if content.next_session is not None:
        label = text("digest_continue_button", language, title=content.next_session[1])
        rows.append(((label[:48], OpenButton(content.next_session[0]).data),))
    return tuple(rows)


class DigestMessages:
    """``Compose`` for digest rows: the running bot unseals the chat id and finds the person with the secret."""

    def __init__(self, store: Store, catalogue: Catalogue, keys: Keys, k: int) -> None:
        self.store, self.catalogue, self.keys, self.k = store, catalogue, keys, k
        self._order: tuple[str, dict[DialogueId, datetime]] = ("", {})  # per week: when each was first published

    async def __call__(self, row: Queued, participant: Participant) -> Outgoing:
        language = known(participant.language)
        content = await self.content(self.keys.telegram(participant.chat_id).person, language, row.week or "")
        body, buttons = digest_text(content, language), digest_buttons(content, language)
        return Outgoing(participant.chat_id, body, f"outbox-{row.id}", buttons, row.attempts)

    async def content(self, person: Pseudonym, language: str, week: str = "") -> DigestContent:
        dialogues = await self._published()
        saved = {s.state.dialogue: s.state.done for s in await self.store.conversations(person)}
        first = await self._first_published(week)
        weekly = sorted((d for d in dialogues if d.session == "weekly"), key=lambda d: (-first[d.id].timestamp(), d.id))
        dilemma = next((d for d in weekly if not saved.get(d.id, False)), None)
        progress, next_session = self._progress(dialogues, saved, language)
        pulse = await self._pulse([d for d in weekly if d is not dilemma], language)
        return DigestContent(_titled(dilemma, language), progress, next_session, pulse)

    def _progress(
        self, dialogues: list[Dialogue], saved: dict[DialogueId, bool], language: str
    ) -> tuple[tuple[tuple[str, str], ...], tuple[DialogueId, str] | None]:
        rows, next_session = [], None
        for session in TOOLKIT:
            ids = sorted(d.id for d in dialogues if d.session == session)
            done, started = any(saved.get(i) for i in ids), any(i in saved for i in ids)
            rows.append((MARK_DONE if done else MARK_STARTED if started else MARK_NEW, _session(session, language)))
            if not done and ids and next_session is None:
                first = next(d for d in dialogues if d.id == ids[0])
                next_session = _titled(first, language)
        return tuple(rows), next_session

    async def _pulse(self, weekly: list[Dialogue], language: str) -> tuple[str, tuple[tuple[str, int], ...]] | None:
        """How colleagues chose at the peers question of the newest other dilemma with at least k answers."""
        for dialogue in weekly:
            for node in (n for n in dialogue.nodes.values() if isinstance(n, Choice) and n.peers):
                counts = await aggregate.peer_choices(self.store, dialogue.id, node.id, self.k)
                if counts is None:
                    continue
                labels = {o.id: o.label.get(language) for o in node.options}
                shares = sorted(((labels.get(o, o), round(100 * counts.share(o))) for o in counts.by_key), key=_share)
                return dialogue.title.get(language), tuple(shares[:SHOWN_SHARES])
        return None

    async def _published(self) -> list[Dialogue]:
        return await self.catalogue.published()

    async def _first_published(self, week: str) -> dict[DialogueId, datetime]:
        """When each dialogue first appeared (newest first means that), read once per week of digests."""
        if self._order[0] != week or not week:
            self._order = (week, await self.store.first_published())
        return self._order[1]


def _titled(dialogue: Dialogue | None, language: str) -> tuple[DialogueId, str] | None:
    return None if dialogue is None else (dialogue.id, dialogue.title.get(language))


def _session(session: str, language: str) -> str:
    return text("session_" + SESSION_TEXTS[session], language)


def _share(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])
