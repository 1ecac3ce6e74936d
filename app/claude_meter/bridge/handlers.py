"""What the bridge does with an admitted request, on a worker thread: read its body, then pair
the extension (``/pair``) or hand its snapshots to the app (``/snapshots``).

A body is read only after :mod:`claude_meter.bridge.admission` let its head through, and is
parsed by the app's own models (:mod:`claude_meter.bridge.wire`; 400 when they reject it).
No answer carries ``Access-Control-Allow-Origin``.

Every accepted post leaves marked with its account (``FetchResult.for_account``): the
configured extension account its profile label or claude.ai email names
(``core/account_routing.py``), asked of ``accounts`` (the settings' accounts as they are
now) at each post; else the default account (None). The answer tells the extension that
account's name (``null``: the default account), so its popup can say where its numbers go.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from claude_meter.bridge.admission import Admitted, Refusal
from claude_meter.bridge.pairing import PAIR_REFUSALS, Pairing
from claude_meter.bridge.request import Request
from claude_meter.bridge.wire import RejectedPost, read_post
from claude_meter.core.account_routing import Routable, extension_account
from claude_meter.core.models import FetchResult
from claude_meter.core.secret import Secret

log = logging.getLogger("claude_meter.bridge")


class Desk(Protocol):
    """Where the handlers report: refusals (counted, logged, answered) and other counts."""

    def refuse(self, request: Request, refusal: Refusal) -> None: ...

    def count(self, what: str) -> None: ...


class Handlers:
    """The two paths. ``on_result`` and ``on_pair`` run on the worker thread."""

    def __init__(
        self,
        pairing: Pairing,
        desk: Desk,
        on_result: Callable[[FetchResult], None],
        on_pair: Callable[[str], None] | None,
        clock: Callable[[], datetime],
        accounts: Callable[[], Sequence[Routable]] = tuple,
    ) -> None:
        self._pairing = pairing
        self._desk = desk
        self._on_result = on_result
        self._on_pair = on_pair
        self._clock = clock
        self._accounts = accounts

    def serve(self, req: Request, admitted: Admitted) -> None:
        body = req.read_body(admitted.length)
        if body is None:
            reason = (
                "the body was the slowest while the bridge was busy"
                if req.evicted
                else "the body did not arrive in time"
            )
            self._desk.refuse(req, Refusal(400, admitted.path, reason, admitted.origin))
        elif admitted.path == "/pair":
            self._pair(req, admitted.origin)
        else:
            self._snapshots(req, body, admitted.origin)

    def _pair(self, req: Request, origin: str) -> None:
        token = self._pairing.try_pair(origin)
        if not isinstance(token, Secret):  # closed while the body arrived, or no room left
            self._desk.refuse(req, Refusal(403, "/pair", PAIR_REFUSALS[token], origin))
            return
        self._desk.count("paired")
        log.info("bridge paired an extension: %s", origin)
        if self._on_pair is not None:
            self._on_pair(origin)
        with contextlib.suppress(OSError):
            req.answer(200, {"token": token.reveal()})

    def _snapshots(self, req: Request, body: bytes, origin: str) -> None:
        try:
            post = read_post(body, self._clock())
        except RejectedPost as exc:
            self._desk.refuse(req, Refusal(400, "/snapshots", str(exc), origin))
            return
        configured = tuple(self._accounts())
        account = extension_account(configured, post.profile, post.email)
        result = post.result.for_account(account)
        name = next((a.name for a in configured if a.id == account), None)
        self._desk.count("accepted")
        try:
            self._on_result(result)
        finally:
            with contextlib.suppress(OSError):
                req.answer(200, {"accepted": len(result.snapshots), "account": name})
