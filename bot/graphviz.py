"""Graphviz's ``dot``, run on a DOT text: for ``goodwork dialogues graph`` and for /graph in chat."""

from __future__ import annotations

import subprocess

TIMEOUT = 30.0  # seconds for one run of dot
INSTALL = (
    "install Graphviz, which provides it: 'sudo apt-get install graphviz' on Debian/Ubuntu, "
    "'brew install graphviz' on macOS"
)


class GraphError(Exception):
    """Drawing failed for a reason the user can act on; the message says which."""


def render(text: str, image_format: str, program: str = "dot", timeout: float = TIMEOUT) -> bytes:
    """``text`` drawn by ``dot -T<image_format>``; raises GraphError if dot fails or takes too long."""
    try:
        done = subprocess.run(
            [program, f"-T{image_format}"], input=text.encode(), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise GraphError(f"{program} took more than {timeout:g} seconds and was stopped") from None
    except OSError as exc:
        raise GraphError(f"could not run {program}: {exc.strerror or exc}") from None
    if done.returncode != 0 or not done.stdout:
        reason = done.stderr.decode(errors="replace").strip()[-500:] or f"exit status {done.returncode}"
        raise GraphError(f"{program} failed: {reason}")
    return done.stdout
