"""The immutable models everything downstream reads (:mod:`claude_meter.core.models`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pydantic
import pytest

from claude_meter.core.models import (
    FetchError,
    FetchResult,
    Organization,
    Snapshot,
    UsageWindow,
)
from tests.conftest import NOW


def window(**fields: object) -> UsageWindow:
    return UsageWindow.model_validate(
        {"key": "five_hour", "label": "5h", "percent": 37.0, **fields}
    )


def test_models_are_frozen() -> None:
    shown = window()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
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
        ("tomorrow", None),
    ],
)
def test_a_time_from_outside_is_guarded_on_every_model(
    given: object, kept: datetime | None
) -> None:
    assert window(resets_at=given).resets_at == kept
    error = FetchError.model_validate({"kind": "rate_limited", "message": "m", "retry_at": given})
    assert error.retry_at == kept


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
    with pytest.raises(pydantic.ValidationError, match="source"):
        Snapshot.model_validate({"source": "carrier-pigeon", "fetched_at": NOW})
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
    assert Snapshot.model_validate_json(snapshot.model_dump_json()) == snapshot


def test_a_result_marked_as_an_accounts_marks_each_snapshot_and_copies_only_then() -> None:
    snapshots = (Snapshot(source="web", org_uuid="a", fetched_at=NOW),)
    result = FetchResult(source="web", fetched_at=NOW, snapshots=snapshots)
    assert result.for_account(None) is result  # the default account's: already so
    work = result.for_account("work")
    assert (work.account, [s.account for s in work.snapshots]) == ("work", ["work"])
    assert work.for_account("work") is work
    back = work.for_account(None)
    assert (back.account, [s.account for s in back.snapshots]) == (None, [None])
