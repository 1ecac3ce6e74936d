"""Reading Claude Code's token: read-only, every place it can be, every way it can be bad."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claude_meter.core.errors import NotSignedIn
from claude_meter.sources.claude_code import (
    KEYCHAIN_SERVICE,
    credentials_path,
    find_claude_code_credentials,
)

TOKEN = "sk-ant-oat01-SECRETTOKEN-abcdef"


def document(**overrides: object) -> str:
    oauth: dict[str, object] = {
        "accessToken": TOKEN,
        "refreshToken": "sk-ant-ort01-SECRETREFRESH",
        "expiresAt": 1778299177154,
        "scopes": ["user:inference", "user:profile"],
        "subscriptionType": "max",
        "rateLimitTier": "default_claude_max_20x",
    }
    oauth.update(overrides)
    return json.dumps({"claudeAiOauth": oauth})


def no_keychain(service: str) -> str | None:
    raise AssertionError("the Keychain is only asked on macOS")


def test_file_in_home(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / ".credentials.json"
    path.parent.mkdir()
    path.write_text(document())
    path.chmod(stat.S_IRUSR)  # read-only is enough: we never write it
    before = path.read_bytes(), path.stat().st_mtime_ns
    found = find_claude_code_credentials({}, tmp_path, platform="linux", keychain=no_keychain)
    assert found is not None
    assert found.access_token.reveal() == TOKEN
    assert found.expires_at == datetime.fromtimestamp(1778299177.154, tz=UTC)
    assert found.scopes == ("user:inference", "user:profile")
    assert found.rate_limit_tier == "default_claude_max_20x"
    assert not found.lacks_profile_scope
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert TOKEN not in repr(found)


def test_config_dir_is_honoured(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere"
    config.mkdir()
    (config / ".credentials.json").write_text(document(scopes=["user:inference"]))
    env = {"CLAUDE_CONFIG_DIR": str(config)}
    assert credentials_path(env, tmp_path) == config / ".credentials.json"
    found = find_claude_code_credentials(env, tmp_path, platform="win32", keychain=no_keychain)
    assert found is not None
    assert found.lacks_profile_scope


def test_env_token_first(tmp_path: Path) -> None:
    found = find_claude_code_credentials(
        {"CLAUDE_CODE_OAUTH_TOKEN": TOKEN}, tmp_path, platform="darwin", keychain=no_keychain
    )
    assert found is not None
    assert found.origin == "$CLAUDE_CODE_OAUTH_TOKEN"
    assert found.expires_at is None
    assert found.scopes is None


def test_macos_keychain(tmp_path: Path) -> None:
    asked: list[str] = []

    def keychain(service: str) -> str | None:
        asked.append(service)
        return document()

    found = find_claude_code_credentials({}, tmp_path, platform="darwin", keychain=keychain)
    assert asked == [KEYCHAIN_SERVICE]
    assert found is not None
    assert found.origin == "macOS Keychain"


def test_keychain_refused_or_absent(tmp_path: Path) -> None:
    found = find_claude_code_credentials({}, tmp_path, platform="darwin", keychain=lambda s: None)
    assert found is None
    assert find_claude_code_credentials({}, tmp_path, platform="linux") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "could not be read"),
        ("[]", "hold no claude.ai sign-in"),
        (json.dumps({"other": {}}), "hold no claude.ai sign-in"),
        (document(accessToken=""), "hold no claude.ai sign-in"),
        (document(accessToken=5), "hold no claude.ai sign-in"),
    ],
)
def test_unusable_documents(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".claude" / ".credentials.json"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(NotSignedIn, match=message):
        find_claude_code_credentials({}, tmp_path, platform="linux")


def test_odd_expiry_and_scopes_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / ".claude" / ".credentials.json"
    path.parent.mkdir()
    path.write_text(document(expiresAt="soon", scopes="user:profile"))
    found = find_claude_code_credentials({}, tmp_path, platform="linux")
    assert found is not None
    assert found.expires_at is None
    assert found.scopes is None


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".claude" / ".credentials.json"
    path.parent.mkdir()
    path.write_text(document())

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_text", refuse)  # root reads any file, so simulate it
    with pytest.raises(NotSignedIn, match="could not be read"):
        find_claude_code_credentials({}, tmp_path, platform="linux")
