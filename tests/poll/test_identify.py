"""Asking the fake claude.ai (two accounts, real socket) whose each session found is."""

from __future__ import annotations

from datetime import UTC, datetime

from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT
from claude_meter.poll.identify import identify
from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.discovery import Found


def found(key: str, label: str) -> Found:
    return Found("browser", label, cookies=SessionCookies.parse(f"sessionKey={key}"))


def test_each_session_is_asked_alone() -> None:
    with FakeClaude("normal", accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT)).start() as server:
        env = {"CLAUDE_METER_BASE_URL": server.base_url}
        given = [
            found(PERSONAL_ACCOUNT.session_key, "a"),
            found(WORK_ACCOUNT.session_key, "b"),
            found("sk-ant-sid01-nobody-0000", "c"),
            Found("claude-code", "d"),
        ]
        told = identify(given, env, clock=lambda: datetime.now(UTC))
        assert [f.email for f in told] == ["ada@example.com", "ada.lovelace@initech.example",
                                           None, None]  # fmt: skip
        assert server.cross_account_requests() == []
        assert {r.account for r in server.request_log} == {"personal", "work", None}
        assert all(len(r.secrets_of) <= 1 for r in server.request_log)
