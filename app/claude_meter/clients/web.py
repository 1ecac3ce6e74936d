"""The claude.ai route: the calls the page ``claude.ai/settings/usage`` itself makes.

One :meth:`WebClient.fetch` lists every organization the session belongs to, reads each
one's usage report, and adds overage and subscription details best-effort (their failure
never fails the snapshot). A failure of one organization's usage stays with that
organization. When the server rotates ``sessionKey`` with ``Set-Cookie``, the new cookies are
handed back in :attr:`WebFetch.rotated` for the caller to store. The answers become models and
snapshots in :mod:`claude_meter.core.answers`, as the browser extension's posts do.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Final, TypeVar

import msgspec

from claude_meter.clients.http import (
    BROWSER_USER_AGENT,
    DISCOVERY_TTL,
    TOTAL_TIMEOUT,
    Answer,
    ClientPool,
    make_http_client,
    raise_for_answer,
)
from claude_meter.clients.web_transport import TransportMode, WebTransport
from claude_meter.core import answers, validation
from claude_meter.core.answers import Extra
from claude_meter.core.errors import (
    CloudflareChallenge,
    MeterError,
    NotSignedIn,
    UnexpectedResponse,
)
from claude_meter.core.models import (
    Account,
    FetchError,
    FetchResult,
    Organization,
    OverageSpendLimit,
    Snapshot,
    Source,
    SubscriptionDetails,
)
from claude_meter.core.usage import parse_usage_report
from claude_meter.sources.cookies import SESSION_COOKIE, SessionCookies

if TYPE_CHECKING:
    from claude_meter.clients.remembered import RememberedAnswers

T = TypeVar("T")

BEST_EFFORT_TIMEOUT: Final = 5.0

NO_PLAN_ORG: Final = (
    "This claude.ai account belongs to no organization with a Claude plan (only API console "
    "organizations, which have no usage limits). Sign in with the account that has Pro, Max "
    "or Team."
)


class WebFetch(msgspec.Struct, frozen=True):
    """The outcome of one poll, and the cookies to store if the server rotated them."""

    result: FetchResult
    rotated: SessionCookies | None = None


def error_of(exc: MeterError) -> FetchError:
    """The model form of a typed error, for snapshots and JSON (:meth:`FetchError.of`)."""
    return FetchError.of(exc)


class WebClient:
    """Reads usage from claude.ai with a browser session's cookies."""

    def __init__(
        self,
        cookies: SessionCookies,
        base_url: str,
        *,
        source: Source = "web",
        pool: ClientPool | None = None,
        transport: TransportMode = "auto",
        clock: Callable[[], datetime],
        remembered: RememberedAnswers | None = None,
    ) -> None:
        self._cookies = cookies
        self._remembered = remembered
        self._base_url = base_url.rstrip("/")
        self._source: Source = source
        self._pool = pool
        digest = hashlib.sha256(cookies.session_key.reveal().encode()).hexdigest()[:16]
        self._memo_key = f"web|{self._base_url}|{digest}|"
        shared = pool.get(self._base_url) if pool is not None else None
        self._http = shared or make_http_client(self._base_url)
        self._owns_http = shared is None
        self._wire = WebTransport(self._http, self._base_url, mode=transport, pool=self._pool)
        self._clock = clock
        self._rotated = False

    def close(self) -> None:
        self._wire.close()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> WebClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- one poll ---------------------------------------------------------------------------

    def fetch(self) -> WebFetch:
        """Poll every organization; a failure before any org is known fails the whole poll."""
        self._rotated = False
        started = self._clock()
        try:
            organizations, account = self._discovered()
        except MeterError as exc:
            self._forget()
            result = FetchResult(source=self._source, fetched_at=started, error=error_of(exc))
            return WebFetch(result, self._cookies if self._rotated else None)
        snapshots = tuple(self._snapshot(org, account) for org in organizations)
        result = FetchResult(source=self._source, fetched_at=started, snapshots=snapshots)
        return WebFetch(result, self._cookies if self._rotated else None)

    def _discovered(self) -> tuple[list[Organization], Account | None]:
        """Organizations and account, remembered between a polling app's polls.

        They rarely change, and every request counts against the person's rate limits, so a
        polling app asks again only every :data:`DISCOVERY_TTL` seconds, or after an error;
        the command line keeps them as long in a file (``remembered``).
        """
        key = self._memo_key + "discover"
        cached = self._pool.recall(key) if self._pool else None
        if isinstance(cached, tuple):
            return cached  # what was remembered is exactly what was found
        kept = self._recall_file(key, _discovery_from)
        if kept is not None:
            return kept
        found = self._discover()
        if self._pool is not None:
            self._pool.remember(key, found, DISCOVERY_TTL)
        if self._remembered is not None:
            organizations, account = found
            self._remembered.remember(
                key,
                {
                    "organizations": validation.as_json_data(organizations),
                    "account": validation.as_json_data(account),
                },
                DISCOVERY_TTL,
            )
        return found

    def _recall_file(self, key: str, read: Callable[[object], T]) -> T | None:
        """What the file remembers under ``key``, as models; None when absent or unreadable."""
        value = self._remembered.recall(key) if self._remembered is not None else None
        if value is None:
            return None
        try:
            return read(value)
        except (KeyError, TypeError, ValueError):  # validation.Invalid is a ValueError
            return None  # written by another version, or damaged: ask the server

    def _forget(self) -> None:
        if self._pool is not None:
            self._pool.forget(self._memo_key)
        if self._remembered is not None:
            self._remembered.forget(self._memo_key)

    def _discover(self) -> tuple[list[Organization], Account | None]:
        listed = self._organizations()
        account = self._best_effort(self._account)
        if not listed and account is not None:
            listed = [Organization(uuid=m.uuid, name=m.name) for m in account.memberships]
        usable = [org for org in listed if not org.is_console_only]
        hint = self._cookies.org_hint
        if not usable and hint and not listed:
            usable = [Organization(uuid=hint)]
        if not usable:
            raise NotSignedIn(NO_PLAN_ORG)
        usable.sort(key=lambda org: org.uuid != hint)  # the browser's last org first, stable
        return usable, account

    def _organizations(self) -> list[Organization]:
        return answers.read_organizations(self._get_json("/api/organizations"))

    def _account(self) -> Account | None:
        return answers.read_account(
            self._get_json("/api/account", total_timeout=BEST_EFFORT_TIMEOUT)
        )

    def _snapshot(self, org: Organization, account: Account | None) -> Snapshot:
        fetched_at = self._clock()
        try:
            report = parse_usage_report(self._get_json(f"/api/organizations/{org.uuid}/usage"))
        except MeterError as exc:
            self._forget()  # the org list may be what changed: ask again next time
            return answers.snapshot_of(
                org, account, error_of(exc), source=self._source, fetched_at=fetched_at
            )
        overage, subscription = self._extras(org)
        return answers.snapshot_of(
            org,
            account,
            report,
            source=self._source,
            fetched_at=fetched_at,
            overage=overage,
            subscription=subscription,
        )

    def _extras(
        self, org: Organization
    ) -> tuple[OverageSpendLimit | None, SubscriptionDetails | None]:
        """Overage and subscription, best-effort, remembered like the organization list."""
        key = f"{self._memo_key}extras|{org.uuid}"
        cached = self._pool.recall(key) if self._pool else None
        if isinstance(cached, tuple):
            return cached  # what was remembered is exactly what was found
        kept = self._recall_file(key, _extras_from)
        if kept is not None:
            return kept
        found = (
            self._best_effort(lambda: self._model(OverageSpendLimit, org, "overage_spend_limit")),
            self._best_effort(
                lambda: self._model(SubscriptionDetails, org, "subscription_details")
            ),
        )
        if self._pool is not None:
            self._pool.remember(key, found, DISCOVERY_TTL)
        if self._remembered is not None:
            overage, subscription = found
            self._remembered.remember(
                key,
                {
                    "overage": validation.as_json_data(overage),
                    "subscription": validation.as_json_data(subscription),
                },
                DISCOVERY_TTL,
            )
        return found

    def _model(self, model: type[Extra], org: Organization, name: str) -> Extra | None:
        path = f"/api/organizations/{org.uuid}/{name}"
        return answers.read_extra(model, self._get_json(path, total_timeout=BEST_EFFORT_TIMEOUT))

    def _best_effort(self, call: Callable[[], T]) -> T | None:
        """Extras never fail a poll; an expired session or a challenge will show on /usage."""
        try:
            return call()
        except MeterError:
            return None

    # -- the wire ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Cookie": self._cookies.header().reveal(),
            "Referer": f"{self._base_url}/settings/usage",
            "Accept": "*/*",
            "Accept-Language": "en-US,en;q=0.9",
            "User-Agent": BROWSER_USER_AGENT,
        }

    def _get_json(self, path: str, *, total_timeout: float = TOTAL_TIMEOUT) -> object:
        answer = self._wire.get(path, self._headers(), total_timeout=total_timeout)
        raise_for_answer(answer, "web", self._clock())
        self._take_rotation(answer)
        if answer.is_html and answer.has_challenge_marks:
            raise CloudflareChallenge(_HTML_200)
        if answer.is_html:  # an app page where data used to be: the endpoint moved
            raise UnexpectedResponse(_PAGE_200)
        return answer.json("web")

    def _take_rotation(self, answer: Answer) -> None:
        pairs = []
        for header in answer.headers.get_all("set-cookie", []):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0].strip().strip('"')
            attributes = rest.lower()
            if "max-age=0" in attributes.replace(" ", "") or not value:
                continue  # a deletion; never drop the session because of it
            pairs.append((name.strip(), value))
        if not pairs:
            return
        updated = self._cookies.updated(pairs)
        if updated.session_key != self._cookies.session_key:
            self._rotated = True
        if any(name == SESSION_COOKIE for name, _ in pairs) or updated != self._cookies:
            self._cookies = updated

    @property
    def cookies(self) -> SessionCookies:
        """The cookies as they are now, rotations included."""
        return self._cookies


def _discovery_from(value: object) -> tuple[list[Organization], Account | None]:
    """The file's form of :meth:`WebClient._discovered`'s answer, as models."""
    if not isinstance(value, dict):
        raise TypeError("not an object")
    organizations = [validation.parse(o, Organization) for o in value["organizations"]]
    if not organizations:
        raise ValueError("no organization")
    account = value["account"]
    return organizations, None if account is None else validation.parse(account, Account)


def _extras_from(value: object) -> tuple[OverageSpendLimit | None, SubscriptionDetails | None]:
    """The file's form of :meth:`WebClient._extras`' answer, as models."""
    if not isinstance(value, dict):
        raise TypeError("not an object")
    overage, subscription = value["overage"], value["subscription"]
    return (
        None if overage is None else validation.parse(overage, OverageSpendLimit),
        None if subscription is None else validation.parse(subscription, SubscriptionDetails),
    )


_HTML_200: Final = (
    "claude.ai answered with a browser check (Cloudflare) instead of data. "
    "Open claude.ai in your browser once, or use the ClaudeMeter browser extension."
)
_PAGE_200: Final = (
    "claude.ai answered with a web page instead of data: the private endpoint has probably "
    "moved. The last good numbers are kept; look for a ClaudeMeter update."
)
