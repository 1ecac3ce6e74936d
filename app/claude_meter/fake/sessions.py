"""Each served account's live state in the fake claude.ai: which credential opens it (rotated
session keys included), which scenario it plays and since when, and the key it rotates to next.

:class:`claude_meter.fake.server.FakeClaude` asks this who sent a request and what that account
plays; what the answers say is ``accounts.py``'s and ``scenarios.py``'s. Thread-safe: requests
are answered on many threads while a test changes an account's scenario.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from . import scenarios as sc
from .accounts import FakeAccount


def check_scenario(name: str) -> str:
    """``name`` if it is a scenario, else ``ValueError`` naming the valid ones."""
    if name not in sc.SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; valid: {', '.join(sc.SCENARIOS)}")
    return name


class Sessions:
    """The accounts a fake serves and what each is doing now.

    ``scenarios`` gives each account's first scenario; ``rotate_to`` maps an account's name to
    the session key its next usage answer rotates to.
    """

    def __init__(
        self,
        accounts: tuple[FakeAccount, ...],
        scenarios: Mapping[str, str],
        clock: Callable[[], float],
        rotate_to: Mapping[str, str],
    ) -> None:
        self.accounts = accounts
        self._by_name = {account.name: account for account in accounts}
        self._clock = clock
        self._lock = threading.Lock()
        self._scenario = {name: check_scenario(scenarios[name]) for name in self._by_name}
        self._origin = dict.fromkeys(self._by_name, clock())
        self._keys = {a.session_key: a.name for a in accounts}  # rotated ones too
        self._current_key = {a.name: a.session_key for a in accounts}
        self._tokens = {a.oauth_token: a.name for a in accounts}
        self._rotate_to = {self.account(name).name: key for name, key in rotate_to.items()}
        #: Every org uuid the fake knows: another account's is refused with 403, not 404.
        self.known_orgs = {o.uuid for o in sc.ALL_ORGS} | {o.uuid for a in accounts for o in a.orgs}

    def account(self, name: str) -> FakeAccount:
        """The account called ``name``, else ``ValueError`` naming the served ones."""
        if name not in self._by_name:
            raise ValueError(f"unknown account {name!r}; served: {', '.join(self._by_name)}")
        return self._by_name[name]

    # -- who sent it ---------------------------------------------------------------------------

    def by_session_key(self, key: str | None) -> FakeAccount | None:
        with self._lock:
            name = self._keys.get(key or "")
        return None if name is None else self._by_name[name]

    def by_token(self, token: str | None) -> FakeAccount | None:
        name = self._tokens.get(token or "")
        return None if name is None else self._by_name[name]

    def secrets_in(self, text: str) -> tuple[str, ...]:
        """The names of the accounts whose session key or OAuth token occurs in ``text``."""
        with self._lock:
            secrets = {**self._keys, **self._tokens}
        return tuple(sorted({name for secret, name in secrets.items() if secret in text}))

    def owns_not(self, account: FakeAccount, uuid: str) -> bool:
        """``uuid`` is an org the fake knows that ``account`` does not own (now)."""
        own = {org.uuid for org in account.orgs_in(self.scenario_of(account.name))}
        return uuid not in own and uuid in self.known_orgs

    # -- what it plays ---------------------------------------------------------------------------

    def scenario_of(self, name: str) -> str:
        self.account(name)
        with self._lock:
            return self._scenario[name]

    def set_scenario(self, name: str, scenario: str) -> None:
        """``name`` plays ``scenario`` from now on (its ``rising`` clock restarts)."""
        self.account(name)
        check_scenario(scenario)
        with self._lock:
            self._scenario[name] = scenario
            self._origin[name] = self._clock()

    def set_every_scenario(self, scenario: str) -> None:
        check_scenario(scenario)
        with self._lock:
            self._scenario = dict.fromkeys(self._scenario, scenario)
            self._origin = dict.fromkeys(self._origin, self._clock())

    def restart_clocks(self) -> None:
        with self._lock:
            self._origin = dict.fromkeys(self._origin, self._clock())

    def elapsed(self, name: str) -> float:
        """Seconds since ``name`` began its scenario (what ``rising`` climbs with)."""
        with self._lock:
            return self._clock() - self._origin[name]

    # -- rotation ----------------------------------------------------------------------------

    def rotate_later(self, name: str, new_key: str) -> None:
        self.account(name)
        with self._lock:
            self._rotate_to[name] = new_key

    def rotate_now(self, name: str) -> str | None:
        """The key ``name`` rotates to in this answer, if one is due; both keys open it after."""
        with self._lock:
            rotated = self._rotate_to.pop(name, None)
            if rotated is not None:
                self._keys[rotated] = name
                self._current_key[name] = rotated
        return rotated

    def sign_in_again(self, name: str, new_key: str) -> None:
        """``name``'s sessions so far are signed out (refused with 401, as an expired one);
        only ``new_key`` opens it from now on."""
        self.account(name)
        with self._lock:
            self._keys = {k: n for k, n in self._keys.items() if n != name}
            self._keys[new_key] = name
            self._current_key[name] = new_key

    def current_key(self, name: str) -> str:
        """The session key ``/login`` hands out for ``name``: the latest after a rotation."""
        with self._lock:
            return self._current_key[name]
