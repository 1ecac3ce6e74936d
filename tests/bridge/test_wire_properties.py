"""Property-based: any body gives a FetchResult or RejectedPost, and what is accepted is sane.

The extension's post is the one input the app takes from another program, so whatever
arrives (any bytes, any JSON, snapshot-shaped JSON with every field wrong) either becomes a
:class:`FetchResult` that obeys the invariants the tray relies on (percents finite, names
bounded, messages the app's own) or is refused with :class:`RejectedPost`, never anything
else.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from claude_meter.bridge.wire import MAX_ORGANIZATIONS, MESSAGES, RejectedPost, read_post
from claude_meter.core.account_routing import MAX_LABEL
from claude_meter.core.errors import ERROR_KINDS
from claude_meter.core.models import FetchError, Snapshot
from claude_meter.fake import scenarios as sc
from tests.bridge.support import good_post
from tests.conftest import NOW
from tests.support.fuzzing import budget
from tests.support.strategies import (
    SECRET_MARK,
    json_bytes,
    json_scalars,
    json_values,
    long_texts,
    numbers,
    spoiled,
    texts,
    usage_reports,
)

pytestmark = pytest.mark.fuzz

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

# -- strategies ---------------------------------------------------------------------------

pool_uuids = st.sampled_from(["org-1", "org-2", sc.PERSONAL.uuid])
good_uuids = pool_uuids | st.text(
    st.characters(exclude_categories=["C", "Z"]), min_size=1, max_size=128
)
uuids = good_uuids | st.sampled_from(["", " ", "\t", "u" * 129]) | texts | long_texts
odd = json_scalars | json_values
names = texts | long_texts | json_scalars
#: The browser profile's label: typed by a person, or anything at all.
labels = st.none() | st.sampled_from(["Work", " Home  laptop ", ""]) | texts | long_texts | odd


def org_objects(uuid: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """An ``/api/organizations`` entry (or ``/api/account`` membership's organization)."""
    return st.fixed_dictionaries(
        {"uuid": uuid},
        optional={
            "name": names,
            "capabilities": odd,
            "rate_limit_tier": names,
            "billing_type": names,
        },
    )


valid_errors = st.fixed_dictionaries(
    {"kind": st.sampled_from([*ERROR_KINDS, "brand_new_kind"]) | st.text(min_size=1, max_size=64)},
    optional={
        "status": st.none() | st.integers(0, 999),
        "retry_after": st.none() | st.integers(0, 10**9) | st.floats(0, 1e300),
    },
)
wire_errors = valid_errors | st.fixed_dictionaries(
    {"kind": st.sampled_from(ERROR_KINDS) | texts | json_scalars},
    optional={
        "status": st.integers(-5, 1200) | json_scalars,
        "retry_after": numbers | json_scalars,
        "message": texts,  # the extension sends none; one that does is ignored
    },
)
overages = st.fixed_dictionaries(
    {},
    optional={
        "is_enabled": json_scalars,
        "monthly_credit_limit": numbers | json_scalars,
        "used_credits": numbers | json_scalars,
        "currency": names,
        "out_of_credits": json_scalars,
        "disabled_reason": names,
        "disabled_until": texts | st.datetimes().map(lambda d: d.isoformat()) | json_scalars,
    },
)
subscriptions = st.fixed_dictionaries(
    {},
    optional={k: names for k in ("status", "next_charge_date", "billing_interval", "currency")},
)
#: Entries the envelope accepts: usage (any shape: the parser decides) or an error.
valid_entries = st.fixed_dictionaries(
    {"organization": org_objects(good_uuids), "usage": usage_reports | odd.filter(bool)},
    optional={"overage": overages | odd, "subscription": subscriptions | odd},
) | st.fixed_dictionaries({"organization": org_objects(good_uuids), "error": valid_errors})
entries = valid_entries | st.fixed_dictionaries(
    {"organization": org_objects(uuids | json_scalars) | odd},
    optional={
        "usage": usage_reports | odd,
        "overage": overages | odd,
        "subscription": subscriptions | odd,
        "error": wire_errors | odd,
    },
)


def accounts(known: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """``/api/account``, its memberships mostly naming the organizations posted."""
    member_uuids = (st.sampled_from(known) if known else pool_uuids) | uuids
    membership = st.fixed_dictionaries({"organization": org_objects(member_uuids)})
    return st.fixed_dictionaries(
        {"memberships": st.lists(membership, min_size=1, max_size=4)},
        optional={"email_address": names},
    ) | st.fixed_dictionaries(
        {},
        optional={
            "email_address": names,
            "memberships": st.lists(membership | odd, max_size=4) | odd,
        },
    )


def _uuids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["organization"]["uuid"] for e in entries]


valid_posts = st.lists(valid_entries, min_size=1, max_size=4).flatmap(
    lambda orgs: st.fixed_dictionaries(
        {"version": st.just(1), "organizations": st.just(orgs)},
        optional={
            "account": st.none() | accounts(_uuids(orgs)),
            "browser": odd,
            "profile": labels,
        },
    )
)
error_posts = st.fixed_dictionaries(
    {"version": st.just(1), "error": valid_errors},
    optional={
        "account": st.none() | accounts([]),
        "organizations": st.just([]),
        "profile": labels,
    },
)
wild_posts = st.fixed_dictionaries(
    {"version": st.just(1) | json_scalars},
    optional={
        "account": accounts([]) | odd,
        "organizations": st.lists(entries, max_size=4) | odd,
        "error": wire_errors | odd,
        "browser": odd,  # a newer extension's key
        "profile": labels,
    },
)


def _with_entries(extra: list[dict[str, Any]]) -> dict[str, Any]:
    post: dict[str, Any] = good_post()
    return {**post, "organizations": [*post["organizations"], *extra]}


#: The real extension's post with entries added.
near_good = st.lists(valid_entries | entries, max_size=3).map(_with_entries)
many = st.integers(MAX_ORGANIZATIONS - 1, MAX_ORGANIZATIONS + 1).map(
    lambda n: {
        "version": 1,
        "organizations": [{"organization": {"uuid": f"o{i}"}, "usage": {}} for i in range(n)],
    }
)


def _scrubbed(value: Any) -> Any:
    """``value`` without lone surrogates, which the strict JSON parser refuses outright (so
    the posts meant to be accepted reach the models)."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "ignore")
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    if isinstance(value, dict):
        return {_scrubbed(k): _scrubbed(v) for k, v in value.items()}
    return value


shaped_posts = (
    (valid_posts | error_posts | near_good).map(_scrubbed) | wild_posts | near_good | many
)


# -- the check ----------------------------------------------------------------------------


def _check_error(error: FetchError) -> None:
    assert error.kind in ERROR_KINDS
    assert error.message == MESSAGES[error.kind]  # the app's words, never the extension's
    if error.retry_at is not None:
        assert error.kind == "rate_limited"
        assert NOW <= error.retry_at <= NOW + timedelta(days=7)


def _check_snapshot(snapshot: Snapshot) -> None:
    assert snapshot.source == "extension"
    assert snapshot.fetched_at == NOW  # the app's clock, not the browser's
    assert not snapshot.stale
    uuid = snapshot.org_uuid
    assert isinstance(uuid, str)
    assert 0 < len(uuid) <= 128
    assert uuid.isprintable()
    for text, limit in ((snapshot.org_name, 200), (snapshot.account_email, 320)):
        assert text is None or 0 < len(text) <= limit
    assert snapshot.plan is None or 0 < len(snapshot.plan) <= 200
    if snapshot.error is not None:
        _check_error(snapshot.error)
        assert snapshot.windows == ()
        assert snapshot.extra_usage is None
        return
    keys = [w.key for w in snapshot.windows]
    assert len(keys) == len(set(keys))
    for window in snapshot.windows:
        assert window.label
        assert window.percent is None or (math.isfinite(window.percent) and window.percent >= 0)
        assert window.resets_at is None or window.resets_at.utcoffset() is not None
    extra = snapshot.extra_usage
    assert extra is None or extra.percent is None or math.isfinite(extra.percent)


def _event(what: str) -> None:
    if currently_in_test_context():
        event(what)


def check_post(body: bytes, payload: Any = None) -> None:
    try:
        post = read_post(body, NOW)
    except RejectedPost as exc:
        _event("rejected")
        message = str(exc)
        assert message.startswith("not a snapshot post (")
        assert len(message) <= 300  # answered and logged: short, and never the body
        assert SECRET_MARK not in message
        return
    result = post.result
    _event("accepted: whole-poll error" if result.error else "accepted: snapshots")
    _event("accepted: with a profile label" if post.profile else "accepted: no label")
    if post.profile is not None:  # only a label a person could have typed gets through
        assert 0 < len(post.profile) <= MAX_LABEL
        assert post.profile == " ".join(post.profile.split())
        assert post.profile.isprintable()
        assert SECRET_MARK not in post.profile
    assert result.account is None  # the wire names no account: the bridge routes it
    assert result.source == "extension"
    assert result.fetched_at == NOW
    if result.error is not None:
        assert result.snapshots == ()
        _check_error(result.error)
        return
    assert 1 <= len(result.snapshots) <= MAX_ORGANIZATIONS
    if isinstance(payload, dict):
        assert len(result.snapshots) == len(payload["organizations"])
    for snapshot in result.snapshots:
        _check_snapshot(snapshot)


# -- properties ---------------------------------------------------------------------------


@given(st.binary(max_size=400))
@settings(suppress_health_check=SLOW)
def test_any_bytes(body: bytes) -> None:
    check_post(body)


@given(json_values)
@settings(max_examples=budget(share=0.5), suppress_health_check=SLOW)
def test_any_json(value: Any) -> None:
    check_post(json_bytes(value))


@given(shaped_posts)
@settings(max_examples=budget(share=0.5), suppress_health_check=SLOW)
def test_snapshot_shaped_json(payload: dict[str, Any]) -> None:
    check_post(json_bytes(payload), payload)


@given(near_good.map(json_bytes).flatmap(spoiled))
@settings(max_examples=budget(share=0.5), suppress_health_check=SLOW)
def test_spoiled_posts(body: bytes) -> None:
    check_post(body)


def test_the_checks_accept_the_real_extensions_post() -> None:
    payload = good_post()
    check_post(json.dumps(payload).encode(), payload)
