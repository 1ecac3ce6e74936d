"""The extension's post becomes the same snapshots as the app's own fetch."""

from __future__ import annotations

import json
import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from claude_meter.bridge.wire import (
    MAX_NESTING,
    MAX_ORGANIZATIONS,
    MESSAGES,
    RejectedPost,
    WireError,
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


# -- the envelope is read strictly, as before msgspec (pydantic's strict mode) ---------------

SECRET = "sk-ant-sid01-" + "s" * 60


def refusal(payload: object | bytes) -> str:
    raw = payload if isinstance(payload, bytes) else body(payload)
    with pytest.raises(RejectedPost) as refused:
        parse_post(raw, NOW)
    message = str(refused.value)
    assert message.startswith("not a snapshot post (")
    assert "sk-ant" not in message
    return message.removeprefix("not a snapshot post (").removesuffix(")")


def rate_limited(**error: object) -> dict[str, object]:
    return {"version": 1, "error": {"kind": "rate_limited", "status": 429, **error}}


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        # no text for a number, no whole float for an int, no true for anything
        ({"version": "1", "error": {"kind": "network"}}, "version: expected int, got str"),
        ({"version": 1.0, "error": {"kind": "network"}}, "version: expected int, got float"),
        ({"version": True, "error": {"kind": "network"}}, "version: expected int, got bool"),
        (rate_limited(status="429"), "error.status: expected int | null, got str"),
        (rate_limited(status=429.0), "error.status: expected int | null, got float"),
        (rate_limited(status=True), "error.status: expected int | null, got bool"),
        (rate_limited(retry_after="120"), "error.retry_after: expected float | null, got str"),
        (rate_limited(retry_after=True), "error.retry_after: expected float | null, got bool"),
        ({"version": 1, "error": {"kind": 7}}, "error.kind: expected str, got int"),
        ({"version": 1, "error": {"kind": True}}, "error.kind: expected str, got bool"),
        ({"version": 1, "profile": True, "error": {"kind": "network"}},
         "profile: expected str | null, got bool"),
        ({"version": 1, "account": [], "error": {"kind": "network"}},
         "account: expected object | null, got array"),
        ({"version": 1, "organizations": [{"organization": [], "usage": {}}]},
         "organizations.0.organization: expected object, got array"),
        ({"version": 1, "organizations": [{"organization": {"uuid": "o"}, "error": []}]},
         "organizations.0.error: expected object | null, got array"),
        # bounds, with where and what but never the value
        ({"version": 2, "error": {"kind": "network"}}, "version: expected int <= 1"),
        ({"version": 10**30, "error": {"kind": "network"}}, "version: expected int <= 1"),
        (rate_limited(status=1000), "error.status: expected int <= 999"),
        (rate_limited(retry_after=-1), "error.retry_after: expected float >= 0.0"),
        ({"version": 1, "error": {"kind": SECRET}}, "error.kind: expected str of length <= 64"),
        ({"version": 1, "profile": SECRET * 5, "error": {"kind": "network"}},
         "profile: expected str of length <= 256"),
        ({"version": 1, "profile": SECRET, "error": {"kind": "network"}},
         "profile: this looks like a secret, not a profile label"),
        ({"version": 1, "profile": "Work\u0000", "error": {"kind": "network"}},
         "profile: a profile label holds printable characters only"),
        ({"version": 1, "profile": "x" * 65, "error": {"kind": "network"}},
         "profile: a profile label is at most 64 characters"),
        ({"version": 1, "organizations": [{"organization": {"uuid": SECRET * 3}, "usage": {}}]},
         "organizations.0.organization: organization.uuid must be a short string"),
        ({"version": 1, "organizations": [], "error": None},
         "a post carries organizations or a whole-poll error"),
        ({"version": 1, "organizations": [{"organization": {"uuid": "o"}}]},
         "organizations.0: each organization carries either usage or error"),
        ({"error": {"kind": "network"}}, "object missing required field version"),
        ([SECRET], "expected object, got array"),
    ],
)  # fmt: skip
def test_a_refusal_says_where_and_what_but_never_the_value(payload: object, words: str) -> None:
    assert refusal(payload) == words


