"""``python -m claude_meter`` behaves like the ``claude-meter`` command."""

from claude_meter.cli.process import run

run()
