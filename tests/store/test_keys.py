"""Pseudonyms: stable for one secret, different per purpose and per secret, never showing the secret."""

from __future__ import annotations

from bot.store.keys import Keys


def test_same_person_same_pseudonyms(keys: Keys) -> None:
    """The same user id gives the same pseudonyms every time, so a person is recognised after a restart."""
    assert keys.telegram(42) == Keys("test-secret-" + "x" * 32).telegram(42)


def test_two_sides_are_domain_separated(keys: Keys) -> None:
    """The contact pseudonym and the person pseudonym of one person differ, and neither is the user id."""
    who = keys.telegram(42)
    assert who.contact != who.person and "42" not in (who.contact, who.person)
    assert len(who.contact) == len(who.person) == 32


def test_other_people_and_other_secrets_differ(keys: Keys) -> None:
    """Another person, or the same person under another secret, gets unrelated pseudonyms and check value."""
    other_secret = Keys("another-secret-" + "y" * 32)
    assert keys.telegram(42).person != keys.telegram(43).person
    assert keys.telegram(42).person != other_secret.telegram(42).person
    assert keys.check != other_secret.check and keys.check not in (keys.telegram(42).person, keys.telegram(42).contact)


def test_terminal_and_telegram_identities_differ(keys: Keys) -> None:
    """An identity is namespaced: 'terminal:42' is not Telegram user 42."""
    assert keys.identity("terminal:42") != keys.telegram(42)


def test_secret_never_printed(keys: Keys) -> None:
    """repr of the keys and of an identity shows neither the secret nor a pseudonym."""
    who = keys.telegram(42)
    assert "secret-" not in repr(keys) and who.person not in repr(who) and who.contact not in repr(who)
