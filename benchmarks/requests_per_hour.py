"""How many requests the polling app sends per hour and organization.

Method. The app's own pieces on a simulated clock: the fake claude.ai in this process (its
``now`` and its scenario clock are the simulated ones), the same ``Fetcher`` and shared
client pool the tray app uses (the pool's memory of the organization list and plan extras
runs on the simulated clock too), and the worker's schedule, :func:`next_poll` with the
default 60 s interval, no jitter. Each poll's result decides the next delay exactly as in the
app; the clock then jumps by that delay. Every request the fake server receives is counted,
by kind, over ``--hours`` simulated hours, and divided by the hours and by the organizations
read. Cases:

- busy: ``rising`` (numbers change, soon above 80 %: the base interval all the time);
- quiet: ``normal`` (numbers never change: the quiet stretch, up to 5 minutes);
- several organizations: ``multi-org`` (a personal plan and a Team org);
- the Claude Code route (``api.anthropic.com``, never faster than every 3 minutes).

Run: ``.venv/bin/python benchmarks/requests_per_hour.py [--hours 4]``. Targets: the web route
one ``/usage`` per organization and poll plus the organization list, account and extras every
30 minutes (issue 4); the Claude Code route at most 20 reads per hour, under the ~30 per hour
that docs/protocol.md reports as that endpoint's budget.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results import Row, record
from claude_meter.clients.http import ClientPool
from claude_meter.core.policy import DEFAULT_INTERVAL, PollState, Route, next_poll
from claude_meter.fake import DEFAULT_OAUTH_TOKEN, DEFAULT_SESSION_KEY, FakeClaude
from claude_meter.poll.fetcher import Fetcher
from claude_meter.qt.worker import _fingerprint, outcome_of

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class SimulatedClock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> datetime:
        return START + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds


@dataclass(frozen=True)
class Case:
    name: str
    scenario: str
    route: Route


CASES = (
    Case("busy (numbers changing)", "rising", "web"),
    Case("quiet (numbers unchanged)", "normal", "web"),
    Case("two organizations", "multi-org", "web"),
    Case("Claude Code route", "normal", "claude-code"),
)


@dataclass(frozen=True)
class Measured:
    case: Case
    polls: int
    organizations: int
    requests: Counter[str]
    hours: float

    @property
    def per_hour_per_org(self) -> float:
        return sum(self.requests.values()) / self.hours / self.organizations

    @property
    def polls_per_hour(self) -> float:
        return self.polls / self.hours


def _kind(path: str) -> str:
    tail = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    return {"organizations": "organization list"}.get(tail, tail)


def measure(case: Case, hours: float) -> Measured:
    clock = SimulatedClock()
    server = FakeClaude(case.scenario, now=clock.now, clock=clock.monotonic).start()
    pool = ClientPool(clock=clock.monotonic)
    env = {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
    }
    if case.route == "web":
        env["CLAUDE_METER_COOKIE"] = f"sessionKey={DEFAULT_SESSION_KEY}"
        source = "web"
    else:
        env["CLAUDE_CODE_OAUTH_TOKEN"] = DEFAULT_OAUTH_TOKEN
        source = "claude-code"
    fetcher = Fetcher(env, pool=pool)
    state, last, polls, organizations = PollState(), None, 0, 0
    try:
        while clock.seconds < hours * 3600:
            result = fetcher.fetch(source)
            polls += 1
            organizations = max(organizations, len(result.snapshots))
            outcome = outcome_of(result, last)
            if outcome.ok:
                last = _fingerprint(result)
            state, delay = next_poll(
                state, outcome, clock.now(), base=DEFAULT_INTERVAL, route=case.route
            )
            clock.seconds += delay.total_seconds()
        requests = Counter(_kind(r.path) for r in server.request_log)
    finally:
        pool.close()
        server.stop()
    return Measured(case, polls, max(1, organizations), requests, hours)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    args = parser.parse_args()
    lines, rows = [], []
    for case in CASES:
        got = measure(case, args.hours)
        kinds = ", ".join(f"{k} {n / args.hours:.1f}" for k, n in got.requests.most_common())
        lines.append(
            f"{case.name}: {got.per_hour_per_org:.1f} requests per hour per organization "
            f"({got.organizations} org, {got.polls_per_hour:.1f} polls per hour; per hour: {kinds})"
        )
        target, met = _target(case, got)
        rows.append(
            Row(
                f"requests per hour per organization, {case.name}",
                target,
                f"{got.per_hour_per_org:.0f}",
                met,
            )
        )
    output = "\n".join(lines)
    print(output)
    record("requests_per_hour", rows, output)
    return 0 if all(row.met is not False for row in rows) else 1


def _target(case: Case, got: Measured) -> tuple[str, bool]:
    if case.route == "claude-code":
        total = sum(got.requests.values()) / got.hours
        return "≤ 20 (endpoint budget ~30)", total <= 20
    usage = got.requests["usage"] / got.hours / got.organizations
    per_org = ("overage_spend_limit", "subscription_details")
    rest = [
        n / got.hours / (got.organizations if kind in per_org else 1)
        for kind, n in got.requests.items()
        if kind != "usage"
    ]
    # one /usage per poll and organization; the list, account and extras twice an hour
    met = abs(usage - got.polls_per_hour) < 0.5 and all(r <= 2.01 for r in rest)
    return "1 `/usage` a poll; list, account, extras 2 an hour", met


if __name__ == "__main__":
    sys.exit(main())
