"""Tray start, two installs side by side: which one reaches its first drawn snapshot sooner.

Method. Wall time from spawning ``claude-meter --debug`` to its log line "snapshot drawn",
for two installed programs (``--before`` and ``--after``: the ``claude-meter`` of two
virtual environments, e.g. one made from an older commit), started in turn, one of each per
round, on one private desktop (Xvfb, session bus, trayer, dunst: the end-to-end tests' own)
against one fake claude.ai in its own process (``tray_bench.py``'s), each start with a
fresh home. The first round fills the bytecode caches and is not counted. Alternating is
what makes the comparison fair on a shared machine: a load that comes and goes hits both.

``--rss-at 10`` also reads each app's resident memory that many seconds after its spawn
(``/proc/<pid>/status``: VmRSS, split into anonymous and file-backed pages), for a memory
comparison on the same terms; the idle tray's memory is flat from its first seconds on (the
one-off release of freed start-up memory comes 5 s after the first draw).

``--latency 0.05`` makes the fake server wait that many seconds before each answer, as a
network round trip to claude.ai would (a loopback answer takes well under a millisecond, so
without it the figure leaves out the time the first poll waits on the network).

``--claude-code`` starts each app as ``peers.py`` does: no ``CLAUDE_METER_COOKIE``, Claude
Code's sign-in in the fresh home's ``~/.claude/.credentials.json``, the keyring backend turned
off (``PYTHON_KEYRING_BACKEND`` names the ``fail`` one), so ``auto`` asks the keyring first and
then reads the sign-in (over HTTP here, not TLS). ``--keyring`` does the same with
gnome-keyring's Secret Service on the desktop's bus instead of the ``fail`` backend (nothing
stored in it: the keyring's helper process answers "nothing", then the sign-in is read), the
set-up of someone signed in to Claude Code on a GNOME or KDE desktop.

Run: ``.venv/bin/python benchmarks/tray_start_ab.py --before /tmp/old/.venv/bin/claude-meter``
(``--after`` defaults to this checkout's ``claude-meter``). Prints the median and every start.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop
from tests.e2e.processes import gnome_keyring

import benchmarks.tray_bench as tray_bench

#: Put before the fake server's script: every request waits ``argv[2]`` seconds first.
LATENCY = """
import sys, time
from claude_meter.fake import transport
_answer = transport.Handler.do_GET
def _late(self, _answer=_answer, _wait=float(sys.argv[2])):
    time.sleep(_wait)  # the network's round trip, stood in for
    _answer(self)
transport.Handler.do_GET = _late
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--after", type=Path, default=tray_bench.BIN)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--rss-at", type=float, default=None, help="seconds after the spawn")
    parser.add_argument("--claude-code", action="store_true", help="peers.py's sign-in")
    parser.add_argument("--keyring", action="store_true", help="--claude-code, a real keyring")
    args = parser.parse_args()
    programs = {"before": args.before, "after": args.after}
    starts: dict[str, list[float]] = {name: [] for name in programs}
    memory: dict[str, list[tuple[float, float, float]]] = {name: [] for name in programs}
    with contextlib.ExitStack() as stack:
        desktop = stack.enter_context(private_desktop())
        server = subprocess.Popen(
            [sys.executable, "-c", LATENCY + tray_bench.FAKE_SERVER, "1000", str(args.latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        stack.callback(server.wait, 10)
        stack.callback(server.terminate)
        assert server.stdout is not None
        if args.keyring:
            keyring_home = stack.enter_context(tempfile.TemporaryDirectory())
            bus = desktop.env["DBUS_SESSION_BUS_ADDRESS"]
            stack.enter_context(gnome_keyring(bus, {**desktop.env, "HOME": keyring_home}))
        found = re.search(r"at (http://\S+)\.", server.stdout.readline())
        assert found is not None, "the fake server did not say where it listens"
        for round_ in range(args.rounds):
            for name, program in programs.items():
                tray_bench.BIN = program
                home = stack.enter_context(tempfile.TemporaryDirectory())
                extra = None
                if args.claude_code or args.keyring:
                    extra = claude_code_sign_in(home, found.group(1))
                app = tray_bench.App(
                    found.group(1), None, desktop.env, home, keyring=args.keyring, extra_env=extra
                )
                app.wait_for(lambda app=app: app.drawn_at is not None, 30)
                if args.rss_at is not None:
                    time.sleep(max(0.0, app.started + args.rss_at - time.perf_counter()))
                    pid = app.process.pid
                    rss = tuple(tray_bench.rss_mb(pid, f) for f in ("VmRSS", "RssAnon", "RssFile"))
                if round_:  # the first round fills the bytecode caches
                    starts[name].append(app.drawn_at - app.started)  # type: ignore[operator]
                    if args.rss_at is not None:
                        memory[name].append(rss)  # type: ignore[arg-type]
                app.stop()
    for name, times in starts.items():
        listed = " ".join(f"{t:.3f}" for t in sorted(times))
        print(f"{name}: median {statistics.median(times):.3f} s of {len(times)} ({listed})")
        if memory[name]:
            median = [statistics.median(m[i] for m in memory[name]) for i in range(3)]
            listed = " ".join(f"{m[0]:.1f}" for m in memory[name])
            print(
                f"{name}: RSS at {args.rss_at:.0f} s, median {median[0]:.1f} MB (anon "
                f"{median[1]:.1f} + file {median[2]:.1f}) of {len(memory[name])} ({listed})"
            )
    return 0


def claude_code_sign_in(home: str, base_url: str) -> dict[str, str]:
    """Claude Code's sign-in in ``home``, and the variables that make ``auto`` use it."""
    from benchmarks.peer_setup import credentials_json
    from claude_meter.fake.server import DEFAULT_OAUTH_TOKEN

    path = Path(home, ".claude", ".credentials.json")
    path.parent.mkdir()
    path.write_text(credentials_json(DEFAULT_OAUTH_TOKEN), encoding="utf-8")
    path.chmod(0o600)
    return {"CLAUDE_METER_COOKIE": "", "CLAUDE_METER_OAUTH_BASE_URL": base_url}


if __name__ == "__main__":
    raise SystemExit(main())
