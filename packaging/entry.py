"""The bundles' entry point: ``claude-meter`` as PyInstaller starts it.

The Windows app is a windowed program (no console flashes up when the tray starts), so before
the command line runs it attaches to the console it was started from, if any, when a command
was given; see :mod:`claude_meter.platform.console`. Elsewhere that is a no-op.

The program calls itself ``claude-meter`` whatever its file is named (a downloaded single file
is ``claude-meter-linux-x86_64``): Qt takes the X11 window class from ``argv[0]``, and the
``.desktop`` file's ``StartupWMClass`` and the tray hosts match on it.

Started by the Linux single file (``packaging/single-file-stub.sh``), the program runs from the
copy unpacked in the user's cache, and the single file's path comes in
``CLAUDE_METER_SINGLE_FILE``: that file is then this program's executable, so what the app
records about itself (the autostart entry) names the file the person installed, which stays,
not the cached copy, which a new version replaces.
"""

import os
import sys

from claude_meter.platform.console import attach_parent_console

attach_parent_console(sys.argv[1:])
sys.argv[0] = "claude-meter"
single_file = os.environ.pop("CLAUDE_METER_SINGLE_FILE", "")
if single_file and os.path.isabs(single_file) and os.path.isfile(single_file):
    sys.executable = single_file

from claude_meter.cli.process import run  # noqa: E402 - after the console is attached

run()
