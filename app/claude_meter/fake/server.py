"""The fake claude.ai HTTP server: routing, authentication and the scenarios' failure modes.

A real server on loopback (stdlib ``ThreadingHTTPServer`` in a daemon thread), so clients are
tested through real sockets, real TLS and real connection resets rather than mocked transports.
Both routes (claude.ai web with the ``sessionKey`` cookie, api.anthropic.com OAuth with a Bearer
token) are served by the same server. What the answers contain lives in ``scenarios.py`` and
``accounts.py``; each account's live state (keys, scenario, rotation) in ``sessions.py``; the
sockets, TLS and the ways of sending or dropping an answer in ``transport.py``.

Several accounts side by side: ``FakeClaude(accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT))``
(``accounts.py``). Each session key and OAuth token opens its own account only: its
organizations, its email, its numbers, its scenario (``set_scenario("work", "expired")``);
another account's organization is refused with 403 ``permission_error``, as claude.ai refuses
it, and the request log names the account each credential belonged to (``account``) and marks
such requests (``cross_account``, ``cross_account_requests()``). Without ``accounts`` the one
demo account is served exactly as before.

Why it is longer than 400 lines: it is one job, :class:`FakeClaude` deciding each answer, and
that job is as wide as the real endpoints it plays (claude.ai's web routes, the OAuth routes,
sign-in, cookie rotation) times the failures a client must survive (every scenario and the
``flaky`` and ``soak`` fault mixes), per account. Split further, each piece would need the
server's state (lock, clock, dice, the accounts' sessions) passed around.
"""

from __future__ import annotations

import itertools
import random
import shutil
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qs, quote, urlsplit

import msgspec

from . import accounts as ac
from . import scenarios as sc
from .accounts import FakeAccount
from .faults import MALFORMED_BODIES, FlakyOutcome, flaky_outcome, soak_outcome
from .hello import ClientHello
from .sessions import Sessions, check_scenario
from .transport import FakeHTTPServer, Handler

#: What the ``chrome-tls`` scenario lets through: Chrome's ClientHello as JA4, in the form an
#: IP-address connection gives (``ClientHello.ja4_core``). Recorded from Debian's
#: Chromium 156; tests/e2e/test_extension_chromium.py checks it still is that browser's.
CHROME_JA4: frozenset[str] = frozenset({"t13i1516h2_8daaf6152771_cb7bf5808d99"})

# Demo credentials: fixed so the demo mode and tests can share them; they open nothing real.
DEFAULT_SESSION_KEY = "sk-ant-sid01-demo-7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c8e2b4d6f0a"
DEFAULT_OAUTH_TOKEN = "sk-ant-oat01-demo-2e8b4f6a0c9d1e3f5a7b9c2d4e6f8a0b1c3d5e7f"  # noqa: S105

OAUTH_BETA = "oauth-2025-04-20"
_SECRET_HEADERS = frozenset({"cookie", "authorization", "x-api-key"})
_STOP_GRACE = 1.0
#: What the ``flaky`` scenario injects: ``standard`` (5xx, resets, slow answers) or ``soak``
#: (every fault a long-running meter meets: see ``faults.SOAK_MIX``).
FAULT_MIXES: tuple[str, ...] = ("standard", "soak")
#: The web app's shell, which a moved endpoint answers with ``200``: no Cloudflare marks.
_SPA_SHELL = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Claude</title>'
    '<script src="/_next/static/chunks/main-app.js" async></script></head>'
    '<body><div id="root"></div></body></html>'
)
REGION_PAGE = "/app-unavailable-in-region"


class LoggedRequest(msgspec.Struct, frozen=True):
    """One request as the server saw it, secrets replaced, so tests can check what clients send.

    ``authenticated`` says whether the request carried valid credentials for its route (the
    session cookie, or the Bearer token on ``/api/oauth/``), whatever the scenario answered.
    ``account`` names the account those credentials open (never the secret itself; None when
    absent or unknown); ``secrets_of`` names every account whose session key (rotated ones
    included) or OAuth token appears anywhere in the request's headers or path.
    ``cross_account`` marks a request that mixed accounts: its path names an organization the
    fake knows but that account does not own (claude.ai refuses it with 403), or it carried
    more than one account's secrets.
    """

    method: str
    path: str
    headers: dict[str, str]
    authenticated: bool
    #: The connection's TLS ClientHello (None over plain HTTP), read before the handshake.
    hello: ClientHello | None = None
    account: str | None = None
    cross_account: bool = False
    secrets_of: tuple[str, ...] = ()

    @property
    def ja4(self) -> str | None:
        """The ClientHello's JA4 fingerprint."""
        return self.hello.ja4 if self.hello else None

    @property
    def ja4_core(self) -> str | None:
        """The same, as if the client had come by IP address (no server name)."""
        return self.hello.ja4_core if self.hello else None


