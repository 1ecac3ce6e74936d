"""The tray's start, before Qt: the first poll on its way before PySide6 loads.

In order, each step before the next needs it:

1. the keyring's helper starts reading the stored session (``sources/keyring_early.py``);
2. the tray's Qt-free core is imported before PySide6 (:data:`TRAY_CORE`): PySide6's import
   hook looks at the source of every module imported after it;
3. no desktop at all, or one that does not answer: one line and exit status 1
   (``platform/display.py``), before Qt would abort with a core dump;
4. glibc's heap limited (``platform/memory.py``: before the first thread), and the log set up;
5. unless another tray runs (``platform/instance.py``: this launch only asks it to open its
   popover) or it is the demo, the first poll starts (``poll/beginning.py``), so it waits on the
   network while PySide6 loads and the tray is built;
6. PySide6, with its look at each module's source made cheap
   (:func:`forget_pyside_source_reads`), and the Qt layer (``qt/compose.py``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from claude_meter.sources.keyring_child import KeyringInChild

#: The Qt-free modules the tray runs on, imported before PySide6: its import hook reads the
#: source of every module imported after it (see :func:`forget_pyside_source_reads`), so these
#: and what they import (http.client, sqlite3, the models and msgspec) are not read. It saved about
#: 25 ms of the tray's start when the models were pydantic's (``docs/benchmarks.md``).
TRAY_CORE: Final = (
    "claude_meter.clients.http",
    "claude_meter.clients.web",  # these three: what the first poll imports
    "claude_meter.clients.web_transport",
    "claude_meter.sources.selection",
    "claude_meter.core.logs",
    "claude_meter.core.oauth_hold",  # the worker's (qt/worker.py): a model built at import
    "claude_meter.core.settings",
    "claude_meter.history",
    "claude_meter.platform.display",  # the look for a display (qt/startup.py): 0.6 ms less
    "claude_meter.poll.fetcher",
    "claude_meter.poll.first",
    "claude_meter.poll.live",
    "claude_meter.readings.convert",
    "claude_meter.readings.journal",  # the status line's readings (qt/statusline_link.py)
)


def forget_pyside_source_reads() -> None:
    """Import PySide6 so that its look at every module's source is one plain file read.

    PySide6's import hook (shiboken's ``__feature__`` support) reads the source of every
    module named in an import after it, with ``inspect.getsource``, to see whether it mentions
    PySide6 (modules imported before it too, the first time an import names them again). That
    decodes and splits each file into lines (some 10 ms of the tray's start, for about 100
    modules: ``docs/benchmarks.md``), and ``linecache`` then keeps all those lines for the
    life of the process (~8 MB). The same question is answered here by reading the module's
    file as bytes: the same answer, nothing kept. A module without a source file of its own
    (built in, compiled, in a zip) is still asked PySide6's way, and the lines that leaves in
    the cache are dropped (tracebacks read a file again when they need it). Without that hook
    (another PySide6), no change.
    """
    import linecache

    import PySide6  # noqa: F401 - installs the import hook this adjusts

    feature = sys.modules.get("shibokensupport.feature")
    uses_pyside = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(uses_pyside) or uses_pyside.__name__ == "_scan":
        return

    def _scan(module: object) -> object:
        origin = getattr(getattr(module, "__spec__", None), "origin", None)
        if isinstance(origin, str) and origin.endswith(".py"):
            with contextlib.suppress(OSError), open(origin, "rb") as source:
                return b"PySide6" in source.read()
        cached = set(linecache.cache)
        try:
            return uses_pyside(module)
        finally:
            for name in linecache.cache.keys() - cached:
                linecache.cache.pop(name, None)

    feature.__dict__["_mod_uses_pyside"] = _scan


def tray(*, demo: bool, debug: bool) -> int:
    """Start the tray app (the steps in the module's text); returns the exit status."""
    env = os.environ
    early = None
    if not demo:
        from claude_meter.sources.keyring_early import early_session_read

        early = early_session_read(env)
    for name in TRAY_CORE:
        importlib.import_module(name)
    from claude_meter.core.errors import ConfigurationError
    from claude_meter.core.logs import setup_logging
    from claude_meter.platform.display import no_desktop_reason
    from claude_meter.platform.instance import another_tray_runs
    from claude_meter.platform.memory import limit_malloc_arenas
    from claude_meter.poll.beginning import begin

    problem = no_desktop_reason(env, sys.platform)
    if problem is not None:
        return _stopped(problem, early)
    limit_malloc_arenas()
    log_file = setup_logging(debug=debug)
    beginning = None
    if not demo and not another_tray_runs():
        try:
            beginning = begin(env, demo=False, keyring_child=early)
        except ConfigurationError as exc:  # an override in the environment that cannot work
            return _stopped(str(exc), early)
    forget_pyside_source_reads()
    from claude_meter.qt.compose import run_tray

    return run_tray(demo=demo, log_file=log_file, beginning=beginning, keyring_child=early)


def _stopped(why: str, early: KeyringInChild | None) -> int:
    """The start ends before Qt: the keyring's helper is not waited for, ``why`` is said."""
    if early is not None:
        early.close()
    print(f"claude-meter: {why}", file=sys.stderr)
    return 1
