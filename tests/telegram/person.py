"""Someone using the bot through the fake Telegram: sends, presses buttons, reads what the bot said.

Made by ``tg.person(...)``. Whatever a person does becomes an update the bot
fetches with getUpdates; it is queued at once, so awaiting it is optional
(``await p.send("hi")`` and ``p.send("hi")`` both work; the await gives the update).
``await p.press(...)`` and ``await p.replies()`` may wait for the bot to settle.
"""

from __future__ import annotations

import re
import time
from collections.abc import Generator
from typing import Any

from fakeapi import JSON, FakeTelegram, Sent, StoredMessage, Upload, utf16_length

COMMAND = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?=\s|$)")
PHOTO_BYTES = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"
VOICE_BYTES = b"OggSfake-voice"
STICKER_BYTES = b"RIFFfake-webp"


class Pushed:
    """An update already queued for the bot; ``await`` it (optional) to get the update back."""

    def __init__(self, update: JSON) -> None:
        self.update = update

    def __repr__(self) -> str:
        return f"Pushed({self.update!r})"

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    def __await__(self) -> Generator[Any, None, JSON]:
        return self._result().__await__()

    async def _result(self) -> JSON:
        return self.update


class Latest:
    """``p.last``: the newest bot message, and the buttons of the newest one that has a keyboard."""

    def __init__(self, messages: list[Sent]) -> None:
        if not messages:
            raise AssertionError("the bot has not sent anything to this chat")
        self.message = messages[-1]
        self.keyboard = next((message for message in reversed(messages) if message.buttons), None)

    def __repr__(self) -> str:
        return f"Latest(text={self.text!r}, buttons={self.buttons})"

    @property
    def text(self) -> str:
        return self.message.text

    @property
    def message_id(self) -> int:
        return self.message.message_id

    @property
    def buttons(self) -> list[str]:
        return self.keyboard.buttons if self.keyboard else []


