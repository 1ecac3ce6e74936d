"""The faults the fake claude.ai injects: the ``malformed`` bodies and the ``flaky`` dice.

``flaky`` with the ``standard`` mix gives 5xx, resets and slow answers; the ``soak`` mix adds
every fault a long-running meter meets (:data:`SOAK_MIX`). Each outcome takes exactly two
draws of the seeded dice, so a test can replay a seed and know what comes next. How an outcome
is served is :mod:`claude_meter.fake.server`'s; what a good answer says is ``scenarios.py``'s.
"""

from __future__ import annotations

import random
from typing import Literal

import msgspec

MALFORMED_BODIES: tuple[bytes, ...] = (
    b'{"foo": [1, 2, 3]}',
    b'[{"five_hour": 37}]',
    b'{"five_hour": {"utilization": 37.0, "resets_at": "2026-11-',
    b'{"five_hour": "37%", "seven_day": true, "limits": {"kind": 5}}',
)
"""What the malformed scenario sends in turn as a 200 application/json usage answer."""


FlakyKind = Literal[
    "ok",
    "error",
    "reset",
    "slow",
    "timeout",
    "slow-body",
    "malformed",
    "rate-limited",
    "cloudflare",
    "expire",
]


class FlakyOutcome(msgspec.Struct, frozen=True):
    """What the flaky scenario does with one request.

    ``delay`` is the wait before the answer is dropped (``slow``) or the whole time a
    ``slow-body`` answer takes to trickle out; ``expire`` makes this and the next ``count - 1``
    requests answer 401, after which the same session works again.
    """

    kind: FlakyKind
    status: int = 200
    html: bool = False
    delay: float = 0.0
    count: int = 0


def flaky_outcome(rng: random.Random) -> FlakyOutcome:
    """About 30 % 5xx, 10 % connection reset, 10 % a 2-3 s delay, the rest normal.

    Exactly two draws per request, so a test can replay a seed and know what comes next.
    """
    roll, detail = rng.random(), rng.random()
    if roll < 0.30:
        return FlakyOutcome(
            "error", status=(500, 502, 503)[int(detail * 3)], html=int(detail * 6) % 2 == 1
        )
    if roll < 0.40:
        return FlakyOutcome("reset")
    if roll < 0.50:
        return FlakyOutcome("slow", delay=2.0 + detail)
    return FlakyOutcome("ok")


#: The soak mix (``FakeClaude(..., faults="soak")``, ``fake-server --faults soak``): every
#: fault a long-running meter meets; about two requests in three get a good answer.
#: (kind, probability) in the order the roll is matched.
SOAK_MIX: tuple[tuple[FlakyKind, float], ...] = (
    ("error", 0.12),
    ("reset", 0.05),
    ("timeout", 0.03),
    ("slow-body", 0.05),
    ("malformed", 0.05),
    ("rate-limited", 0.01),
    ("cloudflare", 0.03),
    ("expire", 0.01),
)

#: How long a ``timeout`` answer is held before the connection is dropped; a soak client's
#: read timeout must be shorter.
SOAK_HOLD_SECONDS = 2.0


def soak_outcome(rng: random.Random) -> FlakyOutcome:
    """One request's fate in the soak mix; exactly two draws, like :func:`flaky_outcome`."""
    roll, detail = rng.random(), rng.random()
    kind: FlakyKind = "ok"
    for candidate, share in SOAK_MIX:
        if roll < share:
            kind = candidate
            break
        roll -= share
    if kind == "ok":
        return FlakyOutcome("ok")
    if kind == "error":
        return FlakyOutcome(
            "error", status=(500, 502, 503)[int(detail * 3)], html=int(detail * 6) % 2 == 1
        )
    if kind == "timeout":
        return FlakyOutcome("timeout", delay=SOAK_HOLD_SECONDS)
    if kind == "slow-body":
        return FlakyOutcome("slow-body", delay=0.02 + detail * 0.08)
    if kind == "rate-limited":
        return FlakyOutcome("rate-limited", status=429)
    if kind == "expire":
        return FlakyOutcome("expire", status=401, count=2 + int(detail * 6))
    return FlakyOutcome(kind)
