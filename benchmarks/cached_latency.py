"""How long the zero-request commands take, start to exit: `claude-meter statusline` and
`claude-meter status --cached`, and what they import.

Method: a throwaway home whose last-readings file holds a statusline reading and a claude.ai
reading (per-model windows, extra usage) of one account, as after a day's use. Each command
runs as a fresh process through the installed ``claude-meter`` entry point, N times (50 by
default) after one warm-up run that fills the bytecode cache, with the payload Claude Code
sends (``rate_limits`` with both windows) on standard input for ``statusline`` (which also
writes its reading: lock, merge, atomic replace, every run) and ``--format waybar`` for
``status --cached``. Reported: median and 95th percentile wall time, next to the floor of
the same interpreter starting and exiting (``python -c pass``, same number of runs). The
import profile is ``PYTHONPROFILEIMPORTTIME=1`` on one run of each: the ten slowest imports
(cumulative) and whether msgspec (so the app's models), httpx, keyring, PySide6, sqlite3 or
platformdirs loaded.
For the choice of a JSON file over the history database, the same method times a process
that reads the file (``json``) against one that opens the SQLite history and reads a row.

The status line again with the most accounts the settings allow (8 named accounts, 4 of them
Claude Code sign-ins with their own folders, ``CLAUDE_CONFIG_DIR`` set to the last one's): it
reads ``settings.json`` once more to find its account (issue 18), with the standard library.
Its runs alternate with runs of the plain status line (one of each in turn, N of each), so a
load that comes and goes on the machine weighs on both alike; the difference of the two
medians is what the accounts cost.

Run: ``.venv/bin/python benchmarks/cached_latency.py [--runs 50]``. Targets (issue 17):
statusline median ≤ 50 ms, ``status --cached`` median ≤ 60 ms, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.results import Row, measure_as_installed, record
from benchmarks.status_latency import command
from claude_meter.readings.store import iso
from claude_meter.readings.store import record as store_record

measure_as_installed()

TARGETS = {"statusline": 0.050, "status --cached": 0.060, "statusline, 8 accounts": 0.050}
QUERY = "select * from r"
HEAVY = ("msgspec", "httpx", "keyring", "PySide6", "sqlite3", "platformdirs")


def _payload() -> bytes:
    now = int(time.time())
    limits = {
        "five_hour": {"used_percentage": 37.0, "resets_at": now + 7800},
        "seven_day": {"used_percentage": 64.0, "resets_at": now + 300000},
    }
    return json.dumps({"model": {"display_name": "Opus"}, "rate_limits": limits}).encode()


def _seed(home: str) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    windows = [
        {"key": k, "label": k, "percent": p, "resets_at": iso(now)}
        for k, p in (("five_hour", 20), ("seven_day", 60), ("seven_day_opus", 12))
    ]
    entry = {
        "source": "web",
        "org_uuid": "org-a",
        "org_name": "Acme",
        "read_at": iso(now),
        "windows": windows,
        "extra_usage": {"percent": 25.0, "used_credits": 1250, "monthly_limit": 5000},
    }
    store_record([entry], now, Path(home) / "state" / "claude-meter" / "last-readings.json")
    claude = Path(home) / ".claude.json"
    claude.write_text(json.dumps({"oauthAccount": {"organizationUuid": "org-a"}}))


def _accounts(home: str) -> dict[str, str]:
    """Settings with eight named accounts; the environment of a status line run in the last
    Claude Code account's folder."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings, save_settings

    accounts = []
    for i in range(4):
        folder = Path(home) / f"claude-{i}"
        folder.mkdir()
        accounts.append(
            AccountRef(id=f"code-{i}", name=f"Code {i}", kind="claude-code", config_dir=str(folder))
        )
        accounts.append(
            AccountRef(id=f"ext-{i}", name=f"Ext {i}", kind="extension", profile=str(i))
        )
    config = Path(home) / "config-accounts"
    save_settings(Settings(accounts=tuple(accounts)), config / "claude-meter" / "settings.json")
    return {"XDG_CONFIG_HOME": str(config), "CLAUDE_CONFIG_DIR": str(Path(home) / "claude-3")}


def _times(argv: list[str], env: dict[str, str], runs: int, stdin: bytes = b"") -> list[float]:
    subprocess.run(argv, env=env, input=stdin, capture_output=True, check=True)  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, env=env, input=stdin, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return times


def _alternating(
    argv: list[str], env_a: dict[str, str], env_b: dict[str, str], runs: int, stdin: bytes
) -> tuple[list[float], list[float]]:
    """``argv`` in ``env_a`` and in ``env_b`` in turn, ``runs`` times each (after a warm-up)."""
    timed: tuple[list[float], list[float]] = ([], [])
    for env in (env_a, env_b):
        subprocess.run(argv, env=env, input=stdin, capture_output=True, check=True)
    for _ in range(runs):
        for env, times in zip((env_a, env_b), timed, strict=True):
            start = time.perf_counter()
            subprocess.run(argv, env=env, input=stdin, capture_output=True, check=False)
            times.append(time.perf_counter() - start)
    return timed


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[-1]


