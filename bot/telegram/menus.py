"""The command menus: everyone's in Dutch and English, and a longer one in each trainer's own chat."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import BadRequest, Forbidden

from bot.telegram.texts import COMMANDS, LANGUAGES

logger = logging.getLogger(__name__)

TRAINER_COMMANDS: dict[str, dict[str, str]] = {
    "course": {"nl": "Cursusgroepen: openen, tellen, sluiten", "en": "Course tranches: open, count, close"},
    "versions": {"nl": "Versies van een gesprek, terugzetten", "en": "Versions of a dialogue, roll back"},
    "graph": {"nl": "Een gesprek als plaatje", "en": "A dialogue as a picture"},
}


def menu(language: str, trainer: bool = False) -> list[BotCommand]:
    entries = {**COMMANDS, **(TRAINER_COMMANDS if trainer else {})}
    return [BotCommand(name, texts[language]) for name, texts in entries.items()]


async def set_menus(bot: Bot, trainers: frozenset[int]) -> None:
    """Everyone's menu per language (Dutch as the default); trainers also see their commands, in their chat only."""
    for language in LANGUAGES:
        await bot.set_my_commands(menu(language), language_code=language)
    await bot.set_my_commands(menu("nl"))
    for trainer in sorted(trainers):
        await set_trainer_menu(bot, trainer)


async def set_trainer_menu(bot: Bot, chat_id: int) -> None:
    """The trainer commands in one trainer's chat, in both languages."""
    try:
        for language in LANGUAGES:
            scope = BotCommandScopeChat(chat_id)
            await bot.set_my_commands(menu(language, trainer=True), scope=scope, language_code=language)
        await bot.set_my_commands(menu("nl", trainer=True), scope=BotCommandScopeChat(chat_id))
    except (BadRequest, Forbidden) as exc:  # a trainer who has not opened a chat with the bot yet
        logger.warning("no trainer menu for one trainer yet (%s); it is set at the next start", exc.message)
