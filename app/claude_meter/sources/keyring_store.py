"""The one place secrets are kept: the OS keyring, under the service name ``claude-meter``.

macOS Keychain, Windows Credential Locker, the Secret Service (GNOME Keyring, KeePassXC) or
KWallet on Linux, whichever ``keyring`` finds. When none is usable (``keyring.backends.fail``,
a locked collection, no D-Bus session) the store says so and keeps the session in memory for
this run only: it never falls back to a plain file.

``keyring`` is imported lazily, on first use, so the environment-cookie path stays fast.

The tray app keeps a copy of the stored session between polls: see
:mod:`claude_meter.sources.session_cache` for when it reads the keyring again. The command
line passes none: each command reads the keyring itself, once, unless a recent read found
nothing there (``remember_absence``: see :mod:`claude_meter.sources.keyring_absence`).
"""

from __future__ import annotations

import logging
import os
from typing import Any, Final

import msgspec

from claude_meter.sources.cookies import InvalidCookie, SessionCookies
from claude_meter.sources.session_cache import (
    BRIDGE_ENTRY,
    SESSION_ENTRY,
    SessionCache,
    mark_changed,
    read_stamp,
    stamp_path,
)

#: The entries' names are defined beside their change stamps; named here too, where the
#: entries are read and written.
__all__ = ["BRIDGE_ENTRY", "SERVICE", "SESSION_ENTRY", "Keyring", "Saved", "SessionStore"]

log = logging.getLogger("claude_meter.sources.keyring")

SERVICE: Final = "claude-meter"

NO_KEYRING: Final = (
    "No usable keyring was found ({why}), so the session is kept in memory for this run only "
    "and nothing was written to disk. Install or unlock a keyring (GNOME Keyring, KWallet, "
    "KeePassXC; on macOS and Windows the system one), or set CLAUDE_METER_COOKIE instead."
)


class Saved(msgspec.Struct, frozen=True):
    """How a save went: ``persisted`` False means memory only, and ``message`` says why."""

    persisted: bool
    message: str | None = None


class SessionStore:
    """The claude.ai session in the keyring, with an in-memory stand-in when there is none.

    ``backend`` is a ``keyring`` backend object; by default the one ``keyring`` chooses
    (which honours ``PYTHON_KEYRING_BACKEND`` and ``keyringrc.cfg``). Tests pass their own.
    ``remember_absence`` (the command line's polls, which have no ``cache``): trust a recent
    "nothing stored" instead of asking the keyring (:mod:`~claude_meter.sources.keyring_absence`).
    """

    def __init__(
        self,
        backend: Any = None,
        *,
        cache: SessionCache | None = None,
        entry: str = SESSION_ENTRY,
        remember_absence: bool = False,
    ) -> None:
        self._backend = backend
        self._cache = cache
        self._remember_absence = remember_absence and cache is None
        self.entry = entry  # the default account's, or a named account's own
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

    def identity(self) -> tuple[str, str, float]:
        """The backend's module, class name and priority (asked of the child when there is one)."""
        backend = self.backend()
        describe = getattr(backend, "describe", None)
        if describe is not None:
            module, name, priority, problem = describe()
            self.problem = problem or self.problem  # the child's own words
            return module, name, priority
        try:
            priority = float(backend.priority)
        except Exception:  # noqa: BLE001 - a backend's own availability check may raise anything
            priority = 0.0
        return type(backend).__module__, type(backend).__name__, priority

    def backend_name(self) -> str:
        module, name, _ = self.identity()
        return f"{module}.{name}"

    def usable(self) -> bool:
        """Whether this backend can hold secrets at all (the fail and null backends cannot)."""
        module, name, priority = self.identity()
        if module in ("keyring.backends.fail", "keyring.backends.null"):
            self.problem = self.problem or "no keyring backend is available"
            return False
        if module.startswith("keyrings.alt.file"):
            self.problem = "the configured keyring is a plain file, which ClaudeMeter does not use"
            return False
        if priority <= 0 and module != "keyring.backends.chainer":
            self.problem = self.problem or f"{name} is not available here"
            return False
        return True

    # -- the session -----------------------------------------------------------------------

    def load(self) -> SessionCookies | None:
        """The stored session, the in-memory one, or None. Never raises."""
        if self._memory is not None:
            return self._memory
        from claude_meter.sources import keyring_absence

        cache, stamp = self._cache, None
        stamp_file = cache.stamp if cache is not None else stamp_path(self.entry)
        if cache is not None:
            hit, value = cache.get()
            if hit:
                return value
            stamp = cache.stamp_now()
        elif self._remember_absence:
            stamp = read_stamp(stamp_file)
            if keyring_absence.known_absent(stamp_file, stamp, os.environ):
                return None
        text = self._call("get_password", SERVICE, self.entry)
        value = None
        if isinstance(text, str) and text.strip():
            try:
                value = SessionCookies.parse(text)
            except InvalidCookie:
                log.warning("the session stored in the keyring is not usable; ignoring it")
        if cache is not None:
            if text is _FAILED:
                cache.failed(stamp)
            else:
                cache.put(value, stamp)
        if isinstance(text, str) and text.strip():
            keyring_absence.forget_absent(stamp_file)  # something is there: ask every time
        elif self._remember_absence and (text is not _FAILED or not self.usable()):
            keyring_absence.note_absent(stamp_file, stamp, os.environ)
        return value

    def refused(self) -> None:
        """The server called the stored session expired (see :meth:`SessionCache.refused`)."""
        if self._cache is not None:
            self._cache.refused()

    def known_refused(self) -> bool:
        """Whether the stored session is one the server has just refused (tray only)."""
        return self._cache is not None and self._cache.known_refused()

    def save(self, cookies: SessionCookies) -> Saved:
        """Store ``cookies``; when no keyring is usable, keep them in memory and say so."""
        if self.usable():
            ok = self._call("set_password", SERVICE, self.entry, cookies.header().reveal())
            if ok is not _FAILED:
                self._memory = None
                self._changed()
                return Saved(persisted=True)
        self._memory = cookies
        return Saved(persisted=False, message=NO_KEYRING.format(why=self.problem or "unknown"))

    def delete(self) -> bool:
        """Remove the stored session; True when there was one."""
        had_memory, self._memory = self._memory is not None, None
        if not self.usable():
            return had_memory
        stored = self._call("get_password", SERVICE, self.entry)
        if stored is _FAILED:
            return had_memory
        deleted = (
            stored is not None and self._call("delete_password", SERVICE, self.entry) is not _FAILED
        )
        self._changed()  # also when it was gone already: a running tray may still hold a copy
        return deleted or had_memory

    def _changed(self) -> None:
        if self._cache is not None:
            self._cache.changed()
        else:
            mark_changed(stamp_path(self.entry))

    # -- other entries (the bridge's pairing tokens) ---------------------------------------

    def read_entry(self, entry: str) -> tuple[bool, str | None]:
        """The text stored under ``entry`` of this service: ``(False, None)`` when a usable
        keyring could not be read (locked, unreachable), else ``(True, the text or None)``;
        no usable keyring at all reads as empty. Never raises."""
        if not self.usable():
            return True, None
        text = self._call("get_password", SERVICE, entry)
        if text is _FAILED:
            return False, None
        return True, text if isinstance(text, str) else None

    def write_entry(self, entry: str, text: str) -> bool:
        """Store ``text`` under ``entry``; False (and :attr:`problem` set) when it could not."""
        if not self.usable() or self._call("set_password", SERVICE, entry, text) is _FAILED:
            return False
        mark_changed(stamp_path(entry))
        return True

    def remove_entry(self, entry: str) -> bool:
        """Remove ``entry``; True when there was one and it is gone."""
        if not self.usable() or self._call("get_password", SERVICE, entry) in (None, _FAILED):
            return False
        if self._call("delete_password", SERVICE, entry) is _FAILED:
            return False
        mark_changed(stamp_path(entry))
        return True

    def _call(self, method: str, *args: str) -> Any:
        """One backend call; any failure (locked, no D-Bus, refused) is recorded, not raised."""
        try:
            if method == "get_password" and holds_no_collection(self.backend()):
                return None
            return getattr(self.backend(), method)(*args)
        except Exception as exc:  # noqa: BLE001 - backends raise their own exception types
            self.problem = describe_failure(exc)
            log.info("keyring %s failed: %s", method, type(exc).__name__)
            return _FAILED


