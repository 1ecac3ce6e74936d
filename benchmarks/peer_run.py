"""Starting and measuring the programs of ``benchmarks/peers.py`` (its docstring has the
method): each program with its own fake server, a fresh home per start, figures from /proc."""

from __future__ import annotations

import collections
import contextlib
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.desktop import Desktop

import claude_meter
from benchmarks.peer_setup import Peer, fresh_home, install, link_system_gi, sitecustomize_source
from claude_meter.fake import DEFAULT_OAUTH_TOKEN, FakeClaude

CLAUDE_METER = Path(sys.executable).with_name("claude-meter")
TICKS = os.sysconf("SC_CLK_TCK")
#: What every program must show: the ``normal`` scenario's session percent.
SERVER_NUMBER = "37"
START_TIMEOUT = 30.0


class TimedFake(FakeClaude):
    """The fake server, also noting when it finished answering each request."""

    def __init__(self) -> None:
        super().__init__("normal", tls=True)
        self.answered: list[tuple[str, float]] = []

    def _answer(self, req) -> None:  # type: ignore[no-untyped-def]
        super()._answer(req)
        self.answered.append((req.path, time.perf_counter()))

    def first_usage_answer(self) -> float | None:
        return next((t for path, t in list(self.answered) if path.endswith("/usage")), None)

    def clear(self) -> None:
        self.answered.clear()
        self.request_log.clear()


@dataclass
class Program:
    """One measured program and what was measured of it."""

    name: str
    version: str
    shows: str
    gui: list[str] | None
    cli: list[str] | None
    env: dict[str, str]
    fake: TimedFake
    requests: bool = True
    marker: str | None = None  # ClaudeMeter's "snapshot drawn" log line
    failure: str | None = None
    cli_failure: str | None = None
    python: str = ""
    starts: list[float] = field(default_factory=list)
    lower_bounds: list[float] = field(default_factory=list)  # window and answer, for ours
    start_parts: list[tuple[float | None, float | None]] = field(default_factory=list)
    rss_60: tuple[float, float, float] | None = None  # total, anon, file (MB)
    rss_600: tuple[float, float, float] | None = None
    idle_cpu: float | None = None
    idle_requests: int | None = None
    cli_times: list[float] = field(default_factory=list)
    cli_cpus: list[float] = field(default_factory=list)  # user + system of each timed run
    cli_requests: set[int] = field(default_factory=set)
    first_cli: tuple[float, int] | None = None
    refused_hosts: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def median_start(self) -> float | None:
        return statistics.median(self.starts) if self.starts else None


