"""``claude-meter accounts paste NAME``: a new session for a pasted account whose session
expired, over the real command line, a real settings file, the test keyring backend and the
multi-account fake claude.ai on a real socket (which signs Work's old session out)."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from claude_meter.core.accounts import keyring_entry
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT
from claude_meter.sources.keyring_store import SERVICE
from tests.cli.accounts_support import (
    ACCOUNT_SECRETS,
    Items,
    cli,
    settings_data,
    settings_text,
)

Capsys = pytest.CaptureFixture[str]
RENEWED = "sk-ant-sid01-fake-work-renewed-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
ENTRY = (SERVICE, keyring_entry("work"))


@pytest.fixture
def work(
    accounts_server: FakeClaude,
    keyring_items: Items,
    home: Path,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, object]:
    """Work added with its pasted session and read once by `status` (its history begun);
    then claude.ai signs that session out and RENEWED is its new one."""
    pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
    code, _, err = cli(["accounts", "add", "Work", "--paste"], capsys, pasted, monkeypatch)
    assert code == 0, err
    code, _, err = cli(["status", "--account", "Work"], capsys)
    assert code == 0, err
    accounts_server.sign_in_again("work", RENEWED)
    return settings_data()


def history_of(capsys: Capsys) -> list[tuple[object, object]]:
    """The readings' times, each with its account's name and id."""
    _, out, _ = cli(["history", "--json"], capsys)
    return sorted({((r["account"], r["account_id"]), r["time"]) for r in json.loads(out)}, key=str)


def test_an_expired_account_gets_a_new_session_and_keeps_its_id_and_history(
    work: dict[str, object],
    accounts_server: FakeClaude,
    keyring_items: Items,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = cli(["status", "--account", "Work"], capsys)
    assert code == 2
    assert (
        "The claude.ai session pasted for Work has expired or was signed out. Give it a new "
        "session with `claude-meter accounts paste Work`"
    ) in out + err
    before = history_of(capsys)
    assert before
    assert {a for a, _ in before} == {("Work", "work")}

    code, out, err = cli(["accounts", "paste", "Work"], capsys, f"{RENEWED}\n", monkeypatch)
    assert code == 0, err
    assert out == (
        "Stored a new session for Work (ada.lovelace@initech.example) in its keyring entry; its "
        "history and settings stay with it. A running tray reads it at its next poll.\n"
    )
    assert err == ""
    assert keyring_items[ENTRY] == f"sessionKey={RENEWED}"
    assert settings_data() == work  # the same id, name, email; no id retired
    code, out, err = cli(["status", "--account", "Work", "--json"], capsys)
    assert code == 0, err
    shown = json.loads(out)["accounts"]
    assert [(a["name"], a["error"]) for a in shown] == [("Work", None)]
    after = history_of(capsys)
    assert set(before) <= set(after)
    assert {a for a, _ in after} == {("Work", "work")}  # never "Removed account (work)"
    assert accounts_server.cross_account_requests() == []
    for secret in (*ACCOUNT_SECRETS, RENEWED):
        assert secret not in out + err + settings_text()


def test_a_refused_or_malformed_paste_changes_nothing(
    work: dict[str, object], keyring_items: Items, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = keyring_items[ENTRY]
    code, out, err = cli(["accounts", "paste", "Work"], capsys, WORK_ACCOUNT.session_key,
                         monkeypatch)  # fmt: skip
    assert code == 1
    assert err == (
        "claude-meter: claude.ai refused that session (it has expired or was signed out); "
        "nothing was changed. Sign in to claude.ai in a browser and copy a fresh one.\n"
    )
    code, out, err = cli(["accounts", "paste", "Work"], capsys, "hello there", monkeypatch)
    assert code == 1
    assert err.startswith("claude-meter: that is not a claude.ai session: ")
    assert "hello" not in out + err
    assert keyring_items[ENTRY] == old
    assert settings_data() == work


def test_another_emails_session_needs_other_email(
    work: dict[str, object], keyring_items: Items, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    pasted = f"sessionKey={PERSONAL_ACCOUNT.session_key}"
    code, out, err = cli(["accounts", "paste", "Work"], capsys, pasted, monkeypatch)
    assert code == 1
    assert err == (
        "claude-meter: that session is signed in as ada@example.com, not "
        "ada.lovelace@initech.example (Work's); nothing was changed. Paste a session of "
        "ada.lovelace@initech.example, or add that one as an account of its own. If Work's "
        "sign-in really is ada@example.com now, run it again with --other-email.\n"
    )
    assert keyring_items[ENTRY] == f"sessionKey={WORK_ACCOUNT.session_key}"
    code, out, err = cli(["accounts", "paste", "Work", "--other-email"], capsys, pasted,
                         monkeypatch)  # fmt: skip
    assert code == 0, err
    assert "Stored a new session for Work (ada@example.com)" in out
    assert keyring_items[ENTRY] == pasted
    accounts = settings_data()["accounts"]
    assert isinstance(accounts, list)
    assert [(a["id"], a["email"]) for a in accounts] == [("work", "ada@example.com")]


def test_usage_errors_say_what_to_do_instead(
    work: dict[str, object], home: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = cli(["accounts", "paste", "Nobody"], capsys, RENEWED, monkeypatch)
    assert (code, err) == (1, "claude-meter: there is no account of that name; the accounts: "
                              "Default, Work.\n")  # fmt: skip
    code, _, err = cli(["accounts", "paste", "default"], capsys, RENEWED, monkeypatch)
    assert (code, err) == (1, "claude-meter: Default is the default account: give it a new "
                              "session with `claude-meter login --paste`.\n")  # fmt: skip
    code, _, err = cli(["accounts", "add", "Code", "--claude-config", str(home)], capsys)
    assert code == 0, err
    code, _, err = cli(["accounts", "paste", "Code"], capsys, RENEWED, monkeypatch)
    assert code == 1
    assert err.startswith(
        f"claude-meter: Code reads Claude Code's sign-in: run `CLAUDE_CONFIG_DIR={home} claude` "
        "to sign in. Only a pasted account takes a pasted session"
    )
    with pytest.raises(SystemExit) as exited:
        cli(["accounts", "paste"], capsys)
    assert exited.value.code == 1  # the command line's usage errors exit 1
    assert "the following arguments are required: NAME" in capsys.readouterr().err


def test_without_a_usable_keyring_nothing_is_read_or_changed(
    work: dict[str, object],
    accounts_server: FakeClaude,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    sent = len(accounts_server.request_log)
    code, out, err = cli(["accounts", "paste", "Work"], capsys, RENEWED, monkeypatch)
    assert code == 1
    assert out == ""
    assert err.startswith(
        "claude-meter: Work's session was not replaced: no usable keyring was found (no keyring "
        "backend is available), and a pasted session is kept only there, never in a file."
    )
    assert len(accounts_server.request_log) == sent
    assert settings_data() == work


def test_help_names_the_action(capsys: Capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(["accounts", "paste", "--help"], capsys)
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "Replace the stored session of a named pasted account" in " ".join(out.split())
    assert "--other-email" in out


def test_settings_saved_while_the_session_is_pasted_are_kept(
    work: dict[str, object],
    accounts_server: FakeClaude,
    keyring_items: Items,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tray (or another command) saves while the person is still copying the cookie:
    the email the read gives is saved into the settings as they are then, not over them."""
    from claude_meter.cli import paste
    from claude_meter.core.settings import load_settings, save_settings

    real = paste.read_pasted

    def slow_person(stdin: object, err: object) -> object:
        text = real(stdin, err)  # type: ignore[arg-type]
        settings = load_settings().settings
        save_settings(msgspec.structs.replace(settings, poll_seconds=300))  # meanwhile
        return text

    monkeypatch.setattr(paste, "read_pasted", slow_person)
    assert work["poll_seconds"] != 300
    pasted = f"sessionKey={PERSONAL_ACCOUNT.session_key}"  # another sign-in: its email saved
    code, _, err = cli(["accounts", "paste", "Work", "--other-email"], capsys, pasted, monkeypatch)
    assert code == 0, err
    after = settings_data()
    assert after["poll_seconds"] == 300
    assert after["accounts"][0]["email"] == PERSONAL_ACCOUNT.email
