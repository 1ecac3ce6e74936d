"""``auto``'s order and the explicit choices (``sources/selection.py``), with real cookie
databases in a throwaway home and a keyring in memory: which sessions a poll is offered, in
which order, what is never touched, and what an unusable choice says."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.core.errors import ConfigurationError, NotSignedIn
from claude_meter.sources.choice import RememberedChoice
from claude_meter.sources.cookies import COOKIE_ENV, SessionCookies
from claude_meter.sources.keyring_store import SessionStore
from claude_meter.sources.selection import Selection
from claude_meter.sources.session_cache import SessionCache
from tests.conftest import NOW
from tests.sources.memory_keyring import CountingKeyring
from tests.sources.profiles import chromium_profile, write_firefox_cookies

CHROMIUM = ".config/chromium"
CHROME = ".config/google-chrome"


def home_with_browsers(home: Path) -> Path:
    """Chrome (one profile), Chromium (two, the second called Work), each signed in apart."""
    chromium_profile(home / CHROME, "Default", {"sessionKey": "chrome-key"})
    chromium_profile(home / CHROMIUM, "Default", {"sessionKey": "chromium-key"})
    chromium_profile(home / CHROMIUM, "Profile 2", {"sessionKey": "work-key"}, display="Work")
    return home


def selection(
    home: Path,
    *,
    env: dict[str, str] | None = None,
    stored: str | None = None,
    keyring: CountingKeyring | None = None,
    choice: RememberedChoice | None = None,
    cache: SessionCache | None = None,
    browser: str | None = None,
    profile: str | None = None,
    platform: str = "linux",
) -> Selection:
    store = SessionStore(keyring or CountingKeyring(), cache=cache)
    if stored is not None:
        store.save(SessionCookies.parse(f"sessionKey={stored}"))
    return Selection(
        env=env or {},
        home=home,
        platform=platform,
        now=NOW,
        store=store,
        browser=browser,
        profile=profile,
        choice=choice or RememberedChoice(),
    )


def offered(chosen: Selection) -> list[tuple[str, str, str]]:
    return [(c.origin, c.label, c.cookies.session_key.reveal()) for c in chosen.web_candidates()]


def test_auto_offers_the_stored_session_then_every_browser_profile_in_order(
    tmp_path: Path,
) -> None:
    chosen = selection(home_with_browsers(tmp_path), stored="stored-key")
    assert offered(chosen) == [
        ("stored", "the session stored in the keyring", "stored-key"),
        ("browser", "Chrome (Default)", "chrome-key"),
        ("browser", "Chromium (Default)", "chromium-key"),
        ("browser", "Chromium (Profile 2, “Work”)", "work-key"),
    ]
    assert [p.browser.key for p in chosen.looked_at] == ["chrome", "chromium", "chromium"]


def test_the_remembered_profile_comes_first(tmp_path: Path) -> None:
    remembered = RememberedChoice(browser="chromium", profile="Work")
    chosen = selection(home_with_browsers(tmp_path), choice=remembered)
    assert [key for _, _, key in offered(chosen)] == ["work-key", "chrome-key", "chromium-key"]
    whole_browser = RememberedChoice(browser="chromium")
    chosen = selection(tmp_path, choice=whole_browser)
    assert [key for _, _, key in offered(chosen)] == ["chromium-key", "work-key", "chrome-key"]


def test_a_browser_holding_the_stored_session_is_not_offered_twice(tmp_path: Path) -> None:
    chosen = selection(home_with_browsers(tmp_path), stored="chromium-key")
    assert [(origin, key) for origin, _, key in offered(chosen)] == [
        ("stored", "chromium-key"),
        ("browser", "chrome-key"),
        ("browser", "work-key"),
    ]


def test_the_environment_beats_everything_and_touches_nothing_else(tmp_path: Path) -> None:
    keyring = CountingKeyring()
    chosen = selection(
        home_with_browsers(tmp_path),
        env={COOKIE_ENV: "sessionKey=from-env"},
        stored="stored-key",
        keyring=keyring,
    )
    reads = keyring.reads  # the save above may have read it
    assert offered(chosen) == [("environment", COOKIE_ENV, "from-env")]
    assert keyring.reads == reads  # the keyring was not read
    assert chosen.looked_at == []  # nor was any browser


def test_an_unusable_environment_cookie_is_said_and_never_falls_through(tmp_path: Path) -> None:
    chosen = selection(home_with_browsers(tmp_path), env={COOKIE_ENV: "no session here"})
    with pytest.raises(NotSignedIn) as caught:
        offered(chosen)
    assert caught.value.message.startswith(f"{COOKIE_ENV} is not usable:")
    assert chosen.looked_at == []


def test_auto_stops_reading_at_the_first_session_used(tmp_path: Path) -> None:
    chosen = selection(home_with_browsers(tmp_path), stored="stored-key")
    first = next(chosen.web_candidates())
    assert first.origin == "stored"
    assert chosen.looked_at == []  # no browser database opened for a session that works


def test_a_stored_session_the_server_just_refused_is_skipped(tmp_path: Path) -> None:
    cache = SessionCache(tmp_path / "stamp")
    chosen = selection(home_with_browsers(tmp_path), stored="stored-key", cache=cache)
    assert offered(chosen)[0][0] == "stored"
    cache.refused()  # just read: it is kept, and known to be refused
    again = selection(tmp_path, cache=cache)
    assert [origin for origin, _, _ in offered(again)] == ["browser"] * 3
    assert again.stored_refused
    assert again.stored is not None


def test_an_explicit_browser_and_profile_read_only_that(tmp_path: Path) -> None:
    home = home_with_browsers(tmp_path)
    assert [key for _, _, key in offered(selection(home, browser="chromium"))] == [
        "chromium-key",
        "work-key",
    ]
    chosen = selection(home, browser="Chromium", profile="work", stored="stored-key")
    assert offered(chosen) == [("browser", "Chromium (Profile 2, “Work”)", "work-key")]


@pytest.mark.parametrize(
    ("browser", "profile", "platform", "error", "says"),
    [
        (
            "netscape",
            None,
            "linux",
            ConfigurationError,
            "unknown browser 'netscape'; choose",
        ),
        ("safari", None, "linux", ConfigurationError, "Safari is not supported on this system"),
        ("firefox", None, "linux", NotSignedIn, "No Firefox profile was found (looked in"),
        ("chromium", "Home", "linux", NotSignedIn, "Chromium has no profile called 'Home'"),
    ],
)
def test_an_explicit_choice_that_cannot_be_read_says_why(
    tmp_path: Path,
    browser: str,
    profile: str | None,
    platform: str,
    error: type[Exception],
    says: str,
) -> None:
    chosen = selection(
        home_with_browsers(tmp_path), browser=browser, profile=profile, platform=platform
    )
    with pytest.raises(error) as caught:
        offered(chosen)
    assert says in str(caught.value)
    if profile is not None:
        assert "Default (Default), Profile 2 (Work)" in str(caught.value)


def test_what_was_looked_at_is_explained(tmp_path: Path) -> None:
    empty = selection(tmp_path)
    assert offered(empty) == []
    assert empty.no_web_session_message().startswith("No browser profile was found (looked for ")
    assert "Firefox" in empty.no_web_session_message()
    broken = tmp_path / "broken"
    write_firefox_cookies(broken / ".mozilla/firefox/ab12.default/cookies.sqlite", {"x": "y"})
    (broken / ".mozilla/firefox/profiles.ini").write_text(
        "[Profile0]\nName=default\nIsRelative=1\nPath=ab12.default\n"
    )
    signed_out = selection(broken)
    assert offered(signed_out) == []
    assert len(signed_out.failures) == 1
    message = signed_out.no_web_session_message()
    assert message.startswith("No usable claude.ai session was found. ")
    assert signed_out.failures[0][1].message in message
