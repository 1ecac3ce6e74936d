"""What an account is called where its history is shown, without the settings model.

``claude-meter history`` reads the settings the light way (``readings/preference.py``) and
does not load the app's models and their validation library for a few names, yet it names
the accounts as the History window does: both take the words from here. What an account's
id looks like is here too, for the same light readers (the status line's routing, the last
readings) and for the settings.

- For a person (the text forms, the History window): an account by its name as the settings
  say it now, so a rename shows at once; one since removed as ``Removed account (<id>)``, the
  id made from its first name (its history stays 90 days).
- For a script (``--csv``, ``--json``, a saved CSV): the name, and a removed account's bare
  id, as they always were (:func:`script_name`), so a script keeps matching what it read;
  and, as ``history``'s last column, the id (:func:`script_id`), which a rename leaves as is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

#: The default account's name until the person renames it.
DEFAULT_NAME: Final = "Default"

#: The default account's id (its readings carry None): ``accounts --json``, ``--account``.
DEFAULT_ID: Final = "default"

#: An account id's form: 1 to 32 lowercase letters, digits or -, starting with a letter or digit.
ACCOUNT_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


def is_account_id(text: str) -> bool:
    """``text`` is a named account's id: :data:`ACCOUNT_ID`'s form, not :data:`DEFAULT_ID`."""
    return bool(ACCOUNT_ID.fullmatch(text)) and text != DEFAULT_ID


def shown_name(names: Mapping[str | None, str], account: str | None) -> str:
    """A reading's account for a person: its name now (``names``: by reading key, None the
    default account), else ``Removed account (<id>)``."""
    if account in names:
        return names[account]
    if account is None:
        return DEFAULT_NAME
    return f"Removed account ({account})"


def script_name(names: Mapping[str | None, str], account: str | None) -> str:
    """A reading's account for a script's columns: its name now, else its bare id."""
    if account in names:
        return names[account]
    return DEFAULT_NAME if account is None else account


def script_id(account: str | None) -> str:
    """A reading's account for a script, as a rename leaves it: its id (``default``)."""
    return DEFAULT_ID if account is None else account
