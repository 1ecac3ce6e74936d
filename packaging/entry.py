"""The bundles' entry point: ``claude-meter`` as PyInstaller starts it.

The Windows app is a windowed program (no console flashes up when the tray starts), so before
the command line runs it attaches to the console it was started from, if any, when a command
was given; see :mod:`claude_meter.platform.console`. Elsewhere that is a no-op.

The program calls itself ``claude-meter`` whatever its file is named (a downloaded single file
is ``claude-meter-linux-x86_64``): Qt takes the X11 window class from ``argv[0]``, and the
``.desktop`` file's ``StartupWMClass`` and the tray hosts match on it.
"""

import sys

from claude_meter.platform.console import attach_parent_console

attach_parent_console(sys.argv[1:])
sys.argv[0] = "claude-meter"

from claude_meter.cli import main  # noqa: E402 - after the console is attached

sys.exit(main())
