"""Where keyring's configuration is and what it names, read without importing keyring."""

from __future__ import annotations

from pathlib import Path

from claude_meter.sources.keyring_config import config_file, config_stamp, configured_backend


def test_the_file_is_where_keyring_looks(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path / "home")}
    assert config_file(home) == tmp_path / "home/.config/python_keyring/keyringrc.cfg"
    xdg = {**home, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert config_file(xdg) == tmp_path / "xdg/python_keyring/keyringrc.cfg"


def test_the_stamp_changes_with_every_edit_and_the_file_s_removal(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    assert config_stamp(env) == ""
    rc = config_file(env)
    rc.parent.mkdir()
    rc.write_text("[backend]\ndefault-keyring = keyring.backends.null.Keyring\n")
    first = config_stamp(env)
    assert first
    assert config_stamp(env) == first  # read again, unchanged
    rc.write_text("[backend]\ndefault-keyring = keyring.backends.fail.Keyring\n")
    assert config_stamp(env) not in ("", first)
    rc.unlink()
    assert config_stamp(env) == ""


def test_the_backend_named_is_read_as_keyring_reads_it(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    assert configured_backend(env) is None
    rc = config_file(env)
    rc.parent.mkdir()
    rc.write_text("[backend]\ndefault-keyring =  keyring.backends.null.Keyring \n")
    assert configured_backend(env) == "keyring.backends.null.Keyring"
    assert configured_backend({**env, "PYTHON_KEYRING_BACKEND": " x.Y"}) == " x.Y"
    rc.write_text("[backend]\nkeyring-path = /x\n")
    assert configured_backend(env) is None
