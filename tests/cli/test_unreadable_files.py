"""Files a person cannot read, made so for real with chmod 000.

Root reads every file whatever its mode, so when the tests run as root the commands run as
``nobody`` (``setpriv``), in a home of nobody's own. Each command must say what is wrong and
what to do on one line, keep the numbers it can, leave the person's file as it is, and never
print a traceback.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from claude_meter.fake import FakeClaude
from tests.conftest import TEST_SESSION_KEY
from tests.support.tools import require_tool


@dataclass
class Person:
    """A home of one unprivileged person and the real command line run as them."""

    home: Path
    env: dict[str, str]
    prefix: list[str]
    uid: int

    def file(self, relative: str, text: str) -> Path:
        path = self.home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        for made in (path, *path.relative_to(self.home).parents):
            os.chown(self.home / made, self.uid, -1)
        return path

    def run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, sys.executable, "-m", "claude_meter", *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def person(fake_server: FakeClaude) -> Iterator[Person]:
    prefix: list[str] = []
    uid = os.geteuid()
    if uid == 0:
        nobody = pwd.getpwnam("nobody")
        uid = nobody.pw_uid
        prefix = [
            require_tool("setpriv", "util-linux"),
            f"--reuid={nobody.pw_uid}",
            f"--regid={nobody.pw_gid}",
            "--clear-groups",
        ]
    top = Path(tempfile.mkdtemp(prefix="claude-meter-person-"))  # not under root's 0700 tmp
    try:
        home, runtime = top / "home", top / "run"
        for folder in (home, runtime):
            folder.mkdir(mode=0o700)
            os.chown(folder, uid, -1)
        os.chmod(top, 0o755)  # noqa: S103 - the person (nobody) must reach their home in it
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(runtime),
            "CLAUDE_METER_BASE_URL": fake_server.base_url,
            "CLAUDE_METER_OAUTH_BASE_URL": fake_server.base_url,
            "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        yield Person(home, env, prefix, uid)
    finally:
        shutil.rmtree(top)


SETTINGS = ".config/claude-meter/settings.json"


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_an_unreadable_settings_file_is_said_and_never_saved_over(person: Person) -> None:
    """``accounts rename`` read the defaults in its place and saved them over it: the
    person's settings (here a threshold of 50 %) were gone."""
    settings = person.file(SETTINGS, '{"thresholds": [50]}')
    settings.chmod(0)
    said = (
        f"{settings} cannot be read (Permission denied), so it was left as it is: make it "
        "readable again (or remove it), then try again."
    )
    for change in (
        ["accounts", "rename", "Default", "Me"],
        ["accounts", "add", "Work", "--extension"],
        ["accounts", "remove", "Default"],
    ):
        done = person.run(*change)
        assert done.returncode == 1
        assert one_line(done.stderr) == f"claude-meter: nothing was changed: {said}"
    status = person.run("status")
    assert status.returncode == 0
    assert "Session (5h)" in status.stdout  # the numbers, on the defaults
    assert "Permission denied" in one_line(status.stderr)
    listed = person.run("accounts")
    assert listed.returncode == 0
    assert "make it readable again (or remove it)" in one_line(listed.stderr)
    settings.chmod(0o600)
    assert settings.read_text() == '{"thresholds": [50]}'
    assert sorted(p.name for p in settings.parent.iterdir()) == ["settings.json"]


def test_an_unreadable_history_says_why_and_what_to_do(person: Person) -> None:
    """SQLite's "unable to open database file" said neither why nor what to do."""
    first = person.run("status")
    assert first.returncode == 0, first.stderr
    history = person.home / ".local/share/claude-meter/history.sqlite3"
    history.chmod(0)
    said = (
        f"{history} cannot be opened (Permission denied): make it readable and writable for "
        "you, or move it away to start a new history"
    )
    done = person.run("history")
    assert done.returncode == 1
    assert one_line(done.stderr) == f"claude-meter: the usage history cannot be read: {said}"
    status = person.run("status")
    assert status.returncode == 0
    assert "Session (5h)" in status.stdout
    assert one_line(status.stderr) == (
        f"claude-meter: usage history unavailable, so no forecast: {said}"
    )
    assert history.stat().st_size > 0
    assert list(history.parent.glob("*.corrupt-*")) == []  # not taken for a corrupt one