_FAILED: Final = object()


def holds_no_collection(backend: Any) -> bool:
    """True when ``backend`` is a Secret Service without a default collection: it holds
    nothing, and reading it would make one (``keyring`` creates the default collection to look
    in it; gnome-keyring then asks for a new keyring's password, at the tray's first start on
    a desktop that never made a login keyring). Saving still makes one: the person asked to.
    False whenever that is not certain (another backend, a chosen collection, no answer)."""
    if type(backend).__module__ != "keyring.backends.SecretService":
        return False
    if hasattr(backend, "preferred_collection"):
        return False
    try:
        import secretstorage
        from secretstorage.exceptions import ItemNotFoundException
    except ImportError:
        return False
    try:
        connection = secretstorage.dbus_init()
        try:
            secretstorage.get_collection_by_alias(connection, "default")
        finally:
            connection.close()
    except ItemNotFoundException:
        return True
    except Exception:  # noqa: BLE001 - unreachable, refused: the read itself says so
        return False
    return False


def describe_failure(exc: BaseException) -> str:
    """Why a keyring call failed, in the person's words (never the exception's own text)."""
    told = getattr(exc, "why", None)  # the child process's own words (keyring_child)
    if isinstance(told, str):
        return told
    name = type(exc).__name__
    if name == "KeyringLocked" or "locked" in str(exc).lower():
        return "the keyring is locked"
    if "DBUS" in str(exc) or "D-Bus" in str(exc) or "dbus" in type(exc).__module__:
        return "there is no D-Bus session to reach the keyring"
    return f"the keyring refused: {name}"


class Keyring(msgspec.Struct, frozen=True):
    """The keyring a long-running process reaches: a backend (None: ``keyring``'s own, in
    this process) and the :class:`SessionCache` its stores share. Passed to what opens a
    store (the fetcher, the settings, the bridge's pairing), never installed globally."""

    backend: Any = None
    cache: SessionCache | None = None
    #: Each named account's cache, made at its first store (only when ``cache`` is given);
    #: not shown, not compared (the methods below).
    _accounts: dict[str, SessionCache] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Keyring(backend={self.backend!r}, cache={self.cache!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not Keyring:
            return NotImplemented
        return (self.backend, self.cache) == (other.backend, other.cache)

    def __hash__(self) -> int:
        return hash((self.backend, self.cache))

    def store(self, account: str | None = None) -> SessionStore:
        """The store of the default account's session, or of the named account ``account``
        (its own keyring entry and, in the tray, its own cache)."""
        if account is None:
            return SessionStore(self.backend, cache=self.cache)
        from claude_meter.core.accounts import keyring_entry

        entry = keyring_entry(account)
        cache = self._accounts.get(account)
        if cache is None and self.cache is not None:
            cache = self._accounts.setdefault(account, SessionCache(stamp_path(entry)))
        return SessionStore(self.backend, cache=cache, entry=entry)
