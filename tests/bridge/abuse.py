"""Thousands of bad connections to a bridge at once, from one thread, and what each got back."""

from __future__ import annotations

import json
import random
import selectors
import socket
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.bridge.support import EXTENSION, good_post

#: What each kind of bad connection may get back: a status, or the connection closed
#: ("closed": no answer; "reset": the server closed with bytes of ours still unread).
ABUSE_OUTCOMES: dict[str, frozenset[str]] = {
    "malformed": frozenset({"400", "505"}),  # request lines http.server cannot parse
    "garbage": frozenset({"431"}),  # 20 KiB of bytes and no end of headers
    "huge_length": frozenset({"413"}),  # a paired token, Content-Length 100 GB
    "huge_headers": frozenset({"431"}),  # one 20 KiB header
    "many_headers": frozenset({"431"}),  # 150 small headers (http.server allows 100)
    "no_token": frozenset({"401"}),
    "unknown_token": frozenset({"401"}),
    "wrong_origin": frozenset({"403"}),
    "wrong_host": frozenset({"403"}),
    "chunked": frozenset({"411"}),
    "slowloris": frozenset({"closed", "reset"}),  # drips header lines, never ends them
    "silent": frozenset({"closed", "reset"}),  # connects and sends nothing
    "slow_body": frozenset({"400", "closed", "reset"}),  # good headers, drips the body
}
SLOW_KINDS = frozenset({"slowloris", "silent", "slow_body"})


def abuse_bytes(kind: str, port: int, token: str, i: int) -> tuple[bytes, bytes]:
    """What a connection of ``kind`` sends at once, and what it then drips byte by byte."""
    body = json.dumps(good_post()).encode()

    def head(extra: str = "", *, auth: str | None = token, origin: str = EXTENSION) -> bytes:
        lines = ["POST /snapshots HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Origin: {origin}"]
        if auth is not None:
            lines.append(f"Authorization: Bearer {auth}")
        lines.append("Content-Type: application/json")
        return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()

    length = f"Content-Length: {len(body)}\r\n"
    if kind == "malformed":
        return [
            b"GARBAGE\r\n\r\n",
            b"POST /snapshots HTTP/9.9\r\n\r\n",
            b"POST /snapshots HTTP/1.1 and more\r\n\r\n",
            bytes(range(1, 10)) + bytes(range(14, 256)) + b"\r\n\r\n",
        ][i % 4], b""
    if kind == "garbage":
        return bytes(range(14, 256)) * 85, b""  # 20 KiB, no line feed at all
    if kind == "huge_length":
        return head("Content-Length: 100000000000\r\n"), b""
    if kind == "huge_headers":
        return head("X-Padding: " + "a" * 20_000 + "\r\n" + length) + body, b""
    if kind == "many_headers":
        return head("".join(f"X-Header-{n}: {n}\r\n" for n in range(150)) + length) + body, b""
    if kind == "no_token":
        return head(length, auth=None) + body, b""
    if kind == "unknown_token":
        return head(length, auth="forged-" + "x" * 36) + body, b""
    if kind == "wrong_origin":
        return head(length, origin="https://evil.example") + body, b""
    if kind == "wrong_host":
        return head(length).replace(b"127.0.0.1:", b"evil.example:", 1) + body, b""
    if kind == "chunked":
        return head("Transfer-Encoding: chunked\r\n") + b"5\r\n{}\r\n0\r\n\r\n", b""
    if kind == "slowloris":
        start = f"POST /snapshots HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
        return b"", start + b"X-Slow: a\r\n" * 2_000
    if kind == "silent":
        return b"", b""
    if kind == "slow_body":
        return head("Content-Length: 1000\r\n"), b"{" * 1000
    raise ValueError(kind)


@dataclass
class _Client:
    kind: str
    sock: socket.socket
    started: float
    out: bytes
    drip: bytes
    next_drip: float = 0.0
    connected: bool = False
    answer: bytes = b""


@dataclass
class AbuseReport:
    """What each kind of connection got back, and how long the longest of each lasted."""

    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    longest: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    peak_open: int = 0

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.outcomes.values())

    def unexpected(self) -> dict[str, Counter[str]]:
        """Per kind, the outcomes :data:`ABUSE_OUTCOMES` does not allow."""
        found = {}
        for kind, outcomes in self.outcomes.items():
            odd = Counter({o: n for o, n in outcomes.items() if o not in ABUSE_OUTCOMES[kind]})
            if odd:
                found[kind] = odd
        return found

    def table(self) -> str:
        lines = [f"{'kind':<14}{'count':>7}  {'longest':>8}  outcomes"]
        for kind in sorted(self.outcomes):
            outcomes = self.outcomes[kind]
            shown = ", ".join(f"{o} x{n}" for o, n in outcomes.most_common())
            lines.append(
                f"{kind:<14}{sum(outcomes.values()):>7}  {self.longest[kind]:>7.2f}s  {shown}"
            )
        return "\n".join(lines)


