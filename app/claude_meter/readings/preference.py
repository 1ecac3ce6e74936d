"""The settings the fast commands honour: the percent used or remaining, and the accounts.

``statusline`` and ``status --cached`` must stay light (none of the app's models, so not
``core/settings.py``), yet they show figures a person reads, and those follow the choice made
in Settings ("Show percent: Used / Remaining") like every other text (``core/presentation.py``).
So this reads that one key from ``settings.json`` with the standard library. Anything unusual
(no file, a damaged one, another value) means "used", the default; the full loader in
``core/settings.py`` is the one that reports and repairs a damaged file.

The status line also reads the configured accounts there (``core/account_routing.py``
``accounts_in``), to mark its reading with the account of its ``CLAUDE_CONFIG_DIR``: it reads
the file once (:func:`read_settings`) and hands it to both.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claude_meter.core import json_input
from claude_meter.readings.store import quick_folder

FILE_NAME = "settings.json"  # as core/settings.py names it (a test checks they agree)


def settings_file() -> Path:
    """``settings.json`` in ClaudeMeter's config folder (``core/paths.config_dir``)."""
    folder = quick_folder("XDG_CONFIG_HOME", ".config")
    if folder is None:
        from claude_meter.core.paths import config_dir

        folder = config_dir()
    return folder / FILE_NAME


def read_settings() -> Mapping[str, Any]:
    """``settings.json`` as parsed JSON; empty when there is none or it is not an object."""
    return read_settings_or_problem()[0]


def read_settings_or_problem() -> tuple[Mapping[str, Any], str | None]:
    """:func:`read_settings`, and what to say when the file exists but cannot be used (for
    ``history`` and ``status --cached``: without it, ``--account Work`` said there is no
    account of that name, and named accounts' readings went unnamed or missing)."""
    path = settings_file()
    try:
        data = json_input.loads(path.read_bytes()[:1_000_000])
    except FileNotFoundError:
        return {}, None
    except OSError as exc:
        return {}, unreadable(path, exc.strerror or "it cannot be opened")
    except json_input.NotJson as exc:
        return {}, unreadable(path, json_input.not_valid(exc))
    if not isinstance(data, dict):
        return {}, unreadable(path, "not a JSON object")
    return data, None


def unreadable(path: Path, why: str) -> str:
    return (
        f"the settings file {path} could not be read ({why}), so the accounts it names are "
        "unknown until it is fixed"
    )


def shows_remaining(settings: Mapping[str, Any] | None = None) -> bool:
    """True when the person chose to see the percent remaining (``settings``: the file as
    :func:`read_settings` gave it, else it is read now)."""
    data = read_settings() if settings is None else settings
    return data.get("percent_shown") == "remaining"


#: The default account's name unless the person renamed it (``core/accounts.DEFAULT_NAME``).
DEFAULT_NAME = "Default"


def account_names(settings: Mapping[str, Any], *, every: bool = False) -> dict[str | None, str]:
    """Every metered account's name by its id (None: the default one), in the settings'
    order: what ``status --cached`` and ``history`` call them. Read the light way, as
    ``core/settings.py`` would: the default one unless the person left it out
    (``default_account`` false, with named accounts; ``every``: kept, as its history is),
    then each named account."""
    named: dict[str | None, str] = {}
    listed = settings.get("accounts")
    for account in listed if isinstance(listed, list) else ():
        if isinstance(account, dict):
            key, name = account.get("id"), account.get("name")
            if isinstance(key, str) and key and isinstance(name, str) and name.strip():
                named[key] = " ".join(name.split())
    default = settings.get("default_account_name")
    default = " ".join(default.split()) if isinstance(default, str) and default.strip() else None
    if settings.get("default_account") is False and named and not every:
        return named
    return {None: default or DEFAULT_NAME, **named}


def find_account(names: Mapping[str | None, str], wanted: str) -> tuple[bool, str | None]:
    """``--account NAME`` among ``names`` (:func:`account_names`): (found, its id). As
    ``core/accounts.find``: a named account by its id first (an id never changes; a name may
    be another's id in settings written before that was refused), then by its name (any
    case), then the default one by its name or ``default``. A text that is one account's name
    and another's id reads the id's here (a read changes nothing); ``status --account`` and
    the changing commands refuse it (``core/account_changes.named``)."""
    if wanted in names and wanted is not None:
        return True, wanted
    folded = " ".join(wanted.split()).casefold()
    for key, name in names.items():
        if key is not None and name.casefold() == folded:
            return True, key
    if None in names and folded in (names[None].casefold(), "default"):
        return True, None
    return False, None


def unknown_account(names: Mapping[str | None, str]) -> str:
    """What ``--account`` says of a name no account has (as ``status --account`` says it)."""
    return "there is no account of that name; the accounts: " + ", ".join(names.values())