@contextlib.contextmanager
def claude_meter_program(scratch: Path) -> Iterator[Program]:
    fake = TimedFake()
    with fake:
        env = {
            "CLAUDE_METER_OAUTH_BASE_URL": fake.base_url,
            "CLAUDE_METER_BASE_URL": fake.base_url,
            "SSL_CERT_FILE": str(fake.cert_path),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        commit = subprocess.run(
            ["git", "-C", str(Path(__file__).parent), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        version = f"{claude_meter.__version__} ({commit})" if commit else claude_meter.__version__
        yield Program(
            "ClaudeMeter",
            version,
            "its tray icon (XEmbed) docked in trayer; its log line 'snapshot drawn'",
            [str(CLAUDE_METER), "--debug"],
            [str(CLAUDE_METER), "status", "--json"],
            env,
            fake,
            marker="snapshot drawn",
            python=sys.version.split()[0],
        )


@contextlib.contextmanager
def peer_program(peer: Peer, scratch: Path) -> Iterator[Program]:
    """The peer installed (or why not) and pointed at a fake server of its own."""
    fake = TimedFake()
    with fake:
        bin_folder, said = install(peer)
        site = scratch / f"site-{peer.name}"
        site.mkdir()
        if peer.system_gi:
            link_system_gi(site)
        refused = scratch / f"refused-{peer.name}.txt"
        (site / "sitecustomize.py").write_text(
            sitecustomize_source(fake.port, str(fake.cert_path), str(refused))
        )
        env = {"PYTHONPATH": str(site), "REQUESTS_CA_BUNDLE": str(fake.cert_path), **dict(peer.env)}
        program = Program(
            peer.name,
            peer.version,
            peer.shows,
            None if bin_folder is None else [str(bin_folder / peer.gui[0]), *peer.gui[1:]],
            None if bin_folder is None or peer.cli is None else
            [str(bin_folder / peer.cli[0]), *peer.cli[1:]],
            env,
            fake,
            requests=peer.requests,
            failure=None if bin_folder is not None else said,
            python=said.removeprefix("Python ") if bin_folder is not None else "",
        )  # fmt: skip
        try:
            yield program
        finally:
            if refused.exists():
                program.refused_hosts.update(refused.read_text().split())


class Launched:
    """A running program whose output is read as it comes (its last lines kept)."""

    def __init__(self, argv: list[str], env: dict[str, str], marker: str | None) -> None:
        self.marker = marker
        self.marker_at: float | None = None
        self.tail: collections.deque[str] = collections.deque(maxlen=8)
        self.spawned = time.perf_counter()
        self.process = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            if self.marker and self.marker_at is None and self.marker in line:
                self.marker_at = time.perf_counter()
            self.tail.append(line)

    def why_it_ended(self) -> str:
        lines = [line.strip() for line in self.tail if line.strip()]
        # a message's first line, or a traceback's last
        traceback = any(line.startswith(("Traceback", "File ")) for line in lines)
        said = (lines[-1:] if traceback else lines[:1]) or ["nothing"]
        said[0] = said[0][-240:]
        return f"exited with code {self.process.returncode}: {said[0]}"

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 15)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, 9)
            self.process.wait(10)


def visible_windows(desktop: Desktop) -> set[str]:
    done = desktop.run("xdotool", "search", "--onlyvisible", "--name", "")
    return set(done.stdout.split())


def environment(program: Program, desktop: Desktop, home: Path) -> dict[str, str]:
    return {**desktop.env, **fresh_home(home, DEFAULT_OAUTH_TOKEN), **program.env}


def launch(program: Program, desktop: Desktop, scratch: Path) -> tuple[Launched, set[str]]:
    """Start the program's GUI in a fresh home; returns it once it shows its numbers."""
    assert program.gui is not None
    home = Path(tempfile_dir(scratch))
    before = visible_windows(desktop)
    program.fake.clear()
    app = Launched(program.gui, environment(program, desktop, home), program.marker)
    return app, before


def tempfile_dir(scratch: Path) -> str:
    return tempfile.mkdtemp(dir=scratch, prefix="home-")


def wait_shown(program: Program, app: Launched, before: set[str], desktop: Desktop) -> None:
    """Until the program shows the server's numbers (see the method); fills the start parts."""
    shown_at = None
    deadline = app.spawned + START_TIMEOUT
    while time.perf_counter() < deadline:
        if app.process.poll() is not None:
            raise StartFailed(app.why_it_ended())
        if shown_at is None and visible_windows(desktop) - before:
            shown_at = time.perf_counter()
        answered = program.fake.first_usage_answer()
        ready = shown_at is not None and (answered is not None or not program.requests)
        if ready and (program.marker is None or app.marker_at is not None):
            window = shown_at - app.spawned  # type: ignore[operator]
            answer = None if answered is None else answered - app.spawned
            program.start_parts.append((window, answer))
            bound = max(window, answer or 0.0)
            drawn = None if app.marker_at is None else app.marker_at - app.spawned
            program.lower_bounds.append(bound)
            program.starts.append(drawn if drawn is not None else bound)
            return
        time.sleep(0.02)  # polling another process's windows: there is no event to await
    what = "no window" if shown_at is None else "no usage request answered"
    raise StartFailed(f"{what} within {START_TIMEOUT:.0f} s; said: " + " / ".join(app.tail))


class StartFailed(Exception):
    """The program did not show the server's numbers; the message says what was seen."""


def start_once(program: Program, desktop: Desktop, scratch: Path, *, counted: bool) -> None:
    app, before = launch(program, desktop, scratch)
    try:
        wait_shown(program, app, before, desktop)
    except StartFailed as failed:
        program.failure = f"did not start: {failed}"
    finally:
        app.stop()
    if not counted and program.failure is None:
        program.starts.pop()
        program.lower_bounds.pop()
        program.start_parts.pop()


def rss(pid: int) -> tuple[float, float, float]:
    status = Path(f"/proc/{pid}/status").read_text()

    def field_mb(name: str) -> float:
        found = re.search(rf"{name}:\s+(\d+) kB", status)
        return int(found.group(1)) / 1024 if found else 0.0

    return field_mb("VmRSS"), field_mb("RssAnon"), field_mb("RssFile")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICKS


def idle_phase(
    programs: list[Program], desktop: Desktop, scratch: Path, idle: float, long: bool
) -> None:
    """All programs running side by side: memory at 60 s (and 600 s), CPU over ``idle`` s."""
    running: list[tuple[Program, Launched]] = []
    try:
        for program in programs:
            app, before = launch(program, desktop, scratch)
            running.append((program, app))
            try:
                wait_shown(program, app, before, desktop)
            except StartFailed as failed:
                program.failure = f"did not start for the memory run: {failed}"
            else:
                program.starts.pop()  # not a start of the start rounds
                program.lower_bounds.pop()
                program.start_parts.pop()
        # what every program shows, all running: for a person to look at (not a figure)
        print(f"screenshot: {desktop.screenshot('peers-side-by-side.png')}", flush=True)
        cpu_at: dict[str, float] = {}
        events = [(60.0, "rss60"), (60.0 + idle, "cpu")] + ([(600.0, "rss600")] if long else [])
        events.sort()
        print(f"idle: {events[-1][0]:.0f} s after the last start", flush=True)
        for offset, what in events:
            for program, app in running:
                if program.failure is not None or app.process.poll() is not None:
                    if program.failure is None:
                        program.failure = f"ended while idle: {app.why_it_ended()}"
                    continue
                delay = app.spawned + offset - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)  # measuring idleness: nothing to await
                pid = app.process.pid
                if what == "rss60":
                    program.rss_60 = rss(pid)
                    cpu_at[program.name] = cpu_seconds(pid)
                    program.fake.clear()
                elif what == "cpu":
                    program.idle_cpu = cpu_seconds(pid) - cpu_at[program.name]
                    program.idle_requests = len(program.fake.request_log)
                else:
                    program.rss_600 = rss(pid)
    finally:
        for _, app in running:
            app.stop()


