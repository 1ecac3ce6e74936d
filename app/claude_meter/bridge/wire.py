"""What the extension posts to ``/snapshots``, and how the app turns it into a FetchResult.

The extension sends the server's answers as it got them, per organization, and the app
reads them as it reads its own fetch's (:mod:`claude_meter.core.answers`, with the total
parser :func:`claude_meter.core.usage.parse_usage_report`): one reader of record, so the
extension can never disagree with the app on what a number means. The extension's copy of
the scale and worst-window rules only draws its badge.

Version 1::

    {"version": 1,
     "profile": "Work" | null,                                   # optional, see below
     "account": {... /api/account as sent, optional ...},
     "organizations": [
        {"organization": {"uuid": "...", "name": "...", ...},   # the /api/organizations entry
         "usage": {... /usage as sent ...},                       # or null with "error"
         "overage": {...} | null, "subscription": {...} | null,   # best-effort
         "error": null | {"kind": "session_expired", "status": 401, "retry_after": 120}}],
     "error": null | {"kind": ..., ...}}                         # the org list itself failed

The envelope is strict (a post the models reject is answered 400 and nothing is kept); the
server's own pieces are read as leniently as the app reads them itself, so a changed
endpoint shows as that organization's "unexpected" error, exactly as in the app's own fetch.
Messages shown to the person are the app's, chosen by ``kind``; the extension sends none.

``profile`` is the label the person gave this browser profile in the extension's popup (an
MV3 extension cannot learn its profile's name, and its id is the same in every Chromium
profile). With the claude.ai email of ``account`` it says which configured account the post
belongs to (``core/account_routing.py``, applied by ``bridge/handlers.py``): it is only ever
matched against the accounts the person configured, never taken as an account. It is checked
like the rest of the envelope (text, at most 64 characters once trimmed, no control or format
characters, nothing that looks like a secret; else 400), and optional, so an older extension's
posts still come in (the default account's, or the email's).

A failure's ``kind`` is the extension's reading of an answer the app does not see, so the app
takes it as a claim and checks it against the answer's HTTP ``status``, which the extension
sends with every failure that had an answer: the kind is kept only when the app's own reading
of an answer with that status could give it (:func:`possible_kinds`; both readings are tested
against ``tests/vectors/errors.json``), and is ``unexpected`` otherwise, as an unknown kind
is. A failure without a status (no answer, no organization with a plan) keeps its kind:
there is nothing to check it against. So an extension whose rules drifted (an old version:
the browser updates it on its own schedule) can never have a Cloudflare check or an outage
taken for a signed-out session, which would ask the person to sign in for nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Final

import msgspec

from claude_meter.core import validation
from claude_meter.core.account_routing import MAX_LABEL, profile_label
from claude_meter.core.answers import read_account, read_extra, read_organization, snapshot_of
from claude_meter.core.errors import ERROR_KINDS, UnexpectedResponse
from claude_meter.core.models import (
    Account,
    FetchError,
    FetchResult,
    OverageSpendLimit,
    Snapshot,
    SubscriptionDetails,
    UsageReport,
)
from claude_meter.core.usage import parse_usage_report

MAX_ORGANIZATIONS: Final = 64
_MAX_RETRY: Final = 7 * 86400
#: How deep each of the server's pieces (an organization, its usage, the account...) may nest.
#: The JSON parser the bridge used before msgspec stopped at 200 levels for the whole post;
#: a real answer nests about 5. Deeper data could exhaust the stack of whatever walks it later.
MAX_NESTING: Final = 192

#: What the person is told when the extension reports a failure, by kind.
MESSAGES: Final[dict[str, str]] = {
    "session_expired": (
        "Your claude.ai session in the browser with the ClaudeMeter extension has expired or "
        "was signed out. Sign in to claude.ai in that browser again; the extension picks it "
        "up within a minute."
    ),
    "not_signed_in": (
        "The browser with the ClaudeMeter extension is not signed in to claude.ai. Sign in "
        "there; the extension picks it up within a minute."
    ),
    "cloudflare": (
        "claude.ai asked the browser for a check (Cloudflare). Open claude.ai in that browser "
        "once; the extension tries again every minute."
    ),
    "rate_limited": ("claude.ai is rate-limiting the browser extension; it will try again later."),
    "server": (
        "claude.ai had a server error when the browser extension asked. The last numbers are "
        "kept; the extension tries again every minute."
    ),
    "network": (
        "The browser extension could not reach claude.ai (offline, or the browser is asleep). "
        "The last numbers are kept."
    ),
    "unexpected": (
        "claude.ai answered the browser extension in a shape ClaudeMeter does not understand "
        "(the private endpoint may have changed). The last good numbers are kept; look for a "
        "ClaudeMeter update."
    ),
}


# The extension-made parts: read with strict types (:func:`read_post`), unknown keys ignored
# (a newer extension may add some).


class WireError(msgspec.Struct, frozen=True, kw_only=True):
    kind: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    status: Annotated[int, msgspec.Meta(ge=0, le=999)] | None = None
    retry_after: Annotated[float, msgspec.Meta(ge=0)] | None = None

    def __post_init__(self) -> None:
        if self.retry_after is not None and not math.isfinite(self.retry_after):
            raise validation.Refused("retry_after", "a finite number of seconds")


class WireOrganization(msgspec.Struct, frozen=True, kw_only=True):
    organization: dict[str, Any]
    usage: Any = None
    overage: Any = None
    subscription: Any = None
    error: WireError | None = None

    def __post_init__(self) -> None:
        uuid = self.organization.get("uuid")
        if not isinstance(uuid, str) or not 0 < len(uuid) <= 128 or not uuid.isprintable():
            raise validation.Refused("organization", "organization.uuid must be a short string")
        if (self.usage is None) == (self.error is None):
            raise ValueError("each organization carries either usage or error")
        for name in ("organization", "usage", "overage", "subscription"):
            _check_nesting(name, getattr(self, name))


class WirePost(msgspec.Struct, frozen=True, kw_only=True):
    version: Annotated[int, msgspec.Meta(ge=1, le=1)]  # strict: a JSON true or "1" is not 1
    #: Room for spaces the label loses when trimmed; :func:`profile_label` bounds the rest.
    profile: Annotated[str, msgspec.Meta(max_length=4 * MAX_LABEL)] | None = None
    account: dict[str, Any] | None = None
    organizations: Annotated[
        tuple[WireOrganization, ...], msgspec.Meta(max_length=MAX_ORGANIZATIONS)
    ] = ()
    error: WireError | None = None

    def __post_init__(self) -> None:
        try:
            label = profile_label(self.profile)
        except ValueError as exc:  # its own words, never the label
            raise validation.Refused("profile", str(exc)) from None
        msgspec.structs.force_setattr(self, "profile", label)
        if (self.error is None) == (not self.organizations):
            raise ValueError("a post carries organizations or a whole-poll error")
        _check_nesting("account", self.account)


def _check_nesting(name: str, value: object) -> None:
    """Refused when ``value`` nests deeper than :data:`MAX_NESTING` (a walk by levels,
    without recursion: the data is what may be too deep)."""
    level = [value] if isinstance(value, dict | list) else []
    for _ in range(MAX_NESTING):
        level = [
            child
            for item in level
            for child in (item.values() if isinstance(item, dict) else item)
            if isinstance(child, dict | list)
        ]
        if not level:
            return
    raise validation.Refused(name, f"nests deeper than {MAX_NESTING} levels")


class RejectedPost(ValueError):
    """The post is not a version-1 snapshot post; the message names what is wrong."""


@dataclass(frozen=True)
class Post:
    """An accepted post: its reading, and what says whose it is (for the account routing)."""

    result: FetchResult
    #: The browser profile's label, checked (None: the person gave none).
    profile: str | None
    #: The claude.ai account's email, as ``/api/account`` gave it (None: not sent).
    email: str | None


def parse_post(body: bytes, received_at: datetime) -> FetchResult:
    """The post as a :class:`FetchResult` with ``source="extension"``, or :class:`RejectedPost`.

    ``received_at`` stamps every snapshot: the app's clock decides freshness, not the
    browser's.
    """
    return read_post(body, received_at).result


def read_post(body: bytes, received_at: datetime) -> Post:
    """The post (:func:`parse_post`) with its profile label and email; :class:`RejectedPost`.

    The envelope is read strictly: ``"1"`` is not 1, nor ``1.0`` or ``true`` (the extension
    sends numbers as numbers; leniency here would only widen what a forged post can try).
    """
    try:
        post = validation.parse_json(body, WirePost, strict=True)
    except validation.Invalid as exc:
        raise RejectedPost(f"not a snapshot post ({validation.words(exc)})") from None
    except msgspec.DecodeError as exc:  # not JSON; its words name a byte, never a value
        raise RejectedPost(f"not a snapshot post (body: {_not_json(exc)})") from None
    except RecursionError:  # nested deeper than the parser's stack: refused like the rest
        raise RejectedPost("not a snapshot post (body: nested too deeply)") from None
    account = read_account(post.account)
    email = account.email if account is not None else None
    if post.error is not None:
        failed = FetchResult(
            source="extension", fetched_at=received_at, error=_error(post.error, received_at)
        )
        return Post(failed, post.profile, email)
    snapshots = tuple(_snapshot(entry, account, received_at) for entry in post.organizations)
    result = FetchResult(source="extension", fetched_at=received_at, snapshots=snapshots)
    return Post(result, post.profile, email)


_BYTE = re.compile(r"\(byte (\d+)\)")


def _not_json(exc: msgspec.DecodeError) -> str:
    """``not JSON``, with the byte where it went wrong when the parser said."""
    found = _BYTE.search(str(exc))
    return f"not JSON (at byte {found[1]})" if found else "not JSON"


def possible_kinds(status: int | None) -> frozenset[str]:
    """The kinds the app's own reading can give an answer with this HTTP status; every kind
    when there is no status to check against."""
    if status is None:
        return frozenset(ERROR_KINDS)
    if 200 <= status < 300:  # a web page (a check, or a moved endpoint's) or unreadable data
        return frozenset({"cloudflare", "unexpected"})
    if 300 <= status < 400:  # redirects are never followed; claude.ai's region page is network
        return frozenset({"network", "unexpected"})
    return _BY_STATUS.get(status, frozenset({"server"} if status >= 500 else {"unexpected"}))


_BY_STATUS: Final = {
    401: frozenset({"session_expired"}),
    403: frozenset({"session_expired", "cloudflare"}),
    429: frozenset({"rate_limited"}),
    503: frozenset({"server", "cloudflare"}),
}


def _error(error: WireError, now: datetime) -> FetchError:
    known = error.kind in ERROR_KINDS and error.kind in possible_kinds(error.status)
    kind = error.kind if known else "unexpected"
    retry_at = None
    if kind == "rate_limited" and error.retry_after is not None:
        retry_at = now + timedelta(seconds=min(error.retry_after, _MAX_RETRY))
    return FetchError(kind=kind, message=MESSAGES[kind], retry_at=retry_at)


def _snapshot(entry: WireOrganization, account: Account | None, received_at: datetime) -> Snapshot:
    org = read_organization(entry.organization)
    assert org is not None  # the envelope checked its uuid
    outcome: UsageReport | FetchError
    if entry.error is not None:
        outcome = _error(entry.error, received_at)
    else:
        try:
            outcome = parse_usage_report(entry.usage)
        except UnexpectedResponse:
            outcome = FetchError(kind="unexpected", message=MESSAGES["unexpected"])
    return snapshot_of(
        org,
        account,
        outcome,
        source="extension",
        fetched_at=received_at,
        overage=read_extra(OverageSpendLimit, entry.overage),
        subscription=read_extra(SubscriptionDetails, entry.subscription),
    )
