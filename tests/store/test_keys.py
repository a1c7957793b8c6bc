"""Pseudonyms: stable for one secret, different per purpose and per secret, never showing the secret."""

from __future__ import annotations

import string

from bot.store.keys import Keys, fresh_code


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


def test_fresh_codes_never_read_as_command_line_options() -> None:
    """A join or invitation code given alone to the command line (goodwork course close CODE) must not start
    with '-': URL-safe base64 does so for one code in 32."""
    codes = {fresh_code() for _ in range(3000)}
    assert len(codes) == 3000  # unguessable: no repeats
    assert all(code[0].isalnum() and len(code) == 16 for code in codes)
    assert all(set(code) <= set(string.ascii_letters + string.digits + "-_") for code in codes)
