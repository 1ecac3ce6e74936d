"""Putting ClaudeMeter's status line into Claude Code's settings and taking it out again
(:mod:`claude_meter.cli.statusline_install`)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from claude_meter.cli.statusline_install import install, is_ours, our_command, uninstall


def test_install_backs_up_chains_and_uninstall_restores(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    before = {"model": "opus", "statusLine": {"type": "command", "command": "echo mine"}}
    settings.write_text(json.dumps(before))
    remembered = tmp_path / "state" / "previous.json"
    said = install(settings, remembered)
    assert "echo mine" in said
    after = json.loads(settings.read_text())
    assert after["model"] == "opus"
    assert after["statusLine"]["command"] == our_command("echo mine")
    assert is_ours(after["statusLine"])
    assert json.loads((tmp_path / "settings.json.claude-meter-backup").read_text()) == before
    assert "already" in install(settings, remembered)
    uninstall(settings, remembered)
    assert json.loads(settings.read_text()) == before


def test_install_into_no_settings_and_uninstall_removes_the_key(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    install(settings, tmp_path / "previous.json")
    assert json.loads(settings.read_text())["statusLine"]["command"] == our_command()
    uninstall(settings, tmp_path / "previous.json")
    assert json.loads(settings.read_text()) == {}


def test_broken_settings_are_never_touched(tmp_path: Path) -> None:
    from claude_meter.cli.statusline_install import InstallError

    settings = tmp_path / "settings.json"
    settings.write_text("{ not json")
    with pytest.raises(InstallError, match="not valid JSON"):
        install(settings, tmp_path / "previous.json")
    assert settings.read_text() == "{ not json"


def test_unreadable_settings_are_said_in_words_and_never_touched(tmp_path: Path) -> None:
    """A file that could not be read was said as Python's "[Errno 21] ...: '<path>'"."""
    from claude_meter.cli.statusline_install import InstallError

    settings = tmp_path / "settings.json"
    settings.mkdir()  # unreadable even as root (chmod 000 is not, for root)
    with pytest.raises(InstallError) as raised:
        install(settings, tmp_path / "previous.json")
    assert str(raised.value) == (
        f"cannot read {settings} (Is a directory); nothing was changed: make it readable for "
        "you, then run the command again"
    )
    assert settings.is_dir()
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"model": "caf\xe9"}')
    with pytest.raises(InstallError, match="is not UTF-8 text; nothing was changed"):
        install(latin, tmp_path / "previous.json")
    assert latin.read_bytes() == b'{"model": "caf\xe9"}'


def test_install_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claude_meter.cli import main

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path))
    settings = tmp_path / "settings.json"
    settings.write_text('{"theme": "dark"}')
    out = io.StringIO()
    assert main(["statusline", "--install"], stdout=out) == 0
    assert "ClaudeMeter's status line is in" in out.getvalue()
    assert is_ours(json.loads(settings.read_text())["statusLine"])
    assert main(["statusline", "--uninstall"], stdout=out) == 0
    assert json.loads(settings.read_text()) == {"theme": "dark"}
    settings.write_text("{broken")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["statusline", "--install"], stdout=out) == 1
    assert "not valid JSON" in err.getvalue()


def test_install_and_uninstall_together_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from claude_meter.cli import main

    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path))
    settings = tmp_path / "settings.json"
    settings.write_text('{"theme": "dark"}')
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["statusline", "--install", "--uninstall"], stdout=io.StringIO()) == 1
    assert "choose --install or --uninstall, not both" in err.getvalue()
    assert settings.read_text() == '{"theme": "dark"}'
