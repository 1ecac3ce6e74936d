"""The settings model (defaults, validation tables) and its file (atomic, corrupt, no secrets)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from claude_meter.core import paths, validation
from claude_meter.core.accounts import AccountRef
from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT
from claude_meter.core.settings import (
    Settings,
    UnreadableSettings,
    format_thresholds,
    load_settings,
    parse,
    parse_thresholds,
    peek_settings,
    save_settings,
    settings_path,
)
from tests.conftest import TEST_SESSION_KEY

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_defaults_are_a_first_run() -> None:
    settings = Settings()
    assert settings.source == "auto"
    assert settings.poll_seconds == 60
    assert settings.thresholds == (80.0,)
    assert (settings.icon_style, settings.icon_colour, settings.percent_shown) == (
        "number",
        "colour",
        "used",
    )
    assert settings.bridge_enabled is False
    assert settings_path() == paths.config_dir() / "settings.json"


def test_bridge_default_port_matches_the_bridge() -> None:
    from claude_meter.bridge.server import DEFAULT_PORT

    assert DEFAULT_BRIDGE_PORT == DEFAULT_PORT


@pytest.mark.parametrize(
    ("field", "value", "ok", "said"),
    [
        ("poll_seconds", 29, False, "poll_seconds: expected int >= 30"),
        ("poll_seconds", 30, True, ""),
        ("poll_seconds", 1800, True, ""),
        ("poll_seconds", 1801, False, "poll_seconds: expected int <= 1800"),
        ("poll_seconds", "60", True, ""),  # lenient, as a person's file needs
        ("poll_seconds", 60.5, False, "poll_seconds: expected int, got float"),
        ("bridge_port", 1023, False, "bridge_port: expected int >= 1024"),
        ("bridge_port", 1024, True, ""),
        ("bridge_port", 65535, True, ""),
        ("bridge_port", 65536, False, "bridge_port: expected int <= 65535"),
        ("thresholds", [0], False, "thresholds: a notification threshold must be 1 to 100, not 0"),
        ("thresholds", [1], True, ""),
        ("thresholds", [100], True, ""),
        (
            "thresholds",
            [100.5],
            False,
            "thresholds: a notification threshold must be 1 to 100, not 100.5",
        ),
        ("thresholds", [], True, ""),  # no notifications at all
        (
            "thresholds",
            [10, 20, 30, 40, 50, 60],
            False,
            "thresholds: at most five notification thresholds",
        ),
        ("source", "browser", True, ""),
        (
            "source",
            "carrier-pigeon",
            False,
            "source: not one of auto, browser, pasted, claude-code, extension",
        ),
        ("icon_style", "ring", True, ""),
        ("icon_style", "pie", False, "icon_style: not one of number, ring"),
        ("percent_shown", "remaining", True, ""),
        ("icon_hidden", ["seven_day_opus"], True, ""),
        (
            "icon_hidden",
            ["Not A Key!"],
            False,
            "icon_hidden: a window key is 1 to 64 lowercase letters, digits or _",
        ),
        (
            "popover_hidden",
            [TEST_SESSION_KEY],
            False,
            "popover_hidden: a window key is 1 to 64 lowercase letters, digits or _",
        ),
        ("profile", "Profile 2", True, ""),
        (
            "profile",
            f"sessionKey={TEST_SESSION_KEY}",
            False,
            "profile: this looks like a secret; secrets belong in the keyring",
        ),
        (
            "browser",
            "sk-ant-oat01-abc",
            False,
            "browser: this looks like a secret; secrets belong in the keyring",
        ),
        ("browser", "b" * 41, False, "browser: expected str of length <= 40"),
        (
            "icon_account",
            "Work",
            False,
            "icon_account: an account id is 1 to 32 lowercase letters, digits or -",
        ),
        ("icon_account", "work", True, ""),
        (
            "default_account_name",
            " ",
            False,
            "default_account_name: an account name cannot be empty",
        ),
        (
            "default_account_name",
            "x" * 41,
            False,
            "default_account_name: expected str of length <= 40",
        ),
        (
            "accounts",
            [{"id": "work", "name": "Work", "kind": TEST_SESSION_KEY}],
            False,
            "accounts.0.kind: not one of browser, pasted, claude-code, extension",
        ),
        (
            "accounts",
            [{"id": "work", "name": "Default", "kind": "pasted"}],
            False,
            "each account needs its own name",
        ),
        (
            "accounts",
            [{"id": "w", "name": "W", "kind": "pasted"}] * 2,
            False,
            "accounts: each account needs its own name",
        ),
    ],
)
def test_validation(field: str, value: Any, ok: bool, said: str) -> None:
    """Outside data: each type, bound and rule, said as ``where: what``, never the value."""
    if ok:
        parse({field: value})
    else:
        with pytest.raises(validation.Invalid) as caught:
            parse({field: value})
        assert validation.words(caught.value, Settings) == said
        assert TEST_SESSION_KEY not in validation.words(
            caught.value, Settings
        )  # str() may quote it


@pytest.mark.parametrize(
    "changes",
    [
        {"thresholds": (150.0,)},
        {"thresholds": (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)},
        {"icon_hidden": ("Not A Key!",)},
        {"profile": f"sessionKey={TEST_SESSION_KEY}"},
        {"icon_account": "Work"},
        {"default_account_name": ""},
        {"accounts": (AccountRef(id="w", name="Default", kind="pasted"),)},
    ],
)
def test_the_rules_hold_when_built_in_code_too(changes: dict[str, Any]) -> None:
    """Settings built by the app (a copy, a default) keep the rules the file keeps."""
    with pytest.raises(ValueError, match=r"threshold|window key|secret|account") as caught:
        Settings(**changes)
    assert TEST_SESSION_KEY not in str(caught.value)


def test_built_in_code_the_values_are_tidied_as_from_the_file() -> None:
    built = Settings(
        thresholds=(95, 80, 95),
        icon_hidden=("a", "a"),
        profile="  Work ",
        browser=" ",
        default_account_name="  My   Max ",
    )
    assert built == parse(
        {
            "thresholds": [95, 80, 95],
            "icon_hidden": ["a", "a"],
            "profile": "  Work ",
            "browser": " ",
            "default_account_name": "  My   Max ",
        }
    )
    assert (built.thresholds, built.icon_hidden, built.profile, built.browser) == (
        (80.0, 95.0),
        ("a",),
        "Work",
        None,
    )
    assert built.default_account_name == "My Max"
    assert all(type(t) is float for t in built.thresholds)  # saved as 80.0, as before


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ([95, 80, 95], (80.0, 95.0)),
        ([50.0], (50.0,)),
        ([100, 1], (1.0, 100.0)),
    ],
)
def test_thresholds_are_sorted_and_unique(given: list[float], stored: tuple[float, ...]) -> None:
    assert Settings(thresholds=tuple(given)).thresholds == stored


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("80, 95", (80.0, 95.0)), ("80 %; 90%", (80.0, 90.0)), ("", ()), (" 75 ", (75.0,))],
)
def test_thresholds_as_typed(text: str, parsed: tuple[float, ...]) -> None:
    assert parse_thresholds(text) == parsed
    assert parse_thresholds(format_thresholds(parsed)) == parsed


def test_thresholds_typed_wrong_say_how() -> None:
    with pytest.raises(ValueError, match="separated by commas"):
        parse_thresholds("eighty")


def test_round_trip_and_atomic_write(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "settings.json"
    chosen = Settings(
        source="browser",
        browser="firefox",
        profile="Work",
        poll_seconds=120,
        thresholds=(75, 90),
        icon_style="ring",
        percent_shown="remaining",
        popover_hidden=("seven_day_opus",),
    )
    save_settings(chosen, path)
    assert load_settings(path).settings == chosen
    assert [p.name for p in path.parent.iterdir()] == ["settings.json"]  # no temp file left
    assert json.loads(path.read_text())["poll_seconds"] == 120


def test_missing_file_is_a_quiet_first_run(tmp_path: Path) -> None:
    loaded = load_settings(tmp_path / "settings.json")
    assert loaded.settings == Settings()
    assert loaded.notice is None


def test_unknown_keys_from_a_newer_version_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"poll_seconds": 90, "hologram": True}))
    loaded = load_settings(path)
    assert loaded.settings.poll_seconds == 90
    assert loaded.notice is None


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"poll_seconds": 5}', "poll_seconds"),
        (b'{"thresholds": [150]}', "thresholds"),
        (b'{"bridge_port": "http"}', "bridge_port"),
    ],
)
def test_corrupt_file_is_moved_aside_and_told_once(
    tmp_path: Path, content: bytes, why: str
) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = load_settings(path, now=NOW)
    assert loaded.settings == Settings()
    assert loaded.notice is not None
    assert "reset them to the defaults" in loaded.notice
    assert why in loaded.notice
    backup = tmp_path / "settings.json.bad-20261125T090000Z"
    assert loaded.backup == backup
    assert backup.read_bytes() == content
    assert str(backup) in loaded.notice
    assert not path.exists()
    again = load_settings(path, now=NOW)  # told once: the next start is quiet
    assert again.notice is None
    assert again.settings == Settings()


def test_two_corrupt_files_in_the_same_second_keep_both(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for content in (b"{", b"[]"):
        path.write_bytes(content)
        load_settings(path, now=NOW)
    backups = sorted(p.name for p in tmp_path.iterdir())
    assert backups == ["settings.json.bad-20261125T090000Z", "settings.json.bad-20261125T090000Z-2"]


def test_unreadable_folder_gives_defaults(tmp_path: Path) -> None:
    # A directory where the file should be: reading fails with an OSError even as root.
    path = tmp_path / "settings.json"
    path.mkdir()
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.notice is not None
    assert path.is_dir()  # not moved: it was not ours to move
    assert loaded.unread
    assert "Is a directory" in loaded.notice
    assert "leaves the file as it is; make it readable again (or remove it)" in loaded.notice


@pytest.mark.parametrize("kind", ["folder", "symlink loop"])
def test_a_file_that_cannot_be_read_is_never_saved_over(tmp_path: Path, kind: str) -> None:
    """Loading gave the defaults; saving them (``accounts add``, the Settings window) replaced
    the person's file with settings they never saw."""
    path = tmp_path / "settings.json"
    if kind == "folder":
        path.mkdir()
        (path / "inside").write_text("kept")
    else:
        path.symlink_to(path.name)  # ELOOP: an OSError other than "not found", even as root
    assert load_settings(path).unread
    with pytest.raises(UnreadableSettings) as raised:
        save_settings(Settings(thresholds=(50,)), path)
    why = "Is a directory" if kind == "folder" else "Too many levels of symbolic links"
    assert str(raised.value) == (
        f"{path} cannot be read ({why}), so it was left as it is: make it readable again (or "
        "remove it), then try again"
    )
    if kind == "folder":
        assert (path / "inside").read_text() == "kept"
    else:
        assert path.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]  # no temporary left


