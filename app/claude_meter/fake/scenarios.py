"""The data the fake claude.ai serves: organizations, accounts and usage reports per scenario
(the faults the ``malformed`` and ``flaky`` scenarios inject: ``faults.py``).

Kept apart from the HTTP plumbing so that what a scenario *says* can be read (and changed) in one
place. Every function here is pure: time comes in as arguments, so the same inputs give the same
JSON, which is what lets tests assert exact numbers.

The shapes follow docs/protocol.md sections 1-3. The values are synthetic.

Why it is longer than 400 lines: it is one job, the answers of every scenario, and each of the
scenarios (sixteen) and organizations (four) needs its own literal JSON (accounts, profiles,
overage, subscriptions, reports in every shape the real endpoint has sent). Kept as literals in
one file so a scenario can be read whole next to docs/protocol.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import msgspec

# Re-exported, all of them: the fake's tests read them as ``scenarios.X``.
from .faults import MALFORMED_BODIES as MALFORMED_BODIES
from .faults import SOAK_HOLD_SECONDS as SOAK_HOLD_SECONDS
from .faults import SOAK_MIX as SOAK_MIX
from .faults import FlakyKind as FlakyKind
from .faults import FlakyOutcome as FlakyOutcome
from .faults import flaky_outcome as flaky_outcome
from .faults import soak_outcome as soak_outcome
from .names import SCENARIOS as SCENARIOS

Json = dict[str, object]

EMAIL = "demo@example.com"
ACCOUNT_UUID = "0b7e4c52-9a31-4f0e-8d6a-2c5f1e9b7a40"
_CREATED = "2024-03-11T09:14:07.318520+00:00"
_UPDATED = "2026-10-02T17:45:51.902114+00:00"


class Org(msgspec.Struct, frozen=True):
    """One organization as the fake knows it, plus which optional endpoints answer for it."""

    uuid: str
    name: str
    capabilities: tuple[str, ...]
    rate_limit_tier: str
    billing_type: str
    organization_type: str
    currency: str = "USD"
    has_overage: bool = True
    has_subscription: bool = True

    @property
    def usable(self) -> bool:
        """A console-only org (capabilities just ``api``) has no usage windows."""
        return self.capabilities != ("api",)


PERSONAL = Org(
    "5c2a7f10-3e4b-4d8e-9f61-a0b1c2d3e4f5",
    "Personal",
    ("chat", "claude_max"),
    "default_claude_max_5x",
    "stripe_subscription",
    "claude_max",
)
TEAM = Org(
    "8d4e1b92-6c7a-4f3d-b5e0-1f2a3b4c5d6e",
    "Acme Team",
    ("chat", "raven"),
    "default_raven",
    "stripe_subscription",
    "claude_team",
    has_overage=False,
    has_subscription=False,
)
ENTERPRISE = Org(
    "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
    "Globex",
    ("chat", "raven"),
    "default_raven",
    "enterprise_invoice",
    "claude_enterprise",
    currency="EUR",
    has_subscription=False,
)
CONSOLE = Org(
    "c0501e00-0a91-4b2c-8d3e-4f5a6b7c8d9e",
    "Demo Console",
    ("api",),
    "default_api",
    "prepaid",
    "api",
    has_overage=False,
    has_subscription=False,
)
ALL_ORGS: tuple[Org, ...] = (PERSONAL, TEAM, ENTERPRISE, CONSOLE)


def orgs_for(scenario: str) -> tuple[Org, ...]:
    """The orgs a session belongs to. The console org comes first so a client that takes
    ``orgs[0]`` without looking at capabilities is caught."""
    if scenario == "multi-org":
        return (CONSOLE, PERSONAL, TEAM)
    if scenario == "enterprise":
        return (CONSOLE, ENTERPRISE)
    return (CONSOLE, PERSONAL)


def last_active_org(scenario: str) -> Org:
    """What ``/login`` puts in ``lastActiveOrg``: in multi-org deliberately not the first one."""
    usable = [org for org in orgs_for(scenario) if org.usable]
    return usable[-1] if scenario == "multi-org" else usable[0]


def iso(moment: datetime) -> str:
    """``2026-11-25T13:00:00.412233+00:00``: always with microseconds, as the server sends."""
    return moment.isoformat(timespec="microseconds")


def iso_z(moment: datetime) -> str:
    """The same instant in the ``Z`` form, which also occurs in real answers."""
    return iso(moment).replace("+00:00", "Z")


def org_json(org: Org) -> Json:
    """An entry of ``GET /api/organizations``."""
    return {
        "uuid": org.uuid,
        "name": org.name,
        "capabilities": list(org.capabilities),
        "created_at": _CREATED,
        "updated_at": _UPDATED,
        "settings": {"claude_console_privacy": "default_private"},
        "active_flags": [],
        "rate_limit_tier": org.rate_limit_tier,
        "billing_type": org.billing_type,
    }


def account_json(scenario: str) -> Json:
    """``GET /api/account``: every membership, the console org included."""
    return account_document(ACCOUNT_UUID, EMAIL, "Demo User", orgs_for(scenario))


def account_document(uuid: str, email: str, full_name: str, orgs: Iterable[Org]) -> Json:
    """``/api/account`` for a person with these organizations (the demo's, or an account's
    of ``fake/accounts.py``)."""
    memberships: list[object] = [
        {
            "organization": {
                "uuid": org.uuid,
                "name": org.name,
                "rate_limit_tier": org.rate_limit_tier,
                "billing_type": org.billing_type,
            },
            "role": "admin",
        }
        for org in orgs
    ]
    return {
        "uuid": uuid,
        "email_address": email,
        "full_name": full_name,
        "memberships": memberships,
    }


def profile_json(scenario: str) -> Json:
    """``GET /api/oauth/profile`` for the org the OAuth token belongs to."""
    return profile_document(ACCOUNT_UUID, EMAIL, "Demo User", oauth_org(scenario))


def profile_document(uuid: str, email: str, display_name: str, org: Org) -> Json:
    """``/api/oauth/profile`` for a person whose OAuth token belongs to ``org``."""
    return {
        "account": {
            "uuid": uuid,
            "email": email,
            "display_name": display_name,
            "has_claude_max": "claude_max" in org.capabilities,
            "has_claude_pro": "claude_pro" in org.capabilities,
        },
        "organization": {
            "uuid": org.uuid,
            "name": org.name,
            "organization_type": org.organization_type,
            "billing_type": org.billing_type,
            "rate_limit_tier": org.rate_limit_tier,
            "subscription_status": "active",
        },
    }


def oauth_org(scenario: str) -> Org:
    """The OAuth route reports on the first usable org of the account."""
    return next(org for org in orgs_for(scenario) if org.usable)


def overage_json(org: Org) -> Json:
    """``GET .../overage_spend_limit`` for an org that has one (others answer 404)."""
    limit, used = (100000, 43210) if org is ENTERPRISE else (5000, 1250)
    return {
        "is_enabled": True,
        "monthly_credit_limit": limit,
        "currency": org.currency,
        "used_credits": used,
        "disabled_reason": None,
        "disabled_until": None,
        "out_of_credits": False,
    }


def subscription_json(org: Org, now: datetime) -> Json:
    """``GET .../subscription_details`` for an org that has one (others answer 500)."""
    return {
        "status": "active",
        "next_charge_date": (now + timedelta(days=12)).date().isoformat(),
        "billing_interval": "monthly",
        "currency": org.currency,
        "payment_method": {"type": "card", "brand": "visa", "last4": "4242"},
    }


def _window(utilization: float | None, resets_at: datetime) -> Json | None:
    return (
        None if utilization is None else {"utilization": utilization, "resets_at": iso(resets_at)}
    )


def _limit(kind: str, percent: float, resets_at: datetime, model: str | None = None) -> Json:
    scope = (
        None if model is None else {"model": {"id": None, "display_name": model}, "surface": None}
    )
    return {
        "kind": kind,
        "group": "session" if kind == "session" else "weekly",
        "percent": round(percent),
        "resets_at": iso_z(resets_at),
        "scope": scope,
        "is_active": kind == "session",
    }


def _report(
    now: datetime,
    *,
    five_hour: float | None,
    seven_day: float | None,
    sonnet: float | None = None,
    opus: float | None = None,
    oauth_apps: float | None = None,
    extra: Json | None = None,
    limits: tuple[tuple[str, float, str | None], ...] | None = None,
    design_started: bool = True,
) -> Json:
    """A report in the 2026 shape; ``limits`` rows are (kind, percent, model display name)."""
    session_reset = now.replace(minute=0, second=0) + timedelta(hours=2)
    week_reset = now.replace(hour=9, minute=0, second=0) + timedelta(days=3)
    report: Json = {
        "five_hour": _window(five_hour, session_reset),
        "seven_day": _window(seven_day, week_reset),
        "seven_day_sonnet": _window(sonnet, week_reset),
        "seven_day_opus": _window(opus, week_reset),
        "seven_day_oauth_apps": _window(oauth_apps, week_reset),
        "seven_day_cowork": None,
        "seven_day_omelette": {"utilization": 0.0, "resets_at": None} if design_started else None,
        "iguana_necktie": None,
        "extra_usage": extra,
    }
    if limits is not None:
        report["limits"] = [
            _limit(kind, pct, session_reset if kind == "session" else week_reset, model)
            for kind, pct, model in limits
        ]
    return report


_USD_EXTRA: Json = {
    "is_enabled": True,
    "monthly_limit": 5000,
    "used_credits": 1250.0,
    "utilization": 25.0,
    "currency": "USD",
    "decimal_places": 2,
}


def _standard(now: datetime, five: float, week: float, sonnet: float) -> Json:
    return _report(
        now,
        five_hour=five,
        seven_day=week,
        sonnet=sonnet,
        oauth_apps=8.0,
        extra=dict(_USD_EXTRA),
        limits=(
            ("session", five, None),
            ("weekly_all", week, None),
            ("weekly_scoped", sonnet, "Sonnet"),
        ),
    )


def standard_json(now: datetime, five: float, week: float, sonnet: float) -> Json:
    """The ``normal`` report with these (five_hour, seven_day, Sonnet) numbers: ``accounts.py``."""
    return _standard(now, five, week, sonnet)


def _empty(now: datetime) -> Json:
    """What a console-only org answers: a well-formed report with nothing in it."""
    return _report(now, five_hour=None, seven_day=None, limits=(), design_started=False)


def _fraction_scale(now: datetime) -> Json:
    return _report(now, five_hour=0.42, seven_day=0.64, sonnet=0.12, opus=0.01, oauth_apps=0.08)


def _limits_only(now: datetime) -> Json:
    return _report(
        now,
        five_hour=37.0,
        seven_day=None,
        extra=dict(_USD_EXTRA),
        limits=(
            ("session", 37.0, None),
            ("weekly_all", 64.0, None),
            ("weekly_scoped", 33.0, "Opus"),
            ("weekly_scoped", 12.0, "Sonnet"),
        ),
    )


def _new_shapes(now: datetime) -> Json:
    """Mid-2026 shapes: Fable's weekly cap only in ``limits[]`` (its key ``null``) and flagged
    ``warning`` below 80 %, a Cowork cap by ``scope.surface``, and ``spend`` in euros."""
    report = _report(
        now,
        five_hour=37.0,
        seven_day=64.0,
        sonnet=12.0,
        extra=dict(_USD_EXTRA),
        limits=(
            ("session", 37.0, None),
            ("weekly_all", 64.0, None),
            ("weekly_scoped", 12.0, "Sonnet"),
            ("weekly_scoped", 72.0, "Fable"),
        ),
    )
    report["seven_day_fable"] = None
    limits = report["limits"]
    assert isinstance(limits, list)
    for entry in limits:
        entry["severity"] = "normal"
    limits[-1]["severity"] = "warning"
    week_reset = now.replace(hour=9, minute=0, second=0) + timedelta(days=3)
    cowork = _limit("weekly_scoped", 41.0, week_reset)
    cowork.update(scope={"model": None, "surface": "cowork"}, severity="normal")
    limits.append(cowork)
    report["spend"] = {
        "used": {"amount_minor": 1875, "currency": "EUR", "exponent": 2},
        "limit": {"amount_minor": 10000, "currency": "EUR", "exponent": 2},
        "cap": None,
        "balance": {"amount_minor": 8125, "currency": "EUR", "exponent": 2},
        "percent": 19,
    }
    return report


def _enterprise(now: datetime) -> Json:
    return _report(
        now,
        five_hour=None,
        seven_day=None,
        limits=(),
        design_started=False,
        extra={
            "is_enabled": True,
            "monthly_limit": 100000,
            "used_credits": 43210,
            "utilization": 43.21,
            "currency": "EUR",
            "decimal_places": 2,
        },
    )


_FIXED_REPORTS: dict[str, Callable[[datetime], Json]] = {
    "fraction-scale": _fraction_scale,
    "limits-only": _limits_only,
    "enterprise": _enterprise,
    "new-shapes": _new_shapes,
}


def rising_percents(elapsed: float) -> tuple[float, float]:
    """(five_hour, seven_day) after ``elapsed`` seconds: five_hour passes 80 % after 60 s and
    stops at 100 % after 180 s; seven_day climbs a third as fast."""
    five = min(100.0, 70.0 + elapsed / 6.0)
    week = min(100.0, 55.0 + elapsed / 20.0)
    return round(five, 1), round(week, 1)


def usage_json(scenario: str, org: Org, now: datetime, elapsed: float) -> Json:
    """The usage report of ``org``; ``elapsed`` (seconds since the scenario began) drives rising."""
    if not org.usable:
        return _empty(now)
    if scenario == "rising":
        five, week = rising_percents(elapsed)
        return _standard(now, five, week, round(min(100.0, 12.0 + elapsed / 60.0), 1))
    if scenario in _FIXED_REPORTS:
        return _FIXED_REPORTS[scenario](now)
    if org is TEAM:
        return _standard(now, 81.0, 47.0, 3.0)
    return _standard(now, 37.0, 64.0, 12.0)


def soak_percents(good_answers: int) -> tuple[float, float]:
    """(five_hour, seven_day) of the soak's ``good_answers``-th usage answer: they move on
    every answer (so a meter showing an old answer is caught) and stay below 80 %."""
    return float(10 + (good_answers * 7) % 69), float(40 + (good_answers * 3) % 29)


def soak_usage_json(now: datetime, good_answers: int) -> Json:
    five, week = soak_percents(good_answers)
    return _standard(now, five, week, 12.0)
