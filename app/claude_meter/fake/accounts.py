"""The accounts the fake claude.ai serves side by side: who a credential belongs to, and what
that account's answers say (its email, its organizations, its numbers).

One :class:`FakeAccount` is one claude.ai sign-in: its own ``sessionKey`` cookie, its own OAuth
token, its own organizations (no two accounts share one) and its own scenario, so one account
can expire or be challenged while another keeps answering. ``FakeClaude(accounts=...)`` serves
them; without ``accounts`` it serves :func:`demo_account` alone, which answers exactly as the
single-account fake always has (its organizations follow the scenario, ``orgs_for``).

Like ``scenarios.py``, everything here is pure data and pure functions of their arguments.
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable
from datetime import datetime

import msgspec

from . import scenarios as sc
from .scenarios import Json, Org

#: Where the uuids of accounts built without one come from (``uuid5`` of the account's name).
_ACCOUNT_NAMESPACE = uuidlib.UUID("7c0f6a2e-51b4-4c1d-9e8f-3a2b1c0d9e8f")


class FakeAccount(msgspec.Struct, frozen=True):
    """One signed-in claude.ai account as the fake plays it.

    ``orgs`` empty means "the scenario's organizations" (only the demo account does that); a
    named account's organizations are its own, whatever its scenario. ``percents`` are the
    (five_hour, seven_day, Sonnet weekly) numbers every usable org of the account reports in
    the ``normal`` scenario, so tests can tell accounts apart by the numbers shown; ``None``
    keeps the scenario's own numbers. Other scenarios report their own numbers, as for the
    single account. ``scenario`` is the one it starts in; ``None`` (the ready-made accounts)
    starts in the server's (``FakeClaude("rising", accounts=...)``).
    """

    name: str
    email: str
    session_key: str
    oauth_token: str
    orgs: tuple[Org, ...] = ()
    scenario: str | None = None
    percents: tuple[float, float, float] | None = None
    full_name: str = "Demo User"
    uuid: str | None = None  # None: derived from the name

    def __post_init__(self) -> None:
        if not self.name or not self.session_key or not self.oauth_token:
            raise ValueError("a fake account needs a name, a session key and an OAuth token")
        if self.scenario is not None and self.scenario not in sc.SCENARIOS:
            raise ValueError(
                f"unknown scenario {self.scenario!r}; valid: {', '.join(sc.SCENARIOS)}"
            )
        if self.orgs and not any(org.usable for org in self.orgs):
            raise ValueError(f"account {self.name!r} needs at least one org with usage windows")
        if self.percents is not None and not all(0 <= p <= 100 for p in self.percents):
            raise ValueError(f"account {self.name!r}: percents must be within 0-100")

    @property
    def account_uuid(self) -> str:
        """What ``/api/account`` and ``/api/oauth/profile`` give as the account's uuid."""
        return self.uuid or str(uuidlib.uuid5(_ACCOUNT_NAMESPACE, self.name))

    def orgs_in(self, scenario: str) -> tuple[Org, ...]:
        """The organizations this account's session sees while it plays ``scenario``."""
        return self.orgs or sc.orgs_for(scenario)

    def oauth_org(self, scenario: str) -> Org:
        """The org the OAuth route reports on: the first usable one, as for one account."""
        return next(org for org in self.orgs_in(scenario) if org.usable)

    def last_active_org(self, scenario: str) -> Org:
        """What ``/login`` puts in ``lastActiveOrg`` for this account."""
        return sc.last_active_org(scenario) if not self.orgs else self.oauth_org(scenario)


def demo_account(session_key: str, oauth_token: str) -> FakeAccount:
    """The single account of a ``FakeClaude`` built without ``accounts``: the demo's."""
    return FakeAccount(
        "demo", sc.EMAIL, session_key, oauth_token, uuid=sc.ACCOUNT_UUID, full_name="Demo User"
    )


# -- ready-made accounts: distinct emails, keys, tokens, organizations and numbers ------------

PERSONAL_CONSOLE = Org(
    "3a9d5e21-7b4c-4f60-8e1d-2c3b4a5f6e70",
    "Ada's Console",
    ("api",),
    "default_api",
    "prepaid",
    "api",
    has_overage=False,
    has_subscription=False,
)
PERSONAL_MAX = Org(
    "a41c7e93-2d5b-4e8f-9a06-1b2c3d4e5f61",
    "Ada's Max",
    ("chat", "claude_max"),
    "default_claude_max_20x",
    "stripe_subscription",
    "claude_max",
)
WORK_TEAM = Org(
    "b72e9f04-5c6d-4a1b-8e3f-7a8b9c0d1e22",
    "Initech Team",
    ("chat", "raven"),
    "default_raven",
    "stripe_subscription",
    "claude_team",
    has_overage=False,
    has_subscription=False,
)
THIRD_PRO = Org(
    "c83fa015-6d7e-4b2c-9f40-8b9c0d1e2f33",
    "Grace's Pro",
    ("chat", "claude_pro"),
    "default_claude_ai",
    "stripe_subscription",
    "claude_pro",
    has_overage=False,
)

