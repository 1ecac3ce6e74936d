"""The Qt adapters: they only put the core's immutable models on the screen.

Nothing in here decides anything the core can decide; see ``core/meter.py`` (what to show),
``core/policy.py`` (when to poll) and ``core/alerts.py`` (when to notify).
"""
