"""The file-backed memo of the command line: expiry, a clock set back, forgetting by
prefix, and a damaged or unwritable file that never stops a call."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from claude_meter.clients.remembered import FILE_NAME, RememberedAnswers


def test_entries_expire_and_a_clock_set_back_is_not_trusted(tmp_path: Path) -> None:
    now = [1_000_000.0]
    memo = RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: now[0])
    memo.remember("web|a|", {"x": 1}, 1800)
    assert RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: now[0]).recall("web|a|") == {
        "x": 1
    }
    now[0] += 1801
    assert RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: now[0]).recall("web|a|") is None
    now[0] -= 1801 + 7200  # the clock went back two hours: a 30-minute entry is too far ahead
    assert RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: now[0]).recall("web|a|") is None
    memo.forget("web|")
    assert json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8")) == {}


def test_forget_drops_only_the_keys_under_the_prefix(tmp_path: Path) -> None:
    memo = RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: 1_000.0)
    memo.remember("web|a|org", ["one"], 1800)
    memo.remember("web|b|org", ["two"], 1800)
    memo.remember("oauth|a|profile", {"plan": "max"}, 1800)
    memo.forget("web|a|")
    again = RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: 1_000.0)
    assert again.recall("web|a|org") is None
    assert again.recall("web|b|org") == ["two"]
    assert again.recall("oauth|a|profile") == {"plan": "max"}


def test_remembering_drops_expired_entries_from_the_file(tmp_path: Path) -> None:
    now = [1_000.0]
    memo = RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: now[0])
    memo.remember("old", 1, 60)
    now[0] += 61
    memo.remember("new", 2, 60)
    stored = json.loads((tmp_path / FILE_NAME).read_text(encoding="utf-8"))
    assert stored == {"new": [now[0] + 60, 2]}


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"k": "not a pair"}',
        '{"k": [1]}',
        '{"k": ["soon", 1]}',
        "",
    ],
)
def test_a_malformed_file_counts_as_empty(tmp_path: Path, text: str) -> None:
    (tmp_path / FILE_NAME).write_text(text, encoding="utf-8")
    memo = RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: 0.0)
    assert memo.recall("k") is None
    memo.remember("k", "v", 60)  # and it is replaced by a good one
    assert RememberedAnswers(tmp_path / FILE_NAME, clock=lambda: 0.0).recall("k") == "v"


def test_an_unwritable_file_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    memo = RememberedAnswers(tmp_path / "a-file" / FILE_NAME, clock=lambda: 0.0)
    with caplog.at_level(logging.INFO, logger="claude_meter.clients.remembered"):
        memo.remember("k", "v", 60)
    assert memo.recall("k") == "v"  # still remembered for this process
    assert any("could not remember" in r.getMessage() for r in caplog.records)