class Person:
    """One user in one chat (their private chat with the bot, or a group via ``in_group``)."""

    def __init__(self, tg: FakeTelegram, user: JSON, chat: JSON) -> None:
        self.tg = tg
        self.user = user
        self.chat = chat
        self._seen = 0
        self._sent: list[JSON] = []

    def __repr__(self) -> str:
        return f"Person(user_id={self.user_id}, first_name={self.user['first_name']!r}, chat_id={self.chat_id})"

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    def in_group(self, chat_id: int, title: str = "Test group", chat_type: str = "group") -> Person:
        """The same user, writing in a group chat the bot is in."""
        return Person(self.tg, self.user, self.tg.add_chat({"id": chat_id, "title": title, "type": chat_type}))

    # -- doing -----------------------------------------------------------------------------------

    def send(self, text: str, *, chat_type: str | None = None, chat_id: int | None = None) -> Pushed:
        """A text message; a leading /command gets its bot_command entity, as Telegram marks it."""
        if chat_id is not None:
            return self.in_group(chat_id, chat_type=chat_type or "group").send(text)
        if chat_type is not None:
            raise ValueError("a group message needs its chat_id too: send(text, chat_type=..., chat_id=...)")
        extra: JSON = {"text": text}
        command = COMMAND.match(text)
        if command:
            extra["entities"] = [{"offset": 0, "length": utf16_length(command.group()), "type": "bot_command"}]
        return self._push_message(extra)

    def edit(self, text: str, message_id: int | None = None) -> Pushed:
        """Edit one of this person's messages (their newest text by default): an edited_message update."""
        texts = [message for message in self._sent if "text" in message]
        original = next((m for m in texts if m["message_id"] == message_id), None) if message_id else texts[-1]
        if original is None:
            raise AssertionError(f"{self} sent no message {message_id}")
        edited = {**original, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        return Pushed(self.tg.push({"edited_message": edited}))

    async def press(self, text: str) -> JSON:
        """Press the inline button with exactly this text on the newest bot message that has it.

        If no message has it yet and the bot is polling, wait for the bot to settle and look again.
        """
        found = self._find_button(text)
        if found is None and self.tg.polled:
            await self.tg.settled()
            found = self._find_button(text)
        if found is None:
            raise AssertionError(f"no button {text!r} in chat {self.chat_id}; buttons there: {self._all_buttons()}")
        message, button = found
        if "callback_data" not in button:
            raise AssertionError(f"button {text!r} has no callback_data (it is {button})")
        return self._push_callback(message, str(button["callback_data"])).update

    def press_data(self, data: str, message_id: int | None = None) -> Pushed:
        """A callback query with any data (forged or stale) on a bot message (the newest by default)."""
        messages = self.messages
        if message_id is not None:
            messages = [message for message in messages if message.message_id == message_id]
        if not messages:
            raise AssertionError(f"no bot message {message_id or ''} in chat {self.chat_id} to press on")
        return self._push_callback(messages[-1], data)

    def send_sticker(self, emoji: str = "👍") -> Pushed:
        file = self.tg.add_file(STICKER_BYTES, "sticker.webp", "image/webp", kind="sticker")
        sticker = {**file, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
        return self._push_message({"sticker": {**sticker, "emoji": emoji}})

    def send_photo(self, content: bytes = PHOTO_BYTES, caption: str | None = None) -> Pushed:
        file = self.tg.add_file(content, "photo.jpg", "image/jpeg", kind="photo")
        extra: JSON = {"photo": [{**file, "width": 1280, "height": 960}]}
        if caption is not None:
            extra["caption"] = caption
        return self._push_message(extra)

    def send_voice(self, content: bytes = VOICE_BYTES, duration: int = 3) -> Pushed:
        file = self.tg.add_file(content, "voice.ogg", "audio/ogg", kind="voice")
        return self._push_message({"voice": {**file, "duration": duration, "mime_type": "audio/ogg"}})

    def send_document(
        self, content: bytes, file_name: str, mime_type: str = "application/octet-stream", caption: str | None = None
    ) -> Pushed:
        """A document; the bot can fetch it with getFile and download it from the file URL."""
        file = self.tg.add_file(content, file_name, mime_type)
        extra: JSON = {"document": {**file, "file_name": file_name, "mime_type": mime_type}}
        if caption is not None:
            extra["caption"] = caption
        return self._push_message(extra)

    def block(self) -> Pushed:
        """Block the bot: a my_chat_member update ("kicked"), and 403 for anything sent here."""
        self.tg.set_blocked(self.chat_id, True)
        return self._push_membership("member", "kicked")

    def unblock(self) -> Pushed:
        self.tg.set_blocked(self.chat_id, False)
        return self._push_membership("kicked", "member")

    # -- reading ---------------------------------------------------------------------------------

    @property
    def messages(self) -> list[Sent]:
        """Everything the bot sent to this chat, in order, with edits applied and deletions left out."""
        return self.tg.messages(self.chat_id)

    def texts(self) -> list[str]:
        """The texts (and captions) of the bot's messages here; messages with neither are left out."""
        return [message.text for message in self.messages if message.text]

    async def replies(self, timeout: float = 5.0) -> list[Sent]:
        """Wait for the bot to settle, then what it sent here since the last ``replies()``."""
        await self.tg.settled(timeout)
        stored = self.tg.stored_messages(self.chat_id)
        new: list[StoredMessage] = stored[self._seen :]
        self._seen = len(stored)
        return [Sent(message) for message in new if not message.deleted]

    @property
    def last(self) -> Latest:
        return Latest(self.messages)

    @property
    def documents(self) -> list[Upload]:
        """The files (documents and photos) the bot uploaded to this chat, with their bytes."""
        return [message.upload for message in self.messages if message.upload is not None]

    @property
    def answered_callbacks(self) -> list[str]:
        """The texts the bot answered this person's button presses with ("" for a silent answer)."""
        return [answer.text for answer in self.tg.callback_answers if answer.user_id == self.user_id]

    @property
    def actions(self) -> list[str]:
        """The chat actions ("typing", ...) the bot showed in this chat."""
        return self.tg.actions(self.chat_id)

    # -- helpers ---------------------------------------------------------------------------------

    def _push_message(self, extra: JSON) -> Pushed:
        message: JSON = {
            "message_id": self.tg.new_message_id(self.chat_id),
            "from": dict(self.user),
            "chat": dict(self.chat),
            "date": int(time.time()),
            **extra,
        }
        self.tg.record_user_message(message)
        self._sent.append(message)
        return Pushed(self.tg.push({"message": message}))

    def _push_callback(self, message: Sent, data: str) -> Pushed:
        query = {
            "id": self.tg.new_callback_query(self.user_id),
            "from": dict(self.user),
            "message": message.raw,
            "chat_instance": str(abs(self.chat_id) * 7919 + 1),
            "data": data,
        }
        return Pushed(self.tg.push({"callback_query": query}))

    def _push_membership(self, old: str, new: str) -> Pushed:
        update = {
            "chat": dict(self.chat),
            "from": dict(self.user),
            "date": int(time.time()),
            "old_chat_member": self._bot_member(old),
            "new_chat_member": self._bot_member(new),
        }
        return Pushed(self.tg.push({"my_chat_member": update}))

    def _bot_member(self, status: str) -> JSON:
        """The bot as a ChatMember; Telegram always gives a banned ("kicked") member its until_date (0: forever)."""
        member: JSON = {"user": dict(self.tg.bot_user), "status": status}
        if status == "kicked":
            member["until_date"] = 0
        return member

    def _find_button(self, text: str) -> tuple[Sent, JSON] | None:
        for message in reversed(self.messages):
            button = message.button(text)
            if button is not None:
                return message, button
        return None

    def _all_buttons(self) -> list[list[str]]:
        return [message.buttons for message in reversed(self.messages) if message.buttons]
