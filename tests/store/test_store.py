"""Every Store query, against every implementation: what goes in comes back, and nothing else changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest
from store_helpers import FakeClock, sample_start

from bot.dialogue import engine
from bot.dialogue.events import Answered, Chosen
from bot.dialogue.model import DialogueId, NodeId, OptionId
from bot.store import aggregate
from bot.store.catalogue import Catalogue
from bot.store.errors import ConflictError, RepeatedUpdateError, UnknownDialogueError
from bot.store.keys import Keys, Pseudonym
from bot.store.protocol import Arrival, Participant, StepRecord, Store

SAMPLE = DialogueId("sample")
PICK = NodeId("pick")


async def test_participant_round_trip(store: Store, keys: Keys) -> None:
    """A participant is saved with defaults, settings change one at a time, and writing again reactivates."""
    who = keys.telegram(1001)
    assert await store.participant(who.contact) is None
    saved = await store.save_participant(who.contact, 1001)
    assert (saved.chat_id, saved.language, saved.paused, saved.digest, saved.active) == (1001, None, False, True, True)
    await store.update_participant(who.contact, language="nl", digest=False)
    changed = await store.update_participant(who.contact, active=False, paused=True)
    assert changed is not None
    assert (changed.language, changed.digest, changed.active, changed.paused) == ("nl", False, False, True)
    again = await store.save_participant(who.contact, 1001)
    assert again.active and again.language == "nl" and again.paused


async def test_participants_of_a_batch_in_one_read(store: Store, keys: Keys) -> None:
    """The outbox reads a claimed batch's participants at once: each known one as ``participant`` gives it."""
    people = [keys.telegram(2000 + n) for n in range(700)]  # more than one chunk of the query
    for n, who in enumerate(people[:650]):
        await store.save_participant(who.contact, 2000 + n)
    await store.update_participant(people[3].contact, language="en", paused=True)
    wanted = [who.contact for who in people] + [people[3].contact]  # 50 unknown, one asked twice
    found = await store.participants(wanted)
    assert set(found) == {who.contact for who in people[:650]}
    assert found[people[3].contact] == await store.participant(people[3].contact)
    assert found[people[3].contact].chat_id == 2003 and found[people[3].contact].paused
    assert await store.participants([]) == {}


async def test_update_participant_of_nobody(store: Store, keys: Keys) -> None:
    """Changing settings of someone unknown stores nothing and answers None."""
    assert await store.update_participant(keys.telegram(5).contact, language="en") is None
    assert await store.participant(keys.telegram(5).contact) is None


async def test_an_update_changes_settings_once(store: Store, keys: Keys) -> None:
    """A change made for an update records it with the change; the same update again changes nothing."""
    who = keys.telegram(77)
    await store.save_participant(who.contact, 77)
    assert not await store.seen_update(77)
    await store.update_participant(who.contact, language="en", update=77)
    assert await store.seen_update(77)
    with pytest.raises(RepeatedUpdateError):
        await store.update_participant(who.contact, language="nl", update=77)
    assert (await store.participant(who.contact)) == Participant(77, "en")
    await store.update_participant(who.contact, language="nl", update=78)
    assert (await store.participant(who.contact)) == Participant(77, "nl")


async def test_new_conversation_then_steps(store: Store, keys: Keys, sample_source: bytes) -> None:
    """A started conversation is stored at revision 1 and every step raises the revision by one."""
    person = keys.telegram(1).person
    dialogue = await Catalogue(store).publish(sample_source, "sample.yaml", "test")
    started = engine.start(dialogue, "en")
    first = await store.commit_step(StepRecord(person, started.state, None))
    assert first is not None and first.revision == 1
    chose = engine.step(dialogue, started.state, engine.Choose(OptionId("write")))
    second = await store.commit_step(StepRecord(person, chose.state, 1, (Chosen(PICK, OptionId("write"), "", True),)))
    assert second is not None and second.revision == 2
    loaded = await store.load_state(person, SAMPLE)
    assert loaded is not None and loaded.state == chose.state and loaded.revision == 2
    assert await store.current_dialogue(person) == SAMPLE
    assert [saved.state for saved in await store.conversations(person)] == [chose.state]


async def test_stale_revision_is_a_conflict(store: Store, keys: Keys, sample_source: bytes) -> None:
    """A step computed from an old revision, or a second 'new' conversation, is refused and changes nothing."""
    person = keys.telegram(1).person
    dialogue = await Catalogue(store).publish(sample_source, "sample.yaml", "test")
    started = engine.start(dialogue, "en")
    await store.commit_step(StepRecord(person, started.state, None))
    moved = engine.step(dialogue, started.state, engine.Choose(OptionId("voice")))
    with pytest.raises(ConflictError, match="moved on"):
        await store.commit_step(StepRecord(person, moved.state, None, update_id=5))
    with pytest.raises(ConflictError):
        await store.commit_step(StepRecord(person, moved.state, 7, (Chosen(PICK, OptionId("voice"), "", True),)))
    loaded = await store.load_state(person, SAMPLE)
    assert loaded is not None and loaded.state == started.state and loaded.revision == 1
    assert await store.count_choices(SAMPLE, PICK) == {}
    assert not await store.seen_update(5), "the update id of a refused step is not kept"


