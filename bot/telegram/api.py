"""Hot Bot API calls as plain JSON, through python-telegram-bot's public ``Bot.do_api_request``.

The library's own methods turn every answer into its objects (a ``Message`` with
its chat, sender and entities for each message sent) and every argument through
its defaults machinery; the hot path needs none of that (a message id at most).
``do_api_request`` warns when it is asked for a method the library has itself;
Telegram's method names are case-insensitive ("All methods in the Bot API are
case-insensitive", https://core.telegram.org/bots/api#making-requests), so the
name is sent in lower case, which names no attribute of ``Bot``.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot, InlineKeyboardMarkup
from telegram.request import BaseRequest

JSONDict = dict[str, Any]


async def call(bot: Bot, method: str, params: JSONDict, *, read_timeout: float | None = None) -> Any:
    """``method`` with ``params`` (JSON values, or the library's objects such as a keyboard); its raw result."""
    timeout: Any = BaseRequest.DEFAULT_NONE if read_timeout is None else read_timeout
    return await bot.do_api_request(method.lower(), api_kwargs=params, read_timeout=timeout)


async def send_message(bot: Bot, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None) -> int:
    """sendMessage, with ``markup`` under the text if given; the id of the message sent."""
    params: JSONDict = {"chat_id": chat_id, "text": body}
    if markup is not None:
        params["reply_markup"] = markup
    return int((await call(bot, "sendMessage", params))["message_id"])
