"""The XDG autostart entry (:mod:`claude_meter.platform.autostart.linux`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.platform.autostart.linux import (
    XdgAutostart,
    desktop_entry,
    exec_line,
    parse_entry,
)


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["/usr/bin/claude-meter"], "/usr/bin/claude-meter"),
        (["/opt/My Apps/claude-meter"], '"/opt/My Apps/claude-meter"'),
        (
            ["/home/a/.venv/bin/python", "-m", "claude_meter"],
            "/home/a/.venv/bin/python -m claude_meter",
        ),
        (["/x/100%/cm"], "/x/100%%/cm"),
        (['/we"ird/$HOME/cm'], '"/we\\\\"ird/\\\\$HOME/cm"'),
        (["/a\\b/cm"], '"/a\\\\\\\\b/cm"'),
    ],
)
def test_exec_line_quoting(argv: list[str], line: str) -> None:
    assert exec_line(argv) == line


def test_desktop_entry_content() -> None:
    text = desktop_entry(["/opt/My Apps/claude-meter"])
    values = parse_entry(text)
    assert text.startswith("[Desktop Entry]\n")
    assert values["Type"] == "Application"
    assert values["Name"] == "ClaudeMeter"
    assert values["Exec"] == '"/opt/My Apps/claude-meter"'
    assert values["X-GNOME-Autostart-Delay"] == "5"  # the panel gets time to appear
    assert values["X-KDE-autostart-after"] == "panel"
    assert values["Terminal"] == "false"
    assert "sleep" not in text


def test_xdg_config_home_is_honoured(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert (
        XdgAutostart.for_environment({}, home).path
        == home / ".config/autostart/claude-meter.desktop"
    )
    custom = tmp_path / "cfg"
    assert (
        XdgAutostart.for_environment({"XDG_CONFIG_HOME": str(custom)}, home).path
        == custom / "autostart/claude-meter.desktop"
    )
    # A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    assert XdgAutostart.for_environment({"XDG_CONFIG_HOME": "rel"}, home).path.is_relative_to(home)


def test_disabled_by_the_desktop_reads_as_off(tmp_path: Path) -> None:
    backend = XdgAutostart(tmp_path)
    backend.enable(["/usr/bin/claude-meter"])
    backend.path.write_text(backend.path.read_text() + "Hidden=true\n")
    assert not backend.status().enabled
