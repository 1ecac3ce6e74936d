"""The faults the fake claude.ai injects (:mod:`claude_meter.fake.faults`): what each roll of
the seeded dice means, two draws a request, and the documented shares of each mix
(``tests/fake/test_server_scenarios.py`` serves them over real sockets)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from claude_meter.fake import faults as sc
from tests.fake.support import flaky_plan, soak_plan


class Dice(random.Random):
    """A random source that rolls the numbers given, in order."""

    def __init__(self, *rolls: float) -> None:
        super().__init__(0)
        self._rolls = list(rolls)

    def random(self) -> float:
        return self._rolls.pop(0)


@pytest.mark.parametrize(
    ("rolls", "outcome"),
    [
        ((0.0, 0.0), sc.FlakyOutcome("error", status=500)),
        ((0.29, 0.2), sc.FlakyOutcome("error", status=500, html=True)),
        ((0.1, 0.99), sc.FlakyOutcome("error", status=503, html=True)),
        ((0.30, 0.5), sc.FlakyOutcome("reset")),
        ((0.45, 0.5), sc.FlakyOutcome("slow", delay=2.5)),
        ((0.50, 0.5), sc.FlakyOutcome("ok")),
        ((0.99, 0.5), sc.FlakyOutcome("ok")),
    ],
)
def test_flaky_outcomes(rolls: tuple[float, float], outcome: sc.FlakyOutcome) -> None:
    assert sc.flaky_outcome(Dice(*rolls)) == outcome


@pytest.mark.parametrize(
    ("rolls", "outcome"),
    [
        ((0.0, 0.5), sc.FlakyOutcome("error", status=502, html=True)),
        ((0.12, 0.5), sc.FlakyOutcome("reset")),
        ((0.17, 0.5), sc.FlakyOutcome("timeout", delay=sc.SOAK_HOLD_SECONDS)),
        ((0.20, 0.5), sc.FlakyOutcome("slow-body", delay=0.06)),
        ((0.25, 0.5), sc.FlakyOutcome("malformed")),
        ((0.30, 0.5), sc.FlakyOutcome("rate-limited", status=429)),
        ((0.31, 0.5), sc.FlakyOutcome("cloudflare")),
        ((0.34, 0.99), sc.FlakyOutcome("expire", status=401, count=7)),
        ((0.36, 0.5), sc.FlakyOutcome("ok")),  # about two in three answer well
        ((0.99, 0.5), sc.FlakyOutcome("ok")),
    ],
)
def test_soak_outcomes(rolls: tuple[float, float], outcome: sc.FlakyOutcome) -> None:
    assert sc.soak_outcome(Dice(*rolls)) == outcome


@pytest.mark.parametrize("draw", [sc.flaky_outcome, sc.soak_outcome])
def test_exactly_two_draws_per_request(draw: Callable[[random.Random], sc.FlakyOutcome]) -> None:
    """A replayed seed knows what comes next."""
    first, second = random.Random(7), random.Random(7)
    draw(first)
    second.random(), second.random()
    assert first.random() == second.random()


def test_flaky_mix_is_roughly_as_documented() -> None:
    kinds = [o.kind for o in flaky_plan(3, 4000)]
    shares = {kind: kinds.count(kind) / len(kinds) for kind in ("error", "reset", "slow")}
    assert shares == pytest.approx({"error": 0.3, "reset": 0.1, "slow": 0.1}, abs=0.03)
    assert {o.status for o in flaky_plan(3, 200) if o.kind == "error"} == {500, 502, 503}


def test_soak_mix_has_every_fault_in_its_share() -> None:
    kinds = [o.kind for o in soak_plan(5, 20_000)]
    for kind, share in sc.SOAK_MIX:
        assert abs(kinds.count(kind) / len(kinds) - share) < 0.01, kind
    assert 0.7 > kinds.count("ok") / len(kinds) > 0.6
    assert all(2 <= o.count <= 7 for o in soak_plan(5, 2000) if o.kind == "expire")
