"""The immutable models everything downstream reads (:mod:`claude_meter.core.models`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest

from claude_meter.core import validation
from claude_meter.core.models import (
    FetchError,
    FetchResult,
    Organization,
    OverageSpendLimit,
    Snapshot,
    UsageWindow,
)
from tests.conftest import NOW


def window(**fields: object) -> UsageWindow:
    return validation.parse(
        {"key": "five_hour", "label": "5h", "percent": 37.0, **fields}, UsageWindow
    )


def test_models_are_frozen() -> None:
    shown = window()
    with pytest.raises(AttributeError):
        shown.percent = 99.0  # type: ignore[misc]


def test_fields_the_app_does_not_know_are_ignored() -> None:
    assert window(brand_new_field=[1, 2]) == window()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, None),
        (NOW, NOW),
        ("2026-11-25T13:00:00Z", datetime(2026, 11, 25, 13, tzinfo=UTC)),
        (  # any zone comes out as the same moment, in UTC
            datetime(2026, 11, 25, 14, tzinfo=timezone(timedelta(hours=1))),
            datetime(2026, 11, 25, 13, tzinfo=UTC),
        ),
        ("9999-12-31T23:59:59Z", None),  # beyond the accepted range: unknown, never a crash
        ("1970-01-01T00:00:00Z", None),
        ("2026-11-25", datetime(2026, 11, 25, tzinfo=UTC)),  # a day: its start, in UTC
        ("tomorrow", None),  # not a time: unknown, and the rest of the model is kept
        (1_790_000_000, None),  # a number is no time we accept (not read as seconds)
        ([2026, 11, 25], None),
        (True, None),
    ],
)
def test_a_time_from_outside_is_guarded_on_every_model(
    given: object, kept: datetime | None
) -> None:
    assert window(resets_at=given).resets_at == kept
    error = validation.parse(
        {"kind": "rate_limited", "message": "m", "retry_at": given}, FetchError
    )
    assert error.retry_at == kept
    overage = validation.parse({"disabled_until": given}, OverageSpendLimit)
    assert overage.disabled_until == kept


@pytest.mark.parametrize(
    "given",
    [
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),  # no UTC form at all
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_a_time_out_of_range_is_unknown_on_every_construction_path(given: datetime) -> None:
    """Built in code, copied with a change, or parsed: the struct never holds it."""
    built = UsageWindow(key="k", label="K", percent=1.0, resets_at=given)
    copied = msgspec.structs.replace(UsageWindow(key="k", label="K", percent=1.0), resets_at=given)
    assert built.resets_at is None
    assert copied.resets_at is None
    assert FetchError(kind="network", message="m", retry_at=given).retry_at is None
    assert OverageSpendLimit(disabled_until=given).disabled_until is None


def test_a_naive_time_from_outside_is_taken_as_utc() -> None:
    naive = datetime(2026, 11, 25, 13)
    assert window(resets_at=naive).resets_at == datetime(2026, 11, 25, 13, tzinfo=UTC)
    built = UsageWindow(key="k", label="K", percent=1.0, resets_at=naive)
    assert built.resets_at is not None
    assert built.resets_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("capabilities", "console_only"),
    [
        ((), False),  # unknown: not assumed to be a console
        (("chat",), False),
        (("chat", "claude_max"), False),
        (("api",), True),
        (("api", "api_individual"), True),
        (("api", "chat"), False),
    ],
)
def test_a_console_organization_has_only_api_capabilities(
    capabilities: tuple[str, ...], console_only: bool
) -> None:
    assert Organization(uuid="org", capabilities=capabilities).is_console_only is console_only


def test_the_source_is_one_of_the_known_routes() -> None:
    with pytest.raises(validation.Invalid) as caught:
        validation.parse({"source": "carrier-pigeon", "fetched_at": NOW}, Snapshot)
    assert validation.words(caught.value) == "source: not one of the accepted values"
    result = FetchResult(source="demo", fetched_at=NOW)
    assert (result.snapshots, result.error) == ((), None)


def test_a_snapshot_round_trips_through_json() -> None:
    snapshot = Snapshot(
        source="web",
        org_uuid="org-1",
        fetched_at=NOW,
        windows=(window(resets_at=NOW + timedelta(hours=4), severity="warning"),),
        error=FetchError(kind="network", message="No answer."),
        stale=True,
    )
    assert validation.parse_json(msgspec.json.encode(snapshot), Snapshot) == snapshot


def test_a_result_marked_as_an_accounts_marks_each_snapshot_and_copies_only_then() -> None:
    snapshots = (Snapshot(source="web", org_uuid="a", fetched_at=NOW),)
    result = FetchResult(source="web", fetched_at=NOW, snapshots=snapshots)
    assert result.for_account(None) is result  # the default account's: already so
    work = result.for_account("work")
    assert (work.account, [s.account for s in work.snapshots]) == ("work", ["work"])
    assert work.for_account("work") is work
    back = work.for_account(None)
    assert (back.account, [s.account for s in back.snapshots]) == (None, [None])
