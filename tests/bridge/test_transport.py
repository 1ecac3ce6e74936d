"""The bridge's transport on its own (:mod:`claude_meter.bridge.transport`): a real listening
socket driving a small service that echoes, so what is checked is the moving of bytes and
the limits, not the bridge's rules (``tests/bridge/test_abuse.py`` holds the floods)."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator

import pytest

from claude_meter.bridge.admission import Admitted, Refusal
from claude_meter.bridge.request import Request
from claude_meter.bridge.transport import MAX_HEADER_BYTES, Listener
from tests.e2e.processes import wait_until


class Echo:
    """Admits ``POST /echo`` and answers its body back; refuses everything else with 404."""

    def __init__(self) -> None:
        self.refused: list[Refusal] = []
        self.served: list[bytes] = []
        self.counted: list[str] = []

    def admit(self, request: Request) -> Admitted | None:
        if request.command == "POST" and request.path == "/echo":
            return Admitted("/echo", "test", int(request.headers.get("Content-Length", "0")))
        self.refuse(request, Refusal(404, request.path, "not here", None))
        return None

    def serve(self, request: Request, admitted: Admitted) -> None:
        body = request.read_body(admitted.length)
        if body is None:
            self.refuse(request, Refusal(400, admitted.path, "no body in time", None))
            return
        self.served.append(body)
        request.answer(200, {"echo": body.decode()})

    def refuse(self, request: Request, refusal: Refusal) -> None:
        self.refused.append(refusal)
        request.answer(refusal.status, {"error": refusal.reason})

    def count(self, what: str) -> None:
        self.counted.append(what)


@pytest.fixture
def echo() -> Iterator[tuple[Listener, Echo]]:
    service = Echo()
    listener = Listener(service, 0)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    yield listener, service
    listener.shutdown()
    thread.join(5)
    listener.server_close()


def post(port: int, path: str, body: bytes) -> tuple[int, dict[str, object]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        connection.close()


def raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_an_admitted_request_reaches_a_worker_and_its_answer_comes_back(
    echo: tuple[Listener, Echo],
) -> None:
    listener, service = echo
    assert post(listener.port, "/echo", b'{"n": 1}') == (200, {"echo": '{"n": 1}'})
    assert service.served == [b'{"n": 1}']
    wait_until(lambda: listener.load().connections == 0, 5, "the connection to close")
    load = listener.load()
    assert (load.peak_connections, load.peak_workers, load.workers) == (1, 1, 0)


def test_a_refusal_is_answered_without_a_worker(echo: tuple[Listener, Echo]) -> None:
    listener, service = echo
    assert post(listener.port, "/elsewhere", b"{}") == (404, {"error": "not here"})
    assert service.served == []
    assert listener.load().peak_workers == 0


def test_headers_past_the_limit_are_431(echo: tuple[Listener, Echo]) -> None:
    listener, service = echo
    head = b"POST /echo HTTP/1.1\r\nX-Filler: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n"
    assert raw(listener.port, head).startswith(b"HTTP/1.1 431 ")
    assert [r.status for r in service.refused] == [431]
    assert service.served == []


def test_a_malformed_request_line_is_400(echo: tuple[Listener, Echo]) -> None:
    listener, service = echo
    assert raw(listener.port, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert [r.status for r in service.refused] == [400]


def test_a_client_that_leaves_before_its_headers_end_is_counted(
    echo: tuple[Listener, Echo],
) -> None:
    listener, service = echo
    with socket.create_connection(("127.0.0.1", listener.port)) as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\n")
    wait_until(lambda: service.counted == ["closed_early"], 5, "the early close to be counted")
    assert service.refused == []


def test_a_port_in_use_is_an_error(echo: tuple[Listener, Echo]) -> None:
    listener, _ = echo
    with pytest.raises(OSError, match="in use"):
        Listener(Echo(), listener.port)
