"""``claude-meter history`` output forms, and what ``status`` adds: recording and forecasts."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.cli import main
from claude_meter.cli.history import parse_duration
from claude_meter.core.export import EXPORT_COLUMNS as COLUMNS
from claude_meter.core.paths import data_dir
from claude_meter.fake import FakeClaude
from claude_meter.fake.scenarios import PERSONAL
from claude_meter.history import HistoryStore
from tests.cli.test_status import point_at
from tests.history.support import ORG, OTHER_ORG, SESSION_RESET, WEEK_RESET, snapshot

NOW = datetime.now(UTC).replace(microsecond=0)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(argv, stdout=out)
    return status, out.getvalue(), capsys.readouterr().err


@pytest.fixture
def seeded() -> None:
    """Two orgs over ten days; the session reaches the wall an hour ago."""
    with HistoryStore.open() as store:
        store.record(snapshot(NOW - timedelta(days=10), 1.0, 20.0))
        store.record(snapshot(NOW - timedelta(hours=30), 50.0, 20.0, org=OTHER_ORG))
        for minutes, five in ((120, 40.0), (90, 70.0), (60, 100.0)):
            store.record(snapshot(NOW - timedelta(minutes=minutes), five, 30.0))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


EXPECTED = [  # (minutes ago, org, window, percent, event), oldest first
    (30 * 60, OTHER_ORG, "five_hour", 50.0, None),
    (30 * 60, OTHER_ORG, "seven_day", 20.0, None),
    (120, ORG, "five_hour", 40.0, None),
    (120, ORG, "seven_day", 30.0, None),
    (90, ORG, "five_hour", 70.0, None),
    (90, ORG, "seven_day", 30.0, None),  # unchanged, but 30 minutes on: a keep-alive
    (60, ORG, "five_hour", 100.0, "limit_hit"),
    (60, ORG, "seven_day", 30.0, None),
]


@pytest.mark.parametrize(
    ("text", "delta"),
    [("90m", timedelta(minutes=90)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7))],
)
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "7", "7w", "-1d", "0h", "1.5h", "d7"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0m", "0h", "000d"])
def test_a_zero_duration_is_called_zero_not_no_duration(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="no time at all; give one longer"):
        parse_duration(text)


def test_csv(seeded: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["history", "--csv"], capsys)  # default: the last 7 days
    assert (status, err) == (0, "")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == list(COLUMNS)
    assert COLUMNS == (
        "time", "org", "window", "percent", "resets_at", "event", "account", "account_id"
    )  # fmt: skip
    assert rows[1:] == [
        [
            iso(NOW - timedelta(minutes=m)),
            org,
            key,
            str(p),
            iso(reset(key)),
            event or "",
            "Default",
            "default",
        ]
        for m, org, key, p, event in EXPECTED
    ]


def reset(key: str) -> datetime:
    return SESSION_RESET if key == "five_hour" else WEEK_RESET


def test_json(seeded: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["history", "--json"], capsys)
    assert status == 0
    assert json.loads(out) == [
        {
            "time": iso(NOW - timedelta(minutes=m)),
            "org": org,
            "window": key,
            "percent": p,
            "resets_at": iso(reset(key)),
            "event": event,
            "account": "Default",
            "account_id": "default",
        }
        for m, org, key, p, event in EXPECTED
    ]


def test_filters(seeded: None, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["history", "--json", "--org", ORG, "--window", "five_hour", "--since", "100m"]
    _, out, _ = run(argv, capsys)
    assert [(r["percent"], r["event"]) for r in json.loads(out)] == [
        (70.0, None),
        (100.0, "limit_hit"),
    ]
    _, out, _ = run(["history", "--json", "--since", "30d", "--org", ORG], capsys)
    assert len(json.loads(out)) == 2 + 6  # the reading ten days ago is back
    _, out, _ = run(["history", "--csv", "--window", "nope"], capsys)
    assert out == ",".join(COLUMNS) + "\n"


def test_text(seeded: None, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["history"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == len(EXPECTED)
    assert lines[-2].endswith("100.00%  limit_hit")
    assert ORG[:8] in lines[-1]
    # The windows as `status` names them, not the server's keys (seven_day_omelette...):
    assert "Session (5h)" in out
    assert "Weekly · all models" in out
    assert "five_hour" not in out
    assert "seven_day" not in out


def test_empty_history(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["history"], capsys)[1] == "No readings stored for this period yet.\n"
    assert json.loads(run(["history", "--json"], capsys)[1]) == []


def test_bad_invocations(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["history", "--since", "7w"], ["history", "--csv", "--json"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 1
    assert "not a duration" in capsys.readouterr().err


def block_data_dir() -> None:
    """Make the data folder impossible to create (a file where its parent should be)."""
    data_dir().parent.parent.mkdir(parents=True, exist_ok=True)
    data_dir().parent.write_text("in the way")


def test_history_unavailable(capsys: pytest.CaptureFixture[str]) -> None:
    block_data_dir()
    status, out, err = run(["history", "--csv"], capsys)
    assert (status, out) == (1, "")
    assert "the usage history cannot be read" in err


# -- status: recording and forecasts --------------------------------------------------------


def test_status_records_and_forecasts(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    with HistoryStore.open() as store:  # two earlier readings of the session, an hour apart
        for minutes, five in ((60, 17.0), (30, 27.0)):
            at = datetime.now(UTC) - timedelta(minutes=minutes)
            store.record(snapshot(at, five, None, org=PERSONAL.uuid, session_reset=None))
    status, out, err = run(["status", "--json"], capsys)
    assert (status, err) == (0, "")
    windows = {w["key"]: w for w in json.loads(out)["organizations"][0]["windows"]}
    session = windows["five_hour"]["forecast"]
    # 17 % -> 37 % in an hour; the fake's session resets in 1-2 h: 57-77 %, no wall.
    assert 56 < session["percent_at_reset"] < 78
    assert session["wall_at"] is None
    assert session["fast_burn"] is False
    assert windows["seven_day"]["forecast"] == {
        "percent_at_reset": None,
        "wall_at": None,
        "fast_burn": None,
    }
    _, out, _ = run(["history", "--json", "--org", PERSONAL.uuid, "--window", "five_hour"], capsys)
    assert [r["percent"] for r in json.loads(out)] == [17.0, 27.0, 37.0]
    status, out, _ = run(["status"], capsys)
    assert status == 0
    assert any(line.strip().startswith("at this pace: ") for line in out.splitlines())


def test_status_without_history_still_prints_the_numbers(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    block_data_dir()
    status, out, err = run(["status"], capsys)
    assert status == 0
    assert " 37%" in out
    assert err.count("\n") == 1
    assert err.startswith("claude-meter: usage history unavailable, so no forecast: ")
    status, out, err = run(["status", "--json"], capsys)
    assert (status, err) == (0, "")
    window = json.loads(out)["organizations"][0]["windows"][0]
    assert window["percent"] == 37.0
    assert window["forecast"] == {"percent_at_reset": None, "wall_at": None, "fast_burn": None}


def test_demo_readings_are_not_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["status", "--demo", "--json"], capsys)[0] == 0
    assert not (data_dir() / "history.sqlite3").exists()


def test_status_takes_the_status_lines_waiting_readings_before_its_own() -> None:
    from claude_meter.cli.history import record_and_forecast
    from claude_meter.core.models import FetchResult
    from claude_meter.history import HistoryStore
    from claude_meter.readings.convert import snapshot_of
    from claude_meter.readings.journal import append, journal_path
    from claude_meter.readings.store import iso

    def entry(minutes_ago: int, percent: float, source: str) -> dict[str, object]:
        return {
            "source": source,
            "org_uuid": "org-journal",
            "read_at": iso(NOW - timedelta(minutes=minutes_ago)),
            "windows": [{"key": "five_hour", "label": "Session (5h)", "percent": percent}],
        }

    append(entry(20, 10, "claude-code-statusline"))
    append(entry(10, 20, "claude-code-statusline"))
    own = snapshot_of(entry(0, 30, "web"))
    assert own is not None
    record_and_forecast(FetchResult(source="web", fetched_at=NOW, snapshots=(own,)), NOW)
    with HistoryStore.open(quick_check=False) as store:
        rows = store.readings(NOW - timedelta(hours=1), org_uuid="org-journal")
    assert [r.percent for r in rows] == [10, 20, 30]
    assert not journal_path().exists()


# -- accounts -------------------------------------------------------------------------------


@pytest.fixture
def two_accounts() -> None:
    """The default account (renamed "Personal") and "Work", both members of one Team
    organization (the same org uuid), each with its own readings."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings, save_settings

    work = AccountRef(id="work", name="Work", kind="browser", browser="firefox")
    save_settings(Settings(accounts=(work,), default_account_name="Personal"))
    with HistoryStore.open() as store:
        for minutes, mine, theirs in ((120, 10.0, 80.0), (60, 20.0, 100.0)):
            at = NOW - timedelta(minutes=minutes)
            store.record(snapshot(at, mine, None))
            store.record(snapshot(at, theirs, None, account="work"))