PERSONAL_ACCOUNT = FakeAccount(
    "personal",
    "ada@example.com",
    "sk-ant-sid01-fake-personal-4d1c8a7e2b9f6035c1e8d4a7b2f9e6c3",
    "sk-ant-oat01-fake-personal-8b3e6f1a4c7d0295e8b1f4a7c0d3e6b9",
    orgs=(PERSONAL_CONSOLE, PERSONAL_MAX),
    percents=(21.0, 34.0, 5.0),
    full_name="Ada Lovelace",
    uuid="1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a01",
)
WORK_ACCOUNT = FakeAccount(
    "work",
    "ada.lovelace@initech.example",
    "sk-ant-sid01-fake-work-6e9b2c5f8a1d4073e6b9c2f5a8d1e4b7",
    "sk-ant-oat01-fake-work-2c5f8b1e4a7d0396f2c5b8e1a4d7f0c3",
    orgs=(WORK_TEAM,),
    percents=(58.0, 43.0, 16.0),
    full_name="Ada Lovelace",
    uuid="1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a02",
)
THIRD_ACCOUNT = FakeAccount(
    "side",
    "grace@example.net",
    "sk-ant-sid01-fake-side-9a2d5f8c1e4b7063a9d2f5c8e1b4a7d0",
    "sk-ant-oat01-fake-side-5f8c1e4b7a0d3296c5f8b1e4a7d0c3f6",
    orgs=(THIRD_PRO,),
    percents=(86.0, 73.0, 29.0),
    full_name="Grace Hopper",
    uuid="1f2e3d4c-5b6a-4978-8a6b-5c4d3e2f1a03",
)
READY_MADE_ACCOUNTS: tuple[FakeAccount, ...] = (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)

#: The most accounts ClaudeMeter shows side by side (issue 18), so the most the fake makes up.
MAX_ACCOUNTS = 8
# The numbers of the made-up accounts after the three: none equals another account's.
_EXTRA_PERCENTS: tuple[tuple[float, float, float], ...] = (
    (12.0, 27.0, 7.0),
    (45.0, 19.0, 23.0),
    (67.0, 88.0, 2.0),
    (95.0, 61.0, 38.0),
    (33.0, 52.0, 71.0),
)


def fake_accounts(count: int) -> tuple[FakeAccount, ...]:
    """``count`` distinct accounts (1 to :data:`MAX_ACCOUNTS`): the ready-made ones first, then
    made-up ``extra4``, ``extra5``, ... each with one Pro org; what ``fake-server --accounts``
    serves and what tests of many accounts use."""
    if not 1 <= count <= MAX_ACCOUNTS:
        raise ValueError(f"the fake serves 1 to {MAX_ACCOUNTS} accounts, not {count}")
    extra = []
    for number in range(len(READY_MADE_ACCOUNTS) + 1, count + 1):
        name = f"extra{number}"
        tag = uuidlib.uuid5(_ACCOUNT_NAMESPACE, name).hex
        org = Org(
            str(uuidlib.uuid5(_ACCOUNT_NAMESPACE, f"{name}/org")),
            f"Extra {number}'s Pro",
            ("chat", "claude_pro"),
            "default_claude_ai",
            "stripe_subscription",
            "claude_pro",
            has_overage=False,
        )
        extra.append(
            FakeAccount(
                name,
                f"user{number}@example.org",
                f"sk-ant-sid01-fake-{name}-{tag}",
                f"sk-ant-oat01-fake-{name}-{tag[::-1]}",
                orgs=(org,),
                percents=_EXTRA_PERCENTS[number - len(READY_MADE_ACCOUNTS) - 1],
                full_name=f"User {number}",
            )
        )
    return (READY_MADE_ACCOUNTS + tuple(extra))[:count]


def check_accounts(accounts: Iterable[FakeAccount]) -> tuple[FakeAccount, ...]:
    """The accounts as a tuple, or ``ValueError`` when two share a name, a credential or an org
    (then "another account's organization" would mean nothing)."""
    given = tuple(accounts)
    if not given:
        raise ValueError("serve at least one account")
    for what, values in (
        ("name", [a.name for a in given]),
        ("session key", [a.session_key for a in given]),
        ("OAuth token", [a.oauth_token for a in given]),
        ("organization", [o.uuid for a in given for o in a.orgs]),
    ):
        if len(set(values)) != len(values):
            raise ValueError(f"two fake accounts share a {what}")
    if len(given) > 1 and not all(a.orgs for a in given):
        raise ValueError("with several accounts, give each its own orgs")
    return given


# -- what an account's answers say ------------------------------------------------------------


def account_json(account: FakeAccount, scenario: str) -> Json:
    """``GET /api/account``: the account's email and every membership, the console included."""
    return sc.account_document(
        account.account_uuid, account.email, account.full_name, account.orgs_in(scenario)
    )


def profile_json(account: FakeAccount, scenario: str) -> Json:
    """``GET /api/oauth/profile``: the account and the org its OAuth token belongs to."""
    return sc.profile_document(
        account.account_uuid, account.email, account.full_name, account.oauth_org(scenario)
    )


def usage_json(
    account: FakeAccount, scenario: str, org: Org, now: datetime, elapsed: float
) -> Json:
    """``org``'s usage report: the account's own ``percents`` in ``normal``, else the scenario's."""
    if scenario == "normal" and account.percents is not None and org.usable:
        return sc.standard_json(now, *account.percents)
    return sc.usage_json(scenario, org, now, elapsed)
