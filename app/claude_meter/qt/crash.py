"""Unexpected exceptions: logged, then shown in a non-blocking message, never fatal.

An exception that escapes a slot or a thread would otherwise be printed to a terminal the
person never sees (or, with some PySide6 versions, end the app). Both ``sys.excepthook`` and
``threading.excepthook`` go to :class:`CrashReporter`: the traceback goes to the log (redacted
by the log handlers), and one non-modal message box says what happened, with "Copy details"
for a bug report. Further errors while the box is open update it instead of piling up boxes.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication

from claude_meter import __version__
from claude_meter.core.logs import redact

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

log = logging.getLogger("claude_meter.crash")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

TITLE = "ClaudeMeter hit an unexpected error"


def details_of(exc_info: ExcInfo, where: str) -> str:
    """The text "Copy details" copies: versions and the redacted traceback."""
    trace = "".join(traceback.format_exception(*exc_info))
    header = (
        f"ClaudeMeter {__version__} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.release()} · {where}"
    )
    return redact(f"{header}\n\n{trace}")


class CrashReporter(QObject):
    """Installs the hooks; shows at most one message box at a time."""

    _report = Signal(str, str)  # summary, details: queued to the GUI thread from any thread

    def __init__(self, log_file: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log_file = log_file
        self._report.connect(self._show, Qt.ConnectionType.AutoConnection)
        self.box: QMessageBox | None = None
        self.count = 0
        self.details = ""
        self._previous: (
            tuple[
                Callable[[type[BaseException], BaseException, TracebackType | None], object],
                Callable[[threading.ExceptHookArgs], object],
            ]
            | None
        ) = None

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    # -- the hooks --------------------------------------------------------------------------

    def excepthook(
        self, kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(kind, KeyboardInterrupt | SystemExit):
            if self._previous is not None:
                self._previous[0](kind, value, tb)
            return
        self.handle((kind, value, tb), threading.current_thread().name)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, SystemExit) or args.exc_value is None:
            return
        where = args.thread.name if args.thread is not None else "a thread"
        self.handle((args.exc_type, args.exc_value, args.exc_traceback), where)

    def handle(self, exc_info: ExcInfo, where: str) -> None:
        """Log, then ask the GUI thread to show the message. Never raises."""
        try:
            log.critical("unexpected error in %s", where, exc_info=exc_info)
            summary = redact(f"{exc_info[0].__name__}: {exc_info[1]}")[:300]
            self._report.emit(summary, details_of(exc_info, where))
        except Exception:  # noqa: BLE001 - the crash handler itself must not crash
            if sys.__stderr__ is not None:
                sys.__stderr__.write("ClaudeMeter: the crash handler failed\n")

    # -- the message ------------------------------------------------------------------------

    def _show(self, summary: str, details: str) -> None:
        self.count += 1
        self.details = details if self.count == 1 else f"{self.details}\n\n---\n\n{details}"
        if self.box is None:
            self.box = self._make_box()
        where = f" The details are also in the log: {self._log_file}." if self._log_file else ""
        again = f" ({self.count} errors so far.)" if self.count > 1 else ""
        self.box.setText(f"{TITLE}, and kept running.{again}")
        self.box.setInformativeText(
            f"{summary}\n\nIf the numbers look wrong, choose Refresh or restart ClaudeMeter. "
            f"To report it, press “Copy details” and paste them into the bug report.{where}"
        )
        self.box.setDetailedText(self.details)
        self.box.show()
        self.box.raise_()

    def _make_box(self, parent: QWidget | None = None) -> QMessageBox:
        from PySide6.QtWidgets import QMessageBox  # made only after a crash

        box = QMessageBox(parent)
        box.setWindowTitle("ClaudeMeter")
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
        copy.clicked.disconnect()  # keep the box open after copying
        copy.clicked.connect(self.copy_details)
        box.addButton(QMessageBox.StandardButton.Close)
        box.finished.connect(self._closed)
        self.copy_button: QPushButton = copy
        return box

    def copy_details(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.details)
        if self.box is not None:
            self.copy_button.setText("Copied")

    def _closed(self) -> None:
        self.count = 0
        self.details = ""
        if self.box is not None:
            self.copy_button.setText("Copy details")
