"""Several accounts in one tray, as tables: the icon's account, the tooltip, the titles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from claude_meter.core import validation
from claude_meter.core.account_view import (
    AccountState,
    account_problem,
    accounts_tooltip,
    deadline_key,
    default_route,
    expired_title,
    icon_account,
    memory_prefix,
    metered_names,
    named_title,
    newest_success,
)
from claude_meter.core.accounts import AccountRef
from claude_meter.core.bidi import FSI, LRM, PDI, isolated, leading, plain
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.core.presentation import Choice
from claude_meter.core.settings import Settings

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)


def window(key: str, percent: float) -> UsageWindow:
    return UsageWindow(key=key, label=key.title(), percent=percent, resets_at=None)


def account(key: str | None, name: str, *orgs: tuple[str, tuple[UsageWindow, ...]]) -> AccountState:
    snapshots = tuple(
        Snapshot(
            source="web",
            account=key,
            org_uuid=org,
            org_name=org,
            account_email=f"{name.lower()}@example.com",
            plan="claude_max",
            fetched_at=NOW,
            windows=windows,
        )
        for org, windows in orgs
    )
    result = FetchResult(source="web", fetched_at=NOW, snapshots=snapshots, account=key)
    return AccountState(key, name, apply_result(MeterState(), result))


def expired(key: str, name: str) -> AccountState:
    error = FetchError(kind="session_expired", message="Your claude.ai session expired.")
    result = FetchResult(source="web", fetched_at=NOW, error=error, account=key)
    return AccountState(key, name, apply_result(MeterState(), result))


PERSONAL = account(None, "Personal", ("p-org", (window("five_hour", 40), window("seven_day", 20))))
WORK = account("work", "Work", ("w-org", (window("five_hour", 85),)))


@pytest.mark.parametrize(
    ("accounts", "chosen", "hidden", "shows", "figure"),
    [
        ((PERSONAL, WORK), None, (), "Work", "85"),  # the worst of them all
        ((WORK, PERSONAL), None, (), "Work", "85"),
        ((PERSONAL, WORK), "default", (), "Personal", "40"),  # chosen: the default one
        ((PERSONAL, WORK), "work", (), "Work", "85"),
        ((PERSONAL, WORK), "gone", (), "Work", "85"),  # chosen but no longer metered
        ((PERSONAL, WORK), None, ("five_hour",), "Personal", "20"),  # hidden windows left out
        ((expired("work", "Work"), PERSONAL), None, (), "Personal", "40"),  # no numbers: never
        ((expired("work", "Work"),), None, (), "Work", "–"),  # nobody has numbers: the first
    ],
)
def test_the_icon_shows_the_worst_account_or_the_chosen_one(
    accounts: tuple[AccountState, ...],
    chosen: str | None,
    hidden: tuple[str, ...],
    shows: str,
    figure: str,
) -> None:
    choice = Choice(icon_hidden=frozenset(hidden))
    shown, indicator = icon_account(accounts, chosen, NOW, INTERVAL, choice)
    assert shown.name == shows
    assert indicator.text == figure


def expired_after_numbers(state: AccountState, later: datetime) -> AccountState:
    error = FetchError(kind="session_expired", message="Your claude.ai session expired.")
    result = FetchResult(source="web", fetched_at=later, error=error, account=state.key)
    return AccountState(state.key, state.name, apply_result(state.state, result))


def test_an_account_signed_out_gives_the_icon_to_one_whose_numbers_still_move() -> None:
    later = NOW + timedelta(minutes=5)
    work = expired_after_numbers(WORK, later)  # 85, kept dimmed, but it will not move
    assert not work.state.signed_in
    shown, indicator = icon_account((PERSONAL, work), None, later, INTERVAL, Choice())
    assert (shown.name, indicator.text) == ("Personal", "40")
    alone, dimmed = icon_account((work,), None, later, INTERVAL, Choice())
    assert (alone.name, dimmed.text, dimmed.kind) == ("Work", "85", "stale")
    late = AccountState(WORK.key, WORK.name, WORK.state)  # only late (no answer yet): competes
    assert icon_account((PERSONAL, late), None, later, INTERVAL, Choice())[0].name == "Work"


def test_a_tie_goes_to_the_earlier_account() -> None:
    twin = account("twin", "Twin", ("t-org", (window("five_hour", 40),)))
    assert icon_account((PERSONAL, twin), None, NOW, INTERVAL, Choice())[0].name == "Personal"
    assert icon_account((twin, PERSONAL), None, NOW, INTERVAL, Choice())[0].name == "Twin"


def test_the_tooltip_names_the_icons_account_and_every_line_its_account() -> None:
    both = account(
        "both", "Both", ("a", (window("five_hour", 10),)), ("b", (window("five_hour", 5),))
    )
    accounts = (PERSONAL, WORK, both, expired("old", "Old"))
    text = accounts_tooltip(accounts, WORK, Choice(), tz=UTC)
    assert text.splitlines() == [
        f"ClaudeMeter · the icon shows {isolated('Work')}",
        f"{leading('Personal')}: Five_Hour: 40% · not started",
        f"{leading('Personal')}: Seven_Day: 20% · not started",
        f"{leading('Work')}: Five_Hour: 85% · not started",
        f"{leading('Both')} · {isolated('a')}: Five_Hour: 10% · not started",
        f"{leading('Both')} · {isolated('b')}: Five_Hour: 5% · not started",
        f"{leading('Old')}: Your claude.ai session expired.",
    ]
    fetching = AccountState("new", "New", MeterState())
    assert accounts_tooltip((fetching,), fetching, Choice()).endswith(
        f"{leading('New')}: Fetching…"
    )
    left = accounts_tooltip((WORK,), WORK, Choice(show_remaining=True), tz=UTC)
    assert f"{leading('Work')}: Five_Hour: 15% left" in left


def test_titles_name_the_account_only_when_several_are_metered() -> None:
    assert named_title("Session (5h) at 85%", None) == "Session (5h) at 85%"
    assert named_title("Session (5h) at 85%", "Work") == f"{leading('Work')}: Session (5h) at 85%"
    assert expired_title(None) == "Claude session expired"
    assert expired_title("Work") == f"Claude session expired ({isolated('Work')})"


def test_the_default_account_keeps_the_keys_of_the_time_before_accounts() -> None:
    assert deadline_key("web", None) == "web"
    assert deadline_key("claude-code", "work") == "claude-code@work"
    assert memory_prefix(None) == ""
    assert memory_prefix("work") == "work/"


def test_metered_names_follow_the_settings() -> None:
    work = AccountRef(id="work", name="Work", kind="pasted")
    assert metered_names(Settings()) == ((None, "Default"),)
    settings = Settings(accounts=(work,), default_account_name="Personal")
    assert metered_names(settings) == ((None, "Personal"), ("work", "Work"))
    assert metered_names(msgspec.structs.replace(settings, default_account=False)) == (
        ("work", "Work"),
    )


def test_an_accounts_email_and_plan_come_from_its_readings() -> None:
    assert WORK.email == "work@example.com"
    assert WORK.plan == "claude_max"
    assert AccountState(None, "Empty", MeterState()).email is None


def test_the_footers_age_is_the_newest_reading_and_each_problem_its_accounts() -> None:
    fresh = account("work", "Work", ("w", (window("five_hour", 40),)))
    later = AccountState(
        "side", "Side", replace(fresh.state, last_success=NOW + timedelta(minutes=3))
    )
    empty = AccountState(None, "Default", MeterState())
    assert newest_success((empty, fresh, later)) == NOW + timedelta(minutes=3)
    assert newest_success((empty,)) is None
    assert account_problem(fresh, NOW, INTERVAL) is None
    assert account_problem(fresh, NOW + timedelta(minutes=4), INTERVAL) == (
        "These numbers are out of date: ClaudeMeter has not reached claude.ai lately."
    )
    error = FetchError(kind="session_expired", message="Your session expired.")
    gone = AccountState("work", "Work", apply_result(fresh.state, FetchResult(
        source="web", fetched_at=NOW, error=error, account="work")))  # fmt: skip
    assert account_problem(gone, NOW, INTERVAL) == (
        "Your session expired. Showing the last numbers read."
    )


@pytest.mark.parametrize(
    ("source", "route"),
    [
        ("auto", "web"),
        ("browser", "web"),
        ("pasted", "web"),
        ("extension", "web"),
        ("claude-code", "claude-code"),
    ],
)
def test_the_default_accounts_route_follows_its_source(source: str, route: str) -> None:
    """Whose saved deadline holds the default account's first poll (``qt/worker.py``)."""
    assert default_route(validation.parse({"source": source}, Settings)) == route


def test_a_right_to_left_name_never_turns_the_tooltip_or_a_title_around() -> None:
    """An Arabic name at the head of "Work: 80 %"-style text gave the line its direction
    (the tooltip's lines, a notification's title), drawn as "Five_Hour: 85% :حساب"; the
    name is isolated and the line marked left to right, as the popover's lines (bidi.py)."""
    arabic = account("rtl", "حساب العمل", ("org-rtl", (window("five_hour", 85),)))
    text = accounts_tooltip((PERSONAL, arabic), arabic, Choice(), tz=UTC)
    first, _, _, line = text.splitlines()
    assert first == f"ClaudeMeter · the icon shows {FSI}حساب العمل{PDI}"
    assert line == f"{LRM}{FSI}حساب العمل{PDI}: Five_Hour: 85% · not started"
    assert plain(line) == "حساب العمل: Five_Hour: 85% · not started"
    title = named_title("Session (5h) at 85%", "חשבון")
    assert title == f"{LRM}{FSI}חשבון{PDI}: Session (5h) at 85%"
    assert expired_title("חשבון") == f"Claude session expired ({FSI}חשבון{PDI})"
