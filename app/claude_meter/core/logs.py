"""Logging: a rotating file in the platform log folder, secrets redacted on every handler.

The file is what a person attaches to a bug report, so it is written at INFO even without
``--debug`` (``--debug`` adds DEBUG, and copies everything to standard error). The redaction
is a :class:`logging.Filter` on the *handlers*, not on loggers: a handler filter sees every
record that reaches it, whichever logger (ours, a library's, Qt's messages) produced it. It also
redacts the formatted traceback, since an exception's text can quote a header.

Values from outside (a refused request's ``Origin`` and path, a server's text) reach the log
and the terminal only through :func:`printable`: control characters (escape sequences, CR
and LF that would forge a line, bidi overrides) are written as ``\\xNN`` / ``\\uNNNN``. The
handler filter applies it to every message as well, so no record writes a raw control
character whichever logger made it.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path
from typing import Final, TextIO

from claude_meter.core import paths

LOG_FILE: Final = "claude-meter.log"
MAX_BYTES: Final = 1024 * 1024
BACKUPS: Final = 3
FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED: Final = "[redacted]"

_PATTERNS: Final = (
    # A whole Cookie / Set-Cookie / Authorization header, to the end of its line.
    (re.compile(r"(?im)\b((?:set-)?cookie|authorization|x-api-key)(\s*[:=]\s*)[^\r\n]+"), None),
    (re.compile(r"(?i)\b(bearer)(\s+)[A-Za-z0-9._~+/=-]+"), None),
    (re.compile(r"(?i)\b(sessionKey)(\s*[=:]\s*['\"]?)[^;\s'\",]+"), None),
    # Anthropic secrets wherever they appear: session keys, OAuth tokens, API keys.
    (re.compile(r"sk-ant-[A-Za-z0-9_-]+"), "sk-ant-" + REDACTED),
)


#: C0 and C1 controls, DEL, lone surrogates, and the invisible format characters that
#: reorder or hide text on a terminal (bidi embeddings and isolates, zero-width marks).
_UNPRINTABLE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: int | None = None) -> str:
    """``text`` safe for one log or terminal line: cut to ``limit``, controls escaped."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    return _UNPRINTABLE.sub(_escape, text)


def redact(text: str) -> str:
    """``text`` with anything that looks like a cookie, a session key or a token replaced."""
    for pattern, replacement in _PATTERNS:
        if replacement is None:
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
        else:
            text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with :func:`redact`; never drops one."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - bad %-args: the formatter reports them, not us
            return True
        clean = printable(redact(message))
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def log_path(folder: Path | None = None) -> Path:
    return (folder or paths.log_dir()) / LOG_FILE


def setup_logging(
    *, debug: bool = False, folder: Path | None = None, stream: TextIO | None = None
) -> Path | None:
    """Install the file and standard-error handlers on the root logger; returns the file.

    Calling it again replaces the handlers it installed before (tests, a restart of the UI).
    When the log folder cannot be created the app still runs, logging to standard error only,
    and None is returned.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_claude_meter", False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    formatter = logging.Formatter(FORMAT)
    redacting = RedactingFilter()

    console = logging.StreamHandler(stream or sys.stderr)
    console.setLevel(logging.DEBUG if debug else logging.WARNING)
    _install(root, console, formatter, redacting)

    path = log_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        logging.getLogger("claude_meter.logs").warning(
            "cannot write the log file %s (%s); logging to standard error only",
            path,
            exc.strerror or exc,
        )
        return None
    file_handler.setLevel(logging.DEBUG if debug else logging.INFO)
    _install(root, file_handler, formatter, redacting)
    return path


def _install(
    root: logging.Logger,
    handler: logging.Handler,
    formatter: logging.Formatter,
    redacting: logging.Filter,
) -> None:
    handler.setFormatter(formatter)
    handler.addFilter(redacting)
    handler._claude_meter = True  # type: ignore[attr-defined]
    root.addHandler(handler)
