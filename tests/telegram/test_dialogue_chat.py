"""A whole dialogue in the chat: buttons, typed reflections, skipping, the end, how peers chose, one message a step."""

from __future__ import annotations

from pathlib import Path

from botrun import dialogues_folder, running_bot, settings_for
from fakeapi import FakeTelegram
from talk import chose, exported, joined, state_of, texts, until

from bot.telegram.texts import text

STORY = """\
id: story
version: 1
title: {nl: Een verhaal, en: A story}
session: weekly
languages: [nl, en]
start: scene
nodes:
  scene:
    type: message
    say:
      - {nl: Het is maandagochtend., en: It is Monday morning.}
      - {nl: Sam vindt een fout in het rapport., en: Sam finds a mistake in the report.}
      - {nl: Niemand anders heeft hem gezien., en: Nobody else has seen it.}
    next: pick
  pick:
    type: choice
    say: {nl: Het rapport ging vrijdag naar de klant., en: The report went to the client on Friday.}
    ask: {nl: Wat doet Sam?, en: What does Sam do?}
    options:
      - id: tell
        label: {nl: Het team vertellen, en: Tell the team}
        next: bye
      - id: wait
        label: {nl: Afwachten, en: Wait and see}
        next: bye
  bye:
    type: end
    say: {nl: Dank je, en: Thank you}
"""
LONG = " ".join(["Sam reads the report once more, line by line."] * 25)  # too long for a photo's caption
PICTURE = f"""\
id: picture
version: 1
title: {{nl: Een plaatje, en: A picture}}
session: weekly
languages: [nl, en]
start: letter
nodes:
  letter:
    type: message
    say: {{nl: "{LONG}", en: "{LONG}"}}
    next: photo
  photo:
    type: message
    say: {{nl: Het rapport., en: The report.}}
    image: https://example.org/report.png
    next: pick
  pick:
    type: choice
    ask: {{nl: Wat doet Sam?, en: What does Sam do?}}
    options:
      - id: tell
        label: {{nl: Het team vertellen, en: Tell the team}}
        next: bye
  bye:
    type: end
    say: {{nl: Dank je, en: Thank you}}
"""


async def test_dutch_dialogue_through_buttons_and_skip(tg: FakeTelegram, tmp_path: Path) -> None:
    """In Dutch: the case, a choice whose keyboard gives way to the chosen option, a skip, a reflection, the end."""
    async with running_bot(settings_for(tg, tmp_path, dialogues_folder(tmp_path)), tg) as bot:
        anna = tg.person(first_name="Anna", language_code="nl")
        await chose(anna, "nl")
        before = len(anna.messages)
        anna.send("/start sample")
        assert await texts(anna) == ["Hallo", joined("Een zaak", "Martin twijfelt.", "Wat doet hij?")]
        assert "photo" in anna.messages[before].raw
        assert anna.last.buttons == ["Schrijven", "Twijfel uiten"]

        await anna.press("Schrijven")
        assert await texts(anna) == [joined(text("peers_too_few", "nl", k=5), "Waarom?")]
        question = anna.messages[before + 1]
        assert (question.text, question.buttons) == (
            joined("Een zaak", "Martin twijfelt.", "Wat doet hij?", "→ Schrijven"),
            [],
        )
        assert anna.last.buttons == ["Overslaan"]

        await anna.press("Overslaan")
        assert await texts(anna) == ["Wat zou jij doen?"]
        skipped = anna.messages[-2]
        assert (skipped.text, skipped.buttons) == (
            joined(text("peers_too_few", "nl", k=5), "Waarom?", "→ Overslaan"),
            [],
        )

        anna.send("Ik zou eerst met mijn leidinggevende praten.")
        assert await texts(anna) == [joined("Dank je", text("finished", "nl"))]
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
        assert await texts(ben) == ["Hello", joined("A case", "Martin has doubts.", "What does he do?")]
        await ben.press("Write it")
        assert await texts(ben) == [joined(text("peers_too_few", "en", k=5), "Why?")]
        assert ben.messages[before + 1].text == joined("A case", "Martin has doubts.", "What does he do?", "→ Write it")

        assert ben.last.buttons == ["Skip"]
        ben.send("It is part of my job.")
        assert await texts(ben) == ["What would you do?"]
        why = next(m for m in ben.messages if m.text == joined(text("peers_too_few", "en", k=5), "Why?"))
        assert why.buttons == [], "answered by typing: the Skip button is taken off the question"
        ben.send("Talk to my manager first.")
        assert await texts(ben) == [joined("Thank you", text("finished", "en"))]

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
        assert await texts(cleo) == [joined("Thank you", text("finished", "en"))]
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
        assert await texts(anna) == [joined(text("peers_too_few", "nl", k=2), "Waarom?")]
        await ben.press("Twijfel uiten")
        [shown] = await texts(ben)
        peers, question = shown.rsplit("\n\n", 1)
        assert question == "Waarom?", "how peers chose is the first paragraph of the message with the next question"
        assert peers.startswith(text("peers_header", "nl"))
        assert "Schrijven: 50%" in peers and "Twijfel uiten: 50%" in peers
        assert "Nog eens" not in peers, "an option offered only under a condition, chosen by nobody, is left out"
        assert text("peers_note", "nl") in peers


