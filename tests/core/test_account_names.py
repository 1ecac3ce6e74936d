"""What an account is called where its history is shown: for a person, for a script."""

from __future__ import annotations

import subprocess
import sys

from claude_meter.core.account_names import script_name, shown_name
from claude_meter.core.accounts import shown_name as reexported

NAMES = {None: "Home", "work": "Work"}


def test_a_person_reads_the_names_of_now_and_removed_accounts_said_as_such() -> None:
    assert shown_name(NAMES, "work") == "Work"
    assert shown_name(NAMES, None) == "Home"
    assert shown_name(NAMES, "side") == "Removed account (side)"
    assert shown_name({}, None) == "Default"
    assert reexported is shown_name  # the History window's import


def test_a_script_keeps_the_id_of_a_removed_account() -> None:
    assert script_name(NAMES, "work") == "Work"
    assert script_name(NAMES, None) == "Home"
    assert script_name(NAMES, "side") == "side"
    assert script_name({}, None) == "Default"


def test_it_loads_without_the_models() -> None:
    probe = "import sys, claude_meter.core.account_names; print('msgspec' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
