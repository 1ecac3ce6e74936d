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

from claude_meter.cli.statusline import FALLBACK, UNEXPECTED, run_statusline
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


def test_an_unexpected_failure_is_a_line_in_words_not_a_type_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> str:
        raise LookupError("sessionKey=sk-ant-sid01-not-shown")

    monkeypatch.setattr("claude_meter.cli.statusline.statusline", broken)
    status, line = _line(_json({"rate_limits": {"seven_day": seven_day()}}))
    assert (status, line) == (0, UNEXPECTED + "\n")
    assert "LookupError" not in line


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


def _settings_with(*accounts: object, **fields: object) -> None:
    import msgspec

    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings, save_settings

    refs = tuple(a for a in accounts if isinstance(a, AccountRef))
    save_settings(msgspec.structs.replace(Settings(accounts=refs), **fields))


def test_the_reading_carries_the_account_of_its_claude_config_dir(tmp_path: Path) -> None:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.readings.convert import snapshot_of
    from claude_meter.readings.journal import journal_path

    work_dir, personal_dir = tmp_path / "work-claude", Path.home() / ".claude"
    work_dir.mkdir()
    _settings_with(
        AccountRef(id="personal", name="Personal", kind="claude-code"),
        AccountRef(id="work", name="Work", kind="claude-code", config_dir=str(work_dir)),
        AccountRef(id="web", name="Web", kind="browser", browser="chrome"),
    )
    runs = {
        "work": {"CLAUDE_CONFIG_DIR": str(work_dir) + "/"},
        "personal": {},  # unset: the default ~/.claude
        "personal-too": {"CLAUDE_CONFIG_DIR": str(personal_dir)},
        "none": {"CLAUDE_CONFIG_DIR": str(tmp_path / "unknown")},
    }
    for env in runs.values():
        assert _line(_json(both()), "{session}", NO_COLOR="1", **env) == (0, "37%\n")
    marked = [json.loads(line)["account"] for line in journal_path().read_text().splitlines()]
    assert marked == ["work", "personal", "personal", None]
    snapshots = [snapshot_of(json.loads(x)) for x in journal_path().read_text().splitlines()]
    assert [s.account if s else "?" for s in snapshots] == marked


@pytest.mark.parametrize(
    "settings",
    [
        b"{broken",
        b'{"accounts": "x"}',
        b'{"accounts": [{"id": "BAD ID", "kind": "claude-code"}]}',
        b'{"accounts": [{"id": "default", "kind": "claude-code"}]}',
        b'{"accounts": [{"id": "x", "kind": "extension"}]}',
    ],
)
def test_without_a_sound_claude_code_account_the_reading_is_the_default_accounts(
    settings: bytes,
) -> None:
    from claude_meter.readings.preference import settings_file

    settings_file().parent.mkdir(parents=True, exist_ok=True)
    settings_file().write_bytes(settings)
    assert _line(_json(both()), "{session}", NO_COLOR="1") == (0, "37%\n")
    (entry,) = load()
    assert entry["account"] is None


def test_the_figures_shown_without_rate_limits_are_this_accounts(tmp_path: Path) -> None:
    from claude_meter.core.accounts import AccountRef

    work_dir = tmp_path / "work-claude"
    work_dir.mkdir()
    (work_dir / ".claude.json").write_text(
        json.dumps({"oauthAccount": {"organizationUuid": "org-work"}})
    )
    _settings_with(AccountRef(id="work", name="Work", kind="claude-code", config_dir=str(work_dir)))
    work = {"CLAUDE_CONFIG_DIR": str(work_dir)}
    _line(_json(both()), "{session}", NO_COLOR="1", **work)  # the work account's 37 %
    default = both()
    default["rate_limits"]["five_hour"]["used_percentage"] = 5  # type: ignore[index]
    _line(_json(default), "{session}", NO_COLOR="1")  # the default account's 5 %, newer
    assert _line(_json({"model": {}}), "{session}", NO_COLOR="1", **work) == (0, "37%\n")
    assert _line(_json({"model": {}}), "{session}", NO_COLOR="1") == (0, "5%\n")


def test_a_real_process_finds_its_account_loading_no_models(tmp_path: Path) -> None:
    """As Claude Code runs it: a process of its own, in the account's CLAUDE_CONFIG_DIR."""
    from claude_meter.core.accounts import AccountRef

    work_dir = tmp_path / "work-claude"
    work_dir.mkdir()
    _settings_with(AccountRef(id="work", name="Work", kind="claude-code", config_dir=str(work_dir)))
    probe = (
        "import sys\n"
        "from claude_meter.cli import main\n"
        "main(['statusline', '--format', '{session}'])\n"
        # argparse too: the status line parses its few options itself (cli/__init__.py)
        "heavy = ('msgspec', 'http', 'keyring', 'PySide6', 'sqlite3', 'platformdirs', "
        "'argparse')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        input=_json(both()),
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1", "CLAUDE_CONFIG_DIR": str(work_dir)},
        check=False,
        timeout=30,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"37%\n[]\n", b"")
    (entry,) = load()
    assert entry["account"] == "work"


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_the_commands_usage_and_options_not_the_modules_docstring(flag: str) -> None:
    from claude_meter.cli import main

    out = io.StringIO()
    assert main(["statusline", flag], stdout=out) == 0
    said = out.getvalue()
    assert said.startswith("usage: claude-meter statusline")
    for option in ("--format TEMPLATE", "--install", "--uninstall", "--then COMMAND"):
        assert option in said
    assert "{session.resets}" in said  # the template's fields, for a person writing one
    assert "``" not in said  # no reStructuredText from the developers' docstring
