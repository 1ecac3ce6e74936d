"""The scripts in ``packaging/`` are not a package: load one as a module, by its path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def packaging_script(name: str) -> ModuleType:
    """``packaging/<name>.py`` as the module ``name`` (registered in ``sys.modules``, which
    dataclasses and pickling look the module up in)."""
    spec = importlib.util.spec_from_file_location(name, PACKAGING / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
