"""The scenario names stand alone: the help lists them without loading what they serve."""

from __future__ import annotations

import json
import subprocess
import sys

from claude_meter.fake import names
from claude_meter.fake import scenarios as sc


def test_the_names_are_the_scenarios_the_fake_serves() -> None:
    assert sc.SCENARIOS is names.SCENARIOS
    assert len(set(names.SCENARIOS)) == len(names.SCENARIOS) > 0
    assert names.SCENARIOS[0] == "normal"  # the default of --scenario


def test_reading_the_names_loads_neither_the_data_nor_the_server() -> None:
    code = (
        "import json, sys\n"
        "from claude_meter.fake.names import SCENARIOS\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert {"claude_meter.fake.scenarios", "claude_meter.fake.server", "random"} & loaded == set()
