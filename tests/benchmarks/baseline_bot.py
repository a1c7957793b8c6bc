"""The comparison bot for bench_bot.py, written the way python-telegram-bot's examples do it.

ConversationHandler with hard-coded states, PicklePersistence (PTB's default
update interval), the library's Updater for polling, the same dialogue shape
and texts as ``data/bench.yaml``: a case, a choice, a reflection, a choice,
a reflection, an end. Run as a process:

    BENCH_TOKEN=... BENCH_API_URL=http://127.0.0.1:PORT/bot BENCH_STATE=/tmp/x.pickle python baseline_bot.py
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)

FIRST, WHY, SECOND, OWN = range(4)
FIRST_OPTIONS = ("Write it as asked", "Write it and voice doubts", "Ask to be taken off it", "Talk to colleagues first")
SECOND_OPTIONS = ("The public", "His team", "Martin himself")


def keyboard(prefix: str, labels: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"{prefix}{n}")] for n, label in enumerate(labels)]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None
    await update.message.reply_text("Martin is asked to rewrite a mission statement around a policy he doubts.")
    await update.message.reply_text("[Q1] What should he do?", reply_markup=keyboard("a", FIRST_OPTIONS))
    return FIRST


async def first(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    await query.answer()
    choice = FIRST_OPTIONS[int(query.data[1:])]
    context.user_data["first"] = choice
    await query.edit_message_text(f"[Q1] What should he do?\n\n-> {choice}")
    assert query.message is not None
    await context.bot.send_message(query.message.chat.id, "[Q2] Why that option?")
    return WHY


async def why(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None and context.user_data is not None
    context.user_data["why"] = update.message.text
    await update.message.reply_text("[Q3] Who is affected most?", reply_markup=keyboard("b", SECOND_OPTIONS))
    return SECOND


async def second(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    await query.answer()
    choice = SECOND_OPTIONS[int(query.data[1:])]
    context.user_data["second"] = choice
    await query.edit_message_text(f"[Q3] Who is affected most?\n\n-> {choice}")
    assert query.message is not None
    await context.bot.send_message(query.message.chat.id, "[Q4] What would you do?")
    return OWN


async def own(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    assert update.message is not None and context.user_data is not None
    context.user_data["own"] = update.message.text
    await update.message.reply_text("[END] Thank you.")
    return ConversationHandler.END


async def outside(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text outside the conversation: say how to begin (as example bots answer what they do not expect)."""
    assert update.message is not None
    await update.message.reply_text("Send /start to begin a new case.")


def main() -> None:
    persistence = PicklePersistence(filepath=os.environ["BENCH_STATE"])
    application = (
        Application.builder()
        .token(os.environ["BENCH_TOKEN"])
        .base_url(os.environ["BENCH_API_URL"])
        .persistence(persistence)
        .build()
    )
    conversation = ConversationHandler(
        entry_points=[CommandHandler("start", start)],
        states={
            FIRST: [CallbackQueryHandler(first, pattern="^a")],
            WHY: [MessageHandler(filters.TEXT & ~filters.COMMAND, why)],
            SECOND: [CallbackQueryHandler(second, pattern="^b")],
            OWN: [MessageHandler(filters.TEXT & ~filters.COMMAND, own)],
        },
        fallbacks=[CommandHandler("start", start)],
        name="bench",
        persistent=True,
    )
    application.add_handler(conversation)
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, outside))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
