"""Fixtures the command-line tests share: a keyring in memory, a home folder of the test's
own, and the fake claude.ai serving three accounts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, THIRD_ACCOUNT, WORK_ACCOUNT
from tests.sources.memory_keyring import SharedMemoryKeyring

Items = dict[tuple[str, str], str]


@pytest.fixture
def keyring_items(monkeypatch: pytest.MonkeyPatch) -> Iterator[Items]:
    SharedMemoryKeyring.shared.clear()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sources.memory_keyring.SharedMemoryKeyring")
    yield SharedMemoryKeyring.shared
    SharedMemoryKeyring.shared.clear()


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def accounts_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClaude]:
    """The fake claude.ai serving three accounts, each with its own key, orgs and numbers."""
    served = (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)
    with FakeClaude("normal", accounts=served).start() as fake:
        monkeypatch.setenv("CLAUDE_METER_BASE_URL", fake.base_url)
        monkeypatch.setenv("CLAUDE_METER_OAUTH_BASE_URL", fake.base_url)
        yield fake