def test_a_read_only_home_keeps_the_numbers_and_says_where(person: Person) -> None:
    """``[Errno 13] Permission denied: '/home/.local'``: Python's words, not the person's."""
    person.home.chmod(0o555)
    done = person.run("status")
    assert done.returncode == 0
    assert "Session (5h)" in done.stdout
    assert "Traceback" not in done.stderr
    assert "[Errno" not in done.stderr
    assert (
        f"claude-meter: could not store the last readings ({person.home}/.local: Permission "
        "denied): they need a folder there that you can write to"
    ) in done.stderr
    assert (
        f"claude-meter: usage history unavailable, so no forecast: cannot create "
        f"{person.home}/.local/share/claude-meter ({person.home}/.local: Permission denied)"
    ) in done.stderr


def test_a_damaged_history_that_cannot_be_moved_aside_keeps_the_numbers(person: Person) -> None:
    """A damaged file in a read-only folder: its rename failed, and `status` stopped before
    printing the numbers (the tray did not start at all)."""
    history = person.file(".local/share/claude-meter/history.sqlite3", "not SQLite\n" * 500)
    history.parent.chmod(0o555)
    said = (
        f"{history} is damaged (file is not a database) and could not be moved aside "
        "(Permission denied): move it away yourself, or make its folder writable for you, to "
        "start a new history"
    )
    status = person.run("status")
    assert status.returncode == 0
    assert "Session (5h)" in status.stdout
    assert one_line(status.stderr) == (
        f"claude-meter: usage history unavailable, so no forecast: {said}"
    )
    done = person.run("history")
    assert done.returncode == 1
    assert one_line(done.stderr) == f"claude-meter: the usage history cannot be read: {said}"
    assert history.read_text() == "not SQLite\n" * 500


def test_a_history_in_a_read_only_folder_or_file_can_be_looked_at(person: Person) -> None:
    """A read-only snapshot or backup of the history: ``history`` opened it to write, and
    SQLite refused ("attempt to write a readonly database")."""
    first = person.run("status")
    assert first.returncode == 0, first.stderr
    history = person.home / ".local/share/claude-meter/history.sqlite3"
    history.chmod(0o444)
    done = person.run("history", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert [row["percent"] for row in json.loads(done.stdout)][:2] == [37.0, 64.0]
    for aside in history.parent.glob("history.sqlite3-*"):  # a backup holds the file alone
        assert aside.stat().st_size == 0 or aside.name.endswith("-shm")
        aside.unlink()
    history.parent.chmod(0o555)
    for argv in (["history"], ["history", "--walls"], ["accounts"]):
        done = person.run(*argv)
        assert (done.returncode, done.stderr) == (0, ""), argv
    assert "Session (5h)" in person.run("history").stdout
    history.chmod(0o644)
    history.parent.chmod(0o755)
    status = person.run("status")  # the person's own copy is written again
    assert (status.returncode, status.stderr) == (0, "")


def test_a_read_only_snapshot_shows_the_readings_still_in_its_write_ahead_log(
    person: Person, tmp_path: Path
) -> None:
    """A copy taken while the tray ran holds its newest readings in ``history.sqlite3-wal``
    (a backup tool copies it, not the shared-memory file): in a read-only folder SQLite could
    only read the file as unchanging, which leaves them out (here: every table)."""
    import sqlite3

    from claude_meter.history import HistoryStore
    from tests.history.support import T0, snapshot

    running = HistoryStore.open(tmp_path / "history.sqlite3")
    running.record(snapshot(T0, 10.0))
    holder = sqlite3.connect(running.path)  # keeps the log from being folded in on close
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("SELECT count(*) FROM sample").fetchone()
    running.close()
    snap = person.home / ".local/share/claude-meter"
    snap.mkdir(parents=True)
    for name in ("history.sqlite3", "history.sqlite3-wal"):
        shutil.copyfile(tmp_path / name, snap / name)
    holder.close()
    assert (snap / "history.sqlite3-wal").stat().st_size > 0
    for made in (snap / "history.sqlite3", snap / "history.sqlite3-wal", snap, snap.parent):
        os.chown(made, person.uid, -1)
    os.chown(snap.parent.parent, person.uid, -1)
    snap.chmod(0o555)
    done = person.run("history", "--json", "--since", "36500d")
    assert (done.returncode, done.stderr) == (0, "")
    assert [row["percent"] for row in json.loads(done.stdout)] == [10.0, 40.0]
    assert sorted(p.name for p in snap.iterdir()) == ["history.sqlite3", "history.sqlite3-wal"]