def _imports(argv: list[str], env: dict[str, str], stdin: bytes) -> tuple[list[str], list[str]]:
    done = subprocess.run(
        argv, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, input=stdin, capture_output=True
    )
    rows = []
    loaded = set()
    for line in done.stderr.decode().splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            rows.append((int(match.group(2)), match.group(4)))
            loaded.add(match.group(4).split(".")[0])
    slowest = [f"{us / 1000:6.1f} ms  {name}" for us, name in sorted(rows, reverse=True)[:10]]
    return slowest, sorted(loaded & set(HEAVY))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    lines: list[str] = []
    rows: list[Row] = []
    ok = True
    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "HOME": home,
            "XDG_STATE_HOME": f"{home}/state",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "NO_COLOR": "1",
        }
        env.pop("CLAUDE_CONFIG_DIR", None)
        _seed(home)
        floor = _times([sys.executable, "-c", "pass"], env, args.runs)
        lines.append(
            f"python -c pass (the floor), {args.runs} runs: median "
            f"{statistics.median(floor) * 1000:.1f} ms, p95 {_p95(floor) * 1000:.1f} ms"
        )
        rows.append(
            Row(
                "interpreter start and exit alone (`python -c pass`), median",
                "",
                f"{statistics.median(floor) * 1000:.0f} ms",
                None,
            )
        )
        many = {**env, **_accounts(home)}
        cases = {
            "statusline": ([*command(), "statusline"], _payload(), env),
            "status --cached": ([*command(), "status", "--cached", "--format", "waybar"], b"", env),
            "statusline, 8 accounts": ([*command(), "statusline"], _payload(), many),
        }
        plain, with_accounts = _alternating(
            [*command(), "statusline"], env, many, args.runs, _payload()
        )
        for name, (argv, stdin, case_env) in cases.items():
            if name == "statusline, 8 accounts":
                times = with_accounts
                cost = statistics.median(with_accounts) - statistics.median(plain)
                lines.append(
                    f"statusline without / with 8 accounts, alternating, {args.runs} runs each: "
                    f"medians {statistics.median(plain) * 1000:.1f} / "
                    f"{statistics.median(with_accounts) * 1000:.1f} ms "
                    f"(the accounts: {cost * 1000:+.1f} ms)"
                )
                rows.append(
                    Row(
                        "`statusline` with 8 accounts minus without, medians of alternating runs",
                        "",
                        f"{cost * 1000:+.1f} ms",
                        None,
                    )
                )
            else:
                times = _times(argv, case_env, args.runs, stdin)
            median, p95 = statistics.median(times), _p95(times)
            target = TARGETS[name]
            met = median <= target
            ok = ok and met
            slowest, heavy = _imports(argv, case_env, stdin)
            lines += [
                f"claude-meter {name}, {args.runs} runs: median {median * 1000:.1f} ms, "
                f"p95 {p95 * 1000:.1f} ms (target median {target * 1000:.0f} ms: "
                f"{'met' if met else 'NOT met'})",
                f"  heavy packages loaded: {', '.join(heavy) or 'none'}",
                "  slowest imports (cumulative):",
                *[f"    {s}" for s in slowest],
            ]
            rows += [
                Row(
                    f"`{name}`, whole process, median of {args.runs}",
                    f"≤ {target * 1000:.0f} ms",
                    f"{median * 1000:.0f} ms",
                    met,
                ),
                Row(f"`{name}`, 95th percentile", "", f"{p95 * 1000:.0f} ms", None),
                Row(
                    f"`{name}` loads the models/httpx/keyring/Qt",
                    "none",
                    ", ".join(heavy) or "none",
                    not heavy,
                ),
            ]
        db = Path(home) / "history.sqlite3"
        with sqlite3.connect(db) as connection:
            connection.execute("create table r (org, window, percent, at)")
            connection.execute("insert into r values ('org-a', 'five_hour', 37, 0)")
        store = Path(home) / "state" / "claude-meter" / "last-readings.json"
        file_read = _times(
            [sys.executable, "-c", f"import json; json.load(open({str(store)!r}))"], env, args.runs
        )
        db_read = _times(
            [
                sys.executable,
                "-c",
                f"import sqlite3; sqlite3.connect({str(db)!r}).execute({QUERY!r}).fetchall()",
            ],
            env,
            args.runs,
        )
        lines.append(
            f"read the JSON file: median {statistics.median(file_read) * 1000:.1f} ms; "
            f"open SQLite and read a row: median {statistics.median(db_read) * 1000:.1f} ms"
        )
        rows.append(
            Row(
                "a process reading the JSON file / the SQLite history, median",
                "",
                f"{statistics.median(file_read) * 1000:.0f} ms / "
                f"{statistics.median(db_read) * 1000:.0f} ms",
                None,
            )
        )
    output = "\n".join(lines)
    print(output)
    record("cached_latency", rows, output)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
