"""claude.ai's raw answers as the app's models, and one organization's answers as a Snapshot.

The app reads the same answers on two routes: its own web client (:mod:`claude_meter.clients.web`)
fetches them with the person's cookies, the browser extension fetches them in the browser and
posts them as sent (:mod:`claude_meter.bridge.wire`). Both turn them into snapshots here, so
the two routes cannot read an organization list, an account, an extra or a usage report
differently:

- ``/api/organizations``: :func:`read_organizations` (entries without a ``uuid`` skipped; a list
  of nothing but such entries, or not a list, is a changed endpoint);
- ``/api/account``: :func:`read_account` (the email, and each membership's plan);
- ``/overage_spend_limit``, ``/subscription_details``: :func:`read_extra`, best-effort (any
  other shape is None: extras never fail a snapshot);
- ``/usage``: :func:`claude_meter.core.usage.parse_usage_report`, the parser of record;
- all of them for one organization: :func:`snapshot_of`, its name falling back to the
  membership's, its plan the membership's tier.

Text taken from an answer is bounded (an email to 320 characters, names and tiers to 200)
and an empty one counts as missing. Pure: no I/O, the time is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final, TypeVar

from msgspec.structs import replace

from claude_meter.core import validation
from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.models import (
    Account,
    FetchError,
    Membership,
    Organization,
    OverageSpendLimit,
    Snapshot,
    Source,
    SubscriptionDetails,
    UsageReport,
)

Extra = TypeVar("Extra", OverageSpendLimit, SubscriptionDetails)

CHANGED_ORGS: Final = (
    "claude.ai answered the organization list in a shape ClaudeMeter does not understand "
    "(the private endpoint may have changed). Look for a ClaudeMeter update."
)
_NAME_LIMIT: Final = 200
_EMAIL_LIMIT: Final = 320


def _text(value: object, limit: int = _NAME_LIMIT) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def read_organization(item: object) -> Organization | None:
    """One ``/api/organizations`` entry; None when it has no ``uuid``."""
    if not isinstance(item, Mapping) or not isinstance(item.get("uuid"), str):
        return None
    name, caps = item.get("name"), item.get("capabilities")
    return Organization(
        uuid=item["uuid"],
        name=name if isinstance(name, str) else None,
        capabilities=tuple(c for c in caps if isinstance(c, str)) if isinstance(caps, list) else (),
    )


def read_organizations(data: object) -> list[Organization]:
    """``/api/organizations``; :class:`UnexpectedResponse` when it is not a list of them."""
    if not isinstance(data, list):
        raise UnexpectedResponse(CHANGED_ORGS)
    found = [org for org in map(read_organization, data) if org is not None]
    if data and not found:
        # Entries, none of them an organization: a changed or broken answer. Falling back
        # to the account's memberships would show orgs without capabilities (the console).
        raise UnexpectedResponse(CHANGED_ORGS)
    return found


def read_account(data: object) -> Account | None:
    """``/api/account``: the email and the memberships that parse; None when not an object."""
    if not isinstance(data, Mapping):
        return None
    memberships = []
    raw = data.get("memberships")
    for item in raw if isinstance(raw, list) else []:
        org = item.get("organization") if isinstance(item, Mapping) else None
        if isinstance(org, Mapping) and isinstance(org.get("uuid"), str):
            try:
                memberships.append(validation.parse(dict(org), Membership))
            except validation.Invalid:
                continue
    email = _text(data.get("email_address"), _EMAIL_LIMIT)
    return Account(email=email, memberships=tuple(memberships))


def read_extra(model: type[Extra], data: object) -> Extra | None:
    """An overage or subscription answer; None for any shape the model does not take."""
    if not isinstance(data, Mapping):
        return None
    try:
        return validation.parse(dict(data), model)
    except validation.Invalid:
        return None


def snapshot_of(
    org: Organization,
    of: Account | None,
    usage: UsageReport | FetchError,
    *,
    source: Source,
    fetched_at: datetime,
    overage: OverageSpendLimit | None = None,
    subscription: SubscriptionDetails | None = None,
) -> Snapshot:
    """One organization's snapshot: its usage report, or the error that took its place."""
    plan = {m.uuid: m for m in of.memberships}.get(org.uuid) if of else None  # the last one
    base = Snapshot(
        source=source,
        org_uuid=org.uuid,
        org_name=_text(org.name) or (_text(plan.name) if plan else None),
        account_email=of.email if of else None,
        plan=_text(plan.rate_limit_tier) if plan else None,
        fetched_at=fetched_at,
    )
    if isinstance(usage, FetchError):
        return replace(base, error=usage)
    return replace(
        base,
        windows=usage.windows,
        extra_usage=usage.extra_usage,
        spend=usage.spend,
        overage=overage,
        subscription=subscription,
    )
