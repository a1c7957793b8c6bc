"""Trainers in chat: upload a dialogue, see problems or a summary, preview, publish, list versions, roll back, graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from botrun import DATA, dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from person import Person
from talk import chose, joined, state_of, store_of, texts, who

from bot.config import Settings
from bot.dialogue.model import DialogueId, NodeId
from bot.telegram.app import Bot
from bot.telegram.texts import text

TRAINER = 7001
SAMPLE = (DATA / "sample.yaml").read_bytes()
CHANGED = SAMPLE.replace(b"{nl: Hallo, en: Hello}", b"{nl: Goedendag, en: Good day}").replace(
    b"say: {nl: Dank je, en: Thank you}", b"say: {nl: Dank je wel, en: Thanks a lot}"
)


def trainers(tg: FakeTelegram, tmp_path: Path, *names: str) -> Settings:
    return settings_for(tg, tmp_path, dialogues_folder(tmp_path, *names), extra={"GOODWORK_TRAINERS": str(TRAINER)})


async def published(bot: Bot, dialogue: str = "sample") -> list[int]:
    return [v.number for v in await store_of(bot).versions(DialogueId(dialogue))]


def draft_buttons(language: str) -> list[str]:
    return [text(key, language) for key in ("draft_preview", "draft_publish", "draft_discard")]


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_valid_file_publishes_version_one(tg: FakeTelegram, tmp_path: Path, language: str) -> None:
    """A valid file gets a summary with Preview/Publish/Discard; Publish makes version 1 live for participants."""
    async with running_bot(trainers(tg, tmp_path, "welcome"), tg) as bot:
        trainer = tg.person(user_id=TRAINER, language_code=language)
        trainer.send_document(SAMPLE, "sample.yaml")
        (summary,) = await trainer.replies()
        languages = text("upload_languages", language, languages="nl, en", nodes=6)
        assert summary.text.startswith(f"sample: Proef / Sample\n{languages}\n")
        assert text("upload_new", language) in summary.text
        assert summary.buttons == draft_buttons(language)
        assert await published(bot) == []

        await trainer.press(text("draft_publish", language))
        assert await texts(trainer) == [text("published", language, dialogue="sample", version=1)]
        assert await published(bot) == [1]
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        assert await texts(anna) == ["Hallo", joined("Een zaak", "Martin twijfelt.", "Wat doet hij?")]


async def test_changed_file_while_someone_is_mid_dialogue(tg: FakeTelegram, tmp_path: Path) -> None:
    """The summary names the changed nodes; after Publish a running conversation ends on its version, a new one
    gets the new version."""
    async with running_bot(trainers(tg, tmp_path, "sample"), tg) as bot:
        anna = tg.person(language_code="nl")
        await chose(anna, "nl")
        anna.send("/start sample")
        await anna.replies()
        await anna.press("Schrijven")
        await anna.replies()

        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(CHANGED + b"  extra:\n    type: end\n", "sample.yml")
        summary = (await texts(trainer))[0]
        assert text("upload_against", "en", version=1) in summary
        assert text("upload_added", "en", ids="extra") in summary
        assert text("upload_changed", "en", ids="hello, bye") in summary
        assert text("upload_removed", "en", ids="") not in summary
        await trainer.press(text("draft_publish", "en"))
        assert await texts(trainer) == [text("published", "en", dialogue="sample", version=2)]

        anna.send("Omdat het moet.")
        assert await texts(anna) == ["Wat zou jij doen?"]
        anna.send("Eerst praten.")
        assert await texts(anna) == [joined("Dank je", text("finished", "nl"))]
        state = await state_of(bot, anna)
        assert state is not None and state.version == 1

        ben = tg.person(language_code="nl")
        await chose(ben, "nl")
        ben.send("/start sample")
        assert (await texts(ben))[0] == "Goedendag"
        state = await state_of(bot, ben)
        assert state is not None and state.version == 2

        trainer.send_document(CHANGED + b"  extra:\n    type: end\n", "sample.yml")
        await trainer.replies()
        await trainer.press(text("draft_publish", "en"))
        assert await texts(trainer) == [text("published_unchanged", "en", dialogue="sample", version=2)]


BOMB = b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b]\n"


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"id: sample\ntitle: [unclosed\n", "broken.yaml", "\n3:1: YAML syntax error"),
        (SAMPLE.replace(b"next: route", b"next: nowhere"), "sample.yaml", "'nowhere'"),
        (BOMB, "bomb.yaml", "\n1:4: anchors and aliases"),
        (b"# padding\n" * 500_000, "big.yaml", text("upload_too_big", "en", size="5,000,000", maximum="1,000,000")),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe binary",
            "picture.yaml",
            text("upload_not_utf8", "en", filename="picture.yaml"),
        ),
        (SAMPLE, "sample.txt", text("upload_wrong_type", "en")),
        (b"- just\n- a list\n", "list.yaml", "\n1:1: the dialogue must be a mapping"),
    ],
    ids=["syntax", "dangling-next", "alias-bomb", "5mb", "binary", "extension", "not-a-dialogue"],
)
async def test_invalid_files_are_refused(
    tg: FakeTelegram, tmp_path: Path, content: bytes, name: str, expected: str
) -> None:
    """Each kind of bad file gets one clear reply, no buttons, and nothing is published."""
    async with running_bot(trainers(tg, tmp_path, "welcome"), tg) as bot:
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(content, name)
        (reply,) = await trainer.replies()
        assert expected in reply.text
        assert reply.buttons == []
        assert len(reply.text) <= 4096
        assert await store_of(bot).dialogue_ids() == [DialogueId("welcome")]
        if name == "big.yaml":
            assert tg.calls_to("getFile") == []  # refused on the size Telegram reports, before downloading


async def test_problems_are_listed_without_path_and_capped(tg: FakeTelegram, tmp_path: Path) -> None:
    """Every problem shows as line:column: message; too many for one message end in "…and N more"."""
    nodes = b"".join(
        b"  n%d:\n    type: message\n    say: {nl: x, en: x}\n    next: gone%d\n" % (i, i) for i in range(400)
    )
    source = SAMPLE.replace(b"nodes:\n", b"nodes:\n" + nodes)
    async with running_bot(trainers(tg, tmp_path, "welcome"), tg):
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(source, "many.yaml")
        (reply,) = await trainer.replies()
        lines = reply.text.splitlines()
        assert lines[0] in {text("upload_problems", "en", filename="many.yaml", count=n) for n in range(400, 1000)}
        assert lines[1].split(":")[0].isdigit() and "many.yaml" not in lines[1]
        assert lines[-1] in {text("and_more", "en", count=hidden) for hidden in range(1, 1000)}
        assert len(reply.text) <= 4096


async def test_preview_plays_the_draft_and_stores_nothing(tg: FakeTelegram, tmp_path: Path) -> None:
    """Preview walks the draft with its own buttons and typed answers; no conversation, choice or reflection is kept."""
    async with running_bot(trainers(tg, tmp_path, "welcome"), tg) as bot:
        trainer = tg.person(user_id=TRAINER, language_code="nl")
        trainer.send_document(SAMPLE, "sample.yaml")
        await trainer.replies()
        await trainer.press(text("draft_preview", "nl"))
        shown = await texts(trainer)
        assert shown[0] == text("preview_start", "nl", dialogue="sample")
        assert shown[1:] == ["Hallo", joined("Een zaak", "Martin twijfelt.", "Wat doet hij?")]
        assert all(data.startswith("p:") for data in _button_data(trainer))
        trainer.send("Gewoon typen")  # the preview waits for a button here
        assert await texts(trainer) == [text("text_expected_choice", "nl")]
        await trainer.press("Schrijven")
        assert await texts(trainer) == [joined(text("preview_peers", "nl"), "Waarom?")]
        trainer.send("Omdat het moet.")
        assert await texts(trainer) == ["Wat zou jij doen?"]
        trainer.send("Praten.")
        assert await texts(trainer) == [
            joined("Dank je", text("finished", "nl")),
            text("preview_end", "nl", dialogue="sample"),
        ]
        assert trainer.last.text == text("preview_end", "nl", dialogue="sample")
        assert trainer.last.buttons == draft_buttons("nl")

        store = store_of(bot)
        assert await store.conversations(who(bot, trainer).person) == []
        assert await store.count_choices(DialogueId("sample"), NodeId("pick")) == {}
        assert await store.dialogue_ids() == [DialogueId("welcome")]
        kept = await store.export(who(bot, trainer))
        assert not kept.get("reflections") and not kept.get("choices")

        trainer.send("Nog iets")  # the preview is over: typed text is ordinary text again
        assert await texts(trainer) == [text("no_dialogue_text", "nl")]
        await trainer.press(text("draft_discard", "nl"))
        assert (await texts(trainer))[-1] == text("draft_discarded", "nl", dialogue="sample")
        assert await store.dialogue_ids() == [DialogueId("welcome")]


async def test_versions_and_rollback(tg: FakeTelegram, tmp_path: Path) -> None:
    """/versions lists number, date and who; "Roll back to 1" republishes version 1's source as version 3."""
    async with running_bot(trainers(tg, tmp_path, "sample"), tg) as bot:
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(CHANGED, "sample.yaml")
        await trainer.replies()
        await trainer.press(text("draft_publish", "en"))
        await trainer.replies()

        trainer.send("/versions sample")
        (listing,) = await trainer.replies()
        lines = listing.text.splitlines()
        assert lines[0] == text("versions_header", "en", dialogue="sample", count=2)
        assert lines[1].startswith("2 · ") and f"trainer {bot.keys.author(TRAINER)} in chat" in lines[1]
        assert str(TRAINER) not in listing.text, "versions never show a Telegram id"
        assert lines[1].endswith(" · " + text("versions_live", "en"))
        assert lines[2].startswith("1 · ") and not lines[2].endswith(text("versions_live", "en"))
        assert listing.buttons == [text("rollback_button", "en", version=1)]

        await trainer.press(text("rollback_button", "en", version=1))
        assert (await texts(trainer))[-1] == text("published", "en", dialogue="sample", version=3)
        store = store_of(bot)
        first, newest = await store.version(DialogueId("sample"), 1), await store.version(DialogueId("sample"))
        assert first is not None and newest is not None and newest.number == 3 and newest.source == first.source
        trainer.send("/versions nothing")
        assert await texts(trainer) == [text("versions_usage", "en")]