async def test_a_step_of_several_bubbles_and_a_question_is_one_message(tg: FakeTelegram, tmp_path: Path) -> None:
    """Four bubbles and a question arrive as one message, a paragraph each, the buttons under it; the end likewise."""
    folder = dialogues_folder(tmp_path)
    (folder / "story.yaml").write_text(STORY)
    async with running_bot(settings_for(tg, tmp_path, folder), tg):
        ben = tg.person(language_code="en")
        await chose(ben, "en")
        sent_before = len(tg.calls_to("sendMessage"))
        ben.send("/start story")
        [step] = await ben.replies()
        question = joined(
            "It is Monday morning.",
            "Sam finds a mistake in the report.",
            "Nobody else has seen it.",
            "The report went to the client on Friday.",
            "What does Sam do?",
        )
        assert (step.text, step.rows) == (question, [["Tell the team"], ["Wait and see"]])
        assert len(tg.calls_to("sendMessage")) == sent_before + 1, "one Bot API call for the whole step"

        await ben.press("Tell the team")
        [end] = await ben.replies()
        assert (end.text, end.buttons) == (joined("Thank you", text("finished", "en")), [])
        assert (step.text, step.buttons) == (joined(question, "→ Tell the team"), [])


async def test_a_step_of_several_messages_shows_typing_once(tg: FakeTelegram, tmp_path: Path) -> None:
    """With pacing on, the second message of a step comes after a pause behind one typing action; the first at once."""
    pacing = 0.15
    extra = {"GOODWORK_PACING_MS": str(int(pacing * 1000))}
    folder = dialogues_folder(tmp_path)
    (folder / "picture.yaml").write_text(PICTURE)
    async with running_bot(settings_for(tg, tmp_path, folder, extra=extra), tg):
        ben = tg.person(language_code="en")
        await chose(ben, "en")
        before, calls_before = len(ben.messages), len(tg.calls)
        assert ben.actions == []
        ben.send("/start sample")
        await until(lambda: len(ben.messages) == before + 2)
        await tg.settled(quiet=3 * pacing)
        assert [m.text for m in ben.messages[before:]] == [
            "Hello",
            joined("A case", "Martin has doubts.", "What does he do?"),
        ]
        assert ben.actions == ["typing"], "one typing action for the step, not one per bubble"
        shown = [
            call
            for call in tg.calls[calls_before:]
            if call.method in {"sendPhoto", "sendChatAction", "sendMessage"}
            and str(call.params.get("chat_id")) == str(ben.chat_id)
        ]
        assert [call.method for call in shown] == ["sendPhoto", "sendChatAction", "sendMessage"]
        assert shown[2].at - shown[0].at >= pacing

        await ben.press("Write it")
        await tg.settled(quiet=3 * pacing)
        assert ben.texts()[-1] == joined(text("peers_too_few", "en", k=5), "Why?")
        assert ben.actions == ["typing"], "a step of one message comes at once, without typing"

        before = len(ben.messages)
        ben.send("/start picture")
        await until(lambda: len(ben.messages) == before + 3)
        await tg.settled(quiet=3 * pacing)
        assert [(m.text, "photo" in m.raw, m.buttons) for m in ben.messages[before:]] == [
            (LONG, False, []),
            ("The report.", True, []),
            ("What does Sam do?", False, ["Tell the team"]),
        ], "text too long for the caption goes first; the question after the photo"
        assert ben.actions == ["typing", "typing"], "three messages in one step: still one typing action"


def long_step(bubble: str) -> str:
    """A one-language dialogue whose first step is four long bubbles and a question."""
    says = "".join(f"      - {bubble}\n" for _ in range(4))
    return f"""\
id: long
version: 1
title: Long
session: weekly
languages: [en]
start: scene
nodes:
  scene:
    type: message
    say:
{says}    next: pick
  pick:
    type: choice
    ask: Which of the two options would you take in this situation here, and why would you take it?
    options:
      - {{id: tell, label: Tell the team, next: bye}}
      - {{id: wait, label: Wait and see, next: bye}}
  bye:
    type: end
    say: Thank you
"""


async def test_a_question_near_telegrams_limit_still_shows_what_was_chosen(tg: FakeTelegram, tmp_path: Path) -> None:
    """A step that nearly fills a message puts its question where the mark of the choice still fits after the press."""
    bubble = ("Sam reads the report once more, line by line. " * 22).strip()[:999]
    folder = dialogues_folder(tmp_path)
    (folder / "long.yaml").write_text(long_step(bubble))
    async with running_bot(settings_for(tg, tmp_path, folder), tg):
        ben = tg.person(language_code="en")
        await chose(ben, "en")
        ben.send("/start long")
        shown = await ben.replies()
        assert sum(len(message.text) for message in shown) > 4000  # the whole step would not leave room
        question = shown[-1]
        assert question.buttons == ["Tell the team", "Wait and see"]
        assert all(len(message.text) <= 4096 for message in shown)
        await ben.press("Tell the team")
        await ben.replies()
        assert question.text.endswith("→ Tell the team")
        assert question.buttons == []