def test_secrets_never_reach_the_file_even_after_a_pasted_login(tmp_path: Path) -> None:
    """A pasted login (keyring: the fail backend) and a save: no cookie or token on disk."""
    import io

    from claude_meter.cli.credentials import Terminal, run_login

    out, err = io.StringIO(), io.StringIO()
    term = Terminal(env={}, stdin=io.StringIO(f"sessionKey={TEST_SESSION_KEY}"), out=out, err=err)
    run_login(browser=None, profile=None, paste=True, term=term)
    save_settings(Settings(source="pasted"))
    with pytest.raises(ValueError, match="looks like a secret"):
        Settings(profile=f"sessionKey={TEST_SESSION_KEY}")
    written = b"".join(
        p.read_bytes() for p in paths.config_dir().rglob("*") if p.is_file()
    ).decode()
    assert "pasted" in written
    assert TEST_SESSION_KEY not in written
    assert "sk-ant" not in written
    assert "sessionKey" not in written


# -- regressions found by the fuzz tests (test_settings_properties.py) ---------------------


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 1986 + b"1",  # minimal found: RecursionError escaped load_settings
        b'{"a":' * 100_000,
        b'{"thresholds": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    ],
)
def test_deeply_nested_json_is_unusable_not_a_crash(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = load_settings(path, now=NOW)
    assert loaded.settings == Settings()
    assert loaded.notice is not None
    assert "not valid JSON" in loaded.notice
    assert (tmp_path / "settings.json.bad-20261125T090000Z").read_bytes() == content


def test_a_bad_window_key_is_not_repeated_in_the_notice_or_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found: the notice and the log quoted the key, here a session key pasted into the file."""
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"icon_hidden": [TEST_SESSION_KEY]}))
    loaded = load_settings(path, now=NOW)
    assert loaded.notice is not None
    assert "icon_hidden" in loaded.notice
    assert TEST_SESSION_KEY not in loaded.notice
    assert TEST_SESSION_KEY not in caplog.text


def test_a_huge_number_is_not_valid_json_and_says_so_plainly(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"poll_seconds": ' + b"9" * 5000 + b"}")
    loaded = load_settings(path, now=NOW)
    assert loaded.notice is not None
    assert "not valid JSON" in loaded.notice
    assert "set_int_max_str_digits" not in loaded.notice


def test_peek_says_a_damaged_file_on_the_log_and_leaves_it_as_it_is(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``status`` reads with peek: a damaged file used to drop its accounts without a word."""
    path = tmp_path / "settings.json"
    path.write_text('{"accounts",: []}')
    assert peek_settings(path) == Settings()
    assert "is unusable (not valid JSON" in caplog.text
    assert "accounts it names are left out" in caplog.text
    assert path.read_text() == '{"accounts",: []}'  # never moved aside under a running tray
    caplog.clear()
    path.write_text(json.dumps({"icon_hidden": [TEST_SESSION_KEY]}))
    assert peek_settings(path) == Settings()
    assert "icon_hidden" in caplog.text
    assert TEST_SESSION_KEY not in caplog.text
    caplog.clear()
    assert peek_settings(tmp_path / "none.json") == Settings()  # a first run: nothing said
    assert caplog.text == ""


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (rb'{"profile": "a\ud800"}', "profile: the profile name is not valid Unicode text"),
        (rb'{"poll_seconds": "\ud800"}', "the file: a text that is not valid Unicode"),
        (rb'{"source": "\udc80"}', "the file: a text that is not valid Unicode"),
        (
            rb'{"accounts": [{"id": "w", "name": "W\ud800", "kind": "pasted"}]}',
            "accounts.0.name: an account name must be valid Unicode text",
        ),
        (
            rb'{"retired_account_ids": ["sessionKey=x"]}',
            "retired_account_ids: an account id is 1 to 32 lowercase letters, digits or -",
        ),
    ],
)
def test_a_text_no_file_can_hold_is_refused_in_words(
    tmp_path: Path, content: bytes, why: str
) -> None:
    """JSON's lone surrogates (``"\ud800"``) and non-ids where only ids were kept: moved aside
    with where and what, as any bad value, never a traceback (found reviewing the move)."""
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    loaded = load_settings(path, now=NOW)
    assert loaded.notice is not None
    assert f"({why})" in loaded.notice
    assert loaded.settings == Settings()


