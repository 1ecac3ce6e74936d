"""The last-readings file: merge rules as a table, round trip, refusals, the default place."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.readings import store
from claude_meter.readings.store import Entry, StoreUnreadable, load, merge, record

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def entry(
    source: str = "web", org: str | None = "org-a", minutes_ago: float = 0, **more: object
) -> Entry:
    base: dict[str, object] = {
        "source": source,
        "org_uuid": org,
        "read_at": store.iso(NOW - timedelta(minutes=minutes_ago)),
        "windows": [{"key": "five_hour", "label": "Session (5h)", "percent": 10.0}],
        "error": None,
    }
    return base | more


@pytest.mark.parametrize(
    ("stored", "incoming", "expected_percent"),
    [
        ([], [entry()], 10.0),
        ([entry(minutes_ago=5)], [entry(windows=[{"key": "five_hour", "percent": 20.0}])], 20.0),
        # an older reading never brings old numbers back
        ([entry()], [entry(minutes_ago=5, windows=[{"key": "five_hour", "percent": 99.0}])], 10.0),
    ],
)
def test_newest_reading_wins_per_key(
    stored: list[Entry], incoming: list[Entry], expected_percent: float
) -> None:
    (only,) = merge(stored, incoming, NOW)
    assert only["windows"][0]["percent"] == expected_percent


def test_a_failure_keeps_the_last_good_numbers_of_its_key() -> None:
    failed = entry(windows=[], error={"kind": "network", "message": "offline"})
    (only,) = merge([entry(minutes_ago=3)], [failed], NOW)
    assert only["windows"][0]["percent"] == 10.0
    assert only["error"]["kind"] == "network"
    assert only["read_at"] == store.iso(NOW - timedelta(minutes=3))  # the numbers' own time


def test_routes_and_accounts_are_kept_apart_and_old_entries_dropped() -> None:
    kept = merge(
        [entry("web", "org-a"), entry("extension", "org-a"), entry("web", "org-old", 60 * 24 * 31)],
        [entry("claude-code-statusline", "org-b")],
        NOW,
    )
    assert {(e["source"], e["org_uuid"]) for e in kept} == {
        ("web", "org-a"),
        ("extension", "org-a"),
        ("claude-code-statusline", "org-b"),
    }


def test_record_round_trip_private_and_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "state" / "last-readings.json"
    record([entry("web", "org-a", 5)], NOW, path)
    record([entry("web", "org-b", 1)], NOW, path)
    assert [e["org_uuid"] for e in load(path)] == ["org-b", "org-a"]
    document = json.loads(path.read_text())
    assert document["format"] == "claude-meter-last-readings"
    assert document["version"] == 1
    assert path.stat().st_mode & 0o777 == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_no_file_is_no_reading(tmp_path: Path) -> None:
    assert load(tmp_path / "absent.json") == []


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json", r"is not valid JSON \(line 1, column 1: expecting value\)"),
        (b'{"format": "something else"}', "is not a ClaudeMeter last-readings file"),
        (b'{"format": "claude-meter-last-readings", "version": 2}', "format version 2"),
        (b"[" * 100_000, r"is not valid JSON \(nested too deeply\)"),
        (b" " * (store.MAX_BYTES + 1), "larger than"),
    ],
)
def test_a_file_that_is_not_ours_is_refused_and_left_alone(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "last-readings.json"
    path.write_bytes(content)
    with pytest.raises(StoreUnreadable, match=says):
        load(path)
    with pytest.raises(StoreUnreadable):
        record([entry()], NOW, path)
    assert path.read_bytes() == content


def test_entries_without_a_time_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "last-readings.json"
    path.write_text(
        json.dumps(
            {
                "format": "claude-meter-last-readings",
                "version": 1,
                "readings": [entry(), {"source": "web"}, "junk", entry(read_at="2026-01-01")],
            }
        )
    )
    assert len(load(path)) == 1  # a naive time is not a time


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick path is Linux's")
def test_default_place_is_the_state_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from claude_meter.core.paths import state_dir

    assert store.default_path() == state_dir() / "last-readings.json"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert store.default_path() == state_dir() / "last-readings.json"
    assert store.default_path().is_relative_to(tmp_path)


# -- accounts -------------------------------------------------------------------------------


def test_two_accounts_in_one_organization_are_two_entries() -> None:
    """Two members of one Team organization, metered side by side: the same route and org
    uuid, two entries; each account's newer reading replaces only its own."""
    mine, work = entry(minutes_ago=5), entry(minutes_ago=5, account="work")
    newer_work = entry(account="work", windows=[{"key": "five_hour", "percent": 90.0}])
    merged = merge([mine, work], [newer_work], NOW)
    assert len(merged) == 2
    assert {(e.get("account"), e["windows"][0]["percent"]) for e in merged} == {
        (None, 10.0),
        ("work", 90.0),
    }
    assert store.entry_key(mine) == store.entry_key(entry(account=None)) == "web:org-a"
    assert store.entry_key(work) != store.entry_key(mine)


def test_a_file_from_before_accounts_is_read_as_the_default_accounts(tmp_path: Path) -> None:
    """Version 1 as written before accounts (no ``account`` key): still read, its entries the
    default account's, replaced by the default account's newer readings, and kept beside a
    named account's of the same organization."""
    path = tmp_path / "last-readings.json"
    old = {"format": store.FORMAT, "version": 1, "written_at": store.iso(NOW)}
    old["readings"] = [entry(minutes_ago=10)]
    path.write_text(json.dumps(old))
    (read,) = load(path)
    assert "account" not in read
    record([entry(account=None, windows=[{"key": "five_hour", "percent": 30.0}])], NOW, path)
    record([entry(account="work", windows=[{"key": "five_hour", "percent": 70.0}])], NOW, path)
    document = json.loads(path.read_text())
    assert document["version"] == 1  # extended, not bumped: older readers still read it
    assert sorted((e.get("account") or "", e["windows"][0]["percent"]) for e in load(path)) == [
        ("", 30.0),
        ("work", 70.0),
    ]
