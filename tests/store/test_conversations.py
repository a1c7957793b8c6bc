"""Conversations: one step end to end, pinned to the version it started on, handled once per update."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.dialogue import engine
from bot.dialogue.events import Answer, Back, Choose, Start
from bot.dialogue.model import DialogueId, OptionId
from bot.store.conversations import Conversations
from bot.store.errors import RepeatedUpdateError, UnknownDialogueError
from bot.store.keys import Keys

SAMPLE = DialogueId("sample")
CHANGED = (b"en: Thank you", b"en: Thanks and see you next week")


async def test_running_conversation_stays_on_its_version(
    conversations: Conversations, keys: Keys, sample_source: bytes
) -> None:
    """After a new version is published, a person mid-dialogue finishes on the old one; a new person gets the new."""
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    early, late = keys.telegram(1).person, keys.telegram(2).person
    await conversations.apply(early, SAMPLE, Start("en"))
    await conversations.catalogue.publish(sample_source.replace(*CHANGED), "sample.yaml", "test")
    await conversations.apply(late, SAMPLE, Start("en"))
    for person in (early, late):
        await conversations.apply(person, SAMPLE, Choose(OptionId("voice")))
    ends = [await conversations.apply(p, SAMPLE, Answer("because it matters")) for p in (early, late)]
    said = [[o.text for o in end.outputs if isinstance(o, engine.Say)] for end in ends]
    assert said == [["Thank you"], ["Thanks and see you next week"]]
    assert [end.state.version for end in ends if end.state] == [1, 2]


async def test_resume_shows_the_open_question(conversations: Conversations, keys: Keys, sample_source: bytes) -> None:
    """Coming back shows the question the person stopped at; a finished or unknown conversation has none."""
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    person = keys.telegram(1).person
    assert await conversations.current(person, SAMPLE) is None
    await conversations.apply(person, SAMPLE, Start("nl"))
    resumed = await conversations.current(person, SAMPLE)
    assert resumed is not None
    asked = engine.question(resumed.outputs)
    assert isinstance(asked, engine.AskChoice) and asked.text == "Wat doet hij?"


async def test_same_update_twice_is_handled_once(
    conversations: Conversations, keys: Keys, sample_source: bytes
) -> None:
    """A redelivered update is recognised as repeated and the state does not move twice."""
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    person = keys.telegram(1).person
    await conversations.apply(person, SAMPLE, Start("en"), update_id=1)
    await conversations.apply(person, SAMPLE, Choose(OptionId("write")), update_id=2)
    with pytest.raises(RepeatedUpdateError):
        await conversations.apply(person, SAMPLE, Choose(OptionId("write")), update_id=2)
    await conversations.apply(person, SAMPLE, Back(), update_id=3)
    with pytest.raises(RepeatedUpdateError):
        await conversations.apply(person, SAMPLE, Back(), update_id=3)
    saved = await conversations.store.load_state(person, SAMPLE)
    assert saved is not None and saved.state.node == "pick" and saved.revision == 3


async def test_racing_taps_apply_once(conversations: Conversations, keys: Keys, sample_source: bytes) -> None:
    """Two taps on the same button at once: one choice is recorded, the other is stale."""
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    person = keys.telegram(1).person
    await conversations.apply(person, SAMPLE, Start("en"))
    taps = [conversations.apply(person, SAMPLE, Choose(OptionId("write"), node=engine.NodeId("pick"))) for _ in "ab"]
    results = await asyncio.gather(*taps, return_exceptions=True)
    assert sum(isinstance(r, engine.StaleError | engine.UnexpectedEventError) for r in results) == 1
    assert await conversations.store.count_choices(SAMPLE, engine.NodeId("pick")) == {"write": 1}


async def test_unknown_dialogue(conversations: Conversations, keys: Keys) -> None:
    """Starting a dialogue that was never published is a clear error, and nothing is stored."""
    with pytest.raises(UnknownDialogueError, match="dialogue 'ghost' has not been published"):
        await conversations.apply(keys.telegram(1).person, DialogueId("ghost"), Start("en"))
    assert await conversations.store.current_dialogue(keys.telegram(1).person) is None


async def test_button_of_another_version_is_stale(
    conversations: Conversations, keys: Keys, sample_source: bytes
) -> None:
    """A press carrying a version other than the conversation's is refused and changes nothing."""
    await conversations.catalogue.publish(sample_source, "sample.yaml", "test")
    person = keys.telegram(1).person
    await conversations.apply(person, SAMPLE, Start("en"))
    with pytest.raises(engine.StaleError, match="version 2"):
        await conversations.apply(person, SAMPLE, Choose(OptionId("write"), engine.NodeId("pick")), version=2)
    assert await conversations.store.count_choices(SAMPLE, engine.NodeId("pick")) == {}


async def test_sync_publishes_changed_files_only(
    conversations: Conversations, tmp_path: Path, sample_source: bytes
) -> None:
    """Syncing a folder publishes new and changed dialogues once; a broken file is reported, never published."""
    (tmp_path / "sample.yaml").write_bytes(sample_source)
    (tmp_path / "broken.yaml").write_text("id: broken\nversion: [\n")
    first = await conversations.catalogue.sync(tmp_path, "test")
    again = await conversations.catalogue.sync(tmp_path, "test")
    (tmp_path / "sample.yaml").write_bytes(sample_source.replace(*CHANGED))
    changed = await conversations.catalogue.sync(tmp_path, "test")
    assert (first.published, again.published, changed.published) == (("sample",), (), ("sample",))
    assert any("broken.yaml" in problem for problem in first.problems)
    assert await conversations.store.dialogue_ids() == ["sample"]


async def test_sync_does_not_roll_back_what_a_trainer_published_since(
    conversations: Conversations, tmp_path: Path, sample_source: bytes
) -> None:
    """A restart syncs the folder: a file whose text was published before leaves a newer chat upload live."""
    (tmp_path / "sample.yaml").write_bytes(sample_source)
    await conversations.catalogue.sync(tmp_path, "goodwork run")
    await conversations.catalogue.publish(sample_source.replace(*CHANGED), "sample.yaml", "trainer in chat")
    again = await conversations.catalogue.sync(tmp_path, "goodwork run")
    newest = await conversations.store.version(SAMPLE)
    assert (
        again.published == () and newest is not None and (newest.number, newest.published_by) == (2, "trainer in chat")
    )
