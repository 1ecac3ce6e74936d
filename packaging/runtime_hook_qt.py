"""The Linux bundle's Qt set-up, run by PyInstaller's bootloader before the program starts.

It takes the place of PyInstaller's own PySide6 run-time hook (``pyi_rth_pyside6``), which
imports ``PySide6.QtCore`` at every start to see whether Qt was told where its files are (an
embedded ``qt.conf``). That import cost every run of the bundle some 20 ms of CPU: ``status``,
``statusline`` (which Claude Code runs every few seconds) and the tray's keyring helper, which
never use Qt, and the tray itself, where PySide6's import hook then read every module the tray
imported after it (the tray imports its Qt-free core before PySide6 for that reason:
``cli._TRAY_CORE``). PySide6 registers that ``qt.conf`` itself when it is imported from the
bundle's ``PySide6`` folder, so all that is left to do here is what the hook did besides: tell
Qt where the bundle's plugins are. ``packaging/claude-meter.spec`` says when this runs.
"""

import os
import sys

os.environ["QT_PLUGIN_PATH"] = os.path.join(sys._MEIPASS, "PySide6", "Qt", "plugins")  # type: ignore[attr-defined]
