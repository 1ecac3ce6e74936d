"""Ship the non-Python folders inside the package; everything else is in pyproject.toml.

``resources/`` (icons, the Linux launcher) and ``extension/`` (the browser extension) sit at
the repository's root, outside ``app/``, so package-data cannot name them. This build step
copies them into the built package as ``claude_meter/_resources/`` and
``claude_meter/extension/``, where :mod:`claude_meter.resources` looks first. Editable installs
skip it: they find the folders in the checkout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: source folder -> folder inside the package
SHIPPED = {"resources": "_resources", "extension": "extension"}
#: never installed: the extension's JavaScript tests and anything npm leaves behind
LEFT_OUT = ("test", "node_modules", "*.test.mjs", "package.json", "package-lock.json")


class BuildWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = Path(self.build_lib) / "claude_meter"
        for source, target in SHIPPED.items():
            if not (ROOT / source).is_dir():
                raise SystemExit(f"setup.py: {source}/ is missing; build from a full checkout")
            destination = package / target
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(ROOT / source, destination, ignore=shutil.ignore_patterns(*LEFT_OUT))


setup(cmdclass={"build_py": BuildWithResources})
