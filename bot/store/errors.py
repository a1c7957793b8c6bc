"""Every error ``bot.store`` raises, in one place.

StoreError               base of the storage errors: one line for the operator, nothing stored changed
 +-- StoreFileError      the database file or folder cannot be used (missing, not writable, busy, damaged)
 +-- StoreServerError    the PostgreSQL server cannot be reached, or refuses the connection
 +-- SchemaTooNewError   the database was made by a newer goodwork
 +-- SecretMismatchError GOODWORK_SECRET is not the one this database was made with
 +-- ConflictError       someone else changed the conversation first (an older revision)
 +-- RepeatedUpdateError the update was applied before: nothing was changed now
 +-- TrancheError        a tranche that does not exist, is closed, or whose name is taken
 +-- UnknownDialogueError a dialogue (or version) that has not been published
SealError (a ValueError) a sealed chat id that this secret cannot open
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every storage error."""


class StoreFileError(StoreError):
    pass


class StoreServerError(StoreError):
    pass


class SchemaTooNewError(StoreError):
    pass


class SecretMismatchError(StoreError):
    pass


class ConflictError(StoreError):
    pass


class RepeatedUpdateError(StoreError):
    """The update was applied before (a redelivery after a crash): nothing was changed now."""


class TrancheError(StoreError):
    """A tranche that does not exist, is closed, or whose name is taken."""


class UnknownDialogueError(StoreError):
    pass


class SealError(ValueError):
    """A sealed chat id that this secret cannot open (another secret, or damaged bytes)."""
