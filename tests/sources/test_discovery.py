"""What discovery decides from the settings alone: what meters each account found, the names
offered, the command that adds each, adding them all."""

from __future__ import annotations

import msgspec

from claude_meter.core.account_changes import removed
from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings
from claude_meter.sources.discovery import (
    Found,
    add_found,
    by_email,
    mark_metered,
    names_for,
)

DEFAULT = Found("browser", "Chromium (Default)", browser="chromium", profile="Default")
WORK = Found(
    "browser", "Chrome (Profile 2, “Work”)", browser="chrome", profile="Profile 2", display="Work"
)
CODE = Found("claude-code", "Claude Code (~/.claude)")


def test_names_offered() -> None:
    assert DEFAULT.suggested_name() == "Chromium Default"
    assert WORK.suggested_name() == "Chrome Work"
    assert CODE.suggested_name() == "Claude Code"
    assert Found("claude-code", "x", config_dir="/home/a/.claude-agent").suggested_name() == (
        "Claude Code .claude-agent"
    )
    long = "a-very-long-local-part-indeed@a-very-long-domain.example"
    assert Found("browser", "x", email=long).suggested_name() == "a-very-long-local-part-indeed"
    assert Found("browser", "x", email="me@example.com").suggested_name() == "me@example.com"
    settings = Settings(accounts=(AccountRef(id="w", name="Chrome Work", kind="pasted"),))
    assert names_for([WORK, WORK, DEFAULT], settings) == [
        "Chrome Work 2", "Chrome Work 3", "Chromium Default",
    ]  # fmt: skip


def test_add_commands_quote_what_the_shell_would_split() -> None:
    assert WORK.add_command("Chrome Work") == (
        "claude-meter accounts add 'Chrome Work' --browser chrome --profile 'Profile 2'"
    )
    assert CODE.add_command("Code") == "claude-meter accounts add Code --claude-config ~/.claude"
    odd = Found("claude-code", "x", config_dir="/tmp/it's here")
    assert odd.add_command("C") == (
        "claude-meter accounts add C --claude-config '/tmp/it'\"'\"'s here'"
    )


def test_what_meters_each_found_account() -> None:
    settings = Settings(
        accounts=(
            AccountRef(id="work", name="Work", kind="browser", browser="chrome", profile="work"),
            AccountRef(id="code", name="Code", kind="claude-code"),
            AccountRef(id="mail", name="Mail", kind="pasted", email="me@example.com"),
        )
    )
    mailed = Found("browser", "Firefox (x)", browser="firefox", profile="x", email="ME@example.com")
    marked = mark_metered([DEFAULT, WORK, CODE, mailed], settings)
    assert [f.metered_as for f in marked] == [None, "Work", "Code", "Mail"]
    by_default = mark_metered(
        [Found("browser", "y", email="d@example.com"), DEFAULT],
        Settings(source="browser", browser="chromium"),
        default_email="d@example.com",
    )
    assert [f.metered_as for f in by_default] == ["Default", "Default"]
    off = Settings(default_account=False, source="claude-code", accounts=settings.accounts[:1])
    assert mark_metered([CODE], off)[0].metered_as is None
    on = msgspec.structs.replace(off, default_account=True)
    assert mark_metered([CODE], on)[0].metered_as == "Default"


def test_one_per_email() -> None:
    first = Found("browser", "a", email="x@example.com")
    again = Found("browser", "b", email="X@example.com")
    assert by_email([first, DEFAULT, again, WORK]) == [first, DEFAULT, WORK]


def test_add_found_gives_no_id_a_removed_account_had() -> None:
    earlier = AccountRef(id="chrome-work", name="Chrome Work", kind="pasted")
    settings, _ = removed(Settings(accounts=(earlier,)), "Chrome Work")
    adding = add_found(settings, [WORK, CODE], ("claude-code",))  # the history's ids
    assert [(a.name, a.id) for a in adding.added] == [
        ("Chrome Work", "chrome-work-2"), ("Claude Code", "claude-code-2"),
    ]  # fmt: skip


def test_add_found_adds_the_new_ones_up_to_eight() -> None:
    adding = add_found(Settings(), mark_metered([DEFAULT, WORK, CODE], Settings()), ())
    assert [(a.name, a.kind, a.browser, a.profile) for a in adding.added] == [
        ("Chromium Default", "browser", "chromium", "Default"),
        ("Chrome Work", "browser", "chrome", "Profile 2"),
        ("Claude Code", "claude-code", None, None),
    ]
    assert adding.settings.accounts == adding.added
    many = [Found("browser", f"p{n}", browser="chromium", profile=f"P{n}") for n in range(10)]
    adding = add_found(Settings(), many, ())
    assert len(adding.added) == 8
    assert [(f.label, why) for f, why in adding.left_out] == [
        ("p8", "at most 8 accounts"), ("p9", "at most 8 accounts"),
    ]  # fmt: skip
