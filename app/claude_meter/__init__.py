"""ClaudeMeter: the server's own numbers for Claude's plan limits, on the desktop.

The package splits into a Qt-free core (``core``, ``clients``, ``fake``, ``cli``) that
imports and runs without Qt, and Qt adapters that only put the core on the screen.
"""

__version__ = "0.1.0"
