"""The release workflow cannot run here: check its structure, and that the manifests it fills
(Homebrew cask, winget) get every placeholder they hold."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.packaging import packaging_script

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


release = packaging_script("release")


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text())
    assert isinstance(data, dict)
    return data


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", "")) for step in job["steps"])


def test_triggers(workflow: dict[Any, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(triggers, dict)
    assert triggers["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in triggers


def test_build_matrix_covers_three_systems(workflow: dict[Any, Any]) -> None:
    build = workflow["jobs"]["build"]
    assert build["runs-on"] == "${{ matrix.os }}"
    systems = {entry["os"].split("-")[0] for entry in build["strategy"]["matrix"]["include"]}
    assert systems == {"ubuntu", "macos", "windows"}
    text = steps_text(build)
    assert "bash packaging/build-linux" in text
    assert "bash packaging/smoke-linux" in text
    assert text.count("packaging/claude-meter.spec") == 2  # macOS and Windows
    assert "actions/upload-artifact@v4" in text
    for step in build["steps"]:
        assert set(step) <= {"name", "id", "if", "uses", "with", "run", "env", "shell"}, step


def test_release_job(workflow: dict[Any, Any]) -> None:
    job = workflow["jobs"]["release"]
    assert job["needs"] == "build"
    assert job["if"].startswith("startsWith(github.ref, 'refs/tags/v')")
    assert job["permissions"] == {"contents": "write"}
    assert workflow["permissions"] == {"contents": "read"}
    text = steps_text(job)
    assert "actions/download-artifact@v4" in text
    assert "packaging/release.py fill" in text
    assert "gh release create" in text


def test_workflow_fills_every_placeholder(workflow: dict[Any, Any]) -> None:
    text = steps_text(workflow["jobs"]["release"])
    artifacts = re.findall(r'--artifact "([a-z0-9-]+)=', text)
    supplied = set(release.release_values("1.2.3", "o/n", dict.fromkeys(artifacts, "0")))
    needed: set[str] = set()
    for template in release.templates():
        needed |= release.placeholders(template.read_text())
    assert needed, "the templates hold placeholders"
    assert needed <= supplied, f"the workflow never fills {needed - supplied}"
    # the artifact names the workflow hashes are the ones the build job writes
    build = steps_text(workflow["jobs"]["build"])
    for key in artifacts:
        assert f"-$VERSION-{key}" in build


def test_templates_are_there() -> None:
    names = {p.name for p in release.templates()}
    assert names == {
        "claude-meter.rb",
        "ClaudeMeter.ClaudeMeter.yaml",
        "ClaudeMeter.ClaudeMeter.installer.yaml",
        "ClaudeMeter.ClaudeMeter.locale.en-US.yaml",
    }


def test_fill_writes_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mac = tmp_path / "mac.zip"
    win = tmp_path / "win.zip"
    mac.write_bytes(b"mac")
    win.write_bytes(b"win")
    out = tmp_path / "out"
    code = release.main(
        ["fill", "--version", "1.2.3", "--repository", "owner/claude-meter",
         "--artifact", f"macos-arm64={mac}", "--artifact", f"windows-x64={win}",
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    capsys.readouterr()
    cask = (out / "claude-meter.rb").read_text()
    assert 'version "1.2.3"' in cask
    assert f'sha256 "{hashlib.sha256(b"mac").hexdigest()}"' in cask
    assert "github.com/owner/claude-meter/releases/download" in cask
    installer = yaml.safe_load((out / "ClaudeMeter.ClaudeMeter.installer.yaml").read_text())
    assert installer["PackageVersion"] == "1.2.3"
    (entry,) = installer["Installers"]
    assert entry["InstallerSha256"] == hashlib.sha256(b"win").hexdigest()
    assert entry["InstallerUrl"].endswith("/v1.2.3/ClaudeMeter-1.2.3-windows-x64.zip")
    for path in out.iterdir():
        assert "@" not in path.read_text().replace("@v", ""), path


def test_fill_refuses_a_missing_value() -> None:
    with pytest.raises(ValueError, match="SHA256_MACOS_ARM64"):
        release.fill('sha256 "@SHA256_MACOS_ARM64@"', {"VERSION": "1"})


def test_version_matches_tag(capsys: pytest.CaptureFixture[str]) -> None:
    from claude_meter import __version__

    assert release.main(["version", "--tag", f"v{__version__}"]) == 0
    assert capsys.readouterr().out.strip() == __version__
    assert release.main(["version", "--tag", "v999.0.0"]) == 1
