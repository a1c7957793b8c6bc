"""Every command in the menu, /start with a payload, and the menus set at start-up."""

from __future__ import annotations

import re
from pathlib import Path

from botrun import DATA, dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from person import Person
from talk import at_why, exported, joined, participant_of, state_of, texts

from bot.telegram.texts import COMMANDS, LANGUAGE_BUTTONS, TEXTS, text

TRAINER = 7001


async def speaks(person: Person, language: str) -> None:
    """The person has chosen their language (with /language), so a deep link takes them straight to its target."""
    person.send("/language")
    await person.replies()
    await person.press(LANGUAGE_BUTTONS[language])
    await person.replies()


async def test_sessions_lists_progress_and_opens_a_dialogue(tg: FakeTelegram, tmp_path: Path) -> None:
    """/sessions lists the dialogues in session order marked new, in progress or done; a button opens one."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="nl")
        anna.send("/sessions")
        assert await texts(anna) == [text("sessions_header", "nl") + "\n\n" + text("section_toolkit", "nl")]
        assert anna.last.buttons == ["○ Kennismaking", "○ Proef"]

        await anna.press("○ Proef")
        assert await texts(anna) == ["Hallo", joined("Een zaak", "Martin twijfelt.", "Wat doet hij?")]
        await anna.press("○ Kennismaking")
        assert await texts(anna) == [joined("Fijn dat je er bent.", "Waar was je trots op?")]
        anna.send("Mijn team")
        assert await texts(anna) == [joined("Tot de volgende keer.", text("finished", "nl"))]

        anna.send("/sessions")
        await anna.replies()
        assert anna.last.buttons == ["✓ Kennismaking", "… Proef"]
        await anna.press("… Proef")
        assert await texts(anna) == [joined("Martin twijfelt.", "Wat doet hij?")]
        assert anna.last.buttons == ["Schrijven", "Twijfel uiten"]


async def test_continue_shows_the_open_question(tg: FakeTelegram, tmp_path: Path) -> None:
    """/continue asks the open question again; with nothing open, or after the end, it says so."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="nl")
        anna.send("/continue")
        assert await texts(anna) == [text("continue_nothing", "nl")]
        await at_why(anna)
        anna.send("/continue")
        assert await texts(anna) == ["Waarom?"]
        assert anna.last.buttons == ["Overslaan"]
        await anna.press("Overslaan")
        await anna.replies()
        anna.send("Het gesprek aangaan")
        await anna.replies()
        anna.send("/continue")
        assert await texts(anna) == [text("continue_nothing", "nl")]


async def test_back_returns_to_the_previous_question(tg: FakeTelegram, tmp_path: Path) -> None:
    """/back asks the previous question again; choosing differently replaces the first choice."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await speaks(anna, "nl")
        anna.send("/back")
        assert await texts(anna) == [text("back_nothing", "nl")]
        anna.send("/start sample")
        await anna.replies()
        anna.send("/back")
        assert await texts(anna) == [text("back_nothing", "nl")]

        await anna.press("Schrijven")
        await anna.replies()
        anna.send("/back")
        assert await texts(anna) == [joined("Martin twijfelt.", "Wat doet hij?")]
        await anna.press("Twijfel uiten")
        assert await texts(anna) == [joined(text("peers_too_few", "nl", k=5), "Waarom?")]
        anna.send("Omdat zwijgen niemand helpt")
        assert await texts(anna) == [joined("Dank je", text("finished", "nl"))]
        kept = await exported(bot, anna)
        assert [(c["node"], c["option"]) for c in kept["choices"]] == [("pick", "voice")]


async def test_cancel_puts_the_dialogue_aside(tg: FakeTelegram, tmp_path: Path) -> None:
    """After /cancel, typed text is not taken as a reflection; a second /cancel has nothing to cancel."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("/cancel")
        assert await texts(anna) == [text("cancel_done", "nl")]
        anna.send("Dit is geen antwoord")
        assert await texts(anna) == [text("no_dialogue_text", "nl")]
        anna.send("/cancel")
        assert await texts(anna) == [text("cancel_nothing", "nl")]
        assert (await exported(bot, anna))["reflections"] == []
        state = await state_of(bot, anna)
        assert state is not None and state.node == "why"


