"""The one place secrets are kept: the OS keyring, under the service name ``claude-meter``.

macOS Keychain, Windows Credential Locker, the Secret Service (GNOME Keyring, KeePassXC) or
KWallet on Linux, whichever ``keyring`` finds. When none is usable (``keyring.backends.fail``,
a locked collection, no D-Bus session) the store says so and keeps the session in memory for
this run only: it never falls back to a plain file.

``keyring`` is imported lazily, on first use, so the environment-cookie path stays fast.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from claude_meter.sources.cookies import InvalidCookie, SessionCookies

log = logging.getLogger("claude_meter.sources.keyring")

SERVICE: Final = "claude-meter"
SESSION_ENTRY: Final = "claude.ai session"
BRIDGE_ENTRY: Final = "bridge pairing token"

NO_KEYRING: Final = (
    "No usable keyring was found ({why}), so the session is kept in memory for this run only "
    "and nothing was written to disk. Install or unlock a keyring (GNOME Keyring, KWallet, "
    "KeePassXC; on macOS and Windows the system one), or set CLAUDE_METER_COOKIE instead."
)


@dataclass(frozen=True)
class Saved:
    """How a save went: ``persisted`` False means memory only, and ``message`` says why."""

    persisted: bool
    message: str | None = None


class SessionStore:
    """The claude.ai session in the keyring, with an in-memory stand-in when there is none.

    ``backend`` is a ``keyring`` backend object; by default the one ``keyring`` chooses
    (which honours ``PYTHON_KEYRING_BACKEND`` and ``keyringrc.cfg``). Tests pass their own.
    """

    def __init__(self, backend: Any = None) -> None:
        self._backend = backend
        self._memory: SessionCookies | None = None
        self.problem: str | None = None  # why the keyring is unusable, once known

    # -- the backend -----------------------------------------------------------------------

    def backend(self) -> Any:
        """The backend, chosen afresh per store (``keyring`` caches its choice per process)."""
        if self._backend is None:
            import keyring.backends.fail
            import keyring.core

            try:
                chosen = keyring.core.load_env() or keyring.core.load_config()
            except Exception as exc:  # noqa: BLE001 - a configured backend that cannot load
                self.problem = f"the configured keyring cannot be used ({type(exc).__name__})"
                chosen = keyring.backends.fail.Keyring()  # type: ignore[no-untyped-call]
            self._backend = chosen or keyring.get_keyring()
        return self._backend

    def backend_name(self) -> str:
        backend = self.backend()
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def usable(self) -> bool:
        """Whether this backend can hold secrets at all (the fail and null backends cannot)."""
        backend = self.backend()
        module = type(backend).__module__
        if module in ("keyring.backends.fail", "keyring.backends.null"):
            self.problem = self.problem or "no keyring backend is available"
            return False
        if module.startswith("keyrings.alt.file"):
            self.problem = "the configured keyring is a plain file, which ClaudeMeter does not use"
            return False
        try:
            priority = float(backend.priority)
        except Exception:  # noqa: BLE001 - a backend's own availability check may raise anything
            priority = 0.0
        if priority <= 0 and module != "keyring.backends.chainer":
            self.problem = f"{type(backend).__name__} is not available here"
            return False
        return True

    # -- the session -----------------------------------------------------------------------

    def load(self) -> SessionCookies | None:
        """The stored session, the in-memory one, or None. Never raises."""
        if self._memory is not None:
            return self._memory
        text = self._call("get_password", SERVICE, SESSION_ENTRY)
        if not isinstance(text, str) or not text.strip():
            return None
        try:
            return SessionCookies.parse(text)
        except InvalidCookie:
            log.warning("the session stored in the keyring is not usable; ignoring it")
            return None

    def save(self, cookies: SessionCookies) -> Saved:
        """Store ``cookies``; when no keyring is usable, keep them in memory and say so."""
        if self.usable():
            ok = self._call("set_password", SERVICE, SESSION_ENTRY, cookies.header().reveal())
            if ok is not _FAILED:
                self._memory = None
                return Saved(persisted=True)
        self._memory = cookies
        return Saved(persisted=False, message=NO_KEYRING.format(why=self.problem or "unknown"))

    def delete(self) -> bool:
        """Remove the stored session; True when there was one."""
        had_memory, self._memory = self._memory is not None, None
        if not self.usable():
            return had_memory
        if self._call("get_password", SERVICE, SESSION_ENTRY) in (None, _FAILED):
            return had_memory
        return self._call("delete_password", SERVICE, SESSION_ENTRY) is not _FAILED or had_memory

    # -- other entries (the bridge's pairing tokens) ---------------------------------------

    def read_entry(self, entry: str) -> str | None:
        """The text stored under ``entry`` of this service, or None. Never raises."""
        if not self.usable():
            return None
        text = self._call("get_password", SERVICE, entry)
        return text if isinstance(text, str) else None

    def write_entry(self, entry: str, text: str) -> bool:
        """Store ``text`` under ``entry``; False (and :attr:`problem` set) when it could not."""
        if not self.usable():
            return False
        return self._call("set_password", SERVICE, entry, text) is not _FAILED

    def remove_entry(self, entry: str) -> bool:
        """Remove ``entry``; True when there was one and it is gone."""
        if not self.usable() or self._call("get_password", SERVICE, entry) in (None, _FAILED):
            return False
        return self._call("delete_password", SERVICE, entry) is not _FAILED

    def _call(self, method: str, *args: str) -> Any:
        """One backend call; any failure (locked, no D-Bus, refused) is recorded, not raised."""
        try:
            return getattr(self.backend(), method)(*args)
        except Exception as exc:  # noqa: BLE001 - backends raise their own exception types
            self.problem = _why(exc)
            log.info("keyring %s failed: %s", method, type(exc).__name__)
            return _FAILED


_FAILED: Final = object()


def _why(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "KeyringLocked" or "locked" in str(exc).lower():
        return "the keyring is locked"
    if "DBUS" in str(exc) or "D-Bus" in str(exc) or "dbus" in type(exc).__module__:
        return "there is no D-Bus session to reach the keyring"
    return f"the keyring refused: {name}"
