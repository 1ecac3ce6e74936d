"""The options of ``status --cached``: the same on the quick parser and on the full one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from claude_meter.cli.arguments import build_parser
from claude_meter.cli.cached_options import FORMATS, quick_parser


@pytest.mark.parametrize("form", FORMATS)
def test_both_parsers_take_every_format_and_a_maximum_age(form: str) -> None:
    argv = ["--cached", "--format", form, "--max-age", "90m", "--account", "Work"]
    quick = quick_parser().parse_args(argv)
    full = build_parser().parse_args(["status", *argv])
    for args in (quick, full):
        assert (args.cached, args.format, args.account) == (True, form, "Work")
        assert args.max_age == timedelta(minutes=90)


@pytest.mark.parametrize("argv", [["--format", "html"], ["--max-age", "soon"]])
def test_a_bad_value_is_a_usage_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        quick_parser().parse_args(["--cached", *argv])
    assert exited.value.code == 1


def test_json_is_the_quick_parser_s_short_form() -> None:
    assert quick_parser().parse_args(["--json"]).json
