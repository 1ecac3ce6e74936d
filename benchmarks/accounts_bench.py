"""The tray with 1, 2 and 4 accounts: CPU per poll, memory, and requests per poll.

Method. The fake claude.ai serves four accounts side by side, its ``rising`` scenario 1,000 s
in so that the numbers keep moving and the poll interval is never stretched by the
quiet-stretch rule (``fake_accounts(4)``: the
ready-made Personal with a console and a Max organization, Work and Side with one each, and
``extra4`` with one), in this script's process, so its work is not the app's and its request
log says which account each request belonged to. The real ``claude-meter`` tray runs as its
own process on the private X11 desktop of the end-to-end tests (Xvfb, a session D-Bus,
trayer, dunst, gnome-keyring's Secret Service), with a throwaway home per configuration:
the default account is Personal (its session in ``CLAUDE_METER_COOKIE``), and each further
account is added as a person would, ``claude-meter accounts add NAME --paste``, its session
in its own keyring entry (the tray reads each entry once, through its helper process, and
keeps it). Every account polls every --interval seconds (loopback only), each on its own
worker; the app logs "poll finished" for every poll of every account.

For N = 1, 2 and 4 accounts: after a warm-up of 40 polls per account, the CPU time of the
app (utime+stime from /proc, with its waited-for children) and the requests the fake
received are counted over --polls polls per account; CPU per poll is that CPU divided by all
the polls, and "per round" is one poll of every account. RSS (VmRSS) after the warm-up and
at the end. Requests per poll per organization divide the fake's requests by the polls and
by the organizations with usage windows the accounts have (a console-only organization has
none, and is never asked for usage): the organization list, the account and the extras are
asked again only every 30 minutes (``clients/web.py``), so the steady cost is one ``/usage``
request per organization per poll, whatever the number of accounts.

Run: ``.venv/bin/python benchmarks/accounts_bench.py``. Targets (issue 18): the tray's poll
cost stays one request per organization per poll; per-poll CPU within the single-account
tray's 20 ms target (issue 4); memory within 90 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop
from tests.e2e.processes import gnome_keyring

from benchmarks.results import Row, measure_as_installed, record
from benchmarks.tray_bench import App, cpu_seconds, rss_mb, rss_split
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import FakeAccount, fake_accounts

measure_as_installed()

BIN = Path(sys.executable).with_name("claude-meter")
NAMES = ("Personal", "Work", "Side", "Extra")


@dataclass(frozen=True)
class Run:
    accounts: int
    orgs: int  # organizations with usage windows, over the accounts
    rss0: float
    rss1: float
    split1: str
    polls: int
    per_poll_ms: float
    requests: int

    @property
    def per_round_ms(self) -> float:
        return self.per_poll_ms * self.accounts

    @property
    def per_org(self) -> float:
        """Requests per organization per poll of its account."""
        return self.requests / (self.polls / self.accounts) / self.orgs


def env_for(home: Path, server: FakeClaude, desktop_env: dict[str, str]) -> dict[str, str]:
    (home / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
    first = server.accounts[0]
    env = {k: v for k, v in desktop_env.items() if k != "PYTHON_KEYRING_BACKEND"}
    return {
        **env,
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={first.session_key}",
    }


def add(env: dict[str, str], name: str, account: FakeAccount) -> None:
    """``claude-meter accounts add NAME --paste``, as a person would."""
    done = subprocess.run(
        [str(BIN), "accounts", "add", name, "--paste"],
        input=f"sessionKey={account.session_key}\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def measure(
    count: int, server: FakeClaude, desktop_env: dict[str, str], interval: float, polls: int
) -> Run:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        env = env_for(home, server, desktop_env)
        for name, account in zip(NAMES[1:count], server.accounts[1:count], strict=True):
            add(env, name, account)
        app = App(server.base_url, interval, env, str(home), keyring=True, extra_env=env)
        app.wait_for(lambda: app.polls >= 40 * count)
        pid = app.process.pid
        rss0, cpu0, polls0 = rss_mb(pid), cpu_seconds(pid), app.polls
        requests0 = len(server.request_log)
        app.wait_for(lambda: app.polls >= polls0 + polls * count)
        rss1, split1, cpu1, polls1 = rss_mb(pid), rss_split(pid), cpu_seconds(pid), app.polls
        requests = len(server.request_log) - requests0
        app.stop()
    used = server.accounts[:count]
    orgs = sum(sum(1 for org in a.orgs_in("rising") if org.usable) for a in used)
    done = polls1 - polls0
    return Run(count, orgs, rss0, rss1, split1, done, (cpu1 - cpu0) / done * 1000, requests)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=300, help="measured polls per account")
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    runs: list[Run] = []
    with contextlib.ExitStack() as stack:
        desktop = stack.enter_context(private_desktop())
        # ``rising`` 1,000 s in: numbers that keep moving, so the interval never stretches
        shift = [-1000.0]
        server = stack.enter_context(
            FakeClaude(
                "rising", accounts=fake_accounts(4), clock=lambda: time.monotonic() + shift[0]
            )
        )
        shift[0] = 0.0  # the scenario's clock started 1,000 s ago
        keyring_env = env_for(Path(stack.enter_context(tempfile.TemporaryDirectory())), server,
                              desktop.env)  # fmt: skip
        stack.enter_context(gnome_keyring(desktop.env["DBUS_SESSION_BUS_ADDRESS"], keyring_env))
        for count in (1, 2, 4):
            runs.append(measure(count, server, desktop.env, args.interval, args.polls))
        assert server.cross_account_requests() == []
    lines = []
    for run in runs:
        lines.append(
            f"{run.accounts} account(s), {run.orgs} organization(s) with usage: CPU per poll "
            f"{run.per_poll_ms:.1f} ms ({run.per_round_ms:.1f} ms per round of every account, "
            f"over {run.polls} polls); RSS {run.rss0:.1f} MB after the warm-up, {run.rss1:.1f} "
            f"MB at the end ({run.split1}); {run.requests} requests, "
            f"{run.per_org:.2f} per organization per poll"
        )
    output = "\n".join(lines)
    print(output)
    rows = []
    for run in runs:
        rows += [
            Row(
                f"tray with {run.accounts} account(s): CPU per poll (per round)",
                "≤ 20 ms per poll",
                f"{run.per_poll_ms:.1f} ms ({run.per_round_ms:.1f} ms)",
                run.per_poll_ms <= 20,
            ),
            Row(
                f"tray with {run.accounts} account(s): RSS after warm-up, at the end",
                "≤ 90 MB",
                f"{run.rss0:.1f} MB, {run.rss1:.1f} MB",
                max(run.rss0, run.rss1) <= 90,
            ),
            Row(
                f"tray with {run.accounts} account(s): requests per organization per poll",
                "1",
                f"{run.per_org:.2f}",
                run.per_org <= 1.01,
            ),
        ]
    record("accounts_bench", rows, output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
