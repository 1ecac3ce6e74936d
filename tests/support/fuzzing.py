"""Hypothesis profiles for every property test, and where Hypothesis keeps its files.

``tests/conftest.py`` imports this module, so the profile is chosen once for the whole run
from ``HYPOTHESIS_PROFILE``:

- ``ci`` (the default, used by ``scripts/test`` and CI): a modest budget, derandomized (the
  examples are a function of the test, so a failure in CI fails the same way on a laptop)
  and with no example database;
- ``fuzz`` (``scripts/fuzz``, by hand, not in CI): the long run, :data:`FUZZ_EXAMPLES`
  examples per test (``CLAUDE_METER_FUZZ_EXAMPLES`` overrides), random, with the example
  database so a failure found once is replayed first on the next run.

Hypothesis keeps its files (example database, caches) under ``HYPOTHESIS_STORAGE_DIRECTORY``;
unless that is set, this module points it at a per-user cache folder outside the repository,
so no run writes ``.hypothesis/`` into the working tree (``.gitignore`` lists it as well, for
runs that bypass the conftest).

Tests that may be fuzzed are marked ``fuzz`` (``pytestmark = pytest.mark.fuzz``), which is
how ``scripts/fuzz`` selects them. A test whose examples are expensive (real sockets, files,
big generated values) asks for a smaller budget with ``@settings(max_examples=budget(...))``:
fewer examples in CI, a share of the full count in the long run.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import platformdirs
from hypothesis import HealthCheck, settings

CI_EXAMPLES: Final = 200
FUZZ_EXAMPLES: Final = int(os.environ.get("CLAUDE_METER_FUZZ_EXAMPLES") or 20_000)
PROFILE: Final = os.environ.get("HYPOTHESIS_PROFILE") or "ci"


def storage_directory() -> Path:
    """Where Hypothesis keeps its files: never inside the repository."""
    chosen = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    if chosen:
        return Path(chosen)
    return platformdirs.user_cache_path("claude-meter-tests") / "hypothesis"


# Read by Hypothesis the first time it touches disk, which is after the conftest is imported.
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(storage_directory())

settings.register_profile(
    "ci",
    max_examples=CI_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
)
settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    print_blob=True,
    # Long runs meet big inputs and a busy machine; neither is a finding.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(PROFILE)


def budget(*, ci: int | None = None, share: float = 1.0) -> int:
    """``max_examples`` for a test that costs more per example than most.

    In CI: ``ci`` (at most the profile's count). When fuzzing: ``share`` of
    :data:`FUZZ_EXAMPLES`, so the long run stays within about 25 minutes on two cores while
    cheap tests get the full count.
    """
    if PROFILE == "fuzz":
        return max(1, round(FUZZ_EXAMPLES * share))
    current = settings().max_examples
    return current if ci is None else min(ci, current)
