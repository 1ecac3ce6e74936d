"""``pip install .`` (and so ``pipx install .``): the wheel carries the icons, the Linux
launcher and the browser extension, and the installed ``claude-meter`` finds them; its
dependencies bring the browser-like transport for claude.ai (curl_cffi), which loads.

Builds the wheel from this checkout, installs it into a fresh virtual environment (its
dependencies from the package index) and runs the installed program from a folder outside
the checkout, so the source tree cannot be what it finds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env,
    )
    assert done.returncode == 0, f"{argv}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


def test_wheel_ships_resources_and_extension(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
        "-w", wheels, ROOT, cwd=tmp_path)  # fmt: skip
    (wheel,) = wheels.glob("claude_meter-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in (
        "claude_meter/_resources/icons/claude-meter.svg",
        "claude_meter/_resources/icons/claude-meter-256.png",
        "claude_meter/_resources/icons/claude-meter.ico",
        "claude_meter/_resources/icons/claude-meter.icns",
        "claude_meter/_resources/linux/claude-meter.desktop",
        "claude_meter/extension/manifest.json",
        "claude_meter/extension/background.js",
    ):
        assert shipped in names
    assert not [n for n in names if n.startswith("claude_meter/extension/test/")]

    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    bin_dir = target / ("Scripts" if os.name == "nt" else "bin")
    run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        wheel, cwd=tmp_path)  # fmt: skip

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = "import claude_meter, pathlib; print(pathlib.Path(claude_meter.__file__).parent)"
    package = Path(run(bin_dir / "python", "-c", where, cwd=elsewhere, env=env).strip())
    assert target in package.parents

    printed = run(bin_dir / "claude-meter", "extension-path", cwd=elsewhere, env=env)
    extension = Path(printed.strip())
    assert extension == package / "extension"
    assert (extension / "manifest.json").is_file()

    found = run(bin_dir / "python", "-c", "from claude_meter.resources import resource_path, "
                "extension_dir; print(resource_path('icons', 'claude-meter.svg')); "
                "print(extension_dir())", cwd=elsewhere, env=env).split()  # fmt: skip
    assert found == [str(package / "_resources/icons/claude-meter.svg"), str(extension)]

    # The wheel brings the browser-like transport for claude.ai (curl_cffi, where a wheel of it
    # exists, as here), and it loads.
    loads = "from claude_meter.clients import impersonate; print(impersonate.available())"
    assert run(bin_dir / "python", "-c", loads, cwd=elsewhere, env=env).strip() == "True"
