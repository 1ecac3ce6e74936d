"""Where the files that are not Python live: icons, the Linux launcher, the browser extension.

There are three layouts, and each finds the same files:

- a source checkout (``pip install -e .``, tests): ``resources/`` and ``extension/`` at the
  repository's root, two folders above the package;
- a wheel (``pip install .``, ``pipx install .``): the build copies them into the package as
  ``claude_meter/_resources/`` and ``claude_meter/extension/`` (see ``setup.py``);
- a PyInstaller bundle: the spec puts them at the same places inside the bundle, so
  ``claude_meter.__file__`` leads to them there too.

Qt-free, so the command line can say where the extension is without starting Qt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

PACKAGE: Final = Path(__file__).resolve().parent
#: Inside an installed package or a bundle (what setup.py and the spec write).
INSTALLED_RESOURCES: Final = "_resources"
INSTALLED_EXTENSION: Final = "extension"
APP_ICON: Final = "claude-meter"


class ResourceMissing(LookupError):
    """A file ClaudeMeter ships is not where any of its layouts put it."""


def _first_folder(*candidates: Path, marker: str) -> Path | None:
    for folder in candidates:
        if (folder / marker).is_file():
            return folder
    return None


def resources_dir(package: Path = PACKAGE) -> Path | None:
    """The folder holding ``icons/`` and ``linux/``, or ``None`` when this install lacks it."""
    return _first_folder(
        package / INSTALLED_RESOURCES,
        package.parents[1] / "resources",
        marker=f"icons/{APP_ICON}.svg",
    )


def extension_dir(package: Path = PACKAGE) -> Path | None:
    """The unpacked browser extension (for "Load unpacked"), or ``None`` when not shipped."""
    return _first_folder(
        package / INSTALLED_EXTENSION,
        package.parents[1] / "extension",
        marker="manifest.json",
    )


def resource_path(*parts: str, package: Path = PACKAGE) -> Path:
    """A shipped file, e.g. ``resource_path("icons", "claude-meter.svg")``."""
    folder = resources_dir(package)
    if folder is None:
        raise ResourceMissing(f"ClaudeMeter's resources folder is missing from {package}")
    path = folder.joinpath(*parts)
    if not path.exists():
        raise ResourceMissing(f"{'/'.join(parts)} is missing from {folder}")
    return path


def app_icon_files(package: Path = PACKAGE) -> list[Path]:
    """The application icon's PNG sizes, smallest first (for a window or launcher icon)."""
    folder = resources_dir(package)
    if folder is None:
        return []
    found = []
    for path in folder.glob(f"icons/{APP_ICON}-*.png"):
        size = path.stem.rsplit("-", 1)[1]
        if size.isdigit():
            found.append((int(size), path))
    return [path for _, path in sorted(found)]