async def test_repeated_update_changes_nothing(store: Store, keys: Keys, sample_source: bytes) -> None:
    """A step whose update id was already applied commits nothing and says so."""
    person = keys.telegram(1).person
    dialogue = await Catalogue(store).publish(sample_source, "sample.yaml", "test")
    started = engine.start(dialogue, "en")
    await store.commit_step(StepRecord(person, started.state, None, update_id=10))
    moved = engine.step(dialogue, started.state, engine.Choose(OptionId("voice")))
    record = (Chosen(PICK, OptionId("voice"), "", True),)
    with pytest.raises(RepeatedUpdateError):
        await store.commit_step(StepRecord(person, moved.state, 1, record, update_id=10))
    loaded = await store.load_state(person, SAMPLE)
    assert loaded is not None and loaded.revision == 1 and await store.count_choices(SAMPLE, PICK) == {}


async def test_choices_and_reflections_keep_the_latest(store: Store, keys: Keys, sample_source: bytes) -> None:
    """Choosing again at a node replaces the choice; a new answer replaces a reflection; a skip removes it."""
    person = keys.telegram(1).person
    state = (await sample_start(store, person, sample_source)).state

    async def record(revision: int, *records: Chosen | Answered) -> None:
        await store.commit_step(StepRecord(person, state, revision, records))

    await record(1, Chosen(PICK, OptionId("write"), "", True), Answered(NodeId("why"), "first thought"))
    await record(2, Chosen(PICK, OptionId("voice"), "", True), Answered(NodeId("why"), "second thought"))
    assert await store.count_choices(SAMPLE, PICK) == {"voice": 1}
    assert [r["text"] for r in (await store.export(keys.telegram(1)))["reflections"]] == ["second thought"]
    await record(3, Answered(NodeId("why"), None))
    assert (await store.export(keys.telegram(1)))["reflections"] == []


async def test_steps_of_one_person_do_not_touch_another(store: Store, keys: Keys, sample_source: bytes) -> None:
    """Two people in the same dialogue have separate states."""
    one, two = keys.telegram(1).person, keys.telegram(2).person
    await sample_start(store, one, sample_source)
    await sample_start(store, two, sample_source)
    assert await store.current_dialogue(Pseudonym("nobody")) is None
    assert await store.load_state(Pseudonym("nobody"), SAMPLE) is None
    assert len(await store.conversations(one)) == len(await store.conversations(two)) == 1


async def test_publish_numbers_versions(store: Store) -> None:
    """Each changed text is the next version; the same text again is not a new version."""
    first = await store.publish(SAMPLE, "one", "trainer-a")
    same = await store.publish(SAMPLE, "one", "trainer-b")
    second = await store.publish(SAMPLE, "two", "trainer-b")
    assert (first.number, same.number, second.number) == (1, 1, 2)
    assert same.published_by == "trainer-a" and second.published_by == "trainer-b"
    assert [v.number for v in await store.versions(SAMPLE)] == [2, 1]
    old = await store.version(SAMPLE, 1)
    assert old is not None and old.source == "one" and len(old.sha256) == 64
    assert await store.version(DialogueId("other")) is None and await store.version(SAMPLE, 3) is None


async def test_catalogue_serves_pinned_versions(store: Store, sample_source: bytes) -> None:
    """The catalogue loads each stored version with the store's number; unknown ones get a clear error."""
    catalogue = Catalogue(store)
    first = await catalogue.publish(sample_source, "sample.yaml", "test")
    changed = sample_source.replace(b"en: Thank you", b"en: Thanks a lot")
    second = await catalogue.publish(changed, "sample.yaml", "test")
    assert (first.version, second.version) == (1, 2)
    fresh = Catalogue(store)
    assert (await fresh.get(SAMPLE, 1)).nodes == first.nodes
    assert (await fresh.get(SAMPLE)).version == 2
    with pytest.raises(UnknownDialogueError, match="version 9 of dialogue 'sample' has not been published"):
        await fresh.get(SAMPLE, 9)
    with pytest.raises(UnknownDialogueError, match="dialogue 'nope'"):
        await fresh.get(DialogueId("nope"))


