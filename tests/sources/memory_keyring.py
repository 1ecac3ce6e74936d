"""Keyring backends for the tests: in a dict, locked, or in a file several processes share."""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked, PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("no such item")


class CountingKeyring(MemoryKeyring):
    """Counts its reads: what a cache is meant to save."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


class LockedKeyring(KeyringBackend):
    """A Secret Service collection the person did not unlock."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


class UnavailableKeyring(MemoryKeyring):
    """A backend that says it cannot be used here (a Secret Service not started yet)."""

    priority = 0


class SharedMemoryKeyring(MemoryKeyring):
    """Every instance shares one dict, so a test can name it in ``PYTHON_KEYRING_BACKEND``."""

    shared: dict[tuple[str, str], str] = {}  # noqa: RUF012 - shared on purpose

    def __init__(self) -> None:
        super().__init__()
        self.items = SharedMemoryKeyring.shared


class FileKeyring(KeyringBackend):
    """A keyring shared between processes, in the JSON file ``CLAUDE_METER_TEST_KEYRING``
    names: for the tests of the tray's keyring helper process (``PYTHON_KEYRING_BACKEND``)."""

    priority = 1

    def _path(self) -> Path:
        return Path(os.environ["CLAUDE_METER_TEST_KEYRING"])

    def _items(self) -> dict[str, str]:
        try:
            loaded = json.loads(self._path().read_text())
        except FileNotFoundError:
            return {}
        return dict(loaded)

    def get_password(self, service: str, username: str) -> str | None:
        return self._items().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._items()
        items[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(items))

    def delete_password(self, service: str, username: str) -> None:
        items = self._items()
        if items.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("no such item")
        self._path().write_text(json.dumps(items))