@pytest.mark.usefixtures("two_accounts")
def test_each_account_has_its_own_history(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["history", "--json", "--account", "work"], capsys)
    assert (status, err) == (0, "")
    assert [(r["org"], r["percent"], r["event"], r["account"]) for r in json.loads(out)] == [
        (ORG, 80.0, None, "Work"),
        (ORG, 100.0, "limit_hit", "Work"),
    ]
    _, out, _ = run(["history", "--csv", "--account", "PERSONAL"], capsys)  # any case
    assert [(r["percent"], r["account"]) for r in csv.DictReader(io.StringIO(out))] == [
        ("10.0", "Personal"),
        ("20.0", "Personal"),
    ]
    _, out, _ = run(["history", "--json"], capsys)  # every account, each named
    assert [(r["account"], r["percent"]) for r in json.loads(out)] == [
        ("Personal", 10.0),
        ("Work", 80.0),
        ("Personal", 20.0),
        ("Work", 100.0),
    ]


@pytest.mark.usefixtures("two_accounts")
def test_the_text_names_the_account_when_there_are_several(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(["history"], capsys)
    lines = out.splitlines()
    assert [line.split()[4] for line in lines] == ["Personal", "Work", "Personal", "Work"]
    assert lines[-1].endswith("100.00%  limit_hit")
    _, out, _ = run(["history", "--account", "Work"], capsys)
    assert "Work" not in out  # one account: no label
    assert out.splitlines()[-1].endswith("100.00%  limit_hit")


@pytest.mark.usefixtures("two_accounts")
def test_walls_per_account(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["history", "--walls", "--json"], capsys)
    assert [(w["org"], w["account"]) for w in json.loads(out)] == [(ORG, "Work")]
    _, out, _ = run(["history", "--walls", "--json", "--account", "Personal"], capsys)
    assert json.loads(out) == []
    _, out, _ = run(["history", "--walls", "--account", "default"], capsys)  # the id works too
    assert out == "No window reached 100% in this period.\n"


def test_an_unknown_account_is_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["history", "--account", "Nobody"], capsys)
    assert (status, out) == (1, "")
    assert err == "claude-meter: there is no account of that name; the accounts: Default.\n"
    status, _, err = run(["history", "--walls", "--account", "Nobody"], capsys)
    assert status == 1
    assert "there is no account of that name" in err


