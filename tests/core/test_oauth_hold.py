"""The Claude Code route's per-token hold after a 429: the ladder, the override, the file."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from claude_meter.core.oauth_hold import (
    LADDER,
    Hold,
    HoldStore,
    hold_after_429,
    token_key,
    verdict,
)
from tests.conftest import NOW, TEST_OAUTH_TOKEN

MIN = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("strikes_before", "expected"),
    [
        (0, timedelta(seconds=75)),
        (1, 3 * MIN),
        (2, 5 * MIN),
        (3, 10 * MIN),
        (4, 20 * MIN),
        (5, 30 * MIN),
        (6, 30 * MIN),
        (40, 30 * MIN),
    ],
)
def test_retry_after_zero_climbs_the_ladder(strikes_before: int, expected: timedelta) -> None:
    previous = (
        None
        if strikes_before == 0
        else Hold(not_before=NOW, set_at=NOW - MIN, strikes=strikes_before)
    )
    for retry_at in (None, NOW, NOW + timedelta(seconds=0.2), NOW - MIN):  # "0", a date past
        hold = hold_after_429(previous, retry_at, NOW, overriding=False)
        assert hold.not_before - NOW == expected
        assert hold.strikes == strikes_before + 1


def test_a_retry_after_ahead_wins_up_to_six_hours() -> None:
    hold = hold_after_429(None, NOW + timedelta(seconds=7), NOW, overriding=False)
    assert hold.not_before == NOW + timedelta(seconds=7)  # shorter than the ladder: obeyed
    hold = hold_after_429(None, NOW + timedelta(days=3), NOW, overriding=False)
    assert hold.not_before == NOW + timedelta(hours=6)
    assert LADDER[0] == timedelta(seconds=75)


def test_verdicts() -> None:
    hold = Hold(not_before=NOW + MIN, set_at=NOW)
    assert verdict(None, NOW) == "send"
    assert verdict(hold, NOW) == "wait"
    assert verdict(hold, NOW + MIN) == "send"  # it ran out
    wanted = msgspec.structs.replace(hold, override_wanted=True)
    assert verdict(wanted, NOW) == "override"
    spent = msgspec.structs.replace(wanted, overridden=True)
    assert verdict(spent, NOW) == "wait"
    # written under a clock that was since set back an hour: ignored, not a day of silence
    assert verdict(hold, NOW - timedelta(hours=1)) == "send"


def test_store_keeps_holds_per_token_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "state" / "holds.json"
    key = token_key(TEST_OAUTH_TOKEN)
    assert TEST_OAUTH_TOKEN not in key
    assert len(key) == 16
    first = HoldStore(path)
    hold = Hold(not_before=NOW + MIN, set_at=NOW)
    first.put(key, hold)
    first.put("other", msgspec.structs.replace(hold, strikes=4))
    assert HoldStore(path).get(key) == hold  # a restart reads it back
    assert TEST_OAUTH_TOKEN not in path.read_text()
    HoldStore(path).clear(key)
    assert HoldStore(path).get(key) is None
    assert HoldStore(path).get("other") is not None


def test_override_is_granted_once_per_hold(tmp_path: Path) -> None:
    store = HoldStore(tmp_path / "holds.json")
    assert store.allow_once() is False  # no hold: nothing to pass
    store.put("k", Hold(not_before=NOW + MIN, set_at=NOW))
    assert store.allow_once() is True
    hold = store.get("k")
    assert hold is not None
    assert verdict(hold, NOW) == "override"
    store.put("k", msgspec.structs.replace(hold, overridden=True, override_wanted=False))
    assert store.allow_once() is False  # spent until the hold runs out or numbers come


#: A holds file as the pydantic models wrote it (``model_dump(mode="json")``, before issue 19).
WRITTEN_BY_PYDANTIC = """{
 "holds": {
  "0123456789abcdef": {
   "not_before": "2026-11-25T09:01:15.412233Z",
   "set_at": "2026-11-25T09:00:00.412233Z",
   "strikes": 2,
   "override_wanted": true,
   "overridden": false
  }
 }
}"""


def test_a_file_written_by_the_earlier_models_loads_and_is_written_the_same(
    tmp_path: Path,
) -> None:
    path = tmp_path / "holds.json"
    path.write_text(WRITTEN_BY_PYDANTIC)
    store = HoldStore(path)
    at = datetime(2026, 11, 25, 9, 0, 0, 412233, tzinfo=UTC)
    hold = Hold(not_before=at + timedelta(seconds=75), set_at=at, strikes=2, override_wanted=True)
    assert store.get("0123456789abcdef") == hold
    store.put("0123456789abcdef", hold)
    assert path.read_text() == WRITTEN_BY_PYDANTIC


@pytest.mark.parametrize(
    ("not_before", "kept"),
    [
        ("2026-11-25T10:00:00+01:00", datetime(2026, 11, 25, 9, tzinfo=UTC)),  # as UTC
        ("2026-11-25T09:00:00", datetime(2026, 11, 25, 9, tzinfo=UTC)),  # naive: UTC
        ("9999-12-31T23:59:59Z", None),  # out of range: the file holds nothing
        ("1999-12-31T23:59:59Z", None),
        (None, None),
    ],
)
def test_a_hold_s_times_are_guarded_as_they_are_read(
    tmp_path: Path, not_before: object, kept: datetime | None
) -> None:
    path = tmp_path / "holds.json"
    hold = {"not_before": not_before, "set_at": "2026-11-25T08:00:00Z"}
    path.write_text(json.dumps({"holds": {"k": hold}}))
    found = HoldStore(path).get("k")
    assert (found and found.not_before) == kept


def test_a_hold_built_with_a_time_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="out of the accepted range"):
        Hold(not_before=datetime(9999, 12, 31, tzinfo=UTC), set_at=NOW)
    naive = Hold(not_before=datetime(2026, 11, 25, 9), set_at=NOW)
    assert naive.not_before == datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_a_damaged_file_holds_nothing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The log says why in words and what follows from it; it said ``ValidationError``."""
    path = tmp_path / "holds.json"
    path.write_text("{not json")
    store = HoldStore(path)
    caplog.set_level(logging.WARNING)
    assert store.get("k") is None
    assert caplog.messages == [
        f"could not read Claude Code's rate-limit waits in {path} (not valid JSON); going on "
        "without them, so a request may go out before a wait the server asked for is over"
    ]
    store.put("k", Hold(not_before=NOW + MIN, set_at=NOW))
    assert store.get("k") is not None


def test_a_hold_that_cannot_be_saved_is_logged_with_what_follows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("in the way")
    path = blocked / "holds.json"  # its folder cannot be made
    caplog.set_level(logging.WARNING)
    HoldStore(path).put(token_key(TEST_OAUTH_TOKEN), Hold(not_before=NOW + MIN, set_at=NOW))
    assert caplog.messages[-1] == (  # after the read of it, which failed as well
        f"could not save Claude Code's rate-limit wait to {path} (File exists); without it, a "
        "poll may ask again before the wait is over"
    )
    assert TEST_OAUTH_TOKEN not in caplog.text
    assert token_key(TEST_OAUTH_TOKEN) not in caplog.text
