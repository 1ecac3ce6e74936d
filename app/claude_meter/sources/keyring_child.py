"""Keyring calls in a short-lived child process, for the long-running tray app on Linux.

``keyring``'s Linux backends bring their own D-Bus client and, for the Secret Service, a crypto
library (secretstorage, jeepney, cryptography: about 10 MB resident, for good, in a process
that runs all day). The tray reads the keyring once per run and then rarely (see
:class:`~claude_meter.sources.keyring_store.SessionCache`), so on Linux it makes each call in a
child process and never loads them. On macOS and Windows the backends are thin wrappers of the
system's own API and the tray calls them in its own process (:func:`wanted`).

The child is the same program started as ``claude-meter __keyring-child`` (``python -m
claude_meter __keyring-child`` in a development install). It reads one request, a JSON object,
from stdin, makes the call on the backend ``keyring`` chooses (the same choice as in-process:
``PYTHON_KEYRING_BACKEND``, ``keyringrc.cfg``, then the best available), writes one JSON answer
to stdout and exits. A secret crosses only that pipe: never an argument, an environment
variable, a file or a log line. The child refuses to run with its stdout on a terminal.

No child is started while the configuration names a backend that can hold nothing
(``keyring.backends.fail`` or ``.null``, in ``PYTHON_KEYRING_BACKEND`` or else in
``keyringrc.cfg``, read as ``keyring`` reads them: :func:`holds_nothing`,
:mod:`.keyring_config`): its answer is known,
and the helper would cost some 75 ms of a second core at each read (the tray's first poll
waited on it), and ``subprocess`` is not even imported (it is imported where a child is
started). The configuration is read again at each call, so an edited ``keyringrc.cfg`` is
seen at the next read, as the child would see it.

The tray's first read may be started with the process (:meth:`KeyringInChild.start_early`,
decided in :mod:`claude_meter.sources.keyring_early`); the first read of that entry takes its
answer only while the entry's change stamp reads as it did before the child started.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final, NamedTuple, TextIO

from claude_meter.core import json_input
from claude_meter.sources.keyring_config import configured_backend
from claude_meter.sources.session_cache import read_stamp

if TYPE_CHECKING:  # imported where a child is started: not while the answer is known
    import subprocess

log = logging.getLogger("claude_meter.sources.keyring")

CHILD_ARGUMENT: Final = "__keyring-child"
CALLS: Final = frozenset({"describe", "get_password", "set_password", "delete_password"})
MAX_MESSAGE: Final = 1 << 20
#: An unlock prompt may be waiting for the person to type their password.
CHILD_TIMEOUT_SECONDS: Final = 120.0
#: A helper that found no usable keyring is asked again after this long (the Secret Service
#: may start after the tray, at login), not at every call.
ASK_AGAIN_SECONDS: Final = 60.0

Identity = tuple[str, str, float, str | None]

#: What the child answers, with each of these backends configured: its identity, and the
#: error of a read (the ``fail`` backend raises ``NoKeyringError``; ``null`` finds nothing).
HOLDING_NOTHING: Final[Mapping[str, tuple[Identity, str | None]]] = {
    "keyring.backends.fail.Keyring": (
        ("keyring.backends.fail", "Keyring", 0.0, None),
        "the keyring refused: NoKeyringError",
    ),
    "keyring.backends.null.Keyring": (("keyring.backends.null", "Keyring", -1.0, None), None),
}


class KeyringChildError(Exception):
    """A call that did not succeed; ``why`` is said to the person (never a secret)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def wanted(platform: str = sys.platform) -> bool:
    """Whether the tray should reach the keyring through a child (Linux and other Unixes)."""
    return platform not in ("darwin", "win32")


def holds_nothing(env: Mapping[str, str]) -> tuple[Identity, str | None] | None:
    """The child's answer when the configured backend can hold nothing (:data:`HOLDING_NOTHING`):
    its identity and a read's error; None when only the child can tell."""
    named = configured_backend(env)
    return HOLDING_NOTHING.get(named) if named is not None else None


def child_command() -> list[str]:
    """How to start the child: the running frozen program itself, or this interpreter.

    Frozen, ``sys.executable`` may name the downloaded Linux single file (``packaging/entry.py``
    points it there for the autostart entry), which the person can move, delete or replace by a
    new version while the tray runs, and which unpacks itself when started; the child must be
    the program that is running, so it is taken from ``/proc/self/exe`` where there is one.
    ``-P``: a development run does not put the working folder on the child's import path.
    """
    if getattr(sys, "frozen", False):
        running = Path("/proc/self/exe")
        program = os.path.realpath(running) if running.exists() else sys.executable
        return [program, CHILD_ARGUMENT]
    return [sys.executable, "-P", "-m", "claude_meter", CHILD_ARGUMENT]


