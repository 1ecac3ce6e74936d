"""A one-shot command's warnings on standard error, in the command line's own form.

Without a handler, Python's last resort prints a warning as its bare text, unredacted, and a
problem the command also says itself came out twice in two forms (a damaged ``settings.json``:
the log's line and the command's ``claude-meter: ...`` one). Inside :func:`command_console`
(the command line's ``main``, for every command but the tray) a warning is written
``claude-meter: <text>``, redacted and made printable as the log file is
(:class:`~claude_meter.core.logs.RedactingFilter`), each text once per command, and none the
caller is handed to say in its own words (``extra=TOLD_BY_CALLER``; the tray's log file
keeps those). Light: ``core/logs.py`` (with ``logging.handlers``) is imported at the first
warning only, not on ``status --cached``'s path.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, TextIO

#: ``extra=`` of a warning whose text the caller is also given, to say in its own words.
TOLD_BY_CALLER: Final = {"told_by_caller": True}

PREFIX: Final = "claude-meter: "


class _CommandConsole(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record comes (a test's capture too)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._said: set[str] = set()
        self._redacting: logging.Filter | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "told_by_caller", False):
            return False
        if self._redacting is None:
            from claude_meter.core.logs import RedactingFilter

            self._redacting = RedactingFilter()
        self._redacting.filter(record)  # rewrites the message; never drops a record
        text = record.getMessage()
        if text in self._said:
            return False
        self._said.add(text)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        stream: TextIO = sys.stderr
        try:
            stream.write(f"{PREFIX}{record.getMessage()}\n")
            stream.flush()
        except Exception:  # noqa: BLE001 - as logging's own handlers: never raise from a log
            self.handleError(record)


@contextmanager
def command_console() -> Iterator[None]:
    """Warnings said as the command line says things, each once, while the command runs."""
    root = logging.getLogger()
    console = _CommandConsole()
    root.addHandler(console)
    try:
        yield
    finally:
        root.removeHandler(console)
