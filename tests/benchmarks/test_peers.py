"""The pure parts of ``benchmarks/peers.py``: the ``sitecustomize`` that points a peer's process
at the fake server (run in a real child process against the real fake server over TLS), the
version overrides and the side-by-side table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from benchmarks.peer_setup import PEERS, credentials_json, sitecustomize_source, with_versions

from benchmarks import peer_table
from claude_meter.fake import DEFAULT_OAUTH_TOKEN, FakeClaude

#: What a peer does: urllib with the default context, to the real host name.
CALL = """
import json, sys, urllib.error, urllib.request
request = urllib.request.Request(sys.argv[1], headers={
    "Authorization": "Bearer " + sys.argv[2], "anthropic-beta": "oauth-2025-04-20"})
try:
    with urllib.request.urlopen(request, timeout=10) as answer:
        print(json.load(answer)["five_hour"]["utilization"])
except urllib.error.URLError as error:
    print("refused:", error.reason)
"""


def run_through_site(tmp_path: Path, server: FakeClaude, url: str) -> str:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    refused = tmp_path / "refused.txt"
    (site / "sitecustomize.py").write_text(
        sitecustomize_source(server.port, str(server.cert_path), str(refused))
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SSL_", "REQUESTS_"))}
    done = subprocess.run(
        [sys.executable, "-c", CALL, url, DEFAULT_OAUTH_TOKEN],
        env={**env, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_the_served_host_reaches_the_fake_server_over_verified_tls(tmp_path: Path) -> None:
    with FakeClaude("normal", tls=True) as server:
        said = run_through_site(tmp_path, server, "https://api.anthropic.com/api/oauth/usage")
        assert said == "37.0"
        assert [r.path for r in server.request_log] == ["/api/oauth/usage"]
        assert server.request_log[0].headers["Host"] == "api.anthropic.com"
    assert not (tmp_path / "refused.txt").exists()


def test_another_host_is_refused_before_any_connection_and_noted(tmp_path: Path) -> None:
    with FakeClaude("normal", tls=True) as server:
        said = run_through_site(tmp_path, server, "https://updates.example.org/latest")
        assert said.startswith("refused:")
        assert "refused by the benchmark" in said
        assert server.request_log == []
    assert (tmp_path / "refused.txt").read_text() == "updates.example.org\n"


def test_credentials_are_claude_codes_shape_and_not_expired() -> None:
    oauth = json.loads(credentials_json("token", now=1000.0))["claudeAiOauth"]
    assert oauth["accessToken"] == "token"
    assert oauth["expiresAt"] == (1000 + 86400) * 1000
    assert "user:profile" in oauth["scopes"]


def test_a_version_override_replaces_only_that_peer() -> None:
    peers = with_versions(["claude-usage-tray==9.9.9"])
    assert [p.version for p in peers if p.name == "claude-usage-tray"] == ["9.9.9"]
    assert [p for p in peers if p.name != "claude-usage-tray"] == [
        p for p in PEERS if p.name != "claude-usage-tray"
    ]
    with pytest.raises(SystemExit, match="NAME==VERSION"):
        with_versions(["not-a-peer==1.0"])


@dataclass
class Measured:
    name: str
    version: str = "1"
    shows: str = "a window"
    requests: bool = True
    failure: str | None = None
    cli: list[str] | None = field(default_factory=lambda: ["x"])
    cli_failure: str | None = None
    python: str = "3.11"
    starts: list[float] = field(default_factory=list)
    lower_bounds: list[float] = field(default_factory=list)
    rss_60: tuple[float, float, float] | None = None
    rss_600: tuple[float, float, float] | None = None
    idle_cpu: float | None = None
    idle_requests: int | None = None
    cli_times: list[float] = field(default_factory=list)
    cli_cpus: list[float] = field(default_factory=list)
    cli_requests: set[int] = field(default_factory=set)
    first_cli: tuple[float, int] | None = None
    refused_hosts: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"


def test_the_table_shows_every_program_a_failure_with_its_reason_and_the_ratios() -> None:
    ours = Measured("ClaudeMeter", starts=[0.3, 0.4, 0.5], rss_60=(80.0, 30.0, 50.0),
                    cli_times=[0.2], cli_cpus=[0.15], cli_requests={1})  # fmt: skip
    peer = Measured("peer", starts=[0.2, 0.2, 0.9], rss_60=(40.0, 20.0, 20.0), cli_times=[0.1],
                    cli_requests={0}, refused_hosts={"api.github.com"})  # fmt: skip
    broken = Measured("broken", failure="did not start: needs python3-cairo", cli=None)
    table = peer_table.render([ours, peer, broken], 3, 1, 300, long=False)
    lines = table.splitlines()
    assert lines[0] == "| | ClaudeMeter 1 | peer 1 | broken 1 |"
    assert (
        "| tray start, median of 3 | 0.40 s | 0.20 s | **did not start: needs python3-cairo** |"
        in lines
    )
    assert "| resident memory at 60 s | 80.0 MB (anon 30.0) | 40.0 MB (anon 20.0) | - |" in lines
    assert "| status CLI, median of 1 | 0.20 s, 1 request | 0.10 s, no request | no CLI |" in lines
    # the process's own CPU beside its wall time: a wall time far above it waited for the cores
    assert "| status CLI, its CPU (user + system), median | 0.15 s | - | - |" in lines
    assert "| other hosts it tried (refused) | none | api.github.com | none |" in lines
    assert not any(line.startswith("| resident memory at 10 min") for line in lines)
    assert "| tray start | 2.00 | - |" in lines
    assert "| resident memory at 60 s | 2.00 | - |" in lines