def _cookies(values: Iterable[str]) -> dict[str, str]:
    """Parse ``Cookie`` headers leniently, as browsers send them (first occurrence wins).

    Not ``http.cookies.SimpleCookie``: it drops the whole header on one odd value, and browsers
    send many cookies (``cf_clearance``, ``__cf_bm``, ...) next to ``sessionKey``.
    """
    jar: dict[str, str] = {}
    for header in values:
        for part in header.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar.setdefault(name.strip(), value.strip().strip('"'))
    return jar


def _redacted(headers: Message) -> dict[str, str]:
    return {
        name: "<redacted>" if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }


def _challenges_tls(req: Handler) -> bool:
    """The ``chrome-tls`` rule: a TLS connection whose ClientHello is not Chrome's (GREASE and
    a JA4 in :data:`CHROME_JA4`). Plain HTTP has no ClientHello to judge and passes."""
    if not isinstance(req.connection, ssl.SSLSocket):
        return False
    hello = req.hello
    return hello is None or not hello.grease or hello.ja4_core not in CHROME_JA4


class FakeClaude:
    """A fake claude.ai that answers like the real one in the scenario it is told to play.

    Use as a context manager (``with FakeClaude("rising") as fake: ... fake.base_url``) or with
    ``start()``/``stop()``. ``scenario`` can be changed while it runs, e.g. to make a session
    expire and come back.

    ``accounts`` serves several accounts side by side (each starts in its own ``scenario``, or
    in ``scenario`` when it has none; ``set_scenario(name, ...)`` changes one, setting
    ``scenario`` changes all); then
    ``session_key`` and ``oauth_token`` are the accounts' own, and ``rotate_to`` maps an
    account's name to the key its next usage answer rotates to. ``scenario`` alone then plays
    for requests that carry no account's credentials.
    """

    def __init__(
        self,
        scenario: str = "normal",
        *,
        session_key: str = DEFAULT_SESSION_KEY,
        oauth_token: str = DEFAULT_OAUTH_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = False,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        seed: int | None = None,
        rotate_to: str | Mapping[str, str] | None = None,
        faults: Literal["standard", "soak"] = "standard",
        retry_after: str = "120",
        accounts: Sequence[FakeAccount] = (),
    ) -> None:
        if faults not in FAULT_MIXES:
            raise ValueError(f"unknown fault mix {faults!r}; choose one of {FAULT_MIXES}")
        self._scenario = check_scenario(scenario)
        self._faults = faults
        self._retry_after = retry_after  # what ``rate-limited`` says (``0`` as in the field)
        if accounts and (session_key, oauth_token) != (DEFAULT_SESSION_KEY, DEFAULT_OAUTH_TOKEN):
            raise ValueError("with accounts, give each FakeAccount its own keys")
        if accounts and isinstance(rotate_to, str):
            raise ValueError("with accounts, rotate_to maps an account's name to its new key")
        served = ac.check_accounts(accounts or [ac.demo_account(session_key, oauth_token)])
        if isinstance(rotate_to, str):
            rotate_to = {served[0].name: rotate_to}
        self._clock = clock or time.monotonic
        self._sessions = Sessions(
            served,
            {a.name: a.scenario or scenario for a in served},
            self._clock,
            rotate_to or {},
        )
        # The soak mix's expired answers left and good answers given, per account.
        self._expired_left = {a.name: 0 for a in served}
        self._good_usage = {a.name: 0 for a in served}
        self._host, self._requested_port, self._tls = host, port, tls
        self._now = now or (lambda: datetime.now(UTC))
        self._rng = random.Random(seed)
        self._malformed_turn = itertools.count()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tmpdir: str | None = None
        self._cert_pem: bytes | None = None
        self.request_log: list[LoggedRequest] = []

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeClaude:
        """Bind and serve in a daemon thread; the port is known when this returns."""
        if self._httpd is not None:
            return self
        context = self._tls_context() if self._tls else None
        self._stopping.clear()
        self._sessions.restart_clocks()
        self._httpd = FakeHTTPServer(self, self._host, self._requested_port, context)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"fake-claude-{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections and remove the temporary cert; bounded, idempotent.

        Slow answers wait on ``_stopping`` rather than sleeping, so they end here too.
        """
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        self._stopping.set()
        if httpd is not None and thread is not None:
            httpd.shutdown()
            thread.join(_STOP_GRACE)
            httpd.cut_connections(_STOP_GRACE)
            httpd.server_close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self) -> FakeClaude:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _tls_context(self) -> ssl.SSLContext:
        from .tls import self_signed_cert  # cryptography is only needed for HTTPS

        cert_pem, key_pem = self_signed_cert()
        self._tmpdir = tempfile.mkdtemp(prefix="claude-meter-fake-")
        cert, key = Path(self._tmpdir, "cert.pem"), Path(self._tmpdir, "key.pem")
        cert.write_bytes(cert_pem)
        key.write_bytes(key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self._cert_pem = cert_pem
        return context

    # -- public state --------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the OS picks one when constructed with ``port=0``)."""
        if self._httpd is None:
            raise RuntimeError("FakeClaude is not running; call start() first")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` or ``https://...``: what a client uses instead of claude.ai."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"{'https' if self._tls else 'http'}://{host}:{self.port}"

    @property
    def scenario(self) -> str:
        """The scenario played now; setting it restarts the clock of ``rising``."""
        return self._scenario

    @scenario.setter
    def scenario(self, name: str) -> None:
        """Every account plays ``name`` from now on (the one demo account, by default)."""
        self._sessions.set_every_scenario(name)
        self._scenario = name

    @property
    def accounts(self) -> tuple[FakeAccount, ...]:
        """The accounts served (the one demo account unless ``accounts`` was given)."""
        return self._sessions.accounts

    def scenario_of(self, account: str) -> str:
        """The scenario ``account`` (a name) plays now."""
        return self._sessions.scenario_of(account)

    def set_scenario(self, account: str, scenario: str) -> None:
        """Make one account play ``scenario`` (``"expired"``, ``"cloudflare"``, ...) while the
        others keep theirs; restarts that account's ``rising`` clock. Thread-safe."""
        self._sessions.set_scenario(account, scenario)

    def rotate_session_key(self, account: str, new_key: str) -> None:
        """The account's next web usage answer sets ``sessionKey`` to ``new_key`` (both keep
        working afterwards), as claude.ai rotates a session."""
        self._sessions.rotate_later(account, new_key)

    def sign_in_again(self, account: str, new_key: str) -> None:
        """The account's sessions so far expire (401) and ``new_key`` is its new one, as when
        a person signs in to claude.ai again. Thread-safe."""
        self._sessions.sign_in_again(account, new_key)

    def cross_account_requests(self) -> list[LoggedRequest]:
        """Logged requests that used one account's credentials with an organization that
        account does not own, or carried several accounts' secrets (empty when every client
        kept its accounts apart)."""
        with self._lock:
            return [entry for entry in self.request_log if entry.cross_account]

    @property
    def cert_pem(self) -> bytes | None:
        """The self-signed certificate in TLS mode, for a client's trust store."""
        return self._cert_pem

    @property
    def cert_path(self) -> str | None:
        """The same certificate as a file (removed by ``stop()``), for ``ssl`` and ``verify=``."""
        return None if self._tmpdir is None else str(Path(self._tmpdir, "cert.pem"))

    # -- answering -----------------------------------------------------------------------

    def _answer(self, req: Handler) -> None:
        url = urlsplit(req.path)
        path = url.path.rstrip("/") or "/"
        oauth = path.startswith("/api/oauth/")
        account = self._sender(req, oauth)
        name = None if account is None else account.name
        scenario = self._scenario if name is None else self._sessions.scenario_of(name)
        secrets_of = self._sessions.secrets_in("\n".join([req.path, *req.headers.values()]))
        org = path.split("/")[3] if path.startswith("/api/organizations/") else None
        cross = len(secrets_of) > 1 or (
            account is not None and org is not None and self._sessions.owns_not(account, org)
        )
        with self._lock:
            self.request_log.append(
                LoggedRequest(
                    req.command,
                    req.path,
                    _redacted(req.headers),
                    account is not None,
                    req.hello,
                    account=name,
                    cross_account=cross,
                    secrets_of=secrets_of,
                )
            )
        if path == "/login":
            signed_in = req.command == "POST" or parse_qs(url.query).get("session") == ["1"]
            self._login(req, parse_qs(url.query).get("account", [None])[0], signed_in=signed_in)
        elif req.command != "GET" or not path.startswith("/api/"):
            req.send_error_json(404, "not_found_error", "Not found")
        elif scenario != "flaky" or self._survive_flakiness(req, name):
            if oauth:
                self._oauth(req, path, account, scenario)
            else:
                self._web(req, path, account, scenario)

    def _sender(self, req: Handler, oauth: bool) -> FakeAccount | None:
        """The account the route's credential opens: the Bearer token on ``/api/oauth/``, the
        ``sessionKey`` cookie elsewhere."""
        if oauth:
            scheme, _, token = (req.headers.get("Authorization") or "").partition(" ")
            return self._sessions.by_token(token.strip() if scheme.lower() == "bearer" else "")
        return self._sessions.by_session_key(
            _cookies(req.headers.get_all("Cookie") or []).get("sessionKey")
        )

    def _survive_flakiness(self, req: Handler, account: str | None) -> bool:
        """Apply one flaky outcome; False when the request has been answered or dropped."""
        key = account or self._sessions.accounts[0].name  # no credentials: as with one
        with self._lock:
            if self._expired_left[key] > 0:  # an expired session, until it comes back
                self._expired_left[key] -= 1
                outcome = FlakyOutcome("expire", status=401)
            elif self._faults == "soak":
                outcome = soak_outcome(self._rng)
                self._expired_left[key] = max(0, outcome.count - 1)
            else:
                outcome = flaky_outcome(self._rng)
        if outcome.kind in ("timeout", "slow-body", "malformed", "rate-limited", "cloudflare"):
            return self._soak_fault(req, outcome)
        if outcome.kind == "expire":
            req.send_error_json(401, "authentication_error", "Invalid authorization")
        elif outcome.kind == "error" and outcome.html:
            title = f"{outcome.status} {HTTPStatus(outcome.status).phrase}"
            req.send_page(title, f"<h1>{title}</h1>", status=outcome.status)
        elif outcome.kind == "error":
            req.send_error_json(outcome.status, "api_error", "Internal server error")
        elif outcome.kind == "reset":
            req.drop(reset=True)
        elif outcome.kind == "slow" and self._stopping.wait(outcome.delay):
            req.drop(reset=False)
        else:
            return True
        return False

    def _send_malformed(self, req: Handler) -> None:
        """The next of the malformed bodies, in turn, as a 200 application/json answer."""
        bodies = MALFORMED_BODIES
        req.send(200, bodies[next(self._malformed_turn) % len(bodies)])

    def _soak_fault(self, req: Handler, outcome: FlakyOutcome) -> bool:
        """The soak mix's extra faults; True when the request goes on to a (slow) answer."""
        if outcome.kind == "timeout":
            self._stopping.wait(outcome.delay)  # longer than a soak client waits
            req.drop(reset=False)
        elif outcome.kind == "slow-body":
            req.trickle = outcome.delay
            return True
        elif outcome.kind == "malformed":
            self._send_malformed(req)
        elif outcome.kind == "rate-limited":
            req.send_error_json(429, "rate_limit_error", "Rate limited", [("Retry-After", "1")])
        else:
            req.send_challenge()
        return False

    def _web(self, req: Handler, path: str, account: FakeAccount | None, scenario: str) -> None:
        parts = path.split("/")[2:]  # after "/api/"
        known = parts in (["organizations"], ["account"]) or (
            len(parts) == 3
            and parts[0] == "organizations"
            and parts[2] in ("usage", "overage_spend_limit", "subscription_details")
        )
        if scenario == "cloudflare" or (scenario == "chrome-tls" and _challenges_tls(req)):
            req.send_challenge()
        elif scenario == "region-redirect" and len(parts) == 3:
            req.send(302, b"", "text/plain", [("Location", REGION_PAGE)])
        elif not known:
            req.send_error_json(404, "not_found_error", "Not found")
        elif account is None or scenario == "expired":
            req.send_error_json(401, "authentication_error", "Invalid authorization")
        elif parts == ["organizations"]:
            req.send_json([sc.org_json(org) for org in account.orgs_in(scenario)])
        elif parts == ["account"]:
            req.send_json(ac.account_json(account, scenario))
        else:
            self._org_call(req, account, parts[1], parts[2], scenario)

    def _org_call(
        self, req: Handler, account: FakeAccount, uuid: str, what: str, scenario: str
    ) -> None:
        org = next((o for o in account.orgs_in(scenario) if o.uuid == uuid), None)
        if org is None and uuid in self._sessions.known_orgs:  # someone else's: another account's
            req.send_error_json(403, "permission_error", "Invalid authorization for organization")
        elif org is None:
            req.send_error_json(404, "not_found_error", "Organization not found")
        elif what == "overage_spend_limit" and not org.has_overage:
            req.send_error_json(404, "not_found_error", "No overage spend limit")
        elif what == "overage_spend_limit":
            req.send_json(sc.overage_json(org))
        elif what == "subscription_details" and not org.has_subscription:
            req.send_error_json(500, "api_error", "Internal server error")
        elif what == "subscription_details":
            req.send_json(sc.subscription_json(org, self._now()))
        else:
            self._usage(req, account, org, scenario, rotate=True)

    def _oauth(self, req: Handler, path: str, account: FakeAccount | None, scenario: str) -> None:
        agent = req.headers.get("User-Agent") or ""
        if path not in ("/api/oauth/usage", "/api/oauth/profile"):
            req.send_error_json(404, "not_found_error", "Not found")
        elif account is None or scenario == "expired":
            req.send_error_json(401, "authentication_error", "Invalid authorization")
        elif OAUTH_BETA not in (req.headers.get("anthropic-beta") or ""):
            req.send_error_json(
                400,
                "invalid_request_error",
                f"OAuth requests need the anthropic-beta: {OAUTH_BETA} header",
            )
        elif path == "/api/oauth/profile":
            req.send_json(ac.profile_json(account, scenario))
        elif scenario == "ua-bucket" and not agent.startswith("claude-code/"):
            req.send_error_json(429, "rate_limit_error", "Rate limited", [("Retry-After", "0")])
        else:
            self._usage(req, account, account.oauth_org(scenario), scenario, rotate=False)

    def _usage(
        self, req: Handler, account: FakeAccount, org: sc.Org, scenario: str, *, rotate: bool
    ) -> None:
        if scenario == "rate-limited":
            req.send_error_json(
                429, "rate_limit_error", "Rate limited", [("Retry-After", self._retry_after)]
            )
            return
        if scenario == "malformed":
            self._send_malformed(req)
            return
        if scenario == "spa-shell" and rotate:  # the web route only: a page where data was
            req.send(200, _SPA_SHELL.encode(), "text/html; charset=utf-8")
            return
        name = account.name
        if scenario == "flaky" and self._faults == "soak" and org.usable:
            with self._lock:
                self._good_usage[name] += 1
                report = sc.soak_usage_json(self._now(), self._good_usage[name])
        else:
            elapsed = self._sessions.elapsed(name)
            report = ac.usage_json(account, scenario, org, self._now(), elapsed)
        headers: list[tuple[str, str]] = []
        if rotate and (rotated := self._sessions.rotate_now(name)) is not None:
            headers.append(self._set_cookie("sessionKey", rotated))
        req.send_json(report, headers)

    def _set_cookie(self, name: str, value: str, *, http_only: bool = True) -> tuple[str, str]:
        """A ``Set-Cookie`` header with the attributes claude.ai uses (no ``Domain``)."""
        attrs = ["Path=/", "Secure" if self._tls else "", "HttpOnly" if http_only else ""]
        attrs += ["SameSite=Lax", "Max-Age=2592000"]
        return "Set-Cookie", "; ".join([f"{name}={value}", *filter(None, attrs)])

    def _login(self, req: Handler, name: str | None, *, signed_in: bool) -> None:
        """A sign-in page for browser tests: the cookie arrives the way claude.ai sets it.

        ``/login?account=work`` signs in as that account; without it, as the first one."""
        served = {a.name: a for a in self._sessions.accounts}
        account = served.get(name or self._sessions.accounts[0].name)
        if account is None:
            req.send_error_json(404, "not_found_error", "No such account")
        elif not signed_in:
            which = "" if name is None else f"account={quote(name)}"
            req.send_page(
                "Sign in",
                f'<form method="post" action="/login{which and "?" + which}">'
                '<button type="submit">Sign in to the demo</button></form>'
                f'<p><a href="/login?{which and which + "&"}session=1">Or sign in by link</a></p>',
            )
        else:
            self._signed_in(req, account)

    def _signed_in(self, req: Handler, account: FakeAccount) -> None:
        key = self._sessions.current_key(account.name)
        scenario = self._sessions.scenario_of(account.name)
        cookies = [
            self._set_cookie("sessionKey", key),
            self._set_cookie(
                "lastActiveOrg", account.last_active_org(scenario).uuid, http_only=False
            ),
        ]
        req.send_page("Signed in", "<p>Signed in</p>", cookies)


def run_forever(server: FakeClaude) -> None:
    """Serve until Ctrl-C, then stop cleanly; for ``claude-meter fake-server``.

    Joins in short slices because an untimed wait cannot be interrupted on Windows.
    """
    server.start()
    try:
        while (thread := server._thread) is not None and thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