class Abuse:
    """Opens ``plan[kind]`` connections of each kind to a bridge on loopback, in a shuffled
    order, at most ``concurrency`` open at once and ``burst`` new ones per turn of its loop,
    all from one thread with non-blocking sockets. Slow kinds drip a byte every
    ``drip_every`` seconds until the server closes; a connection still open after
    ``give_up`` seconds counts as "hung"."""

    def __init__(
        self,
        port: int,
        token: str,
        plan: Mapping[str, int],
        *,
        concurrency: int = 500,
        drip_every: float = 0.5,
        give_up: float = 30.0,
        burst: int = 32,
        seed: int = 9,
    ) -> None:
        self.port = port
        self.token = token
        kinds = [kind for kind, count in plan.items() for _ in range(count)]
        random.Random(seed).shuffle(kinds)
        self._todo = deque(kinds)
        self.concurrency = concurrency
        self.burst = burst  # connections opened per turn of the loop, so each sends at once
        self.drip_every = drip_every
        self.give_up = give_up
        self.report = AbuseReport()
        self._stopped = False

    def stop(self) -> None:
        """Make :meth:`run` close everything and return soon (from another thread)."""
        self._stopped = True

    def run(self) -> AbuseReport:
        started = time.monotonic()
        active: dict[socket.socket, _Client] = {}
        selector = selectors.DefaultSelector()
        number = 0
        try:
            while (self._todo or active) and not self._stopped:
                now = time.monotonic()
                room = min(self.concurrency - len(active), self.burst)
                for _ in range(min(room, len(self._todo))):
                    client = self._open(self._todo.popleft(), number, now)
                    number += 1
                    active[client.sock] = client
                    selector.register(client.sock, selectors.EVENT_WRITE, client)
                self.report.peak_open = max(self.report.peak_open, len(active))
                for key, events in selector.select(0.02):
                    client = key.data
                    if self._step(client, events):
                        self._end(client, active, selector)
                        continue
                    wanted = selectors.EVENT_READ | (selectors.EVENT_WRITE if client.out else 0)
                    if key.events != wanted:
                        selector.modify(client.sock, wanted, client)
                now = time.monotonic()
                for client in list(active.values()):
                    if now - client.started > self.give_up:
                        client.answer = b"hung"
                        self._end(client, active, selector)
                    elif client.connected and client.drip and now >= client.next_drip:
                        self._send(client, client.drip[:1])
                        client.drip = client.drip[1:]
                        client.next_drip = now + self.drip_every
        finally:
            for client in list(active.values()):
                client.answer = b"stopped"
                self._end(client, active, selector)
            selector.close()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _open(self, kind: str, number: int, now: float) -> _Client:
        out, drip = abuse_bytes(kind, self.port, self.token, number)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", self.port))
        return _Client(kind, sock, now, out, drip, now)

    def _step(self, client: _Client, events: int) -> bool:
        """Connect, send, read; True once the connection is over."""
        if not client.connected:
            error = client.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if error:
                client.answer = b"connect_failed"
                return True
            client.connected = True
        if events & selectors.EVENT_WRITE and client.out:
            client.out = client.out[self._send(client, client.out) :]
        if events & selectors.EVENT_READ:
            try:
                data = client.sock.recv(65536)
            except BlockingIOError:
                return False
            except OSError:
                client.answer = client.answer or b"reset"
                return True
            if not data:
                client.answer = client.answer or b"closed"
                return True
            if len(client.answer) < 16:
                client.answer += data[:16]
        return False

    def _send(self, client: _Client, data: bytes) -> int:
        try:
            return client.sock.send(data)
        except BlockingIOError:
            return 0
        except OSError:  # the server answered and closed: read what it said
            client.out = client.drip = b""
            return 0

    def _end(
        self,
        client: _Client,
        active: dict[socket.socket, _Client],
        selector: selectors.BaseSelector,
    ) -> None:
        selector.unregister(client.sock)
        del active[client.sock]
        client.sock.close()
        answer = client.answer
        outcome = answer[9:12].decode() if answer.startswith(b"HTTP/1.1 ") else answer.decode()
        self.report.outcomes.setdefault(client.kind, Counter())[outcome] += 1
        lasted = time.monotonic() - client.started
        self.report.longest[client.kind] = max(self.report.longest.get(client.kind, 0.0), lasted)
