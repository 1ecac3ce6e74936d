"""One poll of claude.ai (or Claude Code's endpoint), with every collaborator passed in.

:class:`Fetcher` is what ``claude-meter status`` and the tray both call. It holds no global
state, and imports the HTTP stack only when it polls (on the tray's fetch thread). The HTTP
pool (``clients/http.py``), the keyring with its session cache (``sources/keyring_store.py``),
the environment and the settings are given to it, and each poll chooses its credentials
afresh (see ``sources/selection.py``):

- :meth:`Fetcher.fetch` reads with an explicit source (``auto``, ``web``, ``claude-code``,
  a browser profile), as the command line asks;
- calling the fetcher (``fetcher()``) reads with the source the settings name, as the tray
  asks on every scheduled poll (on its fetch thread).

A little past 400 lines: one job, a poll, whose choice of credentials depends on the account
(the default one, a named one that may read nothing of another's) and whose words depend on
the surface that asked (the tray's advice or the command line's); kept together so the rule
for which sign-in a poll may read lives in one place.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.endpoints import oauth_base_url, web_base_url
from claude_meter.core.errors import MeterError, NotSignedIn, SessionExpired
from claude_meter.core.models import FetchError, FetchResult, Source
from claude_meter.poll.keeping import keep
from claude_meter.poll.messages import (
    CLI_ADVICE,
    NO_CLAUDE_CODE,
    WAITING_FOR_EXTENSION,
    Advice,
    expired_pasted,
    no_account_session,
    no_claude_code_in,
    no_source,
    no_web,
)
from claude_meter.sources.claude_code import (
    CONFIG_DIR_ENV,
    TOKEN_ENV,
    default_home,
    find_claude_code_credentials,
)
from claude_meter.sources.cookies import SessionCookies, cookies_from_env

if TYPE_CHECKING:
    from claude_meter.clients.http import ClientPool
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.clients.web import WebFetch
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings
    from claude_meter.sources.claude_code import ClaudeCodeCredentials
    from claude_meter.sources.keyring_store import Keyring, SessionStore
    from claude_meter.sources.selection import Selection

log = logging.getLogger("claude_meter.poll")


def _now() -> datetime:
    return datetime.now(UTC)


class Fetcher:
    """Polls once per call with the collaborators it was given.

    ``env`` is the process environment (or the demo's, see :mod:`claude_meter.poll.demo`);
    ``pool`` keeps HTTP connections and rarely-changing answers between polls (None: a fresh
    client per poll); ``keyring`` is where the stored session is read (None: ``keyring``'s
    own backend, read on each poll); ``remembered`` keeps the organization list, the account
    and the extras between processes (the command line's; None: only ``pool`` keeps them).
    ``settings`` and ``env`` may be replaced while the fetcher is in use (:meth:`configure`):
    a poll reads each once, at its start.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        settings: Settings | None = None,
        pool: ClientPool | None = None,
        keyring: Keyring | None = None,
        demo: bool = False,
        clock: Callable[[], datetime] = _now,
        remembered: RememberedAnswers | None = None,
        advice: Advice = CLI_ADVICE,
    ) -> None:
        self.env: Mapping[str, str] = dict(env)
        #: What its "not signed in" messages tell the person to do: the command line's
        #: commands, or the tray's windows (``poll/messages.py``).
        self.advice = advice
        self.settings = settings  # None: the defaults (``auto``), made at the first poll
        self.demo = demo
        self._pool = pool
        self._keyring = keyring
        self._clock = clock
        self._remembered = remembered

    def configure(
        self,
        *,
        settings: Settings | None = None,
        env: Mapping[str, str] | None = None,
        demo: bool | None = None,
    ) -> None:
        """Use these from the next poll on (each is replaced whole, never edited in place)."""
        if settings is not None:
            self.settings = settings
        if env is not None:
            self.env = dict(env)
        if demo is not None:
            self.demo = demo

    # -- the tray's poll: the source the settings name ---------------------------------------

    def __call__(self) -> FetchResult:
        """One poll with the credentials the settings name; runs on the tray's fetch thread."""
        settings = self.settings
        if settings is None:
            from claude_meter.core.settings import Settings

            settings = Settings()
        return self.poll_with(settings)

    def poll_with(self, settings: Settings) -> FetchResult:
        """One poll with the credentials ``settings`` name (also the "Test connection")."""
        if self.demo:
            return self.fetch("auto")
        if settings.source == "browser" and settings.browser:
            return self.fetch("web", browser=settings.browser, profile=settings.profile)
        if settings.source == "claude-code":
            return self.fetch("claude-code")
        others = settings.accounts  # what they own, the default account's search leaves alone
        if settings.source == "pasted":
            return self.fetch("web", others=others)
        if settings.source == "extension":
            # Only the browser extension's posts count; this poll never reaches claude.ai
            # (the live meter skips it while the extension covers every organization).
            return _waiting(self._clock())
        return self.fetch("auto", fallback=settings.challenge_fallback, others=others)

    # -- one account ---------------------------------------------------------------------------

    def fetch_account(self, account: AccountRef | None) -> FetchResult:
        """One poll of one metered account (``core/accounts.py``), its readings marked as its.

        None is the default account (the settings' source, as :meth:`__call__`). A named
        account reads only its own credential: never ``CLAUDE_METER_COOKIE``,
        ``CLAUDE_CODE_OAUTH_TOKEN``, the default account's keyring entry or remembered
        profile, so one account's session is never sent for another's organizations.
        """
        if account is None:
            return self().for_account(None)
        env, now = self.env, self._clock()
        if account.kind == "claude-code":
            scoped = {k: v for k, v in env.items() if k not in (TOKEN_ENV, CONFIG_DIR_ENV)}
            if account.config_dir:
                scoped[CONFIG_DIR_ENV] = account.config_dir
            result = self._claude_code_of(scoped, now)
        elif account.kind == "extension":
            result = _waiting(now)
        else:
            from claude_meter.sources.selection import Selection

            store = self._store(account.id)
            browser = account.browser if account.kind == "browser" else None
            selection = Selection.create(
                env,
                now=now,
                browser=browser or None,
                profile=account.profile if browser else None,
                store=store,
                stored_only=account.kind == "pasted",
                remembered=False,
            )
            try:
                found = self._fetch_first_web(selection)
            except NotSignedIn as exc:
                found = _failed("web", exc, now)
            result = found or _failed(
                "web", NotSignedIn(no_account_session(account, self.advice)), now
            )
            if account.kind == "pasted":
                result = _expired_pasted(result, account, self.advice)
        return result.for_account(account.id)

    def check_session(self, account: AccountRef, cookies: SessionCookies) -> WebFetch:
        """One read of a named account with a session not stored yet (a new one pasted for
        it, ``poll/new_session.py``): the same one request per route a poll makes, its
        readings marked as the account's; the cookies to store if the server rotated them."""
        from dataclasses import replace

        fetched = self._fetch_web(cookies, self.env, source="web")
        return replace(fetched, result=fetched.result.for_account(account.id))

    # -- one poll with an explicit source ---------------------------------------------------

    def fetch(
        self,
        source: str = "auto",
        *,
        browser: str | None = None,
        profile: str | None = None,
        fallback: bool = False,
        others: Sequence[AccountRef] = (),
    ) -> FetchResult:
        """Choose the credentials (see :mod:`claude_meter.sources.selection`), then poll once.

        ``fallback`` (the person's ``challenge_fallback`` setting, ``auto`` only): when
        claude.ai answers with a browser check, read this poll through Claude Code's route
        instead, if its sign-in exists and answers; the snapshots then say so
        (``fallback_from``). ``others``: the default account's search, with the named
        accounts: the browser profiles and Claude Code folder they own are left to them
        (``core/accounts.py``); an explicit ``browser`` or ``claude-code`` is read as asked.
        """
        env, now = self.env, self._clock()
        if self.demo:
            cookies = cookies_from_env(env)
            assert cookies is not None
            return self._fetch_web(cookies, env, source="demo").result
        if browser is not None:
            source = "web"
        selection: Selection | None = None  # what the web route looked at, if it ran
        if source in ("auto", "web"):
            from claude_meter.sources.selection import Selection

            selection = Selection.create(
                env,
                now=now,
                browser=browser,
                profile=profile,
                store=self._store(),
                others=tuple(others),
            )
            try:
                result = self._fetch_first_web(selection)
            except NotSignedIn as exc:
                result = _failed("web", exc, now)
            if result is not None and fallback and source == "auto" and _challenged(result):
                return self._claude_code_instead(result, env, now, others)
            if result is not None:
                return result
            if source == "web" or browser is not None:
                return _failed("web", NotSignedIn(no_web(selection, self.advice)), now)
        return self._claude_code_of(env, now, selection, others)

    def _store(self, account: str | None = None) -> SessionStore:
        """Where the session of the default account (or of ``account``) is read: the given
        keyring's, else the process's own keyring, asked only when a recent read did not find
        it empty (one-shot commands: :mod:`claude_meter.sources.keyring_absence`)."""
        if self._keyring is not None:
            return self._keyring.store(account)
        from claude_meter.sources.keyring_store import SessionStore

        if account is None:
            return SessionStore(remember_absence=True)
        from claude_meter.core.accounts import keyring_entry

        return SessionStore(entry=keyring_entry(account), remember_absence=True)

    def _claude_code_of(
        self,
        env: Mapping[str, str],
        now: datetime,
        selection: Selection | None = None,
        others: Sequence[AccountRef] = (),
    ) -> FetchResult:
        """Claude Code's route with the sign-in ``env`` leads to (``selection``: what the web
        route looked at first, for ``auto``'s message when neither has a sign-in; with it,
        a folder a named account in ``others`` owns is left to that account)."""
        owner = _folder_owner(env, others)
        if owner is not None and selection is not None:
            selection.left_to.append(f"Claude Code's sign-in is {owner.name}'s")
            return _failed("web", NotSignedIn(_nothing_found(selection, self.advice)), now)
        try:
            credentials = find_claude_code_credentials(env, default_home(), platform=sys.platform)
        except MeterError as exc:  # present but unreadable: this says why
            return _failed("claude-code", exc, now)
        if credentials is None and selection is not None:  # auto: neither route has a sign-in
            return _failed("web", NotSignedIn(_nothing_found(selection, self.advice)), now)
        if credentials is None:
            where = env.get(CONFIG_DIR_ENV)
            if where:
                return _failed("claude-code", NotSignedIn(no_claude_code_in(where)), now)
            return _failed("claude-code", NotSignedIn(NO_CLAUDE_CODE), now)
        if credentials.is_expired(now):
            from claude_meter.clients.http import EXPIRED_OAUTH

            return _failed("claude-code", SessionExpired(EXPIRED_OAUTH), now)
        return self._read_claude_code(credentials, env)

    def _read_claude_code(
        self, credentials: ClaudeCodeCredentials, env: Mapping[str, str]
    ) -> FetchResult:
        from claude_meter.clients.oauth import ClaudeCodeClient

        with ClaudeCodeClient(
            credentials,
            oauth_base_url(env),
            pool=self._pool,
            clock=self._clock,
            remembered=self._remembered,
        ) as client:
            return client.fetch()

    def _claude_code_instead(
        self,
        challenged: FetchResult,
        env: Mapping[str, str],
        now: datetime,
        others: Sequence[AccountRef] = (),
    ) -> FetchResult:
        """The chosen fallback: Claude Code's numbers, marked; the challenge when they fail
        (or when a named account owns that sign-in: its numbers are that account's)."""
        if _folder_owner(env, others) is not None:
            return challenged
        try:
            credentials = find_claude_code_credentials(env, default_home(), platform=sys.platform)
        except MeterError:
            return challenged
        if credentials is None or credentials.is_expired(now):
            return challenged
        result = self._read_claude_code(credentials, env)
        if result.error is not None or not result.snapshots:
            kind = result.error and result.error.kind
            log.info("the Claude Code fallback did not answer: %s", kind)
            why = result.error.message if result.error else "it had no numbers."
            return _noted(
                challenged, f" The fallback through Claude Code's sign-in failed too: {why}"
            )
        marked = tuple(msgspec.structs.replace(s, fallback_from="web") for s in result.snapshots)
        return msgspec.structs.replace(result, snapshots=marked)

    def _fetch_first_web(self, selection: Selection) -> FetchResult | None:
        """Poll with each web candidate in order until one answers; None when there was none.

        A stored or browser session the server calls expired gives way to the next candidate;
        the environment variable never does (an explicit choice is reported as it is).
        """
        first_expired: FetchResult | None = None
        for candidate in selection.web_candidates():
            fetched = self._fetch_web(candidate.cookies, selection.env, source="web")
            keep(selection, candidate, fetched)
            error = fetched.result.error
            if candidate.origin != "environment" and error and error.kind == "session_expired":
                if candidate.origin == "stored":
                    selection.store.refused()
                first_expired = first_expired or fetched.result
                continue
            return fetched.result
        if first_expired is None and selection.stored_refused:
            from claude_meter.clients.http import expired_web

            return _failed("web", SessionExpired(expired_web()), selection.now)
        return first_expired

    def _fetch_web(
        self, cookies: SessionCookies, env: Mapping[str, str], *, source: Source
    ) -> WebFetch:
        from claude_meter.clients.web import WebClient
        from claude_meter.clients.web_transport import transport_mode

        with WebClient(
            cookies,
            web_base_url(env),
            source=source,
            pool=self._pool,
            transport=transport_mode(env),
            clock=self._clock,
            remembered=None if source == "demo" else self._remembered,
        ) as client:
            return client.fetch()


def _waiting(now: datetime) -> FetchResult:
    """An extension-only source's own poll: it never reaches claude.ai (the live meter skips
    it while the extension's posts cover every organization)."""
    return FetchResult(
        source="extension",
        fetched_at=now,
        error=FetchError(kind="not_signed_in", message=WAITING_FOR_EXTENSION),
    )


def _nothing_found(selection: Selection, advice: Advice) -> str:
    """``auto`` found no sign-in on either route: what to do (when it found only the named
    accounts' sign-ins, that says it all: the demo is no advice to someone with accounts)."""
    if selection.only_others():
        return no_web(selection, advice)
    return f"{no_web(selection, advice)} {no_source(advice)}"


def _folder_owner(env: Mapping[str, str], others: Sequence[AccountRef]) -> AccountRef | None:
    """The named account that owns the Claude Code sign-in ``env`` leads the default account
    to; None with ``CLAUDE_CODE_OAUTH_TOKEN`` (given to this process: the default's own)."""
    if not others or env.get(TOKEN_ENV, "").strip():
        return None
    from claude_meter.core.accounts import claude_code_owner
    from claude_meter.sources.claude_code import credentials_path

    home = default_home()
    return claude_code_owner(others, credentials_path(env, home).parent, home)


def _challenged(result: FetchResult) -> bool:
    """claude.ai answered this poll with a browser check: as a whole, or for every org."""
    if result.error is not None:
        return result.error.kind == "cloudflare"
    errors = [s.error for s in result.snapshots]
    return bool(errors) and all(e is not None and e.kind == "cloudflare" for e in errors)


def _expired_pasted(result: FetchResult, account: AccountRef, advice: Advice) -> FetchResult:
    """A named pasted account's expired session: its words name the way to paste a new one
    for the same account (``accounts paste``, Settings' Paste new session…)."""
    message = expired_pasted(account, advice)

    def said(error: FetchError | None) -> FetchError | None:
        if error is None or error.kind != "session_expired":
            return error
        return msgspec.structs.replace(error, message=message)

    snapshots = tuple(msgspec.structs.replace(s, error=said(s.error)) for s in result.snapshots)
    return msgspec.structs.replace(result, error=said(result.error), snapshots=snapshots)


def _noted(result: FetchResult, note: str) -> FetchResult:
    """The challenge as it was, its messages saying why the chosen fallback did not help."""

    def more(error: FetchError | None) -> FetchError | None:
        return (
            None if error is None else msgspec.structs.replace(error, message=error.message + note)
        )

    snapshots = tuple(msgspec.structs.replace(s, error=more(s.error)) for s in result.snapshots)
    return msgspec.structs.replace(result, error=more(result.error), snapshots=snapshots)


def _failed(source: Source, exc: MeterError, now: datetime) -> FetchResult:
    return FetchResult(source=source, fetched_at=now, error=FetchError.of(exc))
