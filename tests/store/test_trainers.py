"""Trainers by invitation: a code works once, before it expires; trainers can be revoked and are personal data."""

from __future__ import annotations

from datetime import timedelta

from store_helpers import FakeClock

from bot.store.keys import Keys
from bot.store.protocol import Store


async def test_invitation_works_once(store: Store, keys: Keys, clock: FakeClock) -> None:
    """The first person to open the link becomes a trainer; the same link does nothing for the next."""
    code = await store.invite_trainer(clock() + timedelta(days=7), "admin")
    anna, ben = keys.telegram(1).contact, keys.telegram(2).contact
    assert len(code) >= 16 and not await store.is_trainer(anna)
    assert await store.redeem_invitation(code, anna)
    assert not await store.redeem_invitation(code, ben)
    assert await store.is_trainer(anna) and not await store.is_trainer(ben)
    assert await store.trainer_count() == 1


async def test_expired_and_unknown_codes(store: Store, keys: Keys, clock: FakeClock) -> None:
    """An expired or made-up code makes nobody a trainer."""
    code = await store.invite_trainer(clock() + timedelta(days=1), "admin")
    clock.advance(days=2)
    assert not await store.redeem_invitation(code, keys.telegram(1).contact)
    assert not await store.redeem_invitation("made-up-code-1234", keys.telegram(1).contact)
    assert await store.trainer_count() == 0


async def test_revoke_and_erase(store: Store, keys: Keys, clock: FakeClock) -> None:
    """Revoking ends a trainer's rights; erasing the person removes the trainer row too."""
    anna, ben = keys.telegram(1), keys.telegram(2)
    for who in (anna, ben):
        assert await store.redeem_invitation(await store.invite_trainer(clock() + timedelta(days=1), "a"), who.contact)
    assert await store.revoke_trainer(anna.contact) and not await store.revoke_trainer(anna.contact)
    assert (await store.export(ben))["trainers"]
    await store.erase(ben)
    assert await store.trainer_count() == 0
