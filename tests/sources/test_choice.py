"""The remembered source choice (``sources.json``): names only, written atomically, and any
unusable file ignored with a message that says what to do, never a crash."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from claude_meter.sources.choice import (
    RememberedChoice,
    choice_path,
    forget_choice,
    load_choice,
    save_choice,
)


def test_a_choice_survives_a_save_and_a_load(tmp_path: Path) -> None:
    path = tmp_path / "config" / "sources.json"
    choice = RememberedChoice(browser="chromium", profile="Work", account_email="me@example.com")
    save_choice(choice, path)
    assert load_choice(path) == (choice, None)
    on_disk = json.loads(path.read_text(encoding="utf-8"))
    assert on_disk == {
        "version": 1,
        "browser": "chromium",
        "profile": "Work",
        "account_email": "me@example.com",
    }  # nothing unset is written
    assert [p.name for p in path.parent.iterdir()] == ["sources.json"]  # no temporary file left


def test_the_default_place_is_the_config_folder() -> None:
    save_choice(RememberedChoice(stored_from="paste"))
    assert choice_path().name == "sources.json"
    assert load_choice() == (RememberedChoice(stored_from="paste"), None)
    assert forget_choice()
    assert not forget_choice()  # nothing left to forget
    assert load_choice() == (RememberedChoice(), None)  # no file: nothing remembered, no message


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (
            b"{not json",
            "not valid JSON (line 1, column 2: expecting property name enclosed in double quotes)",
        ),
        (b"[1, 2]", "not a JSON object"),
        (b"\xff\xfe\x00", "not text"),
        (b'"browser"', "not a JSON object"),
    ],
)
def test_an_unusable_file_is_ignored_with_what_to_do(
    tmp_path: Path, content: bytes, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "sources.json"
    path.write_bytes(content)
    caplog.set_level(logging.WARNING)
    choice, message = load_choice(path)
    assert choice == RememberedChoice()
    assert message == (
        f"the remembered source choice in {path} could not be read ({why}) and was ignored; "
        "pick a source again with `claude-meter login`."
    )
    assert message in caplog.text


def test_a_folder_where_the_file_belongs_is_ignored_too(tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.mkdir()
    choice, message = load_choice(path)
    assert choice == RememberedChoice()
    assert message is not None
    assert "could not be read (Is a directory)" in message  # words, not a type name


def test_fields_of_the_wrong_type_are_dropped_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text(
        json.dumps({"version": 1, "browser": "firefox", "profile": 7, "stored_from": "", "x": 1})
    )
    assert load_choice(path) == (RememberedChoice(browser="firefox"), None)


@pytest.mark.parametrize("argv", [["sources", "--json"], ["status", "--demo", "--json"]])
def test_a_deeply_nested_file_is_ignored_and_the_command_goes_on(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 16, finding 5: 400 KB of ``[`` in ``sources.json`` was a RecursionError."""
    import io

    from claude_meter.cli import main

    choice_path().parent.mkdir(parents=True, exist_ok=True)
    choice_path().write_bytes(b"[" * 400_000)
    out = io.StringIO()
    assert main(argv, stdout=out) == 0
    json.loads(out.getvalue())
    assert "Traceback" not in capsys.readouterr().err
    assert load_choice()[1] is not None  # said so, with what to do
