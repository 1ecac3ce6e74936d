"""``claude-meter autostart on|off|status`` (:mod:`claude_meter.cli.autostart`), on the real
XDG backend writing into a temporary folder."""

from __future__ import annotations

import io
from pathlib import Path

from claude_meter.cli.autostart import run_autostart
from claude_meter.platform.autostart.linux import XdgAutostart


def test_cli_reports_a_failure_to_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    out, err = io.StringIO(), io.StringIO()
    code = run_autostart("on", out=out, err=err, backend=XdgAutostart(blocker / "autostart"))
    assert code == 1
    assert "could not change autostart" in err.getvalue()


def test_on_status_off_report_the_entry(tmp_path: Path) -> None:
    backend = XdgAutostart(tmp_path / "autostart")
    entry = tmp_path / "autostart/claude-meter.desktop"

    def run(action: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = run_autostart(
            action, out=out, err=err, backend=backend, argv=["/opt/My Apps/claude-meter"]
        )
        return code, out.getvalue(), err.getvalue()

    assert run("status") == (0, f"Autostart is off ({entry} does not exist or is disabled).\n", "")
    assert run("on") == (
        0,
        f'Autostart is on: {entry}\n  starts: "/opt/My Apps/claude-meter"\n',
        "",
    )
    assert entry.is_file()
    assert run("status")[1].startswith("Autostart is on")
    assert run("off") == (0, f"Autostart is off ({entry} does not exist or is disabled).\n", "")
    assert not entry.exists()
    assert run("off")[0] == 0  # already off: nothing to do, no error
