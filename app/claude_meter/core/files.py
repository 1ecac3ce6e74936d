"""Writing a file so that a crash or a full disk never leaves it half written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(
    path: Path, data: str | bytes, *, mode: int | None = None, folder_mode: int = 0o700
) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The file is created private (0600) unless ``mode`` says otherwise; a missing folder is
    created with ``folder_mode``. On any failure the temporary file is removed and the old
    file, if any, is left as it was; the error is raised.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=folder_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
