"""What the tray's look for a display costs before Qt starts (``platform/display.py``).

Method. The tray connects to the socket of the display ``$DISPLAY`` (and ``$WAYLAND_DISPLAY``)
names before it starts Qt, so that a display that is not there is a message, not Qt's abort.
This times ``unanswered(env)`` in this process, ``perf_counter`` around each call, median and
95th percentile of --runs calls after 100 warm-up calls:

1. a running X server: the tests' private desktop (Xvfb, the one the end-to-end tests use),
   ``DISPLAY`` set to it: the normal start;
2. a Wayland compositor: a listening socket in a throwaway ``XDG_RUNTIME_DIR`` (the connect is
   the same one a compositor accepts; nothing is said on it);
3. nothing there: ``DISPLAY`` naming a display number no server listens on (the failing
   start, which then prints its message and exits).

Run: ``.venv/bin/python benchmarks/display_probe.py [--runs 2000]``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop

from benchmarks.results import Row, record
from claude_meter.platform.display import X11_SOCKETS, unanswered


def timed(call: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile, in microseconds."""
    for _ in range(100):
        call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1e6)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    with private_desktop(tray=False, notifications=False) as desktop:
        x_env = {"DISPLAY": desktop.env["DISPLAY"]}
        assert unanswered(x_env) is None
        x11 = timed(lambda: unanswered(x_env), args.runs)
    with tempfile.TemporaryDirectory() as runtime, closing(socket.socket(socket.AF_UNIX)) as s:
        s.bind(f"{runtime}/wayland-9")
        s.listen(128)
        w_env = {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": runtime}

        def wayland_probe() -> None:
            assert unanswered(w_env) is None
            with closing(s.accept()[0]):  # as a compositor would, so the backlog never fills
                pass

        wayland = timed(wayland_probe, args.runs)
    free = next(n for n in range(4000, 4100) if not (X11_SOCKETS / f"X{n}").exists())
    none_env = {"DISPLAY": f":{free}"}
    assert unanswered(none_env) is not None
    silent = timed(lambda: unanswered(none_env), args.runs)
    lines = [
        f"{name}: median {median:.0f} µs, 95th percentile {p95:.0f} µs"
        for name, (median, p95) in (
            ("X server running (Xvfb)", x11),
            ("Wayland socket listening (accept included)", wayland),
            ("no display there", silent),
        )
    ]
    output = "\n".join(lines)
    print(output)
    record(
        "display_probe",
        [
            Row("look for the X display, it answers (the normal start)", "-",
                f"{x11[0]:.0f} µs (95th: {x11[1]:.0f} µs)", None),
            Row("look for the Wayland display, it answers", "-",
                f"{wayland[0]:.0f} µs (95th: {wayland[1]:.0f} µs)", None),
            Row("look for the X display, nobody there", "-",
                f"{silent[0]:.0f} µs (95th: {silent[1]:.0f} µs)", None),
        ],
        output,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
