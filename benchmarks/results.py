"""Where each benchmark leaves its figures: ``benchmarks/results/<name>.json``.

Every script in ``benchmarks/`` prints its figures and also records them here, with the date,
the command line and the machine; ``benchmarks/report.py`` turns the recorded files into
``docs/benchmarks.md``. Rerunning one script and then the report updates that section only.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "results"


def _load_average() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else 0.0


#: The load average when the benchmark started: every script imports this module before it
#: measures anything. (It was read in :func:`record`, at the end of the run, and reported as
#: the load "when it started".)
LOAD_AT_START = _load_average()


@dataclass(frozen=True)
class Row:
    """One figure: what, the target from the issues ("" when none), what was measured, and
    whether the target is met (None: no target)."""

    figure: str
    target: str
    measured: str
    met: bool | None


def measure_as_installed() -> None:
    """Let the processes a benchmark starts keep their bytecode cache, as an installed app does
    (pip compiles at install): a shell with ``PYTHONDONTWRITEBYTECODE`` set would make every
    run compile every module from source."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_before": LOAD_AT_START,
        "load_after": _load_average(),
    }


def record(
    name: str,
    rows: list[Row],
    output: str,
    *,
    folder: Path = FOLDER,
    extra: dict[str, object] | None = None,
) -> Path:
    """Write the figures of ``benchmarks/<name>.py`` for the report; returns the file.

    ``extra``: more to keep, e.g. ``{"markdown": ...}``, a table the report shows as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    data = {
        "script": f"benchmarks/{name}.py",
        "command": " ".join([f"benchmarks/{name}.py", *sys.argv[1:]]),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "rows": [asdict(row) for row in rows],
        "output": output,
        **(extra or {}),
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load(name: str, *, folder: Path = FOLDER) -> dict[str, object] | None:
    path = folder / f"{name}.json"
    if not path.exists():
        return None
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
