"""Autostart: each backend's generated entry, and the Linux file with the CLI end to end."""

from __future__ import annotations

import io
import plistlib
from pathlib import Path

import pytest

from claude_meter.cli.autostart import run_autostart
from claude_meter.platform.autostart import launch_command, pick
from claude_meter.platform.autostart.linux import (
    XdgAutostart,
    desktop_entry,
    exec_line,
    parse_entry,
)
from claude_meter.platform.autostart.macos import LABEL, LaunchAgent, agent_plist
from claude_meter.platform.autostart.windows import RUN_KEY, RunValue, run_value

# -- Linux ----------------------------------------------------------------------------------


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


# -- macOS ----------------------------------------------------------------------------------


def test_launch_agent_plist() -> None:
    agent = plistlib.loads(
        agent_plist(["/Applications/ClaudeMeter.app/Contents/MacOS/ClaudeMeter"])
    )
    assert agent == {
        "Label": LABEL,
        "ProgramArguments": ["/Applications/ClaudeMeter.app/Contents/MacOS/ClaudeMeter"],
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


def test_launch_agent_file(tmp_path: Path) -> None:
    backend = pick("darwin", {"HOME": str(tmp_path)})
    assert isinstance(backend, LaunchAgent)
    status = backend.enable(["/usr/local/bin/claude-meter"])
    path = tmp_path / "Library/LaunchAgents" / f"{LABEL}.plist"
    assert status.enabled
    assert status.where == str(path)
    assert status.command == "/usr/local/bin/claude-meter"
    assert plistlib.loads(path.read_bytes())["RunAtLoad"] is True
    assert not backend.disable().enabled
    assert not path.exists()


# -- Windows --------------------------------------------------------------------------------


class FakeRunKey:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


@pytest.mark.parametrize(
    ("argv", "value"),
    [
        (
            [r"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"],
            r'"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"',
        ),
        ([r"C:\Py\pythonw.exe", "-m", "claude_meter"], r"C:\Py\pythonw.exe -m claude_meter"),
    ],
)
def test_run_value(argv: list[str], value: str) -> None:
    assert run_value(argv) == value


def test_run_value_backend_with_a_fake_registry() -> None:
    key = FakeRunKey()
    backend = RunValue(key)
    assert not backend.status().enabled
    status = backend.enable([r"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"])
    assert key.values == {"ClaudeMeter": r'"C:\Program Files\ClaudeMeter\ClaudeMeter.exe"'}
    assert status.enabled
    assert status.where == f"HKEY_CURRENT_USER\\{RUN_KEY}\\ClaudeMeter"
    assert not backend.disable().enabled
    assert key.values == {}


def test_the_real_registry_is_refused_off_windows() -> None:
    from claude_meter.platform.autostart.windows import WinregRunKey

    with pytest.raises(OSError, match="only on Windows"):
        WinregRunKey().get("ClaudeMeter")


# -- choosing and the command ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "kind"),
    [("linux", XdgAutostart), ("freebsd14", XdgAutostart), ("darwin", LaunchAgent)],
)
def test_pick(platform: str, kind: type, tmp_path: Path) -> None:
    assert isinstance(pick(platform, {"HOME": str(tmp_path)}), kind)


def test_launch_command(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = str(bin_dir / "python")
    assert launch_command("linux", python, frozen=False) == [python, "-m", "claude_meter"]
    (bin_dir / "claude-meter").write_text("")
    assert launch_command("linux", python, frozen=False) == [str(bin_dir / "claude-meter")]
    assert launch_command("darwin", "/App/ClaudeMeter", frozen=True) == ["/App/ClaudeMeter"]
    (bin_dir / "pythonw.exe").write_text("")
    assert launch_command("win32", python, frozen=False) == [
        str(bin_dir / "pythonw.exe"),
        "-m",
        "claude_meter",
    ]


def test_cli_reports_a_failure_to_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    out, err = io.StringIO(), io.StringIO()
    code = run_autostart("on", out=out, err=err, backend=XdgAutostart(blocker / "autostart"))
    assert code == 1
    assert "could not change autostart" in err.getvalue()
