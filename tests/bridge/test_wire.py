"""The extension's post becomes the same snapshots as the app's own fetch."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from claude_meter.bridge.wire import (
    MAX_ORGANIZATIONS,
    MESSAGES,
    RejectedPost,
    parse_post,
    possible_kinds,
    read_post,
)
from claude_meter.core.usage import parse_usage_report
from claude_meter.fake import scenarios as sc
from tests.bridge.support import good_post
from tests.conftest import NOW

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def body(payload: object) -> bytes:
    return json.dumps(payload).encode()


def test_a_post_is_parsed_by_the_apps_own_parser() -> None:
    result = parse_post(body(good_post()), NOW)
    assert result.source == "extension"
    assert result.fetched_at == NOW
    (snapshot,) = result.snapshots
    expected = parse_usage_report(sc.usage_json("normal", sc.PERSONAL, NOW, 0.0))
    assert snapshot.windows == expected.windows
    assert snapshot.extra_usage == expected.extra_usage
    assert snapshot.org_uuid == sc.PERSONAL.uuid
    assert snapshot.account_email == sc.EMAIL
    assert snapshot.plan == sc.PERSONAL.rate_limit_tier
    assert snapshot.overage is not None
    assert snapshot.fetched_at == NOW


def test_each_organization_keeps_its_own_error() -> None:
    payload = good_post()
    team = {"organization": sc.org_json(sc.TEAM), "error": {"kind": "session_expired"}}
    odd = {"organization": {"uuid": "x-1"}, "usage": {"five_hour": "changed"}}
    limited = {
        "organization": {"uuid": "x-2"},
        "error": {"kind": "rate_limited", "status": 429, "retry_after": 120},
    }
    novel = {"organization": {"uuid": "x-3"}, "error": {"kind": "brand_new_kind"}}
    payload["organizations"] = [*payload["organizations"], team, odd, limited, novel]  # type: ignore[misc]
    result = parse_post(body(payload), NOW)
    kinds = [s.error.kind if s.error else None for s in result.snapshots]
    assert kinds == [None, "session_expired", "unexpected", "rate_limited", "unexpected"]
    assert result.snapshots[1].error is not None
    assert result.snapshots[1].error.message == MESSAGES["session_expired"]
    assert result.snapshots[3].error is not None
    assert result.snapshots[3].error.retry_at == NOW + timedelta(seconds=120)


def test_a_whole_poll_error() -> None:
    result = parse_post(body({"version": 1, "error": {"kind": "not_signed_in"}}), NOW)
    assert result.snapshots == ()
    assert result.error is not None
    assert result.error.kind == "not_signed_in"


def test_a_newer_extension_may_add_keys() -> None:
    payload = {**good_post(), "browser": "Vivaldi", "schema_hint": [1, 2]}
    assert len(parse_post(body(payload), NOW).snapshots) == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"version": 1, "organizations": [], "error": None},
        {"version": 1, "error": {"kind": "network"}, "organizations": [
            {"organization": {"uuid": "o"}, "usage": {}}]},
        {"version": 1, "organizations": [{"organization": {"uuid": ""}, "usage": {}}]},
        {"version": 1, "organizations": [{"organization": {"uuid": "u" * 200}, "usage": {}}]},
        {"version": 1, "organizations": [{"organization": {"uuid": 7}, "usage": {}}]},
        {"version": 1, "organizations": [
            {"organization": {"uuid": "o"}, "usage": {}, "error": {"kind": "network"}}]},
        {"version": 1, "organizations": [{"organization": {"uuid": "o"}, "usage": {}}]
            * (MAX_ORGANIZATIONS + 1)},
        {"version": 1, "error": {"kind": ""}},
        {"version": 1, "error": {"kind": "network", "retry_after": -1}},
        {"version": "1", "error": {"kind": "network"}},
        # the browser profile's label: text a person could type, short, not a secret
        {"version": 1, "profile": 7, "error": {"kind": "network"}},
        {"version": 1, "profile": ["Work"], "error": {"kind": "network"}},
        {"version": 1, "profile": {"id": "work"}, "error": {"kind": "network"}},
        {"version": 1, "profile": "x" * 65, "error": {"kind": "network"}},
        {"version": 1, "profile": "x" * 1000, "error": {"kind": "network"}},
        {"version": 1, "profile": "Work\u001b[2J", "error": {"kind": "network"}},
        {"version": 1, "profile": "Work\u202e", "error": {"kind": "network"}},
        {"version": 1, "profile": "sk-ant-sid01-abc", "error": {"kind": "network"}},
    ],
)  # fmt: skip
def test_envelopes_the_models_reject(payload: object) -> None:
    with pytest.raises(RejectedPost) as refused:
        parse_post(body(payload), NOW)
    assert "sk-ant" not in str(refused.value)  # a refusal never quotes what was sent


@pytest.mark.parametrize(
    ("profile", "label"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        (" Work  laptop ", "Work laptop"),
        ("x" * 64, "x" * 64),
    ],
)
def test_the_profile_label_comes_out_checked(profile: str | None, label: str | None) -> None:
    post = read_post(body({**good_post(), "profile": profile}), NOW)
    assert (post.profile, post.email) == (label, sc.EMAIL)
    assert post.result.account is None  # the wire names no account; the bridge routes it


def test_an_older_extensions_post_has_no_label_and_an_error_post_no_email() -> None:
    assert read_post(body(good_post()), NOW).profile is None
    failed = read_post(body({"version": 1, "profile": "Home", "error": {"kind": "network"}}), NOW)
    assert (failed.profile, failed.email, failed.result.error is not None) == ("Home", None, True)


# -- regressions found by the fuzz tests (test_wire_properties.py) -------------------------


@pytest.mark.parametrize(
    ("plan", "org_name", "tier"),
    [
        ({"uuid": "org-1", "name": ""}, None, None),  # minimal found: an empty name kept
        ({"uuid": "org-1", "name": "", "rate_limit_tier": ""}, None, None),
        (
            {"uuid": "org-1", "name": "N" * 1000, "rate_limit_tier": "t" * 1000},
            "N" * 200,
            "t" * 200,
        ),
    ],
)
def test_names_from_the_account_are_bounded_like_the_organizations_own(
    plan: dict[str, str], org_name: str | None, tier: str | None
) -> None:
    payload = {
        "version": 1,
        "organizations": [{"organization": {"uuid": "org-1"}, "usage": 1}],
        "account": {"memberships": [{"organization": plan}]},
    }
    (snapshot,) = parse_post(body(payload), NOW).snapshots
    assert (snapshot.org_name, snapshot.plan) == (org_name, tier)


# -- the extension's kind, checked against the answer's status -------------------------------


def posted_error(kind: str, status: int | None) -> str:
    error: dict[str, object] = {"kind": kind}
    if status is not None:
        error["status"] = status
    payload = {"version": 1, "organizations": [{"organization": {"uuid": "o"}, "error": error}]}
    (snapshot,) = parse_post(body(payload), NOW).snapshots
    assert snapshot.error is not None
    assert snapshot.error.message == MESSAGES[snapshot.error.kind]
    return snapshot.error.kind


@pytest.mark.parametrize(
    ("kind", "status", "taken"),
    [
        ("session_expired", 401, "session_expired"),
        ("session_expired", 403, "session_expired"),
        ("cloudflare", 403, "cloudflare"),
        ("cloudflare", 503, "cloudflare"),
        ("server", 503, "server"),
        ("server", 502, "server"),
        ("rate_limited", 429, "rate_limited"),
        ("cloudflare", 200, "cloudflare"),  # a page where data belongs
        ("unexpected", 200, "unexpected"),
        ("unexpected", 404, "unexpected"),
        ("unexpected", 302, "unexpected"),
        ("network", 302, "network"),  # the region page
        # what the app's reading of that status never gives
        ("session_expired", 503, "unexpected"),  # an outage is not a signed-out session
        ("session_expired", 200, "unexpected"),
        ("session_expired", 429, "unexpected"),
        ("cloudflare", 401, "unexpected"),
        ("cloudflare", 500, "unexpected"),
        ("server", 403, "unexpected"),
        ("rate_limited", 503, "unexpected"),
        ("network", 500, "unexpected"),
        ("not_signed_in", 401, "unexpected"),
        ("session_expired", 302, "unexpected"),
        ("brand_new_kind", 401, "unexpected"),
        # no answer, nothing to check against
        ("network", None, "network"),
        ("not_signed_in", None, "not_signed_in"),
        ("session_expired", None, "session_expired"),
        ("brand_new_kind", None, "unexpected"),
    ],
)
def test_the_extensions_kind_must_fit_the_answers_status(
    kind: str, status: int | None, taken: str
) -> None:
    assert posted_error(kind, status) == taken


ERROR_VECTORS = json.loads((VECTORS / "errors.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize(
    "case",
    [c for c in ERROR_VECTORS if c["kind"] not in (None, "not_signed_in")],
    ids=lambda c: str(c["name"]),
)
def test_what_the_apps_own_reading_gives_is_never_overruled(case: dict[str, Any]) -> None:
    """Each answer's kind, as both readings give it (tests/vectors/errors.json), is kept
    with that answer's status (not_signed_in comes without one: no organization had a plan)."""
    assert case["kind"] in possible_kinds(case["status"])
    assert posted_error(case["kind"], case["status"]) == case["kind"]
