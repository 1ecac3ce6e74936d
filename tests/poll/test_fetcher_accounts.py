"""One poll of one named account reads that account's credential and nothing else: never the
environment's cookie or token, the default account's keyring entry or remembered profile.
Against the fake claude.ai over real sockets."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from claude_meter.core.accounts import AccountRef, keyring_entry
from claude_meter.fake import FakeClaude
from claude_meter.poll.fetcher import Fetcher
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, Keyring
from claude_meter.sources.session_cache import SessionCache
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY
from tests.sources.memory_keyring import CountingKeyring

WRONG = "sessionKey=sk-ant-sid02-NOT-THIS-ONE-000000000000000000000000"
PASTED = AccountRef(id="work", name="Work", kind="pasted")


def env_of(server: FakeClaude, **more: str) -> dict[str, str]:
    return {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        **more,
    }


def test_a_pasted_account_reads_its_own_entry_and_marks_its_readings(
    fake_server: FakeClaude,
) -> None:
    backend = CountingKeyring()
    backend.items[(SERVICE, keyring_entry("work"))] = f"sessionKey={TEST_SESSION_KEY}"
    backend.items[(SERVICE, SESSION_ENTRY)] = WRONG  # the default account's: not used
    fetcher = Fetcher(
        env_of(fake_server, CLAUDE_METER_COOKIE=WRONG), keyring=Keyring(backend, SessionCache())
    )
    result = fetcher.fetch_account(PASTED)
    assert result.error is None
    assert result.account == "work"
    assert result.snapshots
    assert {s.account for s in result.snapshots} == {"work"}
    fetcher.fetch_account(PASTED)
    assert backend.reads == 1  # the account's own cache
    default = fetcher.fetch_account(None)  # the default account: the environment's cookie
    assert default.account is None
    assert default.error is not None
    assert default.error.kind == "session_expired"


def test_a_named_account_without_its_credential_asks_nobody(fake_server: FakeClaude) -> None:
    backend = CountingKeyring()
    backend.items[(SERVICE, SESSION_ENTRY)] = f"sessionKey={TEST_SESSION_KEY}"
    fetcher = Fetcher(
        env_of(
            fake_server,
            CLAUDE_METER_COOKIE=f"sessionKey={TEST_SESSION_KEY}",
            CLAUDE_CODE_OAUTH_TOKEN=TEST_OAUTH_TOKEN,
        ),
        keyring=Keyring(backend, SessionCache()),
    )
    pasted = fetcher.fetch_account(PASTED)
    assert pasted.error is not None
    assert pasted.error.kind == "not_signed_in"
    assert "`claude-meter accounts paste Work`" in pasted.error.message
    code = fetcher.fetch_account(
        AccountRef(id="cc", name="CC", kind="claude-code", config_dir="/nonexistent/cc")
    )
    assert code.error is not None
    assert "/nonexistent/cc" in code.error.message
    waiting = fetcher.fetch_account(AccountRef(id="ext", name="Ext", kind="extension"))
    assert waiting.error is not None
    assert waiting.account == "ext"
    assert fake_server.request_log == []
    for result in (pasted, code, waiting):
        assert TEST_SESSION_KEY not in msgspec.json.encode(result).decode()


def test_a_claude_code_account_reads_its_own_configuration_folder(
    fake_server: FakeClaude, tmp_path: Path
) -> None:
    folder = tmp_path / "work-claude"
    folder.mkdir()
    (folder / ".credentials.json").write_text(
        json.dumps(
            {
                "claudeAiOauth": {
                    "accessToken": TEST_OAUTH_TOKEN,
                    "expiresAt": 4102444800000,
                    "scopes": ["user:inference", "user:profile"],
                }
            }
        )
    )
    fetcher = Fetcher(env_of(fake_server, CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-not-this-one"))
    account = AccountRef(id="cc", name="CC", kind="claude-code", config_dir=str(folder))
    result = fetcher.fetch_account(account)
    assert result.error is None, result.error
    assert (result.source, result.account) == ("claude-code", "cc")
    assert all(s.account == "cc" for s in result.snapshots)


def test_the_trays_default_poll_leaves_the_named_accounts_sign_ins_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The default account's ``auto`` skips the browser profile Work owns, even the one
    ``login`` remembered, and reads the next; with Claude Code's folder owned too and no
    other profile, it reads nothing and says whose each sign-in is."""
    from claude_meter.core.settings import Settings
    from claude_meter.fake.accounts import (
        PERSONAL_ACCOUNT,
        PERSONAL_MAX,
        THIRD_ACCOUNT,
        WORK_ACCOUNT,
        WORK_TEAM,
    )
    from claude_meter.sources.choice import RememberedChoice, save_choice
    from tests.sources.profiles import chromium_profile

    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    chromium = home / ".config/chromium"
    chromium_profile(chromium, "Default", {"sessionKey": WORK_ACCOUNT.session_key,
                                           "lastActiveOrg": WORK_TEAM.uuid})  # fmt: skip
    save_choice(RememberedChoice(browser="chromium", profile="Default"))
    work = AccountRef(id="work", name="Work", kind="browser", browser="chromium",
                      profile="Default")  # fmt: skip
    with FakeClaude("normal", accounts=(WORK_ACCOUNT,)).start() as server:
        only = Fetcher(env_of(server), settings=Settings(accounts=(work,)))()
        assert only.error is not None
        assert only.error.message == (  # no Claude Code here either: said once, no demo advice
            "No sign-in of its own: Chromium (Default) is Work's. Give it one with "
            "`claude-meter login`, or stop metering it with `claude-meter accounts remove` and "
            "its name."
        )
        assert server.request_log == []
    claude = home / ".claude"
    claude.mkdir(parents=True)
    (claude / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {
        "accessToken": THIRD_ACCOUNT.oauth_token, "expiresAt": 4102444800000,
    }}))  # fmt: skip
    agent = AccountRef(id="agent", name="Agent", kind="claude-code", config_dir=str(claude))
    served = (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)
    with FakeClaude("normal", accounts=served).start() as server:
        fetcher = Fetcher(env_of(server), settings=Settings(accounts=(work, agent)))
        alone = fetcher()
        assert alone.error is not None
        assert alone.error.kind == "not_signed_in"
        assert alone.error.message.startswith(
            "No sign-in of its own: Chromium (Default) is Work's; Claude Code's sign-in is Agent's."
        )
        assert server.request_log == []
        chromium_profile(chromium, "Profile 2", {"sessionKey": PERSONAL_ACCOUNT.session_key,
                                                 "lastActiveOrg": PERSONAL_MAX.uuid})  # fmt: skip
        mine = fetcher()
        assert mine.error is None
        assert {s.account_email for s in mine.snapshots} == {PERSONAL_ACCOUNT.email}
        assert {r.account for r in server.request_log} == {"personal"}
        fetcher.configure(settings=Settings())  # no named account: the remembered profile
        assert {s.account_email for s in fetcher().snapshots} == {WORK_ACCOUNT.email}
