"""The shared HTTP client of both clients: its guard rails (more in test_web.py and
test_hostile_answers.py, against real servers)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from claude_meter.clients.http import _timeout_message, guarded_get, make_http_client
from claude_meter.core import retry_words
from claude_meter.core.errors import NetworkError
from tests.support.hostile import answer, hostile_server


def test_redirects_are_not_followed() -> None:
    moved = answer(b"", status="302 Found", headers=[("Location", "http://127.0.0.1:1/elsewhere")])
    with hostile_server() as server, make_http_client(server.base_url) as client:
        server.script = [(0.0, moved)]
        got = guarded_get(client, "/x", {}, "web")
        assert (got.status, got.headers.get("location")) == (302, "http://127.0.0.1:1/elsewhere")
        assert server.requests == 1


@contextmanager
def resetting_server() -> Iterator[str]:
    """A loopback server that reads the request, sends half a status line and resets."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # linger 0: a reset, which the client reads as ECONNRESET

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        thread.join(5)
        listener.close()


def _broken_message() -> str:
    with (
        resetting_server() as base_url,
        make_http_client(base_url) as client,
        pytest.raises(NetworkError) as info,
    ):
        guarded_get(client, "/x", {}, "web")
    return info.value.message


def test_a_connection_reset_is_told_in_words_not_a_type_name() -> None:
    message = _broken_message()
    assert message == (
        "The connection to claude.ai broke off while its answer was being read. "
        "The last numbers are kept; ClaudeMeter will try again."
    )
    assert "Error" not in message


def test_a_one_shot_command_is_told_to_try_again_itself() -> None:
    with retry_words.one_shot():
        message = _broken_message()
    assert message == (
        "The connection to claude.ai broke off while its answer was being read. "
        "Try again in a minute."
    )
    assert "ClaudeMeter will" in _broken_message()  # the tray's words come back after


def test_no_answer_in_time_and_no_connection_end_with_the_command_s_words() -> None:
    with retry_words.one_shot(), make_http_client("http://127.0.0.1:1") as client:
        with pytest.raises(NetworkError) as info:
            guarded_get(client, "/x", {}, "web")
        assert info.value.message == (
            "Can't reach claude.ai: the connection was refused. Try again in a minute."
        )
        assert _timeout_message("claude.ai") == (
            "claude.ai did not answer in time. Check your internet connection, then try again."
        )
    assert _timeout_message("claude.ai").endswith(
        "the last numbers are kept and ClaudeMeter will try again."
    )


def test_a_deadline_already_passed_stops_before_connecting() -> None:
    with hostile_server() as server, make_http_client(server.base_url) as client:
        with pytest.raises(NetworkError, match="in time"):
            guarded_get(client, "/x", {}, "web", total_timeout=-1.0)
        assert server.requests == 0