def test_a_whole_number_is_still_a_number_of_seconds() -> None:
    """An int where a float belongs was taken before (pydantic's strict mode allows it) and is."""
    result = parse_post(body(rate_limited(retry_after=120)), NOW)
    assert result.error is not None
    assert result.error.retry_at == NOW + timedelta(seconds=120)


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"",
        b"\xef\xbb\xbf" + body({"version": 1, "error": {"kind": "network"}}),  # a BOM
        body({"version": 1, "error": {"kind": "network"}}).decode().encode("utf-16"),
        body({"version": 1, "error": {"kind": "network"}}) + b" x",  # something after it
        b'{"version": 1, "profile": "W\xff", "error": {"kind": "network"}}',  # not UTF-8
        b'{"version": 1, "error": {"kind": "\\ud800"}}',  # a lone surrogate
        b'{"version": 1, "organizations": [{"organization": {"uuid": "o"}, "usage": '
        b'{"x": "\\udc00"}}]}',
        b'{"version": 1, "error": {"kind": "rate_limited", "retry_after": NaN}}',
        b'{"version": 1, "error": {"kind": "rate_limited", "retry_after": Infinity}}',
        b'{"version": 1, "profile": "' + SECRET.encode() + b'", "error": {"kind": ne',
    ],
)
def test_a_body_that_is_not_json_is_refused_as_such(raw: bytes) -> None:
    assert refusal(raw).startswith("body: not JSON")


def test_a_number_too_large_for_a_float_is_refused_wherever_it_is() -> None:
    """pydantic took 1e400 in the server's pieces as infinity (and refused it only as
    ``retry_after``); msgspec refuses the post. Safer: no infinity reaches a reading, and
    claude.ai sends none."""
    assert refusal(rate_limited_raw(b"1e400")) == "error.retry_after: number out of range"
    raw = b'{"version": 1, "organizations": [{"organization": {"uuid": "o"}, "usage": '
    raw += b'{"five_hour": {"utilization": 1e400}}}]}'
    assert refusal(raw) == "organizations.0.usage.*.*: number out of range"  # keys not named


def rate_limited_raw(retry_after: bytes) -> bytes:
    return b'{"version": 1, "error": {"kind": "rate_limited", "retry_after": ' + retry_after + b"}}"


def test_a_retry_time_built_in_code_is_finite_too() -> None:
    with pytest.raises(ValueError, match="a finite number of seconds"):
        WireError(kind="rate_limited", retry_after=math.inf)


def usage_nested(depth: int) -> bytes:
    inner = b"[" * depth + b"]" * depth
    return (
        b'{"version": 1, "organizations": [{"organization": {"uuid": "o"}, "usage": '
        + inner
        + b"}]}"
    )


def test_the_servers_pieces_nest_as_deep_as_before_and_no_deeper() -> None:
    """The JSON parser pydantic used stopped at 200 levels for the whole post; msgspec's goes
    as deep as the stack, so each piece is bounded on its own (``MAX_NESTING``)."""
    (snapshot,) = parse_post(usage_nested(MAX_NESTING), NOW).snapshots
    assert snapshot.error is not None  # taken, and read as the app reads a strange answer
    assert snapshot.error.kind == "unexpected"
    assert refusal(usage_nested(MAX_NESTING + 1)) == (
        f"organizations.0.usage: nests deeper than {MAX_NESTING} levels"
    )
    account = b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1)
    raw = b'{"version": 1, "account": {"a": ' + account + b'}, "error": {"kind": "network"}}'
    assert refusal(raw) == f"account: nests deeper than {MAX_NESTING} levels"


def test_a_body_nested_deeper_than_the_stack_is_refused_not_raised() -> None:
    assert refusal(usage_nested(100_000)) == "body: nested too deeply"


def test_a_repeated_key_is_refused_when_its_first_value_is() -> None:
    """pydantic kept the last of two equal keys; msgspec checks each as it comes, so a bad
    first one is refused: safer, since parsers disagree on which of the two counts."""
    raw = b'{"version": 2, "version": 1, "error": {"kind": "network"}}'
    assert refusal(raw) == "version: expected int <= 1"


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
