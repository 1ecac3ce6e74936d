"""The live meter, without Qt: one poll (:mod:`.fetcher`), the demo (:mod:`.demo`), the skip
rule for the tray's own poll (:mod:`.own_poll`) and the meter every reading enters
(:mod:`.live`). The CLI's ``status`` and the tray both poll through :class:`Fetcher`."""
