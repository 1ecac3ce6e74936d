"""Snapshots to entries and back; the writers' call never raises."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from claude_meter.core.models import ExtraUsage, FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.readings.convert import entry_of, remember, snapshot_of
from claude_meter.readings.store import load

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SNAPSHOT = Snapshot(
    source="web",
    org_uuid="org-a",
    org_name="Acme",
    account_email="a@example.com",
    fetched_at=NOW,
    windows=(UsageWindow(key="five_hour", label="Session (5h)", percent=37.0, resets_at=NOW),),
    extra_usage=ExtraUsage(is_enabled=True, percent=25.0, used_credits=1250, currency="EUR"),
)


def test_round_trip() -> None:
    back = snapshot_of(entry_of(SNAPSHOT))
    assert back is not None
    assert back.windows == SNAPSHOT.windows
    assert back.extra_usage is not None
    assert back.extra_usage.percent == 25.0
    assert (back.org_uuid, back.org_name, back.fetched_at) == ("org-a", "Acme", NOW)


@pytest.mark.parametrize(
    ("account", "expected"),
    [("work", "work"), (None, None), ("default", None), ("Not An Id", None), (7, None)],
)
def test_an_entry_names_its_account_by_id(account: object, expected: str | None) -> None:
    back = snapshot_of({**entry_of(SNAPSHOT), "account": account})
    assert back is not None
    assert back.account == expected


@pytest.mark.parametrize(
    "entry",
    [{}, {"source": "web"}, {"source": "not-a-route", "read_at": "2026-11-25T09:00:00Z"}],
)
def test_entries_that_make_no_snapshot(entry: dict[str, object]) -> None:
    assert snapshot_of(entry) is None


def test_remember_skips_the_demo_and_keeps_numbers_through_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    remember(FetchResult(source="demo", fetched_at=NOW, snapshots=(SNAPSHOT,)), NOW, path)
    assert not path.exists()
    remember(FetchResult(source="web", fetched_at=NOW, snapshots=(SNAPSHOT,)), NOW, path)
    failed = msgspec.structs.replace(
        SNAPSHOT, error=FetchError(kind="network", message="offline"), stale=True
    )
    remember(FetchResult(source="web", fetched_at=NOW, snapshots=(failed,)), NOW, path)
    (only,) = load(path)
    assert only["windows"][0]["percent"] == 37.0
    assert only["error"] == {"kind": "network", "message": "offline"}


def test_remember_logs_and_never_raises(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING, logger="claude_meter.readings"):
        remember(
            FetchResult(source="web", fetched_at=NOW, snapshots=(SNAPSHOT,)),
            NOW,
            blocked / "r.json",
        )
    assert (  # the folder and the system's reason, not Python's "[Errno 17] ..." repr
        f"could not store the last readings ({blocked}: File exists): they need a folder "
        "there that you can write to" in caplog.text
    )


def test_an_unreadable_file_is_said_with_what_to_do(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing ever replaces such a file, so every poll would fail to store for good."""
    broken = tmp_path / "last-readings.json"
    broken.write_text("{{garbage")
    with caplog.at_level(logging.WARNING, logger="claude_meter.readings"):
        remember(FetchResult(source="web", fetched_at=NOW, snapshots=(SNAPSHOT,)), NOW, broken)
    assert (
        "is not valid JSON (line 1, column 2: expecting property name enclosed in double "
        "quotes); make it readable for you, or remove it, and the next reading writes a new "
        "one" in caplog.text
    )
    assert broken.read_text() == "{{garbage"


def test_every_writer_stores_the_account_of_its_reading(tmp_path: Path) -> None:
    """The tray, `status` and `bridge` write through remember(): two accounts of one Team
    organization are two entries, each read back as its account's."""
    path = tmp_path / "last-readings.json"
    work = msgspec.structs.replace(SNAPSHOT, account="work", windows=())
    assert entry_of(SNAPSHOT)["account"] is None
    assert entry_of(work)["account"] == "work"
    remember(FetchResult(source="web", fetched_at=NOW, snapshots=(SNAPSHOT,)), NOW, path)
    remember(FetchResult(source="web", fetched_at=NOW, snapshots=(work,)).for_account("work"),
             NOW, path)  # fmt: skip
    backs = [snapshot_of(e) for e in load(path)]
    assert sorted((b.account or "", len(b.windows)) for b in backs if b) == [("", 1), ("work", 0)]