@pytest.mark.parametrize(
    ("said", "meant"),
    [("yes", True), ("On", True), ("t", True), (1.0, True), ("no", False), ("OFF", False),
     ("n", False), (0.0, False), ("true", True), ("0", False), (1, True)],
)  # fmt: skip
def test_on_and_off_read_as_a_person_may_type_them(
    tmp_path: Path, said: object, meant: bool
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"bridge_enabled": said, "default_account": said}))
    loaded = load_settings(path, now=NOW)
    assert loaded.notice is None
    assert (loaded.settings.bridge_enabled, loaded.settings.default_account) == (meant, meant)


@pytest.mark.parametrize("said", ["maybe", 2, 0.5, None])
def test_a_switch_that_is_neither_is_refused(tmp_path: Path, said: object) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"challenge_fallback": said}))
    notice = load_settings(path, now=NOW).notice
    assert notice is not None
    assert "(challenge_fallback: expected bool, got " in notice


def test_a_key_of_a_newer_version_is_ignored_whatever_it_is(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(
        rb'{"\ud800": 1, "poll_seconds": 90, "accounts": [{"\udc80": [], "id": "w", '
        rb'"name": "W", "kind": "pasted"}]}'
    )
    loaded = load_settings(path, now=NOW)
    assert loaded.notice is None
    assert loaded.settings.poll_seconds == 90
    assert loaded.settings.accounts == (AccountRef(id="w", name="W", kind="pasted"),)


# -- files written before the move to msgspec (issue 19) -----------------------------------

#: Saved by the pydantic model (0.x), every field set: read the same, saved byte for byte.
SAVED_BEFORE = """{
  "accounts": [
    {
      "browser": "chrome",
      "config_dir": null,
      "email": null,
      "id": "work",
      "kind": "browser",
      "name": "Work",
      "profile": "Profile 2"
    },
    {
      "browser": null,
      "config_dir": null,
      "email": "me@example.com",
      "id": "home",
      "kind": "pasted",
      "name": "Home",
      "profile": null
    },
    {
      "browser": null,
      "config_dir": "/home/x/.claude-work",
      "email": null,
      "id": "cc",
      "kind": "claude-code",
      "name": "Code",
      "profile": null
    },
    {
      "browser": null,
      "config_dir": null,
      "email": null,
      "id": "ext",
      "kind": "extension",
      "name": "Ext",
      "profile": "Lab"
    }
  ],
  "bridge_enabled": true,
  "bridge_port": 48123,
  "browser": "firefox",
  "challenge_fallback": true,
  "default_account": false,
  "default_account_name": "Mine",
  "icon_account": "work",
  "icon_colour": "monochrome",
  "icon_hidden": [
    "seven_day",
    "five_hour"
  ],
  "icon_style": "ring",
  "percent_shown": "remaining",
  "poll_seconds": 120,
  "popover_hidden": [
    "seven_day_opus"
  ],
  "profile": "Work",
  "retired_account_ids": [
    "old",
    "older-2"
  ],
  "source": "browser",
  "thresholds": [
    75.5,
    90.0,
    95.0
  ],
  "version": 1
}
"""

#: The first run's file, as the pydantic model saved it.
SAVED_BEFORE_DEFAULTS = """{
  "accounts": [],
  "bridge_enabled": false,
  "bridge_port": 63762,
  "browser": null,
  "challenge_fallback": false,
  "default_account": true,
  "default_account_name": "Default",
  "icon_account": null,
  "icon_colour": "colour",
  "icon_hidden": [],
  "icon_style": "number",
  "percent_shown": "used",
  "poll_seconds": 60,
  "popover_hidden": [],
  "profile": null,
  "retired_account_ids": [],
  "source": "auto",
  "thresholds": [
    80.0
  ],
  "version": 1
}
"""

EVERY_FIELD = Settings(
    source="browser",
    browser="firefox",
    profile="Work",
    poll_seconds=120,
    thresholds=(75.5, 90.0, 95.0),
    icon_hidden=("seven_day", "five_hour"),
    popover_hidden=("seven_day_opus",),
    icon_style="ring",
    icon_colour="monochrome",
    percent_shown="remaining",
    bridge_enabled=True,
    bridge_port=48123,
    challenge_fallback=True,
    accounts=(
        AccountRef(id="work", name="Work", kind="browser", browser="chrome", profile="Profile 2"),
        AccountRef(id="home", name="Home", kind="pasted", email="me@example.com"),
        AccountRef(id="cc", name="Code", kind="claude-code", config_dir="/home/x/.claude-work"),
        AccountRef(id="ext", name="Ext", kind="extension", profile="Lab"),
    ),
    default_account=False,
    default_account_name="Mine",
    icon_account="work",
    retired_account_ids=("old", "older-2"),
)


@pytest.mark.parametrize(
    ("text", "settings"), [(SAVED_BEFORE, EVERY_FIELD), (SAVED_BEFORE_DEFAULTS, Settings())]
)
def test_a_file_saved_before_reads_the_same_and_saves_byte_for_byte(
    tmp_path: Path, text: str, settings: Settings
) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    loaded = load_settings(path, now=NOW)
    assert (loaded.settings, loaded.notice, loaded.backup) == (settings, None, None)
    save_settings(loaded.settings, path)
    assert path.read_text() == text
    save_settings(settings, path)  # built in code: the same bytes
    assert path.read_text() == text


def test_a_newer_versions_file_reads_the_same(tmp_path: Path) -> None:
    """Keys a newer version adds (at the top, in an account) are ignored, and the file kept."""
    data = json.loads(SAVED_BEFORE)
    data |= {"version": 2, "hologram": {"beam": [1, None]}, "theme": "dark"}
    data["accounts"][0] |= {"colour": "#ff0000", "plan": {"name": "max"}}
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data))
    loaded = load_settings(path, now=NOW)
    assert loaded.notice is None
    assert loaded.settings == msgspec.structs.replace(EVERY_FIELD, version=2)
    assert json.loads(path.read_text()) == data  # read, not rewritten
