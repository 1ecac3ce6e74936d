"""The README's status bar snippets, run by the real tools: tmux (its status line, seen with
``capture-pane`` from an outer tmux), i3blocks (its i3bar output), waybar (in headless sway)
and polybar (on Xvfb), the last two by the grade colours in a screenshot. Each snippet is
read from the README, so what people copy is what ran."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest

from claude_meter.readings.store import iso, record
from tests.e2e.desktop import wait_for
from tests.support.tools import require_tool

T = TypeVar("T")

README = Path(__file__).resolve().parents[2] / "README.md"


def snippet(name: str) -> str:
    """The fenced block after ``<!-- snippet: name -->`` in the README."""
    found = re.search(
        rf"<!-- snippet: {re.escape(name)} -->\n```[a-z]*\n(.*?)```", README.read_text(), re.S
    )
    assert found, f"no {name} snippet in the README"
    return found.group(1)


@pytest.fixture
def reading() -> dict[str, str]:
    """A stored reading (37 % and 82 %) and an environment where ``claude-meter`` is this one."""
    now = datetime.now(UTC)
    windows = [
        {"key": "five_hour", "label": "Session (5h)", "percent": 37.0},
        {"key": "seven_day", "label": "Weekly · all models", "percent": 82.0},
    ]
    entry = {"source": "web", "org_uuid": "org-a", "read_at": iso(now), "windows": windows}
    record([entry], now - timedelta(seconds=1))
    bin_dir = str(Path(sys.executable).parent)  # the venv's claude-meter entry point
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}


def test_tmux_status_line_shows_the_cached_figures(reading: dict[str, str], tmp_path: Path) -> None:
    require_tool("tmux", "tmux")
    conf = tmp_path / "tmux.conf"
    conf.write_text(snippet("tmux") + "set -g status-interval 1\n")  # the test need not wait 15 s
    inner, outer = f"cm-inner-{uuid.uuid4().hex[:8]}", f"cm-outer-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in reading.items() if k != "TMUX"} | {"LANG": "C.UTF-8"}
    run = lambda *argv: subprocess.run(  # noqa: E731
        ["tmux", "-u", *argv], env=env, capture_output=True, text=True, timeout=20, check=False
    )
    # The inner tmux (with the snippet) is a client inside a pane of the outer one, so the
    # outer's capture-pane shows the inner's status line as a person would see it.
    started = run(
        "-L", outer, "-f", "/dev/null", "new-session", "-d", "-s", "outer", "-x", "100", "-y", "6",
        f"tmux -u -L {inner} -f {conf} new-session",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    try:
        screen = wait_for(
            "the snippet's figures in tmux's status line",
            lambda: (lambda text: text if "5h 37% · 7d 82%" in text else None)(
                run("-L", outer, "capture-pane", "-p", "-t", "outer").stdout
            ),
        )
        status_line = screen.rstrip("\n").splitlines()[-1]
        assert "5h 37% · 7d 82%" in status_line
        coloured = run("-L", outer, "capture-pane", "-p", "-e", "-t", "outer").stdout
        assert "\x1b[38;2;232;112;42m7d 82%" in coloured  # orange, from #[fg=#e8702a]
    finally:
        run("-L", inner, "kill-server")
        run("-L", outer, "kill-server")


def test_i3blocks_shows_the_cached_figures(reading: dict[str, str], tmp_path: Path) -> None:
    require_tool("i3blocks", "i3blocks")
    conf = tmp_path / "i3blocks.conf"
    conf.write_text(snippet("i3blocks"))
    bar = subprocess.Popen(
        ["i3blocks", "-c", str(conf)],
        env=reading,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert bar.stdout is not None
        blocks = None
        watchdog = threading.Timer(20, bar.kill)  # a bar that never shows it ends the read
        watchdog.start()
        for line in bar.stdout:  # the i3bar protocol: a header, "[", then one array per update
            if line.lstrip(",").startswith("[{"):
                ours = [b for b in json.loads(line.strip().lstrip(",")) if b.get("full_text")]
                if ours:  # the first updates come before the command ran
                    blocks = ours
                    break
        watchdog.cancel()
        assert blocks is not None
        (block,) = blocks
        assert block["name"] == "claude-meter"
        assert block["full_text"] == "5h 37% · 7d 82%"
        assert block["short_text"] == "82%"
        assert block["color"].lower() == "#e8702a"
    finally:
        bar.terminate()
        bar.communicate(timeout=10)  # reaps it and closes its pipes


def test_waybar_shows_the_cached_module(
    reading: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QImage

    from tests.e2e.wayland_desktop import BAR_HEIGHT, sway_desktop

    state = tmp_path / "state"
    path = state / "claude-meter" / "last-readings.json"
    now = datetime.now(UTC)
    windows = [
        {"key": "five_hour", "label": "Session (5h)", "percent": 37.0},
        {"key": "seven_day", "label": "Weekly · all models", "percent": 82.0},
    ]
    record([{"source": "web", "org_uuid": "a", "read_at": iso(now), "windows": windows}], now, path)
    monkeypatch.setenv("PATH", reading["PATH"])  # the bar finds this claude-meter
    module = json.loads("{" + snippet("waybar") + "}")
    modules = {**module, "modules-center": list(module)}
    with sway_desktop(
        "waybar",
        tmp_path,
        waybar_modules=modules,
        waybar_css=snippet("waybar-css"),
        bar_env={"XDG_STATE_HOME": str(state), "LANG": "C.UTF-8"},
        waybar_as_app_user=True,
    ) as desktop:
        orange = (232, 112, 42)  # the "high" class's colour from the snippet's CSS

        def drawn() -> Path | None:
            shot = desktop.screenshot("waybar-status-cached.png")
            image = QImage(str(shot))
            hits = 0
            for y in range(BAR_HEIGHT):
                for x in range(image.width() // 4, image.width() * 3 // 4):
                    c = image.pixelColor(x, y)
                    if (
                        sum(
                            abs(a - b)
                            for a, b in zip((c.red(), c.green(), c.blue()), orange, strict=True)
                        )
                        < 40
                    ):
                        hits += 1
            return shot if hits > 30 else None

        shot = wait_for("waybar drawing the module's text in its class colour", drawn)
        assert shot.exists()


def _colour_pixels(shot: Path, rgb: tuple[int, int, int], rows: int) -> int:
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    hits = 0
    for y in range(rows):
        for x in range(image.width()):
            c = image.pixelColor(x, y)
            if abs(c.red() - rgb[0]) + abs(c.green() - rgb[1]) + abs(c.blue() - rgb[2]) < 40:
                hits += 1
    return hits


def test_polybar_shows_the_cached_figures_in_their_colours(reading: dict[str, str]) -> None:
    from tests.e2e.desktop import private_desktop, stop_all

    require_tool("polybar", "polybar")
    with private_desktop(800, 200, tray=False, notifications=False) as desktop:
        conf = Path(desktop.env.get("XDG_RUNTIME_DIR") or "/tmp") / f"polybar-{os.getpid()}.ini"
        conf.write_text(
            "[bar/test]\nwidth = 100%\nheight = 30\nbackground = #202020\n"
            "font-0 = DejaVu Sans:size=11;2\nmodules-center = claude-meter\n\n" + snippet("polybar")
        )
        said = conf.with_suffix(".log")  # polybar's own words, for a failure's message
        with said.open("wb") as said_file:
            bar = subprocess.Popen(
                ["polybar", "-c", str(conf), "test"],
                env={**desktop.env, "PATH": reading["PATH"]},
                stdout=said_file,
                stderr=subprocess.STDOUT,
            )
        try:
            shot = _polybar_wait(
                bar,
                said,
                lambda: wait_for(
                    "polybar drawing 37 % green and 82 % orange",
                    lambda: (
                        lambda s: (
                            s
                            if _colour_pixels(s, (46, 157, 79), 30) > 20
                            and _colour_pixels(s, (232, 112, 42), 30) > 20
                            else None
                        )
                    )(desktop.screenshot("polybar-status-cached.png")),
                ),
            )
            assert shot.exists()
        finally:
            stop_all([bar])
            conf.unlink(missing_ok=True)
            said.unlink(missing_ok=True)


def _polybar_wait(bar: subprocess.Popen[bytes], said: Path, wait: Callable[[], T]) -> T:
    """``wait()``, and when it times out, what polybar said and whether it still runs."""
    try:
        return wait()
    except AssertionError as exc:
        ended = bar.poll()
        state = "still running" if ended is None else f"ended with status {ended}"
        words = said.read_text(errors="replace")[-2000:] if said.exists() else ""
        raise AssertionError(f"{exc}; polybar {state}; it said:\n{words}") from None
