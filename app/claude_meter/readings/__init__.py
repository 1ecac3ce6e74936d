"""The shared last-readings store: the newest numbers of every route, for zero-request reads.

Every ClaudeMeter process (tray, ``status``, ``statusline``, ``bridge``) writes its readings
into one small JSON file after each reading (:mod:`.store`); ``status --cached`` and
``statusline`` read it without the network, the keyring or the browsers (:mod:`.view` puts
the routes together per account). The format is a stable interface: ``docs/last-readings.md``.
This package imports none of the app's models (nor msgspec, their validation library),
HTTP client, keyring or Qt, so those commands start fast; :mod:`.convert` (which imports the
models) turns them into entries and back.
"""
