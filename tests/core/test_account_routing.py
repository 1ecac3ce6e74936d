"""Which configured account a reading from outside belongs to: tables of cases."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from claude_meter.core import validation
from claude_meter.core.account_routing import (
    MAX_LABEL,
    AccountLine,
    accounts_in,
    claude_code_account,
    extension_account,
    profile_label,
)
from claude_meter.core.accounts import AccountRef

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
LABELS = json.loads((VECTORS / "profile_labels.json").read_text(encoding="utf-8"))["cases"]

WORK = AccountRef(id="work", name="Work", kind="extension", profile="Work", email="w@corp.com")
HOME = AccountRef(id="home", name="Home", kind="extension", profile="Home")
BY_EMAIL = AccountRef(id="me", name="Me", kind="extension", email="Me@Example.com")
ANY = AccountRef(id="any", name="Any", kind="extension")
BROWSER = AccountRef(id="chrome", name="Chrome", kind="browser", profile="Work", email="x@y.z")
CODE = AccountRef(id="code", name="Code", kind="claude-code")


@pytest.mark.parametrize(
    ("accounts", "profile", "email", "expected"),
    [
        # no extension account: always the default one
        ((), "Work", "w@corp.com", None),
        ((BROWSER, CODE), "Work", "x@y.z", None),
        # by label, case and spaces aside
        ((WORK, HOME), "Work", None, "work"),
        ((WORK, HOME), "  work ", "w@corp.com", "work"),
        ((WORK, HOME), "HOME", "anyone@else.org", "home"),  # Home knows no email: no conflict
        # a label whose account knows another email: not that account's numbers
        ((WORK, HOME), "Work", "other@corp.com", None),
        # by email when the label names nothing (or there is none)
        ((WORK, BY_EMAIL), None, "me@example.com", "me"),
        ((WORK, BY_EMAIL), "Laptop", "ME@example.com", "me"),
        ((WORK, BY_EMAIL), None, "w@corp.com", "work"),
        ((WORK, HOME, BY_EMAIL), "Work", "me@example.com", "me"),  # label conflicts, email wins
        # the catch-all: an extension account without a profile takes what none claims
        ((WORK, ANY), None, None, "any"),
        ((WORK, ANY), "Laptop", "z@z.z", "any"),
        ((HOME, ANY), "Home", None, "home"),
        ((WORK, ANY), "Work", "other@corp.com", None),  # Work's label: claimed, not Any's
        # nothing matches: the default account
        ((WORK, HOME), None, None, None),
        ((WORK, HOME), "Laptop", "z@z.z", None),
        ((BY_EMAIL,), None, "stranger@example.com", None),
    ],
)
def test_extension_posts_find_their_account(
    accounts: tuple[AccountRef, ...], profile: str | None, email: str | None, expected: str | None
) -> None:
    assert extension_account(accounts, profile, email) == expected


def test_a_catch_all_that_knows_its_email_takes_only_that_email() -> None:
    known = AccountRef(id="known", name="Known", kind="extension", email="k@k.k")
    assert extension_account([known], None, "k@k.k") == "known"
    assert extension_account([known], None, "other@k.k") is None
    assert extension_account([known], None, None) == "known"


@pytest.mark.parametrize("case", LABELS, ids=lambda c: str(c["name"]))
def test_profile_labels_as_the_extension_checks_them(case: dict[str, object]) -> None:
    """The rows the extension's popup is tested with too (extension/test/profile.test.mjs)."""
    if case["label"] == "refused":
        with pytest.raises(ValueError, match=r"profile label|secret"):
            profile_label(case["value"])
    else:
        assert profile_label(case["value"]) == case["label"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("Work", "Work"),
        ("  Work   laptop ", "Work laptop"),
        ("Büro ☕", "Büro ☕"),
        ("x" * MAX_LABEL, "x" * MAX_LABEL),
    ],
)
def test_a_profile_label_is_trimmed(value: str | None, expected: str | None) -> None:
    assert profile_label(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "x" * (MAX_LABEL + 1),
        "Work\x1b[31m",
        "Work\u202eevil",
        "Work\ue000",  # private use
        "Work\u200d",  # a joiner (format)
        "a\nb",
        "sk-ant-sid01-abc",
        "sessionKey=abc",
        7,
        ["Work"],
        True,
    ],
)
def test_what_is_not_a_profile_label_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"profile label|secret") as raised:
        profile_label(value)
    assert "sk-ant" not in str(raised.value)
    assert "sessionKey" not in str(raised.value)


def test_claude_code_accounts_by_their_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / "work-claude").mkdir()
    (home / "linked").symlink_to(home / "work-claude")
    default = AccountLine("personal", "claude-code")
    work = AccountLine("work", "claude-code", config_dir="~/work-claude")
    browser = AccountLine("web", "browser", config_dir=str(home / "other"))
    accounts = (default, work, browser)

    def route(config_dir: str | None, of: tuple[AccountLine, ...] = accounts) -> str | None:
        return claude_code_account(of, config_dir, home)

    assert route(None) == "personal"
    assert route("") == "personal"
    assert route("  ") == "personal"
    assert route(str(home / ".claude")) == "personal"  # the default folder, written out
    assert route("~/.claude/") == "personal"
    assert route(str(home / "work-claude")) == "work"
    assert route(str(home / "work-claude") + "/") == "work"
    assert route(str(home / "linked")) == "work"  # the same folder through a link
    assert route("~/work-claude") == "work"
    assert route(str(home / "other")) is None  # a browser account is never a Claude Code one
    assert route(str(home / "elsewhere")) is None
    assert route(None, (work,)) is None  # no account for the default folder: the default one
    written_out = AccountLine("dflt", "claude-code", config_dir=str(home / ".claude"))
    assert route(None, (written_out,)) == "dflt"


def test_a_relative_claude_config_dir_is_read_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    work = AccountLine("work", "claude-code", config_dir=str(tmp_path / "cc"))
    assert claude_code_account([work], "cc", tmp_path / "home") == "work"
    assert claude_code_account([work], "./cc/", tmp_path / "home") == "work"


def test_settings_accounts_are_read_as_far_as_they_are_sound() -> None:
    data = json.loads(
        json.dumps(
            {
                "accounts": [
                    {"id": "work", "name": "Work", "kind": "claude-code", "config_dir": "/w"},
                    {"id": "Bad Id", "kind": "claude-code", "config_dir": "/x"},
                    {"id": "default", "kind": "claude-code"},
                    {"id": "nokind"},
                    "not an object",
                    {"id": "ext", "kind": "extension", "profile": " Home ", "email": 5},
                ]
            }
        )
    )
    assert accounts_in(data) == (
        AccountLine("work", "claude-code", config_dir="/w", name="Work"),
        AccountLine("ext", "extension", profile="Home"),
    )
    broken: object
    for broken in (None, [], "x", {"accounts": "x"}, {"accounts": {"id": "a"}}, {}):
        assert accounts_in(broken) == ()


def test_the_settings_models_route_like_the_light_records(tmp_path: Path) -> None:
    """The bridge passes AccountRef, the status line AccountLine: one rule for both."""
    ref = AccountRef(id="w", name="W", kind="claude-code", config_dir=str(tmp_path))
    line = accounts_in({"accounts": [validation.as_json_data(ref)]})
    assert claude_code_account([ref], os.fspath(tmp_path)) == "w"
    assert claude_code_account(line, os.fspath(tmp_path)) == "w"
