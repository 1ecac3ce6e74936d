"""A keyring backend that keeps secrets in a dict, and one that is locked: for unit tests."""

from __future__ import annotations

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


class LockedKeyring(KeyringBackend):
    """A Secret Service collection the person did not unlock."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


class SharedMemoryKeyring(MemoryKeyring):
    """Every instance shares one dict, so a test can name it in ``PYTHON_KEYRING_BACKEND``."""

    shared: dict[tuple[str, str], str] = {}  # noqa: RUF012 - shared on purpose

    def __init__(self) -> None:
        super().__init__()
        self.items = SharedMemoryKeyring.shared