async def test_graph_sends_a_png(tg: FakeTelegram, tmp_path: Path) -> None:
    """/graph ID sends the live version drawn by Graphviz as a PNG photo; an unknown id gets the usage."""
    async with running_bot(trainers(tg, tmp_path, "sample"), tg):
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send("/graph sample")
        await trainer.replies(timeout=30)
        photo = trainer.messages[-1]
        assert "photo" in photo.raw
        assert photo.upload is not None and photo.upload.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert photo.text == text("graph_caption", "en", dialogue="sample", version=1, nodes=6, in_language="en")
        trainer.send("/graph missing")
        assert await texts(trainer) == [text("graph_usage", "en")]


async def test_participants_cannot_use_trainer_features(tg: FakeTelegram, tmp_path: Path) -> None:
    """As a participant: every trainer command answers like an unknown one, a document gets the media note, and
    forged draft/preview/rollback buttons get the polite answer; nothing changes."""
    async with running_bot(trainers(tg, tmp_path, "sample"), tg) as bot:
        anna = tg.person(user_id=TRAINER + 1, language_code="nl")
        for command in ("/course", "/versions sample", "/graph sample"):
            anna.send(command)
            assert await texts(anna) == [text("unknown_command", "nl")], command
        anna.send_document(CHANGED, "sample.yaml")
        assert await texts(anna) == [text("media_not_understood", "nl")]
        for data in ("r:sample:1", "p:c:pick:write", "p:s:why", "u:y:1", "u:p:1"):
            anna.press_data(data)
            await anna.replies()
        assert anna.answered_callbacks == [text("forged_button", "nl")] * 5
        assert await published(bot) == [1]
        assert await store_of(bot).conversations(who(bot, anna).person) == []
        assert tg.calls_to("getFile") == []


