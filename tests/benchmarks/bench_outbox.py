"""The outbox against a fake server enforcing an overall limit L: the rate it reaches, and the 429s it meets.

    python tests/benchmarks/bench_outbox.py [--rows 10000] [--limits 30,300,1000] [--seconds 20]

For each limit L in turn: a new database holds one due follow-up for each of
``min(--rows, L * --seconds)`` chats, so every run takes about ``--seconds``;
the fake Bot API server (tests/telegram/fakeapi.py) answers 429 to a
``sendMessage`` past L in any one second (``limit_global``); a bot process
(tests/schedule/outbox_child.py: the real ``Dispatcher``, ``FollowupMessages``
and ``Sender`` with ``Limits(overall=L)``) sends until the outbox is empty.

The achieved rate counts the messages the server accepted, from the first to
the last; its share of L and the 429s are printed per limit. The aim (>= 95% of
L and zero 429s) is reported, never enforced.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "telegram"))
sys.path.insert(0, str(ROOT / "tests" / "schedule"))
sys.path.insert(0, str(HERE))

import machine  # noqa: E402
from fakeapi import ApiError, Chat, FakeTelegram  # noqa: E402
from outbox_child import fill, reap, spawn  # noqa: E402

CHILD = ROOT / "tests" / "schedule" / "outbox_child.py"
AIM_SHARE = 0.95
PER_CHAT = 1.0  # Telegram's; each chat gets one message here, so it never binds


class MeteredTelegram(FakeTelegram):
    """The fake server, noting when each message was accepted and counting the 429s it answered."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: list[float] = []
        self.too_many = 0

    def _throttle(self, chat: Chat) -> None:
        try:
            super()._throttle(chat)
        except ApiError as error:
            self.too_many += error.status == 429
            raise

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = super()._send_message(params)
        self.accepted.append(time.monotonic())
        return sent


@dataclass(frozen=True)
class Run:
    limit: float
    rows: int
    messages: int
    seconds: float
    too_many: int
    unsent: int
    bot_cpu: float = math.nan  # seconds of CPU the bot process spent sending (when measured)
    fake_cpu: float = math.nan  # seconds of CPU this process (the fake server) spent meanwhile

    @property
    def rate(self) -> float:
        return (self.messages - 1) / self.seconds if self.messages > 1 and self.seconds > 0 else float("nan")

    @property
    def share(self) -> float:
        return self.rate / self.limit

    @property
    def met(self) -> bool:
        return self.share >= AIM_SHARE and self.too_many == 0


async def bench(limit: float, rows: int, folder: Path) -> Run:
    """Queue ``rows`` follow-ups, let a bot process send them all at ``limit`` a second; what the server saw."""
    path = folder / f"outbox-{limit:g}.sqlite3"
    chats = await fill(path, rows)
    async with MeteredTelegram() as tg:
        tg.limit_global(limit)
        for chat_id in chats:
            tg.add_chat({"id": chat_id, "type": "private", "first_name": "Participant"})
        logs = folder / f"bot-{limit:g}"
        fake_cpu = time.process_time()
        process = spawn(path, tg.api_url, tg.token, logs, limit, PER_CHAT)
        try:
            await finished(process, 60 + 3 * rows / limit)
        finally:
            await reap(process)
        if process.returncode != 0:
            print(logs.with_suffix(".err").read_text()[-3000:], file=sys.stderr)
            raise RuntimeError(f"the bot process failed at L={limit:g} (exit code {process.returncode})")
        fake_cpu = time.process_time() - fake_cpu
        status = json.loads(logs.with_suffix(".out").read_text())
        span = tg.accepted[-1] - tg.accepted[0] if tg.accepted else 0.0
        unsent = rows - status.get("sent", 0)
        return Run(limit, rows, len(tg.accepted), span, tg.too_many, unsent, status["cpu_ms"] / 1000, fake_cpu)


async def finished(process: subprocess.Popen[bytes], limit: float) -> None:
    """Wait for the bot to exit, without blocking the loop the fake server answers on."""
    deadline = time.monotonic() + limit
    while process.poll() is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot process did not finish within {limit:.0f} s")
        await asyncio.sleep(0.05)


def report(runs: list[Run]) -> None:
    print(f"outbox: due follow-ups (one per chat) against the fake server's overall limit L; aim >= {AIM_SHARE:.0%}")
    print("of L and zero 429s (reported, never enforced)")
    print("and the CPU per message of the bot process and of the fake server (one process each; 2 cores here)")
    heading = f"{'limit/s':>8}{'messages':>10}{'seconds':>9}{'achieved/s':>12}{'share of L':>12}{'429s':>7}"
    print(f"  {heading}{'bot ms/msg':>12}{'fake ms/msg':>13}  aim")
    for run in runs:
        aim = "met" if run.met else "NOT met"
        per = 1000 / max(run.messages, 1)
        print(
            f"  {run.limit:>8g}{run.messages:>10,}{run.seconds:>9.1f}{run.rate:>12.1f}"
            f"{run.share:>12.1%}{run.too_many:>7}{run.bot_cpu * per:>12.2f}{run.fake_cpu * per:>13.2f}  {aim}"
        )
        if run.unsent or run.messages != run.rows:
            print(f"  {'':>8}note: {run.rows} rows, {run.messages} messages accepted, {run.unsent} rows not sent")


async def main_async(limits: list[float], args: argparse.Namespace) -> list[Run]:
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for limit in limits:
            rows = max(2, min(args.rows, math.ceil(limit * args.seconds)))
            runs.append(await bench(limit, rows, Path(folder)))
    return runs


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000, help="due follow-ups per limit, at most")
    parser.add_argument("--limits", default="30,300,1000", help="overall limits L to try, messages a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="about how long each limit's run takes")
    args = parser.parse_args(argv)
    limits = [float(value) for value in args.limits.split(",")]
    if args.rows < 2 or args.seconds <= 0 or not all(limit > 0 for limit in limits):
        parser.error("--rows must be 2 or more, --seconds and every limit above 0")
    machine.speed()
    report(asyncio.run(main_async(limits, args)))


if __name__ == "__main__":
    main()
