"""The data the app shows, as immutable pydantic models.

Raw server answers are turned into these by :mod:`claude_meter.core.usage` and the clients;
everything downstream (CLI, tray, history) reads only these types. Percentages are always
on the 0-100 scale here (they may exceed 100 at the wall); ``None`` means unknown. Times
that came from outside are :data:`~claude_meter.core.server_time.OutsideTime`: a date beyond
the accepted range becomes unknown on construction, whichever path built the model.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from claude_meter.core import server_time
from claude_meter.core.errors import MeterError

Source = Literal["web", "claude-code", "extension", "demo", "claude-code-statusline"]

#: A time from outside (an answer, a post, a file): guarded on every construction, so a date
#: beyond :mod:`~claude_meter.core.server_time`'s range is unknown whichever path built it.
OutsideTime = Annotated[datetime | None, BeforeValidator(server_time.coerce)]
#: A required time read from a file: out of range, the record is invalid (and ignored).
StoredTime = Annotated[datetime, AfterValidator(server_time.required)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class UsageWindow(_Frozen):
    """One server-enforced limit window, e.g. the rolling 5-hour session."""

    key: str = Field(description="Server key, e.g. 'five_hour' or 'seven_day_opus'.")
    label: str = Field(description="Human label, e.g. 'Session (5h)'.")
    percent: float | None = Field(description="0-100, may exceed 100; None when unknown.")
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


class ExtraUsage(_Frozen):
    """Pay-as-you-go credits beyond the plan (``extra_usage``); amounts in minor units."""

    is_enabled: bool | None = None
    monthly_limit: float | None = None
    used_credits: float | None = None
    percent: float | None = None
    currency: str | None = None
    decimal_places: int = 2


class Money(_Frozen):
    """An amount as ``spend`` sends it: minor units of ``currency``, ``exponent`` decimals."""

    amount_minor: float
    currency: str | None = None
    exponent: int = 2


class Spend(_Frozen):
    """The ``spend`` object some accounts get next to ``extra_usage`` (any part may be None)."""

    used: Money | None = None
    limit: Money | None = None
    cap: Money | None = None
    balance: Money | None = None
    percent: float | None = None


class Organization(_Frozen):
    """An entry of ``/api/organizations``."""

    uuid: str
    name: str | None = None
    capabilities: tuple[str, ...] = ()

    @property
    def is_console_only(self) -> bool:
        """A developer-console org (API keys only) has no usage windows."""
        return bool(self.capabilities) and set(self.capabilities) <= {"api", "api_individual"}


class Membership(_Frozen):
    """One organization as ``/api/account`` lists it, with plan details."""

    uuid: str
    name: str | None = None
    rate_limit_tier: str | None = None
    billing_type: str | None = None


class Account(_Frozen):
    """The signed-in person (``/api/account`` or the OAuth profile)."""

    email: str | None = None
    memberships: tuple[Membership, ...] = ()


class OverageSpendLimit(_Frozen):
    """``/overage_spend_limit``: the monthly cap on extra usage; amounts in minor units."""

    is_enabled: bool | None = None
    monthly_credit_limit: float | None = None
    used_credits: float | None = None
    currency: str | None = None
    out_of_credits: bool | None = None
    disabled_reason: str | None = None
    disabled_until: OutsideTime = None


class SubscriptionDetails(_Frozen):
    """``/subscription_details``; payment details are deliberately not kept."""

    status: str | None = None
    next_charge_date: str | None = None
    billing_interval: str | None = None
    currency: str | None = None


class UsageReport(_Frozen):
    """A parsed ``/usage`` answer: windows in display order, plus extra usage."""

    windows: tuple[UsageWindow, ...] = ()
    extra_usage: ExtraUsage | None = None
    spend: Spend | None = None
    scale: Literal["percent", "fraction"] = "percent"


class FetchError(_Frozen):
    """Why a snapshot has no fresh numbers, in the person's words."""

    kind: str
    message: str
    retry_at: OutsideTime = None

    @classmethod
    def of(cls, exc: MeterError) -> FetchError:
        """The model form of a typed error, for snapshots and JSON."""
        return cls(kind=exc.kind, message=exc.message, retry_at=exc.retry_at)


class Snapshot(_Frozen):
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


class FetchResult(_Frozen):
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
        snapshots = tuple(s.model_copy(update={"account": account}) for s in self.snapshots)
        return self.model_copy(update={"account": account, "snapshots": snapshots})