class KeyringInChild:
    """A ``keyring`` backend (the three calls ClaudeMeter makes) whose calls run in a child.

    :meth:`describe` says which backend the child found, for
    :meth:`~claude_meter.sources.keyring_store.SessionStore.usable`. :meth:`close` kills a
    child still running (an unanswered unlock prompt) when the app quits.
    """

    def __init__(
        self,
        command: Sequence[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = CHILD_TIMEOUT_SECONDS,
    ) -> None:
        self._command = list(command or child_command())
        self._ours = command is None  # our own child: its answer may be known beforehand
        self._env = dict(env) if env is not None else None
        self._timeout = timeout
        self._identity: Identity | None = None
        self._identity_at = 0.0  # monotonic time of the answer that said it
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._closed = False
        #: The read started by :meth:`start_early`: its call, the stamp file and how it read
        #: before the child started, the child.
        self._early: tuple[tuple[str, ...], Path, str | None, subprocess.Popen[bytes]] | None
        self._early = None
        self.calls = 0  # children started (for tests and benchmarks)

    def get_password(self, service: str, username: str) -> str | None:
        value = self._ask("get_password", service, username)
        return value if isinstance(value, str) else None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._ask("set_password", service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._ask("delete_password", service, username)

    def describe(self) -> Identity:
        """The child's backend: module, class name, priority, and why it is unusable if so.

        A usable answer is kept; an unusable one only for :data:`ASK_AGAIN_SECONDS`."""
        identity = self._identity
        stale = time.monotonic() - self._identity_at > ASK_AGAIN_SECONDS
        if identity is None or (identity[2] <= 0 and stale):
            try:
                self._ask("describe")
            except KeyringChildError as exc:
                return "claude_meter.sources.keyring_child", "KeyringInChild", 0.0, exc.why
        assert self._identity is not None
        return self._identity

    def close(self) -> None:
        """Kill any child still running; later calls fail at once."""
        with self._lock:
            self._closed = True
            running = list(self._running)
            early, self._early = self._early, None
        for process in running:
            process.kill()
        if early is not None:  # nobody waits for it: its pipe is closed and it is reaped here
            import subprocess

            with contextlib.suppress(subprocess.TimeoutExpired):
                early[3].communicate(timeout=5)

    def start_early(self, service: str, username: str, stamp: Path) -> None:
        """Start reading ``(service, username)`` now, in a child that runs while this process
        goes on; the first :meth:`get_password` of that entry takes its answer if ``stamp``
        (the entry's change stamp) still reads as it did before the child started, else it
        asks again. Nothing is started when the answer is known (:func:`holds_nothing`)."""
        env = self._env if self._env is not None else os.environ
        if self._ours and holds_nothing(env) is not None:
            return
        before = read_stamp(stamp)
        call = ("get_password", service, username)
        process = self._start(call, early=True)
        with self._lock:
            self._early = (call, stamp, before, process)
        log.debug("keyring %s started early", call[0])

    def _ask(self, call: str, *args: str) -> object:
        env = self._env if self._env is not None else os.environ
        known = holds_nothing(env) if self._ours else None
        if known is not None:  # the child would load keyring only to say this
            return self._known(call, *known)
        import subprocess

        process = self._take_early((call, *args))
        request: bytes | None = None
        if process is None:
            request = _request((call, *args))
            process = self._start((call, *args))
        log.debug("keyring %s through the helper %s", call, self._command[0])
        try:
            out, _ = process.communicate(request, timeout=self._timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=5)
            raise KeyringChildError(
                f"the keyring did not answer within {self._timeout:.0f} s (is it locked?)"
            ) from None
        finally:
            with self._lock:
                self._running.discard(process)
        answer = _answer(out[:MAX_MESSAGE], process.returncode)
        self._identity, self._identity_at = answer.identity, time.monotonic()
        if answer.error is not None:
            raise KeyringChildError(answer.error)
        return answer.value

    def _start(self, call: tuple[str, ...], *, early: bool = False) -> subprocess.Popen[bytes]:
        """A child started on ``call``; ``early``: its request already in its stdin (a pipe
        written and closed here), so it works while nobody waits for it."""
        import subprocess

        stdin: int = subprocess.PIPE
        if early:
            stdin, write_end = os.pipe()
            try:
                os.write(write_end, _request(call))  # a few bytes: the pipe holds them
            finally:
                os.close(write_end)
        try:
            with self._lock:
                if self._closed:
                    raise KeyringChildError("ClaudeMeter is quitting")
                try:
                    process = subprocess.Popen(  # noqa: S603 - our own program, fixed arguments
                        self._command,
                        stdin=stdin,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        env=self._env,
                        close_fds=True,
                    )
                except OSError as exc:
                    raise KeyringChildError(
                        f"the keyring helper could not be started ({type(exc).__name__})"
                    ) from None
                self._running.add(process)
                self.calls += 1
        finally:
            if early:
                os.close(stdin)
        return process

    def _take_early(self, call: tuple[str, ...]) -> subprocess.Popen[bytes] | None:
        """The early child of ``call``, if its entry did not change since it started."""
        with self._lock:
            early = self._early
            if early is None or early[0] != call:
                return None
            self._early = None
        _, stamp, before, process = early
        if read_stamp(stamp) == before:
            return process
        log.debug("keyring entry changed during the early read; reading it again")
        import subprocess

        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=5)
        with self._lock:
            self._running.discard(process)
        return None

    def _known(self, call: str, identity: Identity, error: str | None) -> object:
        """The child's answer, known from the configuration (:func:`holds_nothing`)."""
        with self._lock:
            if self._closed:
                raise KeyringChildError("ClaudeMeter is quitting")
            self._identity, self._identity_at = identity, time.monotonic()
        log.debug("keyring %s: the configured %s holds nothing", call, identity[0])
        if error is not None and call != "describe":
            raise KeyringChildError(error)
        return None


def _request(call: tuple[str, ...]) -> bytes:
    return json.dumps({"call": call[0], "args": list(call[1:])}).encode("utf-8")


class _Answer(NamedTuple):
    identity: Identity
    error: str | None
    value: object


def _answer(out: bytes, status: int) -> _Answer:
    """The child's answer, checked; :class:`KeyringChildError` when there is none."""
    failed = KeyringChildError(f"the keyring helper process failed (exit status {status})")
    try:
        data = json_input.loads(out)
    except json_input.NotJson:
        raise failed from None
    if not isinstance(data, dict):
        raise failed
    identity = data.get("identity")
    if not (
        isinstance(identity, list)
        and len(identity) == 4
        and isinstance(identity[0], str)
        and isinstance(identity[1], str)
        and isinstance(identity[2], int | float)
        and isinstance(identity[3], str | None)
    ):
        raise failed
    error = data.get("error")
    return _Answer(
        (identity[0], identity[1], float(identity[2]), identity[3]),
        error if isinstance(error, str) else None,
        data.get("value"),
    )


INTERNAL_ONLY: Final = (
    "claude-meter: __keyring-child is used by the tray app itself and is not a command; "
    "see `claude-meter --help`."
)


def serve(stdin: BinaryIO, stdout: BinaryIO, stderr: TextIO) -> int:
    """The child: one request from ``stdin``, one answer to ``stdout``; the exit status."""
    if stdout.isatty():
        print(INTERNAL_ONLY, file=stderr)
        return 1
    try:
        request = json_input.loads(stdin.read(MAX_MESSAGE))
    except json_input.NotJson:
        request = None
    call = request.get("call") if isinstance(request, dict) else None
    args = request.get("args") if isinstance(request, dict) else None
    if (
        call not in CALLS
        or not isinstance(args, list)
        or len(args) > 3
        or not all(isinstance(a, str) for a in args)
    ):
        print("claude-meter: the keyring helper got a request it does not understand", file=stderr)
        return 1
    from claude_meter.sources.keyring_store import (
        SessionStore,
        describe_failure,
        holds_no_collection,
    )

    store = SessionStore()
    module, name, priority = store.identity()
    answer: dict[str, object] = {"identity": [module, name, priority, store.problem]}
    if call != "describe":
        try:
            if call == "get_password" and holds_no_collection(store.backend()):
                answer["value"] = None  # nothing there, and no "new keyring" prompt for it
            else:
                answer["value"] = getattr(store.backend(), call)(*args)
        except Exception as exc:  # noqa: BLE001 - backends raise their own exception types
            answer["error"] = describe_failure(exc)
    stdout.write(json.dumps(answer).encode("utf-8"))
    stdout.flush()
    return 0
