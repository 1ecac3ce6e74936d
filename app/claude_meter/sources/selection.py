"""Which credentials a poll uses: an explicit choice, or ``auto``'s fixed order.

``auto`` tries, in this order, and stops at the first that answers:

1. ``CLAUDE_METER_COOKIE``: an explicit environment variable beats any stored state, and an
   expired one is reported as such (it never falls through to another account);
2. the session stored in the keyring by ``claude-meter login`` (pasted, imported from a
   browser, or rotated by the server since): what the person chose, and no browser database
   or Keychain prompt is needed to read it (a one-shot command skips the keyring for up to 30
   minutes after it found nothing there: :mod:`claude_meter.sources.keyring_absence`);
3. the browsers: the remembered profile first, then every other profile of every browser in
   :data:`~claude_meter.sources.browser_profiles.BROWSERS` order; a stored or browser session
   the server calls expired falls through to the next one; a profile a named account owns
   (``others``, :func:`claude_meter.core.accounts.browser_owner`) is left to it;
4. Claude Code's token (read-only), unless a named account owns its folder.

``--source web`` keeps 1-3, ``--source claude-code`` only 4, and ``--browser NAME [--profile
NAME]`` reads that browser (profile) and nothing else. Everything here is lazy: with
``CLAUDE_METER_COOKIE`` set, neither the keyring nor a browser is touched.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from claude_meter.core.errors import ConfigurationError, NotSignedIn
from claude_meter.sources.choice import RememberedChoice, load_choice
from claude_meter.sources.cookies import COOKIE_ENV, InvalidCookie, SessionCookies, cookies_from_env

if TYPE_CHECKING:  # the real imports are lazy (browser-cookie3, keyring)
    from claude_meter.core.accounts import AccountRef
    from claude_meter.sources.browser_profiles import BrowserProfile
    from claude_meter.sources.keyring_store import SessionStore

Origin = Literal["environment", "stored", "browser"]


class WebCandidate(msgspec.Struct, frozen=True):
    """A claude.ai session to try, and where it came from (a label, never the value)."""

    cookies: SessionCookies
    origin: Origin
    label: str
    profile: BrowserProfile | None = None


class Selection(msgspec.Struct):
    """What a poll needs to know to choose and to explain: the context and what was seen."""

    env: Mapping[str, str]
    home: Path
    platform: str
    now: datetime
    store: SessionStore
    browser: str | None = None
    profile: str | None = None
    choice: RememberedChoice = msgspec.field(default_factory=RememberedChoice)
    looked_at: list[BrowserProfile] = msgspec.field(default_factory=list)
    failures: list[tuple[BrowserProfile, NotSignedIn]] = msgspec.field(default_factory=list)
    stored: SessionCookies | None = None
    stored_refused: bool = False  # the stored session was skipped: the server just refused it
    #: A named ``pasted`` account: only its own keyring entry (no environment, no browser).
    stored_only: bool = False
    #: The default account's search: the named accounts, whose browser profiles it leaves alone.
    others: tuple[AccountRef, ...] = ()
    #: What was left alone, each "<where> is <account>'s", for the "not found" message.
    left_to: list[str] = msgspec.field(default_factory=list)

    @classmethod
    def create(
        cls,
        env: Mapping[str, str],
        *,
        now: datetime,
        browser: str | None = None,
        profile: str | None = None,
        store: SessionStore | None = None,
        home: Path | None = None,
        platform: str = sys.platform,
        stored_only: bool = False,
        remembered: bool = True,
        others: tuple[AccountRef, ...] = (),
    ) -> Selection:
        """``remembered``: use ``claude-meter login``'s remembered profile (the default
        account's; a named account has its own source and ignores it). ``others``: the named
        accounts, whose browser profiles the default account's search leaves to them."""
        from claude_meter.sources.claude_code import default_home

        if store is None:
            from claude_meter.sources.keyring_store import SessionStore

            store = SessionStore()
        # a damaged file is logged, which a command says on standard error (core/command_log.py)
        choice = load_choice()[0] if remembered else RememberedChoice()
        return cls(
            env=env,
            home=home or default_home(),
            platform=platform,
            now=now,
            store=store,
            browser=browser,
            profile=profile,
            choice=choice,
            stored_only=stored_only,
            others=others,
        )

    # -- the web candidates, in order --------------------------------------------------------

    def web_candidates(self) -> Iterator[WebCandidate]:
        """Sessions to try, best first; :class:`NotSignedIn` when an explicit one is unusable."""
        if self.browser is not None:
            yield from self._browser_candidates(self.explicit_profiles())
            return
        if self.stored_only:
            yield from self._stored_candidate()
            return
        try:
            from_env = cookies_from_env(self.env)
        except InvalidCookie as exc:
            raise NotSignedIn(f"{COOKIE_ENV} is not usable: {exc}.") from None
        if from_env is not None:
            yield WebCandidate(from_env, "environment", COOKIE_ENV)
            return
        yield from self._stored_candidate()
        yield from self._browser_candidates(self._not_owned(self.ordered_profiles()))

    def _not_owned(self, profiles: list[BrowserProfile]) -> list[BrowserProfile]:
        """The profiles no named account reads (the remembered one included: a profile
        added as an account since ``login`` remembered it is that account's now)."""
        from claude_meter.core.accounts import browser_owner

        kept = []
        for profile in profiles:
            owner = browser_owner(
                self.others, profile.browser.key, (profile.name, profile.display_name)
            )
            if owner is None:
                kept.append(profile)
            else:
                self.left_to.append(f"{profile.label} is {owner.name}'s")
        return kept

    def _stored_candidate(self) -> Iterator[WebCandidate]:
        self.stored = self.store.load()
        if self.stored is not None:
            if self.store.known_refused():  # no request a minute for a known answer
                self.stored_refused = True
            else:
                yield WebCandidate(self.stored, "stored", "the session stored in the keyring")

    def _browser_candidates(self, profiles: list[BrowserProfile]) -> Iterator[WebCandidate]:
        self.looked_at = list(profiles)
        if not profiles:  # no browser here: nothing to read, no reader to import
            return
        from claude_meter.sources.browsers import iter_sessions

        seen: set[SessionCookies] = {self.stored} if self.stored is not None else set()
        for session in iter_sessions(
            profiles,
            platform=self.platform,
            now=self.now,
            environ=self.env,
            failures=self.failures,
        ):
            if session.cookies in seen:
                continue
            seen.add(session.cookies)
            yield WebCandidate(session.cookies, "browser", session.profile.label, session.profile)

    def all_profiles(self) -> list[BrowserProfile]:
        from claude_meter.sources.browser_profiles import discover_profiles

        return discover_profiles(self.platform, self.home, self.env)

    def ordered_profiles(self) -> list[BrowserProfile]:
        """Every profile found, the remembered one first."""
        profiles = self.all_profiles()
        remembered = self.choice

        def first(p: BrowserProfile) -> bool:
            return not (
                remembered.browser == p.browser.key
                and (remembered.profile is None or p.matches(remembered.profile))
            )

        return sorted(profiles, key=first)

    def explicit_profiles(self) -> list[BrowserProfile]:
        """The profiles ``--browser NAME [--profile NAME]`` names; a clear error otherwise."""
        from claude_meter.sources.browser_profiles import (
            BROWSERS,
            browser_named,
            discover_profiles,
            os_key,
            profile_roots,
        )

        assert self.browser is not None
        browser = browser_named(self.browser)
        if browser is None:
            raise ConfigurationError(
                f"unknown browser {self.browser!r}; choose one of: "
                + ", ".join(b.key for b in BROWSERS)
            )
        if os_key(self.platform) not in browser.roots:
            raise ConfigurationError(f"{browser.label} is not supported on this system")
        profiles = discover_profiles(self.platform, self.home, self.env, [browser])
        if not profiles:
            places = ", ".join(
                str(p) for p in profile_roots(browser, self.platform, self.home, self.env)
            )
            raise NotSignedIn(f"No {browser.label} profile was found (looked in {places}).")
        if self.profile is None:
            return profiles
        chosen = [p for p in profiles if p.matches(self.profile)]
        if not chosen:
            names = ", ".join(
                p.name + (f" ({p.display_name})" if p.display_name else "") for p in profiles
            )
            raise NotSignedIn(
                f"{browser.label} has no profile called {self.profile!r}; its profiles: {names}."
            )
        return chosen

    # -- explaining ----------------------------------------------------------------------------

    def no_web_session_message(self) -> str:
        """Which browsers and profiles were looked at, and why each gave nothing."""
        from claude_meter.sources.browsers import no_session_message

        if self.failures:
            reasons = " ".join(exc.message for _, exc in self.failures)
            return f"No usable claude.ai session was found. {reasons}{self.left_alone()}"
        return no_session_message(self.looked_at, self.platform) + self.left_alone()

    def left_alone(self) -> str:
        """What the default account's search left to the named accounts, said (or "")."""
        return f" ({'; '.join(self.left_to)}.)" if self.left_to else ""

    def only_others(self) -> bool:
        """Every sign-in the search found is a named account's: nothing else was looked at."""
        return bool(self.left_to) and not self.looked_at and not self.failures

    def only_others_message(self, give: str, stop: str) -> str:
        """The default account found only the named accounts' sign-ins: whose, and what to do
        (``give``, ``stop``: the surface's words, ``poll/messages.py`` Advice)."""
        return (
            f"No sign-in of its own: {'; '.join(self.left_to)}. Give it one with {give}, "
            f"or stop metering it with {stop}."
        )