def _button_data(person: Person) -> list[str]:
    keyboard = person.last.keyboard
    assert keyboard is not None
    return [str(button["callback_data"]) for row in keyboard.raw["reply_markup"]["inline_keyboard"] for button in row]


COURSE = b"""\
id: trial
kind: course
title: {nl: De proefcursus, en: The trial course}
languages: [nl, en]
followups:
  - {after: 2d, dialogue: sample}
"""


async def test_course_file_publishes_a_course(tg: FakeTelegram, tmp_path: Path) -> None:
    """A course file gets a summary with Publish and Discard (no preview); published, it opens as a tranche."""
    from bot.schedule.calendar import WorkingHours
    from bot.schedule.courses import CourseBook

    book = CourseBook({}, WorkingHours())
    async with running_bot(trainers(tg, tmp_path, "sample"), tg, courses=book) as bot:
        trainer = tg.person(user_id=TRAINER, language_code="en")
        trainer.send_document(COURSE.replace(b"sample", b"missing"), "trial.yaml")
        assert await texts(trainer) == [text("course_upload_missing", "en", course="trial", ids="missing")]
        trainer.send_document(COURSE, "trial.yaml")
        (summary,) = await texts(trainer)
        assert summary.startswith("Course trial: The trial course") and "2d sample" in summary
        assert trainer.last.buttons == [text("draft_publish", "en"), text("draft_discard", "en")]
        await trainer.press(text("draft_publish", "en"))
        assert (await texts(trainer))[-1] == text("course_published", "en", course="trial", version=1)
        version = await store_of(bot).course_version("trial")
        assert version is not None and version.number == 1 and "trial" in book.ids()
        trainer.send("/course open trial 2026-12-01 Zwolle")
        await trainer.replies()
        assert trainer.messages[-1].upload is not None, "the tranche opens: its QR code arrives"


async def test_course_published_elsewhere_is_used_at_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """A course version published from the command line while the bot runs gives its plan to the next joiner."""
    from datetime import date

    from bot.schedule.calendar import WorkingHours
    from bot.schedule.courses import CourseBook

    async with running_bot(trainers(tg, tmp_path, "sample"), tg, courses=CourseBook({}, WorkingHours())) as bot:
        store = store_of(bot)
        await store.publish_course("trial", COURSE.decode(), "command line")
        tranche = await store.open_tranche("trial", "Zwolle", date(2026, 12, 1), "command line")
        anna = tg.person(language_code="en")
        await chose(anna, "en")
        anna.send(f"/start c_{tranche.code}")
        expected = text("enrolled", "en", course="The trial course", tranche="Zwolle", count=1)
        assert (await texts(anna))[0] == expected