@pytest.mark.usefixtures("two_accounts")
def test_history_reads_the_accounts_without_the_models() -> None:
    """The accounts' names come from settings.json read the light way: not the settings
    model, which would load the app's models and msgspec for a few names."""
    import os
    import subprocess
    import sys

    probe = (
        "import sys, io\n"
        "from claude_meter.cli import main\n"
        "out = io.StringIO()\n"
        "main(['history', '--csv', '--account', 'Work'], stdout=out)\n"
        "print(','.join(out.getvalue().splitlines()[-1].split(',')[-2:]))\n"
        "print('msgspec' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ, check=True
    )
    assert done.stdout.splitlines() == ["Work,work", "False"]


@pytest.mark.usefixtures("two_accounts")
def test_walls_of_several_accounts_name_their_account_with_totals_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with HistoryStore.open() as store:  # Personal runs into the wall too, a little later
        store.record(snapshot(NOW - timedelta(minutes=30), 100.0, None))
    _, out, _ = run(["history", "--walls", "--window", "five_hour"], capsys)
    lines = out.splitlines()
    assert [line.split()[4] for line in lines[:2]] == ["Work", "Personal"]
    totals = [line for line in lines[3:] if line]
    assert any(line.startswith("Work: Session (5h): walled once") for line in totals)
    assert any(line.startswith("Personal: Session (5h): walled once") for line in totals)
    _, out, _ = run(["history", "--walls", "--account", "Work"], capsys)
    assert "Personal" not in out
    assert out.splitlines()[-1].startswith("Session (5h): walled once")


