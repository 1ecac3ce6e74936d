"""The data the app shows, as immutable msgspec structs.

Raw server answers are turned into these by :mod:`claude_meter.core.usage` and the clients;
everything downstream (CLI, tray, history) reads only these types. Percentages are always
on the 0-100 scale here (they may exceed 100 at the wall); ``None`` means unknown. Times
that came from outside are :data:`OutsideTime`: a date beyond the accepted range becomes
unknown on construction (``__post_init__``), whichever path built the struct. Data from outside
becomes these through :mod:`claude_meter.core.validation`, never by calling a class with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from msgspec.structs import force_setattr, replace

from claude_meter.core import server_time
from claude_meter.core.errors import MeterError

Source = Literal["web", "claude-code", "extension", "demo", "claude-code-statusline"]

if TYPE_CHECKING:
    #: A time from outside (an answer, a post, a file): guarded on every construction, so a
    #: date beyond :mod:`~claude_meter.core.server_time`'s range is unknown whichever path
    #: built it. Any value is taken (a number, a text that is no time: unknown, as before),
    #: so at run time the field holds what was given until ``__post_init__`` makes it a
    #: guarded time or None (:func:`_outside_times`).
    OutsideTime = datetime | None
else:
    OutsideTime = Any


def _outside_times(struct: msgspec.Struct, *names: str) -> None:
    """``struct``'s outside-time fields guarded (``server_time.coerce``): a time in range as
    aware UTC, anything else (out of range, not a time at all) None."""
    for name in names:
        force_setattr(struct, name, server_time.coerce(getattr(struct, name)))


class UsageWindow(msgspec.Struct, frozen=True, kw_only=True):
    """One server-enforced limit window, e.g. the rolling 5-hour session."""

    #: Server key, e.g. 'five_hour' or 'seven_day_opus'.
    key: str
    #: Human label, e.g. 'Session (5h)'.
    label: str
    #: 0-100, may exceed 100; None when unknown.
    percent: float | None
    resets_at: OutsideTime = None
    #: The server's own judgement from ``limits[]`` (``normal``, ``warning``, or newer words);
    #: None when the report had no ``limits[]`` entry for this window.
    severity: str | None = None
    #: ``limits[].scope.surface`` (e.g. ``cowork``): the product surface the limit applies to.
    surface: str | None = None
    #: Set only on a window carried into a newer reading of another route (Claude Code's
    #: status line knows two windows; the others stay as claude.ai last read them): the route
    #: and the time of the reading it came from (``core/statusline_rules.py``).
    read_via: Source | None = None
    read_at: datetime | None = None

    def __post_init__(self) -> None:
        _outside_times(self, "resets_at")


class ExtraUsage(msgspec.Struct, frozen=True, kw_only=True):
    """Pay-as-you-go credits beyond the plan (``extra_usage``); amounts in minor units."""

    is_enabled: bool | None = None
    monthly_limit: float | None = None
    used_credits: float | None = None
    percent: float | None = None
    currency: str | None = None
    decimal_places: int = 2


class Money(msgspec.Struct, frozen=True, kw_only=True):
    """An amount as ``spend`` sends it: minor units of ``currency``, ``exponent`` decimals."""

    amount_minor: float
    currency: str | None = None
    exponent: int = 2


class Spend(msgspec.Struct, frozen=True, kw_only=True):
    """The ``spend`` object some accounts get next to ``extra_usage`` (any part may be None)."""

    used: Money | None = None
    limit: Money | None = None
    cap: Money | None = None
    balance: Money | None = None
    percent: float | None = None


class Organization(msgspec.Struct, frozen=True, kw_only=True):
    """An entry of ``/api/organizations``."""

    uuid: str
    name: str | None = None
    capabilities: tuple[str, ...] = ()

    @property
    def is_console_only(self) -> bool:
        """A developer-console org (API keys only) has no usage windows."""
        return bool(self.capabilities) and set(self.capabilities) <= {"api", "api_individual"}


class Membership(msgspec.Struct, frozen=True, kw_only=True):
    """One organization as ``/api/account`` lists it, with plan details."""

    uuid: str
    name: str | None = None
    rate_limit_tier: str | None = None
    billing_type: str | None = None


class Account(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in person (``/api/account`` or the OAuth profile)."""

    email: str | None = None
    memberships: tuple[Membership, ...] = ()


class OverageSpendLimit(msgspec.Struct, frozen=True, kw_only=True):
    """``/overage_spend_limit``: the monthly cap on extra usage; amounts in minor units."""

    is_enabled: bool | None = None
    monthly_credit_limit: float | None = None
    used_credits: float | None = None
    currency: str | None = None
    out_of_credits: bool | None = None
    disabled_reason: str | None = None
    disabled_until: OutsideTime = None

    def __post_init__(self) -> None:
        _outside_times(self, "disabled_until")


class SubscriptionDetails(msgspec.Struct, frozen=True, kw_only=True):
    """``/subscription_details``; payment details are deliberately not kept."""

    status: str | None = None
    next_charge_date: str | None = None
    billing_interval: str | None = None
    currency: str | None = None


class UsageReport(msgspec.Struct, frozen=True, kw_only=True):
    """A parsed ``/usage`` answer: windows in display order, plus extra usage."""

    windows: tuple[UsageWindow, ...] = ()
    extra_usage: ExtraUsage | None = None
    spend: Spend | None = None
    scale: Literal["percent", "fraction"] = "percent"


class FetchError(msgspec.Struct, frozen=True, kw_only=True):
    """Why a snapshot has no fresh numbers, in the person's words."""

    kind: str
    message: str
    retry_at: OutsideTime = None

    def __post_init__(self) -> None:
        _outside_times(self, "retry_at")

    @classmethod
    def of(cls, exc: MeterError) -> FetchError:
        """The struct form of a typed error, for snapshots and JSON."""
        return cls(kind=exc.kind, message=exc.message, retry_at=exc.retry_at)


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """What the app knows about one organization at one moment.

    A failed fetch yields a snapshot with ``error`` set; the app then keeps showing the last
    good windows with ``stale`` set rather than dropping them.
    """

    source: Source
    #: The metered account this reading belongs to (``core/accounts.py``): a named
    #: account's id, None for the default account (and for everything read before accounts).
    account: str | None = None
    org_uuid: str | None = None
    org_name: str | None = None
    account_email: str | None = None
    plan: str | None = None
    fetched_at: datetime
    windows: tuple[UsageWindow, ...] = ()
    extra_usage: ExtraUsage | None = None
    spend: Spend | None = None
    overage: OverageSpendLimit | None = None
    subscription: SubscriptionDetails | None = None
    error: FetchError | None = None
    stale: bool = False
    #: Read through ``source`` because this route (``web``) answered with a browser check and
    #: the person chose the fallback (settings: ``challenge_fallback``); None otherwise.
    fallback_from: Source | None = None


class FetchResult(msgspec.Struct, frozen=True, kw_only=True):
    """One poll of one source: a snapshot per organization, or an error for the whole poll."""

    source: Source
    fetched_at: datetime
    snapshots: tuple[Snapshot, ...] = ()
    error: FetchError | None = None
    #: The account polled (as :attr:`Snapshot.account`); every snapshot carries the same.
    account: str | None = None

    def for_account(self, account: str | None) -> FetchResult:
        """This result and each of its snapshots marked as ``account``'s (itself when they
        already are: the default account's own polls, every poll, need no copy)."""
        if self.account == account and all(s.account == account for s in self.snapshots):
            return self
        snapshots = tuple(replace(s, account=account) for s in self.snapshots)
        return replace(self, account=account, snapshots=snapshots)
