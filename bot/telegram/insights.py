"""/insights ID for trainers: where people give up in a dialogue, as figures after the k rule and as its graph
with each node annotated and coloured by drop-off (all versions together)."""

from __future__ import annotations

from bot.dialogue.model import DialogueId
from bot.report.gather import dialogue_insights
from bot.report.insights import annotate, insights_lines
from bot.store.errors import UnknownDialogueError
from bot.telegram.pictures import drawn_in, send_graph
from bot.telegram.services import Services, Turn
from bot.telegram.texts import fit, text


async def insights(services: Services, turn: Turn, argument: str) -> None:
    dialogue_id = DialogueId(argument.strip())
    try:
        found = await dialogue_insights(
            services.store,
            services.catalogue,
            dialogue_id,
            version=None,
            today=services.today(),
            k=services.settings.min_group,
        )
        dialogue = await services.catalogue.get(dialogue_id)
    except UnknownDialogueError:
        return await services.say(turn, "insights_usage")
    language = drawn_in(dialogue, turn.language)
    await services.renderer.send(turn.chat_id, fit(insights_lines(found, language), turn.language))
    caption = text("insights_caption", turn.language, dialogue=dialogue.id)
    await send_graph(services, turn, dialogue, caption, annotate(found, language))
