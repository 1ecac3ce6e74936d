"""``status --cached``: every form, stale figures, no reading, and what it never loads."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.cli import main
from claude_meter.cli.cached import NO_READING
from claude_meter.fake import FakeClaude
from claude_meter.readings.store import default_path, iso, record
from tests.conftest import TEST_SESSION_KEY


def _store(percent_5h: float = 37.0, percent_7d: float = 82.0, minutes_ago: float = 0) -> None:
    now = datetime.now(UTC)
    read_at = iso(now - timedelta(minutes=minutes_ago))
    record(
        [
            {
                "source": "claude-code-statusline",
                "org_uuid": "org-a",
                "read_at": read_at,
                "windows": [
                    {"key": "five_hour", "label": "Session (5h)", "percent": percent_5h},
                    {"key": "seven_day", "label": "Weekly · all models", "percent": percent_7d},
                ],
            },
            {
                "source": "web",
                "org_uuid": "org-a",
                "org_name": "Acme",
                "read_at": iso(now - timedelta(hours=2)),
                "windows": [{"key": "seven_day_opus", "label": "Weekly · Opus", "percent": 12}],
            },
        ],
        now,
    )


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old = sys.stderr
    sys.stderr = err
    try:
        status = main(["status", "--cached", *args], stdout=out)
    finally:
        sys.stderr = old
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("i3blocks", "5h 37% · 7d 82%\n82%\n#e8702a\n"),
        ("polybar", "%{F#2e9d4f}5h 37%%{F-} · %{F#e8702a}7d 82%%{F-}\n"),
        ("tmux", "#[fg=#2e9d4f]5h 37%#[fg=default] · #[fg=#e8702a]7d 82%#[fg=default]\n"),
    ],
)
def test_bar_forms(form: str, expected: str) -> None:
    _store()
    assert _run("--format", form) == (0, expected, "")


def test_waybar_object() -> None:
    _store(percent_7d=96)
    status, out, _ = _run("--format", "waybar")
    shown = json.loads(out)
    assert status == 0
    assert shown["text"] == "5h 37% · 7d 96%"
    assert shown["class"] == "critical"
    assert shown["percentage"] == 96
    assert "Weekly · Opus" in shown["tooltip"]
    assert "claude.ai, 2h ago" in shown["tooltip"]


def test_text_says_where_each_row_came_from() -> None:
    _store()
    status, out, _ = _run()
    assert status == 0
    assert out.splitlines()[0] == "Acme"
    assert re.search(r"Claude Code's status line, \d+s ago$", out.splitlines()[1])
    assert "\x1b[" not in out  # not a terminal
    assert "claude.ai, 2h ago" in out.splitlines()[3]


def test_json_form() -> None:
    _store()
    status, out, _ = _run("--json")
    (account,) = json.loads(out)["accounts"]
    assert status == 0
    assert [(w["key"], w["source"]) for w in account["windows"]] == [
        ("five_hour", "claude-code-statusline"),
        ("seven_day", "claude-code-statusline"),
        ("seven_day_opus", "web"),
    ]


def test_too_old_is_printed_marked_stale_exit_3() -> None:
    _store(minutes_ago=30)
    status, out, _ = _run("--format", "waybar", "--max-age", "10m")
    shown = json.loads(out)
    assert status == 3
    assert shown["class"] == ["high", "stale"]
    assert shown["text"] == "5h 37% · 7d 82% (30m old)"
    assert _run("--format", "waybar", "--max-age", "1h")[0] == 0


def test_no_reading_says_how_to_get_one() -> None:
    status, out, err = _run("--format", "waybar")
    assert status == 3
    assert json.loads(out)["text"] == "–"
    assert "run `claude-meter status`" in err
    assert "start the tray" in err


@pytest.mark.parametrize("form", ["json", "i3blocks", "polybar", "tmux"])
def test_no_reading_leaves_a_bar_its_placeholder_and_says_why_on_stderr(form: str) -> None:
    """A bar shows standard output: the advice there would fill the bar with a sentence
    (waybar's form keeps it in its tooltip, shown on hover: the test above)."""
    status, out, err = _run("--format", form)
    assert status == 3
    assert "start the tray" not in out
    assert err == f"claude-meter: {NO_READING}\n"


def test_no_reading_in_a_terminal_is_said_once() -> None:
    status, out, err = _run()
    assert status == 3
    assert "start the tray" in out
    assert err == ""


def test_a_broken_file_is_a_message_not_a_traceback() -> None:
    path = default_path()
    path.parent.mkdir(parents=True)
    path.write_text("{broken")
    status, _, err = _run()
    assert status == 1
    assert err.startswith("claude-meter: the last readings cannot be read:")
    assert "is not valid JSON (line 1, column 2: " in err  # where, as for settings.json
    assert "remove it, and the next reading" in err  # what to do, not only what is wrong


@pytest.mark.parametrize("args", [["--max-age", "soon"], ["--format", "html"], ["--source", "web"]])
def test_bad_arguments_are_usage_errors(args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        _run(*args)
    assert exited.value.code == 1


def test_format_without_cached_is_refused() -> None:
    with pytest.raises(SystemExit) as exited:
        main(["status", "--format", "waybar"], stdout=io.StringIO())
    assert exited.value.code == 1


def test_the_quick_commands_load_no_models_http_client_keyring_or_qt(tmp_path: Path) -> None:
    _store()
    probe = (
        "import sys, io\n"
        "from claude_meter.cli import main\n"
        'payload = b\'{"rate_limits": {"five_hour": {"used_percentage": 5}}}\'\n'
        "sys.stdin = io.TextIOWrapper(io.BytesIO(payload))\n"
        "for argv in (['status', '--cached', '--format', 'waybar'], ['statusline']):\n"
        "    main(argv, stdout=io.StringIO())\n"
        "heavy = ('msgspec', 'http', 'keyring', 'PySide6', 'sqlite3', 'platformdirs', 'email')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, check=True
    )
    assert done.stdout.strip() == "[]"
    assert (
        "5h"
        in subprocess.run(  # the statusline's reading went into the store
            [sys.executable, "-m", "claude_meter", "status", "--cached", "--format", "i3blocks"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    )


def test_waybar_text_is_markup_safe() -> None:
    from claude_meter.readings.store import iso, record

    now = datetime.now(UTC)
    entry = {
        "source": "web",
        "org_uuid": "o",
        "org_name": "R&D <lab>",
        "read_at": iso(now),
        "windows": [{"key": "five_hour", "label": "Session (5h)", "percent": 5}],
    }
    record([entry], now)
    status, out, _ = _run("--format", "waybar")
    assert status == 0
    assert json.loads(out)["tooltip"].startswith("R&amp;D &lt;lab&gt;\n")


def test_status_stores_what_it_read_and_cached_shows_it_without_a_request(
    monkeypatch: pytest.MonkeyPatch, fake_server: FakeClaude
) -> None:
    monkeypatch.setenv("CLAUDE_METER_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey={TEST_SESSION_KEY}")
    assert main(["status", "--json", "--source", "web"], stdout=io.StringIO()) == 0
    stored = default_path().read_text()
    assert TEST_SESSION_KEY not in stored
    assert "sessionKey" not in stored
    asked = len(fake_server.request_log)
    status, out, _ = _run("--json")
    assert status == 0
    assert {w["source"] for a in json.loads(out)["accounts"] for w in a["windows"]} == {"web"}
    assert len(fake_server.request_log) == asked


def test_after_a_global_option_the_commands_still_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    _store()
    out = io.StringIO()
    assert main(["--debug", "status", "--cached", "--format", "i3blocks"], stdout=out) == 0
    assert out.getvalue().startswith("5h 37% · 7d 82%\n")
    monkey_stdin = io.TextIOWrapper(io.BytesIO(b"{}"))
    old, sys.stdin = sys.stdin, monkey_stdin
    try:
        line = io.StringIO()
        assert main(["--debug", "statusline", "--format", "{weekly}"], stdout=line) == 0
    finally:
        sys.stdin = old
    assert line.getvalue() == "82%\n"


def test_a_closed_output_is_one_quiet_exit() -> None:
    _store()
    read_end, write_end = os.pipe()
    os.close(read_end)  # the bar is gone before the first byte
    try:
        done = subprocess.run(
            [sys.executable, "-m", "claude_meter", "status", "--cached", "--format", "waybar"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (1, "")


def _choose_remaining() -> None:
    """What Settings saves for "Show percent: Remaining" (through the real settings model)."""
    from claude_meter.core.settings import Settings, save_settings

    save_settings(Settings(percent_shown="remaining"))


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("i3blocks", "5h 63% left · 7d 18% left\n18% left\n#e8702a\n"),
        ("tmux", "#[fg=#2e9d4f]5h 63% left#[fg=default] · #[fg=#e8702a]7d 18% left#[fg=default]\n"),
    ],
)
def test_remaining_as_chosen_in_settings_with_the_colour_of_what_is_used(
    form: str, expected: str
) -> None:
    _store()
    _choose_remaining()
    assert _run("--format", form) == (0, expected, "")
    status, out, _ = _run("--json")  # the stable interface stays raw: the percent used
    assert status == 0
    assert [w["percent"] for w in json.loads(out)["accounts"][0]["windows"]][:2] == [37.0, 82.0]


def test_a_damaged_settings_file_means_used() -> None:
    from claude_meter.readings.preference import settings_file

    _store()
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_text("[" * 100_000)
    assert _run("--format", "i3blocks") == (0, "5h 37% · 7d 82%\n82%\n#e8702a\n", "")
    code, out, err = _run("--account", "Work")  # the file, not the name, is what to fix
    assert (code, out) == (1, "")
    assert err.startswith(f"claude-meter: the settings file {settings_file()} could not be read")


def test_the_fast_reader_finds_the_file_the_settings_write() -> None:
    from claude_meter.core.settings import settings_path
    from claude_meter.readings.preference import settings_file

    assert settings_file() == settings_path()


def test_infinite_or_huge_percents_in_the_file_are_unknown_not_a_traceback() -> None:
    from claude_meter.readings.store import default_path

    _store()
    path = default_path()
    text = path.read_text().replace('"percent":37.0', '"percent":Infinity', 1)
    path.write_text(text.replace('"percent":82.0', '"percent":1' + "0" * 400, 1))
    status, out, err = _run("--format", "i3blocks")
    assert (status, err) == (0, "")
    assert out.splitlines()[0] == "5h ? · 7d ?"


# -- accounts -------------------------------------------------------------------------------


def _two_accounts(mine: float = 37.0, theirs: float = 96.0, *, work_newer: bool = False) -> None:
    """The default account (renamed "Personal") and "Work", members of one Team organization
    (the same org uuid), each with its own readings; and a removed account's leftover."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings, save_settings

    work = AccountRef(id="work", name="Work", kind="claude-code", config_dir="/w")
    save_settings(Settings(accounts=(work,), default_account_name="Personal"))
    now = datetime.now(UTC)

    def reading(account: str | None, percent: float, minutes_ago: int) -> dict[str, object]:
        return {
            "source": "claude-code-statusline",
            "account": account,
            "org_uuid": "org-a",
            "org_name": "Acme",
            "read_at": iso(now - timedelta(minutes=minutes_ago)),
            "windows": [{"key": "five_hour", "label": "Session (5h)", "percent": percent}],
        }

    ages = (2, 0) if work_newer else (0, 1)
    record(
        [reading(None, mine, ages[0]), reading("work", theirs, ages[1]), reading("gone", 99, 0)],
        now,
    )


def test_every_account_is_shown_each_by_its_name() -> None:
    _two_accounts()
    status, out, _ = _run()
    assert status == 0
    heads = [line for line in out.splitlines() if not line.startswith(" ")]
    assert heads == ["Personal · Acme", "Work · Acme"]  # not the removed account's leftover
    _, out, _ = _run("--json")
    assert [(a["account"], a["name"], a["windows"][0]["percent"])
            for a in json.loads(out)["accounts"]] == [("Personal", "Acme", 37.0),
                                                      ("Work", "Acme", 96.0)]  # fmt: skip


def test_accounts_are_listed_in_the_settings_order_whichever_was_read_last() -> None:
    _two_accounts(work_newer=True)
    _, out, _ = _run()
    heads = [line for line in out.splitlines() if not line.startswith(" ")]
    assert heads == ["Personal · Acme", "Work · Acme"]
    _, out, _ = _run("--format", "i3blocks")
    assert out.splitlines()[0].startswith("5h 96")  # the worst account still leads the bars


def test_one_account_asked_for_by_name_or_id() -> None:
    _two_accounts()
    status, out, _ = _run("--account", "work")
    assert (status, out.splitlines()[0]) == (0, "Acme")  # one account: no label
    assert "96%" in out
    assert "37%" not in out
    assert _run("--account", "PERSONAL", "--format", "i3blocks")[1].startswith("5h 37%\n")
    assert _run("--account", "default", "--format", "i3blocks")[1].startswith("5h 37%\n")


def test_the_bars_show_the_worst_account_or_the_one_asked() -> None:
    _two_accounts(mine=37.0, theirs=96.0)
    shown = json.loads(_run("--format", "waybar")[1])
    assert (shown["text"], shown["class"], shown["percentage"]) == ("5h 96%", "critical", 96)
    assert "Personal · Acme" in shown["tooltip"]
    assert _run("--format", "tmux")[1] == "#[fg=#d93a30]5h 96%#[fg=default]\n"
    shown = json.loads(_run("--format", "waybar", "--account", "Personal")[1])
    assert (shown["text"], shown["class"]) == ("5h 37%", "ok")
    _two_accounts(mine=81.0, theirs=20.0)
    assert _run("--format", "polybar")[1] == "%{F#e8702a}5h 81%%{F-}\n"


def test_an_unknown_account_is_a_clear_message() -> None:
    _two_accounts()
    status, out, err = _run("--account", "Nobody", "--format", "waybar")
    assert (status, out) == (1, "")
    assert err == "claude-meter: there is no account of that name; the accounts: Personal, Work.\n"


def test_accounts_load_no_models_either() -> None:
    _two_accounts()
    probe = (
        "import sys, io\n"
        "from claude_meter.cli import main\n"
        "out = io.StringIO()\n"
        "main(['status', '--cached', '--account', 'Work', '--format', 'i3blocks'], stdout=out)\n"
        "heavy = ('msgspec', 'http', 'keyring', 'PySide6', 'sqlite3', 'platformdirs')\n"
        "print(out.getvalue().splitlines()[0])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, check=True
    )
    assert done.stdout.splitlines() == ["5h 96%", "[]"]
