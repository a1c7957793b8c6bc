"""``goodwork dialogues push | list | sync | versions | rollback``: published dialogue versions.

Publishing stores a file's text as the next version of its dialogue (the same
text again is not a new version). People in the middle of a conversation finish
on the version they started; new conversations get the newest, in a running bot
too (it reads the newest version from the database each time one starts).
"""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TextIO

from bot.cli.storage import using_store
from bot.config import Settings
from bot.dialogue.course import is_course, load_course
from bot.dialogue.errors import LoadError
from bot.dialogue.loader import load_dialogue
from bot.dialogue.model import DialogueId
from bot.store import Store
from bot.store.catalogue import Catalogue


def add_parser(
    verbs: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    dialogues = verbs.add_parser("dialogues", help="publish dialogues and manage their versions")
    actions = dialogues.add_subparsers(dest="action", required=True, metavar="ACTION")
    push = actions.add_parser("push", help="check files and publish each as its dialogue's next version")
    push.add_argument("files", nargs="+", type=Path, metavar="FILE")
    push.set_defaults(run=push_files)
    actions.add_parser("list", help="published dialogues with their newest version").set_defaults(run=list_dialogues)
    actions.add_parser("sync", help="publish every changed file in GOODWORK_DIALOGUES").set_defaults(run=sync)
    versions = actions.add_parser("versions", help="every version of one dialogue")
    versions.add_argument("dialogue", metavar="DIALOGUE_ID")
    versions.set_defaults(run=list_versions)
    rollback = actions.add_parser("rollback", help="publish an earlier version again, as the newest")
    rollback.add_argument("dialogue", metavar="DIALOGUE_ID")
    rollback.add_argument("version", type=int, metavar="VERSION")
    rollback.set_defaults(run=roll_back)
    return actions


def publisher() -> str:
    return f"command line ({getpass.getuser()})"


def push_files(args: argparse.Namespace, out: TextIO | None = None) -> int:
    async def work(store: Store) -> int:
        catalogue, failed = Catalogue(store), 0
        for path in args.files:
            failed += await _push_one(catalogue, store, path, out)
        return 1 if failed else 0

    return _with_store(work)


async def _push_one(catalogue: Catalogue, store: Store, path: Path, out: TextIO | None) -> int:
    try:
        source = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=out)
        return 1
    if is_course(path, source):
        return await _push_course(catalogue, store, path, source, out)
    try:
        checked = load_dialogue(source, str(path), path.parent)
    except LoadError as exc:
        print(exc, file=out)
        return 1
    before = await store.version(checked.id)
    dialogue = await catalogue.publish(source, str(path), publisher(), path.parent)
    same = before is not None and before.number == dialogue.version
    print(f"{dialogue.id}: {'unchanged, still' if same else 'published as'} version {dialogue.version}", file=out)
    return 0


async def _push_course(catalogue: Catalogue, store: Store, path: Path, source: bytes, out: TextIO | None) -> int:
    try:
        course = load_course(source, str(path))
    except LoadError as exc:
        print(exc, file=out)
        return 1
    before = await store.course_version(course.id)
    await catalogue.publish_course(source, str(path), publisher())
    after = await store.course_version(course.id)
    assert after is not None
    same = before is not None and before.number == after.number
    print(f"course {course.id}: {'unchanged, still' if same else 'published as'} version {after.number}", file=out)
    return 0


def list_dialogues(args: argparse.Namespace, out: TextIO | None = None) -> int:
    async def work(store: Store) -> int:
        ids = await store.dialogue_ids()
        if not ids:
            print("nothing published yet: goodwork dialogues sync (the bot also does it at start-up)", file=out)
        for dialogue_id in ids:
            newest = await store.version(dialogue_id)
            assert newest is not None
            when = newest.published_at.strftime("%Y-%m-%d %H:%M")
            print(f"{dialogue_id:<28} version {newest.number:<4} {when}  {newest.published_by}", file=out)
        return 0

    return _with_store(work)


def sync(args: argparse.Namespace, out: TextIO | None = None) -> int:
    async def work(store: Store) -> int:
        synced = await Catalogue(store).sync(Settings.from_env().dialogues, publisher())
        for problem in synced.problems:
            print(problem, file=out)
        print(f"published: {', '.join(synced.published) or 'nothing changed'}", file=out)
        return 1 if synced.problems else 0

    return _with_store(work)


def list_versions(args: argparse.Namespace, out: TextIO | None = None) -> int:
    async def work(store: Store) -> int:
        versions = await store.versions(DialogueId(args.dialogue))
        if not versions:
            print(f"goodwork: no published dialogue {args.dialogue!r}", file=out)
            return 1
        for v in versions:
            print(f"version {v.number:<4} {v.published_at.strftime('%Y-%m-%d %H:%M')}  {v.published_by}", file=out)
        return 0

    return _with_store(work)


def roll_back(args: argparse.Namespace, out: TextIO | None = None) -> int:
    async def work(store: Store) -> int:
        old = await store.version(DialogueId(args.dialogue), args.version)
        if old is None:
            print(f"goodwork: {args.dialogue!r} has no version {args.version}", file=out)
            return 1
        republished = await store.publish(old.dialogue, old.source, f"{publisher()}, rollback to {old.number}")
        print(f"{old.dialogue}: version {old.number} is live again, as version {republished.number}", file=out)
        return 0

    return _with_store(work)


def _with_store(work: Callable[[Store], Awaitable[int]]) -> int:
    return using_store(Settings.from_env(), work)