@pytest.mark.parametrize(("people", "shown"), [(4, False), (5, True), (6, True)])
async def test_peer_counts_need_k_people(
    store: Store, keys: Keys, sample_source: bytes, people: int, shown: bool
) -> None:
    """How colleagues chose is shown only from k=5 people on: k-1 gives None, k and k+1 give the counts."""
    for n in range(people):
        person = keys.telegram(n).person
        state = (await sample_start(store, person, sample_source)).state
        option = OptionId("write" if n % 2 else "voice")
        await store.commit_step(StepRecord(person, state, 1, (Chosen(PICK, option, "", True),)))
    counts = await aggregate.peer_choices(store, SAMPLE, PICK, k=5)
    if not shown:
        assert counts is None
        return
    assert counts is not None and counts.total == people
    assert counts.by_key == {"write": people // 2, "voice": people - people // 2}
    assert counts.share(OptionId("voice")) == (people - people // 2) / people


def test_threshold_helpers() -> None:
    """at_least and guarded hide anything below k, including the empty case."""
    assert aggregate.at_least(4, 5) is None and aggregate.at_least(5, 5) == 5
    assert aggregate.guarded({}, 5) is None
    assert aggregate.guarded({"a": 2, "b": 2}, 5) is None
    guarded = aggregate.guarded({"a": 2, "b": 3}, 5)
    assert guarded is not None and guarded.total == 5


async def test_cancelled_step_leaves_the_store_usable(store: Store, keys: Keys, sample_source: bytes) -> None:
    """A step cancelled mid-flight either commits whole or not at all, and the next step works."""
    person = keys.telegram(1).person
    first = await sample_start(store, person, sample_source)
    steps = [
        asyncio.ensure_future(store.commit_step(StepRecord(keys.telegram(n).person, first.state, None, update_id=n)))
        for n in range(2, 12)
    ]
    await asyncio.sleep(0)
    for task in steps[::2]:
        task.cancel()
    await asyncio.gather(*steps, return_exceptions=True)
    await asyncio.sleep(0.05)
    committed = [n for n in range(2, 12) if await store.load_state(keys.telegram(n).person, SAMPLE)]
    claimed = [n for n in range(2, 12) if await store.seen_update(n)]
    assert committed == claimed, "a step is committed together with its update id, or neither"
    assert await store.commit_step(StepRecord(person, replace(first.state, language="nl"), 1)) is not None


async def test_prune_applies_retention(store: Store, keys: Keys, sample_source: bytes, clock: FakeClock) -> None:
    """Old reflections, people inactive past the retention, and update ids older than 3 days are removed."""
    old, recent = keys.telegram(1), keys.telegram(2)
    await store.save_participant(old.contact, 1)
    state = (await sample_start(store, old.person, sample_source, update_id=1)).state
    await store.commit_step(StepRecord(old.person, state, 1, (Answered(NodeId("why"), "long ago"),)))
    clock.advance(days=200)
    await store.save_participant(recent.contact, 2)
    state = (await sample_start(store, recent.person, sample_source, update_id=2)).state
    await store.commit_step(StepRecord(recent.person, state, 1, (Answered(NodeId("why"), "lately"),)))
    clock.advance(days=200)

    pruned = await store.prune(date(2026, 11, 23) + timedelta(days=400), retention_days=365)

    assert (pruned.reflections, pruned.people, pruned.participants, pruned.updates) == (1, 1, 1, 2)
    assert await store.export(old) == await _empty_export(store, keys)
    kept = await store.export(recent)
    assert [r["text"] for r in kept["reflections"]] == ["lately"] and kept["participants"]


async def _empty_export(store: Store, keys: Keys) -> dict[str, object]:
    return await store.export(keys.telegram(999_999))


async def test_current_dialogue_can_be_put_aside(store: Store, keys: Keys, sample_source: bytes) -> None:
    """set_current switches the dialogue typed text goes to, or clears it; progress stays."""
    person = keys.telegram(1).person
    await sample_start(store, person, sample_source)
    await store.set_current(person, None)
    assert await store.current_dialogue(person) is None
    assert await store.load_state(person, SAMPLE) is not None
    await store.set_current(person, SAMPLE)
    assert await store.current_dialogue(person) == SAMPLE


async def test_dialogue_ids_lists_published(store: Store) -> None:
    """Every dialogue with a published version is listed once, in order."""
    assert await store.dialogue_ids() == []
    for name in ("zeta", "alpha", "zeta"):
        await store.publish(DialogueId(name), f"text of {name}", "test")
    assert await store.dialogue_ids() == ["alpha", "zeta"]


async def test_receive_saves_the_contact_and_tells_a_repeated_update(store: Store, keys: Keys) -> None:
    """An arriving update saves the contact as active and seen; one that changed something before says so."""
    who = keys.telegram(7)
    first = await store.receive(who.contact, 7, update_id=100)
    assert first == Arrival(Participant(7), repeated=False)
    await store.update_participant(who.contact, active=False, language="en")
    assert await store.receive(who.contact, 7, update_id=101) == Arrival(Participant(7, "en"))
    await store.set_current(who.person, None, update=102)
    assert await store.receive(who.contact, 7, update_id=102) == Arrival(Participant(7, "en"), repeated=True)
