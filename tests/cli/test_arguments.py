"""The command line's parser (:mod:`claude_meter.cli.arguments`): bad usage exits 1 with one
message, never 2 (the "sign in" status) nor a traceback; ports are ports; building it loads
none of a command's work."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.cli import main
from claude_meter.cli.arguments import USAGE_ERROR, build_parser
from claude_meter.fake.scenarios import SCENARIOS
from tests.support.fuzzing import budget


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "argv",
    [
        ["history", "--since", "999999999d"],
        ["history", "--since", "99999999999999999999d"],
        ["history", "--since", "0d"],
        ["fake-server", "--port", "99999"],
        ["fake-server", "--port", "-1"],
    ],
)
def test_out_of_range_arguments_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 1
    assert "error: argument" in capsys.readouterr().err


@pytest.mark.fuzz
@given(port=st.integers(-(10**6), 10**6) | st.text(max_size=8).map(lambda t: t or "x"))
@settings(max_examples=budget(ci=40, share=0.01), suppress_health_check=[HealthCheck.too_slow])
def test_any_port_argument_is_a_port_or_a_usage_error(port: int | str) -> None:
    from claude_meter.cli import build_parser

    parser = build_parser()
    try:
        args = parser.parse_args(["fake-server", "--port", str(port)])
    except SystemExit as exit_:
        code = exit_.code
    else:
        code = 0
        assert 0 <= args.port <= 65535
    assert code in (0, 1)


@pytest.mark.parametrize(
    "argv",
    [["status", "--source", "nope"], ["no-such-command"], ["history", "--since"], ["--nope"]],
)
def test_bad_usage_exits_1_with_the_usage_and_one_error_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == USAGE_ERROR == 1
    err = capsys.readouterr().err
    assert err.startswith("usage: claude-meter")
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith("claude-meter")
    assert "Traceback" not in err


def test_the_defaults_of_status_and_the_port_0_of_the_fake_server() -> None:
    args = build_parser().parse_args(["status"])
    assert (args.command, args.source, args.json, args.demo, args.scenario) == (
        "status",
        "auto",
        False,
        False,
        "normal",
    )
    assert build_parser().parse_args(["fake-server", "--port", "0"]).port == 0


def test_the_demo_help_names_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["status", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert all(name in text for name in SCENARIOS)


def test_building_the_parser_loads_no_command_s_work() -> None:
    code = (
        "import json, sys\n"
        "from claude_meter.cli.arguments import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    heavy = {"PySide6", "http.client", "keyring", "browser_cookie3", "sqlite3"}
    heavy |= {"claude_meter.fake.server", "claude_meter.fake.scenarios"}  # only their names
    assert loaded & heavy == set()
    assert not any(m.startswith(("claude_meter.clients", "claude_meter.qt")) for m in loaded)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["login", "--profile", "Work"], "--profile needs --browser"),
        (["login", "--paste", "--browser", "firefox"], "either --paste or --browser"),
        (["status", "--profile", "Work"], "--profile needs --browser"),
        (["status", "--max-age", "5m"], "--format and --max-age go with --cached"),
        (["bridge", "--pair", "--forget"], "either --pair or --forget, not both"),
    ],
)
def test_a_mistake_found_after_parsing_comes_with_its_commands_usage(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not the top-level usage (``claude-meter [-h] ... COMMAND ...``), which says nothing
    about the option that was wrong; and ``status --profile`` alone is refused, not ignored."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == USAGE_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"usage: claude-meter {argv[0]} ")
    assert f"claude-meter {argv[0]}: error: {message}" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["status", "--json", "--source", "claude-code"],
        ["--debug", "status", "--cached", "--format", "waybar", "--max-age", "90m"],
        ["statusline", "--format", "{session}"],
        ["history", "--since", "2h", "--csv", "--account", "Work"],
        ["login", "--browser", "chrome", "--profile", "Work"],
        ["logout"],
        ["sources", "--json"],
        ["accounts", "add", "Work", "--claude-config", "/tmp/work"],
        ["accounts", "rename", "Work", "Job"],
        ["autostart", "on"],
        ["bridge", "--port", "9000"],
        ["extension-path"],
        ["fake-server", "--tls", "--accounts", "3"],
    ],
)
def test_a_parser_built_for_its_command_reads_it_as_the_whole_parser_does(
    argv: list[str],
) -> None:
    command = next(word for word in argv if not word.startswith("-"))
    assert vars(build_parser(command).parse_args(argv)) == vars(build_parser().parse_args(argv))


def test_a_parser_built_for_one_command_still_lists_and_refuses_the_same() -> None:
    whole, for_status = build_parser(), build_parser("status")
    assert for_status.format_help() == whole.format_help()
    for parser in (whole, for_status):
        with pytest.raises(SystemExit) as exit_:
            parser.parse_args(["stauts"])
        assert exit_.value.code == USAGE_ERROR
