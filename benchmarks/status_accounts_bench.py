"""`claude-meter status --json` with one, two and three accounts: time and requests per call.

Method: start the fake claude.ai serving three accounts (``fake/accounts.py``: Ada's
personal account with one plan organization, her work Team, Grace's Pro) on loopback in this
process. Three throwaway homes: one with the default account only (its session in a keyring
kept in a file shared by the processes, ``tests.sources.memory_keyring.FileKeyring``), one
with a named account added (a pasted session in its own keyring entry), one with two (the
third read from a real Chromium profile's cookie database). After one warm-up run per home
(it fills the bytecode cache and each account's remembered organization list), the three are
run in turn, N rounds, so the machine's load falls alike on each; each run is a whole process
(``claude-meter status --json``), timed from start to exit. The requests each run made come
from the fake server's request log: with the organization lists known, one ``/usage`` per
organization, so one per account here.

Run: ``.venv/bin/python benchmarks/status_accounts_bench.py [--runs 15]``. Target (issue 18):
no more than one request per organization per call; the time grows by one account's requests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.results import Row, measure_as_installed, record
from benchmarks.status_latency import command
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, THIRD_ACCOUNT, WORK_ACCOUNT

measure_as_installed()


def home_for(root: Path, accounts: int, base_url: str) -> dict[str, str]:
    """A home with the default account and ``accounts - 1`` named ones; its environment."""
    from tests.sources.profiles import chromium_profile

    root.mkdir()
    env = {
        **os.environ,
        "HOME": str(root),
        "XDG_DATA_HOME": f"{root}/data",
        "XDG_CONFIG_HOME": f"{root}/config",
        "XDG_STATE_HOME": f"{root}/state",
        "XDG_CACHE_HOME": f"{root}/cache",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
        "PYTHON_KEYRING_BACKEND": "tests.sources.memory_keyring.FileKeyring",
        "CLAUDE_METER_TEST_KEYRING": f"{root}/keyring.json",
        "CLAUDE_METER_BASE_URL": base_url,
    }
    run = [*command()]
    pasted = f"sessionKey={PERSONAL_ACCOUNT.session_key}"
    subprocess.run([*run, "login", "--paste"], input=pasted, env=env, text=True, check=True,
                   capture_output=True)  # fmt: skip
    if accounts >= 2:
        pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
        subprocess.run([*run, "accounts", "add", "Work", "--paste"], input=pasted, env=env,
                       text=True, check=True, capture_output=True)  # fmt: skip
    if accounts >= 3:
        cookies = {"sessionKey": THIRD_ACCOUNT.session_key}
        chromium_profile(root / ".config/chromium", "Default", cookies)
        subprocess.run([*run, "accounts", "add", "Side", "--browser", "chromium"], env=env,
                       text=True, check=True, capture_output=True)  # fmt: skip
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    counts = (1, 2, 3)
    served = (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)
    with (
        FakeClaude("normal", accounts=served).start() as server,
        tempfile.TemporaryDirectory() as tmp,
    ):
        envs = {n: home_for(Path(tmp, f"home{n}"), n, server.base_url) for n in counts}
        argv = [*command(), "status", "--json"]
        for env in envs.values():  # warm-up: bytecode, each account's organization list
            subprocess.run(argv, env=env, capture_output=True, check=False)
        times: dict[int, list[float]] = {n: [] for n in counts}
        requests: dict[int, set[int]] = {n: set() for n in counts}
        for _ in range(args.runs):
            for n in counts:
                server.request_log.clear()
                start = time.perf_counter()
                subprocess.run(argv, env=envs[n], capture_output=True, check=True)
                times[n].append(time.perf_counter() - start)
                requests[n].add(len(server.request_log))
        crossed = len(server.cross_account_requests())
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    lines = [f"claude-meter status --json, {args.runs} rounds, load {load:.1f} after:"]
    for n in counts:
        lines.append(
            f"  {n} account(s): median {statistics.median(times[n]):.3f} s, worst "
            f"{max(times[n]):.3f} s; requests per run: {sorted(requests[n])}"
        )
    lines.append(f"requests mixing two accounts: {crossed}")
    output = "\n".join(lines)
    print(output)
    rows = [
        Row(
            f"`status --json`, {n} account{'s' if n > 1 else ''}, median of {args.runs}",
            "-",
            f"{statistics.median(times[n]):.2f} s",
            None,
        )
        for n in counts
    ]
    rows.append(
        Row(
            "`status --json` with 3 accounts, requests per call (organization lists known)",
            "one per organization (3)",
            ", ".join(map(str, sorted(requests[3]))),
            requests[3] == {3} and crossed == 0,
        )
    )
    record("status_accounts_bench", rows, output)
    return 0 if requests == {1: {1}, 2: {2}, 3: {3}} and crossed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
