"""The popover on Wayland: from a click on the tray icon to a mapped, drawn surface.

Method. The test desktop of ``tests/e2e/test_tray_wayland.py`` (sway 1.7 headless, pixman
renderer, 1024x700, as an unprivileged user when run as root) with swaybar's tray, then with
waybar; the real ``claude-meter --demo`` on ``QT_QPA_PLATFORM=wayland``. After the icon is
drawn, N times: the virtual pointer clicks the icon (press and release reach sway when the
clock starts; clicks are at least 0.5 s apart, more than a double click), then

- mapped: until the popover is in ``swaymsg -t get_tree`` (polled every 10 ms);
- drawn: until a ``grim`` screenshot shows it where sway put it (a light panel with text;
  each screenshot takes about 50-100 ms, so this figure includes up to one screenshot late);
- closed: a second click on the icon, until it is gone from the tree.

Target from issue 14: the popover maps within
1 s. The clicks come from the virtual pointer, so the figure leaves out a real mouse's and
bar's own latency, which is the same for any tray app.

Run: ``.venv/bin/python benchmarks/wayland_popover.py [--runs 10]`` (needs sway, swaybar,
waybar, grim, wtype).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.desktop import start_demo_tray, wait_for
from tests.e2e.wayland_desktop import Bar, WaylandDesktop, sway_desktop

from benchmarks.results import Row, measure_as_installed, record

measure_as_installed()

TARGET = 1.0


def until(probe: Callable[[], object], started: float, timeout: float = 10.0) -> float:
    deadline = started + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.01)
    return time.monotonic() - started


def measure(desktop: WaylandDesktop, runs: int) -> tuple[list[float], list[float], list[float]]:
    x, y, w, h = wait_for("the icon in the bar", desktop.icon)
    icon = (x + w // 2, y + h // 2)
    mapped: list[float] = []
    drawn: list[float] = []
    closed: list[float] = []
    for _ in range(runs):
        started = desktop.click(*icon)
        mapped.append(until(desktop.popover, started))
        shown = desktop.popover()
        assert shown is not None
        drawn.append(until(partial(desktop.drawn, shown, "bench-wayland.png"), started))
        started = desktop.click(*icon)
        closed.append(until(lambda: desktop.popover() is None, started))
    return mapped, drawn, closed


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.0f} ms, worst {max(values) * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    rows: list[Row] = []
    lines: list[str] = []
    bars: tuple[Bar, ...] = ("swaybar", "waybar")
    for bar in bars:
        with tempfile.TemporaryDirectory() as folder, sway_desktop(bar, Path(folder)) as desktop:
            app = start_demo_tray(desktop.env, Path(folder) / "tray.log")
            try:
                mapped, drawn, closed = measure(desktop, args.runs)
            finally:
                app.terminate()
                app.wait(10)
        for name, values in (("mapped", mapped), ("drawn", drawn), ("closed", closed)):
            lines.append(f"{bar}: click to {name}: {summary(values)} ({len(values)} runs)")
        rows.append(
            Row(
                f"Wayland ({bar}): click on the icon to the popover mapped, worst of {args.runs}",
                f"≤ {TARGET:.0f} s",
                summary(mapped),
                max(mapped) <= TARGET,
            )
        )
        rows.append(
            Row(
                f"Wayland ({bar}): click to the popover drawn on screen (grim), worst",
                f"≤ {TARGET:.0f} s",
                summary(drawn),
                max(drawn) <= TARGET,
            )
        )
    output = "\n".join(lines)
    print(output)
    record("wayland_popover", rows, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
