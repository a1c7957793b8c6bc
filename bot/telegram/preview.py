"""A trainer's preview of a draft dialogue, played with the engine directly: nothing of it is counted or stored.

Buttons in a preview carry preview data (so a press never reaches a live conversation), and where
colleagues' choices would show, a note says they show once the dialogue is live.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Message

from bot.dialogue import engine
from bot.dialogue.errors import AnswerLengthError, EngineError
from bot.dialogue.events import AskChoice, AskText, Chosen, Output
from bot.telegram.callbacks import PreviewButton
from bot.telegram.drafts import Draft, draft_keyboard
from bot.telegram.services import Services, Turn
from bot.telegram.texts import text


async def preview_step(
    services: Services, turn: Turn, draft: Draft, event: engine.Event, pressed: Message | None
) -> None:
    """One step of the draft's preview: its outputs shown, or a stale-button or refusal answer."""
    assert draft.dialogue is not None  # only dialogue drafts have a preview
    try:
        moved = engine.step(draft.dialogue, draft.preview, event)
    except EngineError as exc:
        if pressed is not None or turn.update.callback_query is not None:
            return await services.answer(turn, "stale_button")
        if isinstance(exc, AnswerLengthError):
            return await services.refuse(turn, exc)
        return await services.say(turn, "text_expected_choice")
    if turn.update.callback_query is not None:
        await services.answer(turn)
    draft.preview = moved.state
    language = moved.state.language
    await services.renderer.outputs(
        turn.chat_id, _preview_outputs(moved.outputs), language, _no_peers(turn.language), pressed=pressed
    )
    if moved.state.done:
        draft.preview = None
        ended = text("preview_end", turn.language, dialogue=draft.dialogue.id)
        await services.renderer.send(turn.chat_id, ended, draft_keyboard(draft, turn.language))


def _preview_outputs(outputs: tuple[Output, ...]) -> tuple[Output, ...]:
    """The draft's questions with preview buttons instead of dialogue buttons."""
    shown: list[Output] = []
    for output in outputs:
        if isinstance(output, AskChoice):
            offers = tuple(replace(o, data=PreviewButton(output.node, o.id).data) for o in output.options)
            shown.append(replace(output, options=offers))
        elif isinstance(output, AskText) and output.skip_data is not None:
            shown.append(replace(output, skip_data=PreviewButton(output.node).data))
        else:
            shown.append(output)
    return tuple(shown)


def _no_peers(language: str) -> Callable[[Chosen], Awaitable[str]]:
    """In a preview, where colleagues' choices would be: a note that they show once the dialogue is live."""

    async def note(chosen: Chosen) -> str:
        return text("preview_peers", language)

    return note
