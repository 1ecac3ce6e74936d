"""The demo's parts of the composition: how many accounts it is asked for."""

from __future__ import annotations

import pytest

from claude_meter.core.errors import ConfigurationError
from claude_meter.qt.demo_parts import demo_accounts


@pytest.mark.parametrize(("text", "count"), [(None, 1), ("", 1), ("1", 1), ("4", 4), ("8", 8)])
def test_the_number_of_demo_accounts(text: str | None, count: int) -> None:
    env = {} if text is None else {"CLAUDE_METER_DEMO_ACCOUNTS": text}
    assert demo_accounts(env) == count


@pytest.mark.parametrize("text", ["two", "-1", "2.5", " 3"])
def test_a_number_of_demo_accounts_that_is_not_one_is_said(text: str) -> None:
    with pytest.raises(ConfigurationError, match="a number of accounts, 1 to 8"):
        demo_accounts({"CLAUDE_METER_DEMO_ACCOUNTS": text})
