"""``claude-meter statusline``: the payloads Claude Code sends, the template, install."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_meter.cli.statusline import FALLBACK, run_statusline
from claude_meter.readings.store import load


def both() -> dict[str, object]:
    """What Claude Code sends with both windows, its resets counted from now (built when a
    test runs, not when the module is collected: the countdowns below must not drift)."""
    now = int(time.time())
    return {
        "model": {"display_name": "Opus"},
        "rate_limits": {
            "five_hour": {"used_percentage": 37.4, "resets_at": now + 2 * 3600 + 600},
            "seven_day": seven_day(),
        },
    }


def seven_day() -> dict[str, object]:
    return {"used_percentage": 82, "resets_at": int(time.time()) + 3 * 86400 + 4 * 3600 + 600}


def _line(payload: bytes, template: str | None = None, **env: str) -> tuple[int, str]:
    out = io.StringIO()
    status = run_statusline(template=template, stdin=io.BytesIO(payload), out=out, env=env)
    return status, out.getvalue()


def _json(data: object) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (lambda: _json(both()), "5h 37% 2h 9m · 7d 82% 3d 4h\n"),
        (
            lambda: _json({"rate_limits": {"seven_day": seven_day()}}),
            "7d 82% 3d 4h\n",
        ),
        (
            lambda: _json({"model": {"display_name": "Opus"}}),  # before the first answer
            FALLBACK + "\n",
        ),
        (lambda: _json({"rate_limits": None}), FALLBACK + "\n"),
        (
            lambda: _json(
                {"rate_limits": {"five_hour": {"used_percentage": "x", "resets_at": 1e300}}}
            ),
            "5h ?\n",
        ),
        (lambda: b"\x00garbage{", FALLBACK + "\n"),
        (lambda: b"", FALLBACK + "\n"),
        (lambda: b"[" * 100_000, FALLBACK + "\n"),
    ],
)
def test_payloads_claude_code_sends(payload: Callable[[], bytes], expected: str) -> None:
    assert _line(payload(), NO_COLOR="1") == (0, expected)


def test_colours_by_grade_unless_no_color() -> None:
    _, line = _line(_json(both()))
    assert "\x1b[32m37%\x1b[0m" in line
    assert "\x1b[38;5;208m82%\x1b[0m" in line


def test_without_rate_limits_the_last_statusline_figures_show_with_their_age() -> None:
    _line(_json(both()))
    status, line = _line(_json({"model": {}}), NO_COLOR="1")
    assert (status, line) == (0, "5h 37% 2h 9m · 7d 82% 3d 4h\n")  # just now: no age yet


def test_the_reading_goes_into_the_store_with_claude_codes_account(tmp_path: Path) -> None:
    (tmp_path / ".claude.json").write_text(
        json.dumps({"oauthAccount": {"organizationUuid": "org-a", "emailAddress": "a@b.c"}})
    )
    _line(_json(both()), CLAUDE_CONFIG_DIR=str(tmp_path))
    (entry,) = load()
    assert entry["source"] == "claude-code-statusline"
    assert entry["org_uuid"] == "org-a"
    assert entry["account_email"] == "a@b.c"
    assert [w["percent"] for w in entry["windows"]] == [37.4, 82]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{model}: {session} ({session.age}) {weekly.resets}", "Opus: 37% (0s) 3d 4h"),
        ("{{literal}} {five_hour}", "{literal} 37%"),
        ("{nope} · {weekly}", "82%"),
        ("{session", "ClaudeMeter: a lone '{' in --format; write {{ for a brace"),
    ],
)
def test_template(template: str, expected: str) -> None:
    assert _line(_json(both()), template, NO_COLOR="1") == (0, expected + "\n")


def test_the_process_exits_0_and_prints_only_the_line(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "HOME": str(tmp_path), "XDG_STATE_HOME": "/proc/nope"}
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "statusline", "--bogus"],
        input=_json(both()),
        capture_output=True,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        b"5h 37% 2h 9m \xc2\xb7 7d 82% 3d 4h\n",
        b"",
    )


def test_chained_command_gets_the_same_payload(tmp_path: Path) -> None:
    out = io.StringIO()
    script = "import sys, json; print(json.load(sys.stdin)['model']['display_name'])"
    command = f'{sys.executable} -c "{script}"'
    run_statusline(
        template="{session}",
        stdin=io.BytesIO(_json(both())),
        out=out,
        env={"NO_COLOR": "1"},
        then=command,
    )
    assert out.getvalue() == "37% │ Opus\n"


def test_remaining_as_chosen_in_settings_with_the_colour_of_what_is_used() -> None:
    from claude_meter.core.settings import Settings, save_settings

    save_settings(Settings(percent_shown="remaining"))
    assert _line(_json(both()), NO_COLOR="1") == (0, "5h 62% left 2h 9m · 7d 18% left 3d 4h\n")
    _, coloured = _line(_json(both()))
    assert "\x1b[32m62% left\x1b[0m" in coloured  # green: 37.4 % used
    assert "\x1b[38;5;208m18% left\x1b[0m" in coloured  # orange: 82 % used


def test_each_reading_also_waits_in_the_journal_for_the_history() -> None:
    from claude_meter.readings.journal import journal_path

    _line(_json(both()))
    _line(_json({"model": {}}))  # no rate_limits: nothing to keep
    _line(_json(both()))
    lines = journal_path().read_text().splitlines()
    assert len(lines) == 2
    assert all(json.loads(line)["source"] == "claude-code-statusline" for line in lines)