@pytest.mark.usefixtures("two_accounts")
def test_a_removed_account_is_called_so_in_the_text_and_by_its_id_for_scripts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The text forms say what the History window says ("Removed account (work)"), not a
    bare id that reads like a name; --csv and --json keep the id a script matched before."""
    from claude_meter.core.settings import Settings, save_settings

    save_settings(Settings(default_account_name="Personal"))  # Work removed
    _, out, _ = run(["history"], capsys)
    lines = out.splitlines()
    whose = [line[len("Sun 06 Dec 08:35  ") :].split("  ")[0].strip() for line in lines]
    assert whose == ["Personal", "Removed account (work)"] * 2
    with HistoryStore.open() as store:  # Personal walled too: the walls name their account
        store.record(snapshot(NOW - timedelta(minutes=30), 100.0, None))
    _, out, _ = run(["history", "--walls", "--window", "five_hour"], capsys)
    assert "Removed account (work)" in out.splitlines()[0]
    assert "Removed account (work): Session (5h): walled once" in out
    _, out, _ = run(["history", "--csv"], capsys)
    assert [r["account"] for r in csv.DictReader(io.StringIO(out))][:4] == ["Personal", "work"] * 2
    _, out, _ = run(["history", "--walls", "--json"], capsys)
    assert [w["account"] for w in json.loads(out)] == ["work", "Personal"]
    assert [w["account_id"] for w in json.loads(out)] == ["work", "default"]


@pytest.mark.usefixtures("two_accounts")
def test_a_rename_changes_the_account_column_never_the_account_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A script that follows one account across a rename matches ``account_id``, the last
    column (after ``account``, so one reading by position keeps working)."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings, save_settings

    def columns(argv: list[str]) -> list[tuple[str, str]]:
        _, out, _ = run(argv, capsys)
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0][-2:] == ["account", "account_id"]
        return [(row[-2], row[-1]) for row in rows[1:]]

    before = columns(["history", "--csv"])
    assert before == [("Personal", "default"), ("Work", "work")] * 2
    job = AccountRef(id="work", name="Job", kind="browser", browser="firefox")
    save_settings(Settings(accounts=(job,), default_account_name="Me"))
    assert columns(["history", "--csv"]) == [("Me", "default"), ("Job", "work")] * 2
    _, out, _ = run(["history", "--json"], capsys)
    assert [(r["account"], r["account_id"]) for r in json.loads(out)][:2] == [
        ("Me", "default"),
        ("Job", "work"),
    ]


def test_a_window_or_organization_the_history_never_held_is_said(
    seeded: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo read as "no readings for this period" before: now the history says what it
    holds, and the output itself stays what a script expects (nothing)."""
    status, out, err = run(["history", "--window", "five_hours"], capsys)
    assert status == 0
    assert out == "No readings stored for this period yet.\n"
    assert "the history holds no window 'five_hours'; it holds: five_hour (Session (5h))" in err
    status, out, err = run(["history", "--json", "--org", "nope"], capsys)
    assert (status, out) == (0, "[]\n")
    assert f"the history holds no organization 'nope'; it holds: {ORG}" in err
    _, _, err = run(["history", "--window", "five_hour", "--since", "1m"], capsys)
    assert err == ""  # a window it holds, only not in this span: nothing to add


def test_status_waits_only_briefly_for_another_programs_lock_on_the_history(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A status bar runs ``status`` every few seconds: with a sqlite3 shell or a backup tool
    holding the history's write lock it waited the full 10 s (twice, with the status line's
    readings waiting). It prints the numbers, says once that the reading was not recorded,
    and keeps the status line's readings for later."""
    import sqlite3

    from claude_meter.readings.journal import append, journal_path
    from claude_meter.readings.store import iso as stored_time

    point_at(monkeypatch, fake_server)
    with HistoryStore.open() as store:
        path = store.path
    append({
        "source": "claude-code-statusline",
        "org_uuid": "org-journal",
        "read_at": stored_time(NOW - timedelta(minutes=5)),
        "windows": [{"key": "five_hour", "label": "Session (5h)", "percent": 12}],
    })  # fmt: skip
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program's write lock
        status, out, err = run(["status"], capsys)
        assert status == 0
        assert " 37%" in out
        assert err == (
            f"claude-meter: this reading was not added to the usage history: {path} is locked "
            "by another program (another ClaudeMeter, or a tool that has it open) for more than "
            "0.5 s; try again once it lets go\n"
        )
        status, out, err = run(["status", "--json"], capsys)
        assert (status, err) == (0, "")
        assert json.loads(out)["organizations"][0]["windows"][0]["percent"] == 37.0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert journal_path().exists()  # the status line's reading waits for the next one
    with HistoryStore.open(quick_check=False) as store:
        assert store.readings(NOW - timedelta(days=1)) == []
    assert run(["status"], capsys)[0] == 0
    with HistoryStore.open(quick_check=False) as store:
        taken = store.readings(NOW - timedelta(days=1))
    assert [(r.org_uuid, r.percent) for r in taken][:1] == [("org-journal", 12.0)]
    assert not journal_path().exists()
