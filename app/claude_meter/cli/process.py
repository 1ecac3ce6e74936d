"""The ``claude-meter`` program's entry: :func:`claude_meter.cli.main` in a process of its own.

``status`` and ``statusline`` (status bars and Claude Code call them every few seconds; scripts
wait for them) read once and exit within a fraction of a second, so their process runs without
Python's cyclic garbage collector and leaves without its final passes:

- during the run, the collector would walk again and again over the objects that importing
  the models and the HTTP client create, none of which is garbage (about 9 ms of ``status --json``
  when the models were pydantic's); a command that reads once makes little garbage (the peak
  resident memory of ``status --json`` grows by about 0.4 MB);
- at exit, the interpreter's last collections walk every object once more before anything is
  freed (about 20 ms); :func:`gc.freeze` moves them out of the collector's sight first. The
  exit is otherwise the usual one: buffers flushed, ``atexit`` handlers run, files closed
  (every file and database here is closed explicitly, never left to the collector).

Every other command (the tray runs for days; ``bridge``, ``fake-server`` and ``history
--open`` run until stopped) keeps the collector as Python sets it. Tests call
:func:`~claude_meter.cli.main` itself, which changes nothing of the kind. Measured in
``docs/benchmarks.md`` (``status --json``).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import Final, NoReturn

#: The commands whose process reads once and exits (their first word on the command line).
ONE_SHOT: Final = frozenset({"status", "statusline"})


def is_one_shot(argv: Sequence[str]) -> bool:
    """Whether this command line (without the program name) reads once and exits."""
    return bool(argv) and argv[0] in ONE_SHOT


def run() -> NoReturn:
    """Run the command line of this process and exit with its status."""
    from claude_meter.cli import main

    one_shot = is_one_shot(sys.argv[1:])
    if one_shot:
        gc.disable()
    status = main()
    if one_shot:
        gc.freeze()
    sys.exit(status)