async def test_language_switches_the_bot_texts(tg: FakeTelegram, tmp_path: Path) -> None:
    """/language offers both languages; after choosing English the bot confirms and speaks English."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        anna.send("/language")
        assert await texts(anna) == [text("language_prompt", "nl")]
        assert anna.last.buttons == ["Nederlands", "English"]
        await anna.press("English")
        assert await texts(anna) == [text("language_set", "en")]
        prompt = anna.messages[-2]
        assert (prompt.text, prompt.buttons) == (text("language_prompt", "nl") + "\n\n→ English", [])
        anna.send("/help")
        assert await texts(anna) == [text("help", "en")]
        participant = await participant_of(bot, anna)
        assert participant is not None and participant.language == "en"


async def test_dialogue_in_progress_keeps_its_language(tg: FakeTelegram, tmp_path: Path) -> None:
    """A dialogue begun in Dutch goes on in Dutch after a switch to English, its skip button included."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("/language")
        await anna.replies()
        await anna.press("English")
        await anna.replies()
        anna.send("/continue")
        assert await texts(anna) == ["Waarom?"]
        assert anna.last.buttons == ["Overslaan"]
        anna.send("/back")
        assert await texts(anna) == [joined("Martin twijfelt.", "Wat doet hij?")]


async def test_privacy_explains_what_is_kept(tg: FakeTelegram, tmp_path: Path) -> None:
    """/privacy tells what is kept, the anonymity threshold and the retention period."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="en")
        anna.send("/privacy")
        assert await texts(anna) == [text("privacy", "en", k=5, days=365)]


async def test_mydata_sends_everything_kept_as_json(tg: FakeTelegram, tmp_path: Path) -> None:
    """/mydata sends a JSON document holding the person's own reflection and choice."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="nl")
        await at_why(anna)
        anna.send("Omdat het mijn werk is")
        await anna.replies()
        anna.send("/mydata")
        assert await texts(anna) == [text("mydata_caption", "nl")]
        document = anna.documents[-1]
        assert document.filename.endswith(".json")
        data = document.json()
        assert data["format"].startswith("goodwork-export/")
        assert [r["text"] for r in data["reflections"]] == ["Omdat het mijn werk is"]
        assert [c["option"] for c in data["choices"]] == ["write"]


async def test_mydata_without_data_says_nothing_is_stored(tg: FakeTelegram, tmp_path: Path) -> None:
    """Someone who has only just written to the bot gets the "nothing stored" text, not a document."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="en")
        anna.send("/mydata")
        assert await texts(anna) == [text("mydata_empty", "en")]
        assert anna.documents == []


async def test_forget_asks_first_and_erases_only_this_person(tg: FakeTelegram, tmp_path: Path) -> None:
    """/forget asks to confirm; "No" keeps everything, "Yes" erases this person and nobody else."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        for person, reflection in ((anna, "Anna denkt na"), (ben, "Ben denkt na")):
            await at_why(person)
            person.send(reflection)
            await person.replies()

        anna.send("/forget")
        assert await texts(anna) == [text("forget_confirm", "nl", minutes=10)]
        assert anna.last.buttons == [text("forget_yes", "nl"), text("forget_no", "nl")]
        await anna.press(text("forget_no", "nl"))
        assert await texts(anna) == [text("forget_kept", "nl")]
        assert anna.messages[-2].buttons == []
        assert [r["text"] for r in (await exported(bot, anna))["reflections"]] == ["Anna denkt na"]

        anna.send("/forget")
        await anna.replies()
        await anna.press(text("forget_yes", "nl"))
        assert await texts(anna) == [text("forget_done", "nl")]
        assert not any(rows for table, rows in (await exported(bot, anna)).items() if table != "format")
        anna.send("/mydata")
        assert await texts(anna) == [text("mydata_empty", "nl")]
        assert [r["text"] for r in (await exported(bot, ben))["reflections"]] == ["Ben denkt na"]


async def test_stop_pauses_until_resume(tg: FakeTelegram, tmp_path: Path) -> None:
    """After /stop the bot only reminds that it is paused, for text, commands and buttons; /resume ends that."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="nl")
        await speaks(anna, "nl")
        anna.send("/sessions")
        await anna.replies()
        anna.send("/start sample")
        await anna.replies()
        anna.send("/stop")
        assert await texts(anna) == [text("stop_done", "nl")]
        anna.send("hallo")
        anna.send("/sessions")
        assert await texts(anna) == [text("stopped_reminder", "nl")] * 2
        await anna.press("Schrijven")
        await anna.press("○ Kennismaking")
        assert await texts(anna) == []
        assert anna.answered_callbacks[-2:] == [text("stopped_reminder", "nl")] * 2
        assert (await exported(bot, anna))["choices"] == []

        anna.send("/resume")
        assert await texts(anna) == [text("resume_done", "nl")]
        anna.send("/resume")
        assert await texts(anna) == [text("resume_not_stopped", "nl")]
        await anna.press("Schrijven")
        assert await texts(anna) == [joined(text("peers_too_few", "nl", k=5), "Waarom?")]


async def test_help_mentions_every_command(tg: FakeTelegram, tmp_path: Path) -> None:
    """/help lists every command of the menu, in the person's language."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        for language in ("nl", "en"):
            person = tg.person(language_code=language)
            person.send("/help")
            [shown] = await texts(person)
            assert shown == TEXTS["help"][language]
            assert all(f"/{name}" in shown for name in COMMANDS)


