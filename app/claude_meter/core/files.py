"""Writing a file so that a crash or a full disk never leaves it half written.

No ``tempfile`` here (3.5 ms to import): the quick commands (``statusline``, ``status
--cached``) write through this too, and their whole budget is 50-60 ms.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

#: Makes each temporary name of this process its own (the process id tells processes apart).
_serial = itertools.count()


def write_atomically(
    path: Path, data: str | bytes, *, mode: int | None = None, folder_mode: int = 0o700
) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The file is created private (0600) unless ``mode`` says otherwise; a missing folder is
    created with ``folder_mode``. On any failure the temporary file is removed and the old
    file, if any, is left as it was; the error is raised.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=folder_mode)
    while True:
        tmp = path.with_name(f".{path.name}-{os.getpid()}-{next(_serial)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # left by a process that had our id before
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
