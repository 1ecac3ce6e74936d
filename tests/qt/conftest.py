"""Qt tests run offscreen; the end-to-end tray test starts its own X server instead."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
