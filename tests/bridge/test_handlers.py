"""What the bridge does with an admitted request (:mod:`claude_meter.bridge.handlers`): each
request is a real socket pair, its body partly with the head and partly on the wire."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from claude_meter.bridge.admission import Admitted, Refusal
from claude_meter.bridge.handlers import Handlers
from claude_meter.bridge.pairing import PAIR_REFUSALS, Pairing
from claude_meter.bridge.request import Request
from claude_meter.core.accounts import AccountRef
from claude_meter.core.models import FetchResult
from tests.bridge.support import EXTENSION, Clock, good_post


@dataclass
class Desk:
    refused: list[Refusal] = field(default_factory=list)
    counted: list[str] = field(default_factory=list)

    def refuse(self, request: Request, refusal: Refusal) -> None:
        self.refused.append(refusal)
        request.answer(refusal.status, {"error": refusal.reason})

    def count(self, what: str) -> None:
        self.counted.append(what)


@dataclass
class Bench:
    handlers: Handlers
    pairing: Pairing
    desk: Desk
    results: list[FetchResult]
    paired: list[str]
    client: socket.socket
    server: socket.socket

    def serve(self, path: str, body: bytes, *, with_head: int | None = None) -> tuple[int, object]:
        """``body``'s first ``with_head`` bytes arrive with the head, the rest on the socket."""
        first = len(body) if with_head is None else with_head
        head = f"POST {path} HTTP/1.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        request = Request(self.server, head, body[:first])
        assert request.parse()
        self.client.sendall(body[first:])
        self.handlers.serve(request, Admitted(path, EXTENSION, len(body)))
        status_line, _, rest = request.out.getvalue().partition(b"\r\n")
        payload = rest.partition(b"\r\n\r\n")[2]
        return int(status_line.split()[1]), json.loads(payload)


#: The accounts the person configured, as the settings hold them now (see ``bench``).
CONFIGURED: list[AccountRef] = []


@pytest.fixture
def bench() -> Iterator[Bench]:
    clock = Clock()
    pairing = Pairing(clock=clock)
    desk = Desk()
    results: list[FetchResult] = []
    paired: list[str] = []
    CONFIGURED.clear()
    handlers = Handlers(
        pairing, desk, results.append, paired.append, clock, lambda: tuple(CONFIGURED)
    )
    client, server = socket.socketpair()
    with client, server:
        yield Bench(handlers, pairing, desk, results, paired, client, server)


def test_snapshots_reach_the_app_and_are_counted(bench: Bench) -> None:
    body = json.dumps(good_post(percent=41.0)).encode()
    assert bench.serve("/snapshots", body, with_head=10) == (200, {"accepted": 1, "account": None})
    [result] = bench.results
    assert result.source == "extension"
    assert result.snapshots[0].windows[0].percent == 41.0
    assert bench.desk.counted == ["accepted"]


def test_a_post_the_models_reject_is_400_and_never_reaches_the_app(bench: Bench) -> None:
    status, payload = bench.serve("/snapshots", b'{"version": 1, "organizations": "x"}')
    assert status == 400
    assert [r.path for r in bench.desk.refused] == ["/snapshots"]
    assert bench.results == []
    assert bench.desk.counted == []
    assert isinstance(payload, dict)


def test_a_body_that_never_arrives_is_400(bench: Bench) -> None:
    bench.client.shutdown(socket.SHUT_WR)  # the extension went away mid-body
    head = b"POST /snapshots HTTP/1.1\r\nContent-Length: 100\r\n\r\n"
    request = Request(bench.server, head, b"{}")
    assert request.parse()
    bench.handlers.serve(request, Admitted("/snapshots", EXTENSION, 100))
    assert [(r.status, r.reason) for r in bench.desk.refused] == [
        (400, "the body did not arrive in time")
    ]
    assert bench.results == []


def test_pairing_gives_a_token_only_while_the_window_is_open(bench: Bench) -> None:
    status, payload = bench.serve("/pair", b"{}")
    assert (status, payload) == (403, {"error": PAIR_REFUSALS["closed"]})
    assert bench.paired == []
    bench.pairing.open_window()
    status, payload = bench.serve("/pair", b"{}")
    assert status == 200
    assert isinstance(payload, dict)
    token = payload["token"]
    assert isinstance(token, str)
    assert bench.pairing.check(token, EXTENSION) == "ok"
    assert bench.paired == [EXTENSION]
    assert bench.desk.counted == ["paired"]


def test_each_post_is_marked_with_the_account_its_profile_or_email_names(bench: Bench) -> None:
    from claude_meter.fake import scenarios as sc

    def posted(**extra: object) -> str | None:
        body = json.dumps({**good_post(), **extra}).encode()
        status, answer = bench.serve("/snapshots", body)
        assert status == 200
        result = bench.results[-1]
        assert all(s.account == result.account for s in result.snapshots)
        names = {a.id: a.name for a in CONFIGURED}
        assert answer == {"accepted": 1, "account": names.get(result.account or "")}
        return result.account

    assert posted(profile="Work") is None  # nothing configured yet: the default account
    CONFIGURED.extend(
        [
            AccountRef(id="work", name="Work", kind="extension", profile="Work"),
            AccountRef(id="mine", name="Mine", kind="extension", email=sc.EMAIL),
            AccountRef(id="web", name="Web", kind="browser", profile="Chromey"),
        ]
    )  # the settings changed while the bridge runs: the next post sees them
    assert posted(profile="  work ") == "work"
    assert posted() == "mine"  # no label: by the claude.ai email
    other = {"email_address": "x@y.z"}  # another claude.ai account than Mine's
    assert posted(profile="Chromey", account=other) is None  # a browser account: not routed
    assert posted(profile="Laptop", account=other) is None
    assert posted(profile="Laptop", account=None) == "mine"  # unclaimed, no email: the catch-all
    CONFIGURED.clear()  # removed: its posts go back to the default account
    assert posted(profile="Work") is None


def test_a_label_that_is_not_one_is_refused_before_anything_is_routed(bench: Bench) -> None:
    CONFIGURED.append(AccountRef(id="work", name="Work", kind="extension", profile="Work"))
    body = json.dumps({**good_post(), "profile": "Work\u0000"}).encode()
    status, _ = bench.serve("/snapshots", body)
    assert status == 400
    assert bench.results == []
    assert "profile" in bench.desk.refused[0].reason
