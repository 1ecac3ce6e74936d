"""A notifier for tests and the soak: it records what would have reached the desktop."""

from __future__ import annotations


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        self.sent.append((title, body))
        return True
