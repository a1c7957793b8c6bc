"""Hot Bot API calls as plain JSON, through python-telegram-bot's public ``Bot.do_api_request``.

The library's own methods turn every answer into its objects (a ``Message`` with
its chat, sender and entities for each message sent) and every argument through
its defaults machinery; the hot path needs none of that (a message id at most).
Keyboards are the Bot API's JSON too (``Markup``), built in one place
(``keyboard``): the library's ``InlineKeyboardMarkup`` was built per message only
to be turned back into that JSON.
``do_api_request`` warns when it is asked for a method the library has itself;
Telegram's method names are case-insensitive ("All methods in the Bot API are
case-insensitive", https://core.telegram.org/bots/api#making-requests), so the
name is sent in lower case, which names no attribute of ``Bot``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from telegram import Bot, InputFile
from telegram.request import BaseRequest

JSONDict = dict[str, Any]
Markup = dict[str, list[list[dict[str, str]]]]  # an inline keyboard, as the Bot API's JSON
Button = tuple[str, str]  # (label, callback data)


def keyboard(rows: Iterable[Iterable[Button]]) -> Markup:
    """An inline keyboard of ``rows`` of buttons."""
    return {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in rows]}


async def call(bot: Bot, method: str, params: JSONDict, *, read_timeout: float | None = None) -> Any:
    """``method`` with ``params`` (JSON values, or the library's objects such as a keyboard); its raw result."""
    timeout: Any = BaseRequest.DEFAULT_NONE if read_timeout is None else read_timeout
    return await bot.do_api_request(method.lower(), api_kwargs=params, read_timeout=timeout)


def with_markup(params: JSONDict, markup: Markup | None) -> JSONDict:
    """``params``, with ``markup`` as the keyboard under the message if given."""
    return params if markup is None else {**params, "reply_markup": markup}


async def send_message(bot: Bot, chat_id: int, body: str, markup: Markup | None = None) -> int:
    """sendMessage, with ``markup`` under the text if given; the id of the message sent."""
    sent = await call(bot, "sendMessage", with_markup({"chat_id": chat_id, "text": body}, markup))
    return int(sent["message_id"])


async def send_photo(bot: Bot, chat_id: int, photo: bytes, caption: str, markup: Markup | None = None) -> int:
    """sendPhoto (an upload), captioned, with ``markup`` under it if given; the id of the message sent."""
    params = {"chat_id": chat_id, "photo": InputFile(photo), "caption": caption}
    return int((await call(bot, "sendPhoto", with_markup(params, markup)))["message_id"])
