"""Each served account's live state (:mod:`claude_meter.fake.sessions`), read directly;
``test_accounts.py`` checks the same rules over HTTP."""

from __future__ import annotations

import pytest

from claude_meter.fake import PERSONAL_ACCOUNT, READY_MADE_ACCOUNTS, WORK_ACCOUNT
from claude_meter.fake import scenarios as sc
from claude_meter.fake.sessions import Sessions, check_scenario
from tests.fake.support import ManualClock


def sessions(clock: ManualClock, **rotate_to: str) -> Sessions:
    scenarios = {a.name: a.scenario or "normal" for a in READY_MADE_ACCOUNTS}
    return Sessions(READY_MADE_ACCOUNTS, scenarios, clock, rotate_to)


def test_each_credential_opens_its_own_account_only() -> None:
    state = sessions(ManualClock())
    for account in READY_MADE_ACCOUNTS:
        assert state.by_session_key(account.session_key) is account
        assert state.by_token(account.oauth_token) is account
        assert state.by_session_key(account.oauth_token) is None
        assert state.by_token(account.session_key) is None
    assert state.by_session_key(None) is None
    assert state.by_session_key("") is None
    assert state.by_token(None) is None


def test_secrets_in_names_every_account_whose_secret_occurs() -> None:
    state = sessions(ManualClock())
    text = (
        f"Cookie: a=b; sessionKey={WORK_ACCOUNT.session_key}\nBearer {PERSONAL_ACCOUNT.oauth_token}"
    )
    assert state.secrets_in(text) == ("personal", "work")
    assert state.secrets_in("nothing here") == ()


def test_owns_not_is_true_only_for_another_known_org() -> None:
    state = sessions(ManualClock())
    personal_max = PERSONAL_ACCOUNT.orgs[1]
    assert not state.owns_not(PERSONAL_ACCOUNT, personal_max.uuid)
    assert state.owns_not(PERSONAL_ACCOUNT, WORK_ACCOUNT.orgs[0].uuid)
    assert state.owns_not(PERSONAL_ACCOUNT, sc.TEAM.uuid)  # the single-account fake's orgs too
    assert not state.owns_not(PERSONAL_ACCOUNT, "00000000-0000-0000-0000-000000000000")


def test_scenarios_per_account_and_their_clocks() -> None:
    clock = ManualClock()
    state = sessions(clock)
    clock.value += 30
    assert state.elapsed("work") == 30
    state.set_scenario("work", "expired")
    assert [state.scenario_of(a.name) for a in READY_MADE_ACCOUNTS] == [
        "normal",
        "expired",
        "normal",
    ]
    assert (state.elapsed("work"), state.elapsed("personal")) == (0, 30)
    state.set_every_scenario("rising")
    assert {state.scenario_of(a.name) for a in READY_MADE_ACCOUNTS} == {"rising"}
    assert state.elapsed("personal") == 0
    clock.value += 5
    state.restart_clocks()
    assert state.elapsed("side") == 0


def test_unknown_names_and_scenarios_are_refused_with_the_valid_ones() -> None:
    state = sessions(ManualClock())
    with pytest.raises(ValueError, match="unknown account 'Work'; served: personal, work, side"):
        state.set_scenario("Work", "normal")
    with pytest.raises(ValueError, match="unknown account 'x'"):
        state.rotate_later("x", "k")
    with pytest.raises(ValueError, match=r"unknown scenario 'nope'; valid: normal, rising"):
        state.set_scenario("work", "nope")
    with pytest.raises(ValueError, match="unknown scenario"):
        state.set_every_scenario("Normal")
    with pytest.raises(ValueError, match="unknown account 'gone'"):
        sessions(ManualClock(), gone="k")
    assert check_scenario("flaky") == "flaky"
    assert state.scenario_of("work") == "normal"


def test_rotation_is_once_per_account_and_keeps_the_old_key() -> None:
    state = sessions(ManualClock(), work="sk-ant-sid02-work-new")
    assert state.rotate_now("personal") is None
    assert state.rotate_now("work") == "sk-ant-sid02-work-new"
    assert state.rotate_now("work") is None
    assert state.by_session_key("sk-ant-sid02-work-new") is WORK_ACCOUNT
    assert state.by_session_key(WORK_ACCOUNT.session_key) is WORK_ACCOUNT
    assert state.current_key("work") == "sk-ant-sid02-work-new"
    assert state.current_key("personal") == PERSONAL_ACCOUNT.session_key
    assert state.secrets_in("sk-ant-sid02-work-new") == ("work",)
    state.rotate_later("personal", "sk-ant-sid02-personal-new")
    assert state.rotate_now("personal") == "sk-ant-sid02-personal-new"


def test_signing_in_again_signs_the_old_sessions_out() -> None:
    state = sessions(ManualClock(), work="sk-ant-sid01-rotated-work")
    assert state.rotate_now("work") == "sk-ant-sid01-rotated-work"
    state.sign_in_again("work", "sk-ant-sid01-new-work")
    assert state.by_session_key(WORK_ACCOUNT.session_key) is None
    assert state.by_session_key("sk-ant-sid01-rotated-work") is None
    assert state.by_session_key("sk-ant-sid01-new-work") is WORK_ACCOUNT
    assert state.current_key("work") == "sk-ant-sid01-new-work"
    assert state.by_session_key(PERSONAL_ACCOUNT.session_key) is PERSONAL_ACCOUNT
    with pytest.raises(ValueError, match="unknown account"):
        state.sign_in_again("nobody", "x")
