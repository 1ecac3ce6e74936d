"""The log file: rotation in the platform log folder, redaction on every handler, --debug."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_meter.core import paths
from claude_meter.core.logs import MAX_BYTES, REDACTED, log_path, redact, setup_logging
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (f"sessionKey={TEST_SESSION_KEY}", TEST_SESSION_KEY, "sessionKey="),
        (f"cookie sessionKey: '{TEST_SESSION_KEY}'", TEST_SESSION_KEY, "sessionKey"),
        (f"Authorization: Bearer {TEST_OAUTH_TOKEN}", TEST_OAUTH_TOKEN, "Authorization"),
        ("bearer abc.def-ghi_jkl", "abc.def-ghi_jkl", "bearer"),
        (f"token {TEST_OAUTH_TOKEN} expired", "TESTSECRET", "expired"),
        ("sk-ant-api03-XyZ_123", "XyZ_123", "sk-ant-"),
        (
            "Cookie: lastActiveOrg=abc; cf_clearance=zzz; __cf_bm=yyy\nnext line",
            "cf_clearance=zzz",
            "next line",
        ),
        ("set-cookie: sessionKey=abc; Path=/", "abc; Path", "set-cookie"),
        ("nothing secret: 37% of five_hour", "", "nothing secret: 37% of five_hour"),
    ],
)
def test_redact(text: str, gone: str, kept: str) -> None:
    clean = redact(text)
    if gone:
        assert gone not in clean
        assert REDACTED in clean
    assert kept in clean
    assert redact(clean) == clean  # idempotent: several handlers may see one record


def test_file_in_the_platform_log_folder_and_secrets_redacted(restore_root: None) -> None:
    stream = io.StringIO()
    path = setup_logging(debug=False, stream=stream)
    assert path == paths.log_dir() / "claude-meter.log"
    log = logging.getLogger("claude_meter.test")
    log.info("cookie header was Cookie: sessionKey=%s", TEST_SESSION_KEY)
    log.warning("token %s refused", TEST_OAUTH_TOKEN)
    log.debug("a debug line")
    try:
        raise RuntimeError(f"request failed with sessionKey={TEST_SESSION_KEY}")
    except RuntimeError:
        log.exception("boom")
    logging.getLogger("claude_meter.qt").warning("qt says Bearer %s", TEST_OAUTH_TOKEN)
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = path.read_text() if path else ""
    assert "cookie header was" in written
    assert "boom" in written
    assert "RuntimeError" in written
    assert "qt says Bearer" in written
    assert "a debug line" not in written  # INFO without --debug
    both = written + stream.getvalue()
    assert TEST_SESSION_KEY not in both
    assert TEST_OAUTH_TOKEN not in both
    assert "TESTSECRET" not in both
    assert "token sk-ant-[redacted] refused" in stream.getvalue()  # WARNING reaches stderr
    assert "cookie header" not in stream.getvalue()  # INFO does not, without --debug


def test_debug_logs_more_everywhere(restore_root: None, tmp_path: Path) -> None:
    stream = io.StringIO()
    path = setup_logging(debug=True, folder=tmp_path, stream=stream)
    logging.getLogger("claude_meter.test").debug("details %d", 42)
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert path == log_path(tmp_path)
    assert "details 42" in path.read_text()
    assert "details 42" in stream.getvalue()


def test_setting_up_twice_does_not_double_lines(restore_root: None, tmp_path: Path) -> None:
    setup_logging(folder=tmp_path, stream=io.StringIO())
    path = setup_logging(folder=tmp_path, stream=io.StringIO())
    logging.getLogger("claude_meter.test").info("once")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert path is not None
    assert path.read_text().count("once") == 1


def test_the_file_rotates(restore_root: None, tmp_path: Path) -> None:
    path = setup_logging(folder=tmp_path, stream=io.StringIO())
    assert path is not None
    line = "x" * 1000
    for _ in range(MAX_BYTES // 1000 + 50):
        logging.getLogger("claude_meter.test").info(line)
    assert (tmp_path / "claude-meter.log.1").exists()
    assert path.stat().st_size <= MAX_BYTES


def test_an_unwritable_log_folder_still_runs(restore_root: None, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    stream = io.StringIO()
    assert setup_logging(folder=blocker / "logs", stream=stream) is None
    assert "logging to standard error only" in stream.getvalue()
    logging.getLogger("claude_meter.test").warning("still here")
    assert "still here" in stream.getvalue()


def test_bad_format_arguments_do_not_break_the_filter(restore_root: None, tmp_path: Path) -> None:
    setup_logging(folder=tmp_path, stream=io.StringIO())
    logging.raiseExceptions = False
    try:
        logging.getLogger("claude_meter.test").info("%d", "not a number")
    finally:
        logging.raiseExceptions = True