def cli_rounds(programs: list[Program], scratch: Path, runs: int) -> None:
    """Each CLI in a home of its own kept across runs: a warm-up, then ``runs`` in turn."""
    envs = {}
    for program in programs:
        home = Path(tempfile_dir(scratch))
        envs[program.name] = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISPLAY", "DBUS_"))},
            **fresh_home(home, DEFAULT_OAUTH_TOKEN),
            **program.env,
        }
    for round_ in range(runs + 1):
        for program in programs:
            if program.cli_failure is not None or program.cli is None:
                continue
            program.fake.clear()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                program.cli, env=envs[program.name], capture_output=True, text=True,
                timeout=120, check=False,
            )  # fmt: skip
            took, asked = time.perf_counter() - started, len(program.fake.request_log)
            cpu = _cpu_of_children() - (before.ru_utime + before.ru_stime)
            shows = SERVER_NUMBER in done.stdout or not program.requests
            if done.returncode != 0 or not shows:
                said = (done.stderr or done.stdout).strip().splitlines()[-2:]
                program.cli_failure = f"exit {done.returncode}: {' / '.join(said)[:200]}"
            elif round_ == 0:
                program.first_cli = (took, asked)
            else:
                program.cli_times.append(took)
                program.cli_cpus.append(cpu)
                program.cli_requests.add(asked)


def _cpu_of_children() -> float:
    """User + system time of the waited-for children so far (``wait4``): a run's own CPU,
    which the machine's load hardly changes, where its wall time waits for the cores too."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime
