"""``claude-meter bridge`` and ``claude-meter extension-path`` as real processes."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import msgspec

from claude_meter.bridge import Pairing
from claude_meter.cli import main
from tests.bridge.support import EXTENSION, Bridge, Clock, good_post
from tests.e2e.processes import wait_until

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_extension_path_prints_the_folder_to_load() -> None:
    out = io.StringIO()
    assert main(["extension-path"], stdout=out) == 0
    folder = Path(out.getvalue().strip())
    assert folder == ROOT / "extension"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3


class _Server:
    """Enough of BridgeServer for the test client: the port of the process under test."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.counts: dict[str, int] = {}


def test_bridge_prints_each_accepted_snapshot_as_one_json_line(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with (tmp_path / "err").open("wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "claude_meter", "bridge", "--pair", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=err_file,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
    try:
        wait_until(lambda: b"pairing is open" in (tmp_path / "err").read_bytes(), 30, "the bridge")
        client = Bridge(_Server(port), Pairing(), Clock())  # type: ignore[arg-type]
        token = client.pair(EXTENSION)
        assert client.post(good_post(), token).status == 200
        assert client.post(good_post(), "wrong").status == 401
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0  # SIGTERM is a clean stop
    data = json.loads(line)
    assert set(data) == {"fetched_at", "source", "organizations", "worst", "error", "account"}
    assert data["account"] == {"id": "default", "name": "Default"}
    assert data["source"] == "extension"
    assert data["worst"]["percent"] == 64.0
    assert data["organizations"][0]["windows"][0]["forecast"] == {
        "percent_at_reset": None,
        "wall_at": None,
        "fast_burn": None,
    }
    err = (tmp_path / "err").read_text()
    assert f"paired {EXTENSION}" in err
    assert "refused /snapshots (401)" in err
    assert token not in line + err


def test_each_line_names_the_account_its_browser_profile_is_for(tmp_path: Path) -> None:
    """The settings' extension accounts, read again when they change while it runs."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings, save_settings

    work = AccountRef(id="work", name="Work", kind="extension", profile="Work")
    save_settings(Settings(accounts=(work,)))
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with (tmp_path / "err").open("wb") as err_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "claude_meter", "bridge", "--pair", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=err_file,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
    lines: list[dict[str, object]] = []
    try:
        wait_until(lambda: b"pairing is open" in (tmp_path / "err").read_bytes(), 30, "the bridge")
        client = Bridge(_Server(port), Pairing(), Clock())  # type: ignore[arg-type]
        token = client.pair(EXTENSION)
        assert proc.stdout is not None
        for profile in ("Work", "Laptop", None):
            post = {**good_post(), "profile": profile, "account": None}
            assert client.post(post, token).status == 200
            lines.append(json.loads(proc.stdout.readline()))
        save_settings(Settings(accounts=(msgspec.structs.replace(work, name="Job"),)))
        assert client.post({**good_post(), "profile": "work"}, token).status == 200
        lines.append(json.loads(proc.stdout.readline()))
        assert client.post({**good_post(), "profile": "Work\u0000"}, token).status == 400
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert [line["account"] for line in lines] == [
        {"id": "work", "name": "Work"},
        {"id": "default", "name": "Default"},  # a label no account has
        {"id": "default", "name": "Default"},
        {"id": "work", "name": "Job"},  # renamed while the bridge ran
    ]
    assert "refused /snapshots (400)" in (tmp_path / "err").read_text()


def test_a_taken_port_exits_1_with_what_to_do() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "claude_meter", "bridge", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""


def test_forget_and_bad_ports() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "bridge", "--forget"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0
    assert "Forgot 0 paired browser extensions" in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "claude_meter", "bridge", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 1
    assert "not a port" in bad.stderr
