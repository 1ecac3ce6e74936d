"""``claude-meter history --walls``: text, JSON and CSV from a real history file."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.cli import main
from claude_meter.history import HistoryStore
from claude_meter.history.walls import WALL_FIELDS
from tests.history.support import ORG, snapshot

H = timedelta(hours=1)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(argv, stdout=out)
    return status, out.getvalue(), capsys.readouterr().err


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def seeded() -> datetime:
    """The session ran out 40 days ago and 10 hours ago (reset seen), and again 1 h ago: an
    hour before the returned time, taken when the test starts (the ongoing wall counts to the
    command's own clock, so a fixed time at import would drift in a long test run)."""
    now = datetime.now(UTC).replace(microsecond=0)
    old_reset = now - timedelta(days=40) + 2 * H
    recent_reset = now - 8 * H
    live_reset = now + 2 * H
    with HistoryStore.open() as store:
        for at, five, reset in (
            (now - timedelta(days=40), 100.0, old_reset),
            (now - timedelta(days=39), 3.0, old_reset + timedelta(days=1)),
            (now - 12 * H, 60.0, recent_reset),
            (now - 10 * H, 100.0, recent_reset),
            (now - 7 * H, 1.0, live_reset - 5 * H),
            (now - 2 * H, 90.0, live_reset),
            (now - H, 100.0, live_reset),
        ):
            store.record(snapshot(at, five, 20.0, session_reset=reset))
    return now


def expected(now: datetime) -> list[dict[str, object]]:
    return [
        {
            "org": ORG,
            "window": "five_hour",
            "hit_at": iso(now - 10 * H),
            "until": iso(now - 8 * H),
            "walled_seconds": 7200,
            "before_reset_seconds": 7200,
            "account": "Default",
            "account_id": "default",
        },
        {
            "org": ORG,
            "window": "five_hour",
            "hit_at": iso(now - H),
            "until": None,
            "walled_seconds": 3600,
            "before_reset_seconds": 3 * 3600,
            "account": "Default",
            "account_id": "default",
        },
    ]


def approx_now(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """The ongoing wall counts to the command's own now: allow the seconds the run took."""
    for record in records:
        if record["until"] is None:
            assert isinstance(record["walled_seconds"], int)
            assert 3600 <= record["walled_seconds"] < 3600 + 60
            record["walled_seconds"] = 3600
    return records


def test_json_is_one_object_per_wall(seeded: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["history", "--walls", "--json"], capsys)
    assert (status, err) == (0, "")
    assert approx_now(json.loads(out)) == expected(seeded)
    status, out, _ = run(["history", "--walls", "--since", "60d", "--json"], capsys)
    assert len(json.loads(out)) == 3


def test_csv_has_the_same_fields(seeded: datetime, capsys: pytest.CaptureFixture[str]) -> None:
    now = seeded
    status, out, _ = run(["history", "--walls", "--csv"], capsys)
    assert status == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == WALL_FIELDS
    assert [r["hit_at"] for r in rows] == [iso(now - 10 * H), iso(now - H)]
    assert rows[0]["until"] == iso(now - 8 * H)
    assert rows[1]["until"] == ""


@pytest.mark.usefixtures("seeded")
def test_text_lists_walls_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["history", "--walls", "--window", "five_hour"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert "Session (5h)" in lines[0]
    assert "walled 2 h, 2 h before the reset" in lines[0]
    assert "walled 1 h so far, 3 h before the reset" in lines[1]
    assert any(line.startswith("Session (5h): walled") for line in lines[3:])


def test_no_walls_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    with HistoryStore.open() as store:
        store.record(snapshot(now - H, 10.0, 20.0))
    status, out, _ = run(["history", "--walls"], capsys)
    assert (status, out) == (0, "No window reached 100% in this period.\n")
    status, out, _ = run(["history", "--walls", "--json"], capsys)
    assert (status, out) == (0, "[]\n")


def test_an_unreadable_history_is_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    from claude_meter.core.paths import data_dir

    data_dir().parent.mkdir(parents=True, exist_ok=True)
    data_dir().write_text("not a folder")
    status, out, err = run(["history", "--walls"], capsys)
    assert status == 1
    assert out == ""
    assert err.startswith("claude-meter: the usage history cannot be read:")
    assert "Traceback" not in err