async def test_unknown_command_points_to_help(tg: FakeTelegram, tmp_path: Path) -> None:
    """An unknown command gets a pointer to /help and changes nothing."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna = tg.person(language_code="en")
        anna.send("/frobnicate now")
        anna.send("/")
        assert await texts(anna) == [text("unknown_command", "en")] * 2


async def test_start_with_a_dialogue_payload_opens_it(tg: FakeTelegram, tmp_path: Path) -> None:
    """For someone who chose a language, a link (/start with a known dialogue id, bare or as d_<id>) opens it."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="en")
        await speaks(anna, "nl")
        await speaks(ben, "en")
        anna.send("/start welcome")
        assert await texts(anna) == [joined("Fijn dat je er bent.", "Waar was je trots op?")]
        ben.send("/start d_sample")
        assert await texts(ben) == ["Hello", joined("A case", "Martin has doubts.", "What does he do?")]


async def test_start_with_an_unknown_payload_is_friendly(tg: FakeTelegram, tmp_path: Path) -> None:
    """A broken or unknown link gets a friendly text and no apology for an error."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(language_code="en")
        await speaks(anna, "en")
        anna.send("/start nosuchdialogue")
        anna.send("/start ../../etc/passwd")
        anna.send("/start " + "x" * 300)
        assert await texts(anna) == [text("unknown_payload", "en")] * 3
        assert (await exported(bot, anna))["conversations"] == []


async def test_command_menus_are_set_for_both_languages(tg: FakeTelegram, tmp_path: Path) -> None:
    """At start-up the command menu is set in Dutch and in English (and Dutch as the default)."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg):
        for language in ("nl", "en"):
            menu = tg.commands(language_code=language)
            assert [(c["command"], c["description"]) for c in menu] == [
                (name, descriptions[language]) for name, descriptions in COMMANDS.items()
            ]
        assert [c["description"] for c in tg.commands()] == [d["nl"] for d in COMMANDS.values()]


async def test_a_trainers_help_lists_the_trainer_commands(tg: FakeTelegram, tmp_path: Path) -> None:
    """A trainer's /help adds /course, /versions, /graph and /cop to everyone's commands; a participant's does not."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": "7001,7002"})
    async with running_bot(settings, tg):
        for user_id, language in ((7001, "nl"), (7002, "en")):
            trainer, anna = tg.person(user_id=user_id, language_code=language), tg.person(language_code=language)
            trainer.send("/help")
            anna.send("/help")
            [shown] = await texts(trainer)
            assert shown.startswith(TEXTS["help"][language])
            assert all(f"\n/{name}" in shown for name in ("course", "versions", "graph", "cop"))
            assert await texts(anna) == [TEXTS["help"][language]]


async def test_versions_speak_the_trainers_language(tg: FakeTelegram, tmp_path: Path) -> None:
    """In Dutch, /versions says in Dutch who published each version and which one was a rollback."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_TRAINERS": str(TRAINER)})
    async with running_bot(settings, tg) as bot:
        trainer = tg.person(user_id=TRAINER, language_code="nl")
        changed = (DATA / "sample.yaml").read_bytes().replace(b"{nl: Hallo, en: Hello}", b"{nl: Hoi, en: Hi}")
        trainer.send_document(changed, "sample.yaml")
        await trainer.press(text("draft_publish", "nl"))
        trainer.send("/versions sample")
        await trainer.replies()
        await trainer.press(text("rollback_button", "nl", version=1))
        await trainer.replies()
        trainer.send("/versions sample")
        [listing] = await texts(trainer)
        code = bot.keys.author(TRAINER)
        assert [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "DAY", line) for line in listing.splitlines()] == [
            text("versions_header", "nl", dialogue="sample", count=3),
            f"3 · DAY · trainer {code} in de chat, teruggezet naar 1 · live",
            f"2 · DAY · trainer {code} in de chat",
            "1 · DAY · de map met gesprekken, bij de start",
        ]
