"""A whole dialogue in the chat: buttons, typed reflections, skipping, the end, and how peers chose."""

from __future__ import annotations

from pathlib import Path

from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from talk import chose, exported, state_of, texts

from bot.telegram.texts import text


async def test_dutch_dialogue_through_buttons_and_skip(tg: FakeTelegram, tmp_path: Path) -> None:
    """In Dutch: the case, a choice whose keyboard gives way to the chosen option, a skip, a reflection, the end."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(first_name="Anna", language_code="nl")
        await chose(anna, "nl")
        before = len(anna.messages)
        anna.send("/start sample")
        assert await texts(anna) == ["Hallo", "Een zaak", "Martin twijfelt.", "Wat doet hij?"]
        assert "photo" in anna.messages[before].raw
        assert anna.last.buttons == ["Schrijven", "Twijfel uiten"]

        await anna.press("Schrijven")
        assert await texts(anna) == [text("peers_too_few", "nl", k=5), "Waarom?"]
        question = anna.messages[before + 3]
        assert (question.text, question.buttons) == ("Wat doet hij?\n\n→ Schrijven", [])
        assert anna.last.buttons == ["Overslaan"]

        await anna.press("Overslaan")
        assert await texts(anna) == ["Wat zou jij doen?"]
        skipped = anna.messages[-2]
        assert (skipped.text, skipped.buttons) == ("Waarom?\n\n→ Overslaan", [])

        anna.send("Ik zou eerst met mijn leidinggevende praten.")
        assert await texts(anna) == ["Dank je", text("finished", "nl")]
        assert anna.answered_callbacks[-2:] == ["", ""]

        kept = await exported(bot, anna)
        assert [(c["node"], c["option"]) for c in kept["choices"]] == [("pick", "write")]
        assert [(r["node"], r["text"]) for r in kept["reflections"]] == [
            ("own", "Ik zou eerst met mijn leidinggevende praten.")
        ]
        state = await state_of(bot, anna)
        assert state is not None and state.done and state.language == "nl"


async def test_english_dialogue_through_typed_reflections(tg: FakeTelegram, tmp_path: Path) -> None:
    """In English: a choice, then two typed reflections along the branch, then the end; both answers are kept."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        ben = tg.person(first_name="Ben", language_code="en")
        await chose(ben, "en")
        before = len(ben.messages)
        ben.send("/start sample")
        assert await texts(ben) == ["Hello", "A case", "Martin has doubts.", "What does he do?"]
        await ben.press("Write it")
        assert await texts(ben) == [text("peers_too_few", "en", k=5), "Why?"]
        assert ben.messages[before + 3].text == "What does he do?\n\n→ Write it"

        assert ben.last.buttons == ["Skip"]
        ben.send("It is part of my job.")
        assert await texts(ben) == ["What would you do?"]
        why = next(m for m in ben.messages if m.text == "Why?")
        assert why.buttons == [], "answered by typing: the Skip button is taken off the question"
        ben.send("Talk to my manager first.")
        assert await texts(ben) == ["Thank you", text("finished", "en")]

        kept = await exported(bot, ben)
        assert sorted((r["node"], r["text"], r["language"]) for r in kept["reflections"]) == [
            ("own", "Talk to my manager first.", "en"),
            ("why", "It is part of my job.", "en"),
        ]


async def test_other_branch_skips_the_second_reflection(tg: FakeTelegram, tmp_path: Path) -> None:
    """Voicing doubts leads past the second question straight to the end."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        cleo = tg.person(first_name="Cleo", language_code="en")
        await chose(cleo, "en")
        cleo.send("/start sample")
        await cleo.replies()
        await cleo.press("Voice doubts")
        await cleo.replies()
        cleo.send("Silence helps nobody.")
        assert await texts(cleo) == ["Thank you", text("finished", "en")]
        kept = await exported(bot, cleo)
        assert [(c["node"], c["option"]) for c in kept["choices"]] == [("pick", "voice")]
        assert [r["text"] for r in kept["reflections"]] == ["Silence helps nobody."]


async def test_peers_shown_only_from_enough_answers(tg: FakeTelegram, tmp_path: Path) -> None:
    """With k=2 the first person hears there are too few answers; the second sees percentages."""
    settings = settings_for(tg, tmp_path, dialogues_folder(tmp_path), extra={"GOODWORK_MIN_GROUP": "2"})
    async with running_bot(settings, tg):
        anna, ben = tg.person(language_code="nl"), tg.person(language_code="nl")
        await chose(anna, "nl")
        await chose(ben, "nl")
        anna.send("/start sample")
        ben.send("/start sample")
        await anna.replies()
        await ben.replies()

        await anna.press("Schrijven")
        assert (await texts(anna))[0] == text("peers_too_few", "nl", k=2)
        await ben.press("Twijfel uiten")
        peers = (await texts(ben))[0]
        assert peers.startswith(text("peers_header", "nl"))
        assert "Schrijven: 50%" in peers and "Twijfel uiten: 50%" in peers
        assert "Nog eens" not in peers, "an option offered only under a condition, chosen by nobody, is left out"
        assert text("peers_note", "nl") in peers
