"""``python -m claude_meter`` behaves like the ``claude-meter`` command."""

import sys

from claude_meter.cli import main

sys.exit(main())
