"""Where ``keyring`` reads its configuration on Linux and other Unixes, and what it names.

Two readers need it and must agree with ``keyring``: the tray's child (:mod:`.keyring_child`),
which starts no child while the configured backend can hold nothing, and the command line's
note that the keyring holds no session (:mod:`.keyring_absence`), which is trusted only while
the configuration is as it was. Neither imports ``keyring`` to find out.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def config_file(env: Mapping[str, str]) -> Path:
    """``$XDG_CONFIG_HOME/python_keyring/keyringrc.cfg`` (``~/.config`` without it), where
    ``keyring`` looks, whether or not it exists."""
    home = env.get("HOME") or str(Path.home())
    return Path(
        env.get("XDG_CONFIG_HOME") or Path(home, ".config"), "python_keyring", "keyringrc.cfg"
    )


def config_stamp(env: Mapping[str, str]) -> str:
    """What changes when the file is edited, replaced or removed (its modification time and
    size; empty without a file): a stat, cheaper than reading it."""
    try:
        found = config_file(env).stat()
    except OSError:
        return ""
    return f"{found.st_mtime_ns}:{found.st_size}"


def configured_backend(env: Mapping[str, str]) -> str | None:
    """The backend the configuration names, as ``keyring`` reads it: ``PYTHON_KEYRING_BACKEND``
    as it is, else ``default-keyring`` of the ``[backend]`` section of :func:`config_file`,
    stripped. None: nothing named, or a file ``keyring`` would not read either."""
    named = env.get("PYTHON_KEYRING_BACKEND")
    if named is not None:
        return named
    path = config_file(env)
    if not path.is_file():
        return None
    import configparser

    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        return parser.get("backend", "default-keyring").strip()
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
