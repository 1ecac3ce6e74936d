"""``claude-meter bridge`` and ``claude-meter extension-path``.

``bridge`` runs the extension's bridge without the tray and prints each accepted snapshot as
one line of JSON in the ``status --json`` format, for scripts and status bars, with the
account the post belongs to (``"account": {"id", "name"}``: the configured account its
browser profile's label or claude.ai email names, else the default one; the settings are read
again when they change). Standard output carries only those lines; what happens to the
bridge (listening, pairing, refusals) goes to standard error.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

import claude_meter

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings

EXTENSION_MISSING = (
    "The browser extension's folder is not part of this installation. Get the source "
    "(it is the `extension/` folder of the ClaudeMeter repository), or install the extension "
    "from your browser's add-on store."
)


def extension_folder() -> Path | None:
    """The unpacked extension: next to the package when bundled, else the source checkout's."""
    package = Path(claude_meter.__file__).resolve().parent
    for candidate in (package / "extension", package.parents[1] / "extension"):
        if (candidate / "manifest.json").is_file():
            return candidate
    return None


def run_extension_path(*, out: TextIO, err: TextIO) -> int:
    folder = extension_folder()
    if folder is None:
        print(f"claude-meter: {EXTENSION_MISSING}", file=err)
        return 1
    print(folder, file=out)
    return 0


def _now() -> datetime:
    return datetime.now(UTC)


class ConfiguredAccounts:
    """The settings as saved, read again only when the file changed (the bridge runs for
    hours while accounts are added); safe to call from the bridge's worker threads."""

    def __init__(self, path: Path | None = None) -> None:
        from claude_meter.core.settings import Settings, settings_path

        self._path = path or settings_path()
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._settings = Settings()
        self._read = False

    @property
    def settings(self) -> Settings:
        from claude_meter.core.settings import peek_settings

        try:
            found = self._path.stat()
            stamp: tuple[int, ...] | None = (found.st_ino, found.st_mtime_ns, found.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if not self._read or stamp != self._stamp:
                self._settings, self._stamp, self._read = peek_settings(self._path), stamp, True
            return self._settings

    def __call__(self) -> tuple[AccountRef, ...]:
        return self.settings.accounts


def run_bridge(
    *,
    pair: bool,
    forget: bool,
    port: int,
    out: TextIO,
    err: TextIO,
    stop: threading.Event | None = None,
    clock: Callable[[], datetime] = _now,
) -> int:
    """Serve until interrupted (or ``stop`` is set); the exit status."""
    from claude_meter.bridge import BridgeServer, Pairing, PortInUse, Refusal
    from claude_meter.cli.history import record_and_forecast
    from claude_meter.cli.render import to_json_object
    from claude_meter.core.accounts import DEFAULT_ID
    from claude_meter.core.logs import printable
    from claude_meter.core.models import FetchResult
    from claude_meter.readings.convert import remember
    from claude_meter.sources.keyring_store import SessionStore

    pairing = Pairing(SessionStore(), clock=clock)
    if forget:
        count = pairing.forget()
        print(f"Forgot {count} paired browser extension{'s' if count != 1 else ''}.", file=err)
        return 0
    lock = threading.Lock()
    accounts = ConfiguredAccounts()

    def accepted(result: FetchResult) -> None:
        with lock:
            forecasts, problem = record_and_forecast(result, clock())
            remember(result, clock())
            line = to_json_object(result, forecasts)
            name = accounts.settings.account_name(result.account)
            line["account"] = {"id": result.account or DEFAULT_ID, "name": name}
            print(json.dumps(line, ensure_ascii=False), file=out, flush=True)
            if problem is not None:
                print(f"claude-meter: {problem}", file=err, flush=True)

    def refused(refusal: Refusal) -> None:
        with lock:
            print(f"claude-meter: refused {refusal.line()}", file=err, flush=True)

    def paired(origin: str) -> None:
        with lock:
            print(f"claude-meter: paired {printable(origin, 100)}", file=err, flush=True)

    server = BridgeServer(
        pairing,
        accepted,
        port=port,
        on_refusal=refused,
        on_pair=paired,
        clock=clock,
        accounts=accounts,
    )
    try:
        server.start()
    except PortInUse as exc:
        print(f"claude-meter: {exc.strerror}", file=err)
        return 1
    stop = stop or threading.Event()
    previous = _on_signals(stop)
    try:
        print(f"claude-meter: bridge listening on {server.url}", file=err, flush=True)
        if pairing.problem is None and not pair and not pairing.paired():
            print(
                "claude-meter: no browser extension is paired yet; run with --pair to pair one.",
                file=err,
                flush=True,
            )
        if pair:
            until = pairing.open_window()
            print(
                f"claude-meter: pairing is open until {until.astimezone():%H:%M:%S}: the "
                "extension pairs itself within seconds (or press Pair in its popup).",
                file=err,
                flush=True,
            )
        while not stop.wait(0.5):
            pass
    finally:
        _restore(previous)
        server.stop()
    return 0


def _on_signals(stop: threading.Event) -> dict[int, object]:
    """SIGINT and SIGTERM stop the bridge cleanly (only from the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[int, object] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.signal(signum, handler)
    return previous


def _restore(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]
    sys.stderr.flush()
