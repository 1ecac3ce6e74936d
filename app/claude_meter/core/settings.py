"""The person's settings: one typed model with defaults and validation, stored as JSON.

``settings.json`` lives in the platform config folder. It holds choices only: no cookie, no
token, no pairing secret (those live in the OS keyring), and a validator refuses any text that
looks like one, so a slip elsewhere cannot put a secret on disk. Keys from a newer version are
ignored, so a downgrade keeps working.

A file that is not JSON, or whose values fail validation, is renamed
``settings.json.bad-<time>`` and the defaults are used: the app never stops over its settings,
and the message saying so is returned by the one load that moved the file, so the person is
told once.

Two things are deliberately *not* here:

- whether ClaudeMeter starts at login: the OS entry (LaunchAgent, ``Run`` value, XDG
  autostart file) is the truth, so ``claude-meter autostart`` and the settings window always
  agree (see :mod:`claude_meter.platform.autostart`);
- the browser profile ``claude-meter login`` remembered, in ``sources.json``
  (:mod:`claude_meter.sources.choice`); the ``browser`` source here is the tray's explicit
  "read this profile only", like ``--browser``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import msgspec

from claude_meter.core import json_input, paths, validation
from claude_meter.core.account_names import ACCOUNT_ID
from claude_meter.core.accounts import (
    DEFAULT_NAME,
    SECRET_LIKE,
    AccountRef,
    check_accounts,
    check_name,
    is_account_id,
    not_unicode,
)
from claude_meter.core.command_log import TOLD_BY_CALLER
from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT
from claude_meter.core.files import write_atomically

log = logging.getLogger("claude_meter.settings")

FILE_NAME: Final = "settings.json"
VERSION: Final = 1

MIN_POLL_SECONDS: Final = 30
MAX_POLL_SECONDS: Final = 30 * 60
DEFAULT_POLL_SECONDS: Final = 60

SourceKind = Literal["auto", "browser", "pasted", "claude-code", "extension"]
IconStyle = Literal["number", "ring"]
IconColour = Literal["colour", "monochrome"]
PercentShown = Literal["used", "remaining"]

SOURCE_LABELS: Final[dict[str, str]] = {
    "auto": "Automatic (first that works)",
    "browser": "A browser profile",
    "pasted": "Pasted session",
    "claude-code": "Claude Code's sign-in",
    "extension": "Browser extension",
}

#: Text that must never reach the settings file (a session key, a token, a cookie header).
_SECRET_LIKE = SECRET_LIKE


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every choice the person can make, with the defaults a first run uses.

    Built in code, its rules (``__post_init__``) hold; its types and bounds are checked where
    outside data becomes settings (:func:`parse`: the file, the Settings window, an account
    change), as for every model (``core/validation.py``).
    """

    version: int = VERSION
    source: SourceKind = "auto"
    browser: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    profile: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    poll_seconds: Annotated[int, msgspec.Meta(ge=MIN_POLL_SECONDS, le=MAX_POLL_SECONDS)] = (
        DEFAULT_POLL_SECONDS
    )
    thresholds: tuple[float, ...] = (80.0,)
    #: Window keys left out of the icon's "worst" figure and of the popover. A hide list, so
    #: a window the server adds later shows up until the person hides it.
    icon_hidden: tuple[str, ...] = ()
    popover_hidden: tuple[str, ...] = ()
    icon_style: IconStyle = "number"
    icon_colour: IconColour = "colour"
    percent_shown: PercentShown = "used"
    bridge_enabled: bool = False
    bridge_port: Annotated[int, msgspec.Meta(ge=1024, le=65535)] = DEFAULT_BRIDGE_PORT
    #: With the ``auto`` source: when claude.ai answers a poll with a browser check
    #: (Cloudflare) and Claude Code's sign-in exists, read that poll's numbers through Claude
    #: Code's route instead. Off unless chosen: that route's budget is small and shared with
    #: Claude Code itself, and the person should know which route the numbers came from.
    challenge_fallback: bool = False
    #: Named accounts metered beside the default one (``core/accounts.py``): names and
    #: references only, each one's secret in its own keyring entry.
    accounts: tuple[AccountRef, ...] = ()
    #: The default account (``source`` above; what ``login`` acts on) is metered too; off
    #: once the person removed it (``claude-meter accounts remove``), ``login`` turns it on.
    default_account: bool = True
    default_account_name: Annotated[str, msgspec.Meta(max_length=40)] = DEFAULT_NAME
    #: The account whose worst window the icon shows (an id); None: the worst of them all.
    icon_account: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    #: The ids of named accounts removed: never given to a new account, so an account added
    #: again under a removed one's name starts afresh (``core/account_changes.py``) instead of
    #: inheriting its history, notification memory and backoff deadline (all kept by id).
    retired_account_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """The rules, in field order: what they tidy (spaces, order, repeats) is kept tidied,
        and a refusal names its field (:class:`validation.Refused`), never the value."""
        settle = msgspec.structs.force_setattr
        settle(self, "browser", _name_or_none("browser", self.browser))
        settle(self, "profile", _name_or_none("profile", self.profile))
        settle(self, "thresholds", _thresholds(self.thresholds))
        settle(self, "icon_hidden", _window_keys("icon_hidden", self.icon_hidden))
        settle(self, "popover_hidden", _window_keys("popover_hidden", self.popover_hidden))
        try:
            settle(self, "accounts", check_accounts(self.accounts))
        except ValueError as exc:
            raise validation.Refused("accounts", str(exc)) from None
        try:
            settle(self, "default_account_name", check_name(self.default_account_name))
        except ValueError as exc:
            raise validation.Refused("default_account_name", str(exc)) from None
        settle(self, "icon_account", _icon_account(self.icon_account))
        if not all(is_account_id(i) for i in self.retired_account_ids):
            # Only ids were ever kept here (a removed account's): anything else is refused,
            # not repeated, as it may be a secret that the file must never hold.
            raise validation.Refused(
                "retired_account_ids", "an account id is 1 to 32 lowercase letters, digits or -"
            )
        if any(a.name.casefold() == self.default_account_name.casefold() for a in self.accounts):
            raise ValueError("each account needs its own name")

    @property
    def metered(self) -> tuple[AccountRef | None, ...]:
        """The accounts polled, in order: None for the default one (when on), then each named."""
        default: tuple[AccountRef | None, ...] = (None,) if self.default_account else ()
        return default + self.accounts if (default or self.accounts) else (None,)

    def names(self) -> dict[str | None, str]:
        """Every account's name by the key its readings carry (None: the default one, metered
        or not, as its history is kept): what the history shows them as."""
        return {None: self.default_account_name, **{a.id: a.name for a in self.accounts}}

    def account_name(self, account_id: str | None) -> str:
        """The name the person gave the account with this id (None: the default one)."""
        for account in self.accounts:
            if account.id == account_id:
                return account.name
        return self.default_account_name

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.poll_seconds)


def parse(data: dict[str, Any]) -> Settings:
    """Settings from outside (the file, the Settings window's fields, an account change):
    every type, bound and rule checked; :data:`validation.Invalid` says which field
    (:func:`validation.words`), never quoting its value."""
    return validation.parse(data, Settings)


def problem(exc: validation.Invalid) -> str:
    """What :func:`parse` refused, for a person editing the settings (a window, a command):
    a rule's own sentence as it is (``at most five notification thresholds``), else the field
    and what it needs (``profile: expected str of length <= 200``); never the value."""
    if isinstance(exc.__cause__, ValueError):
        return validation.what(exc, Settings)
    return validation.words(exc, Settings)


def as_data(settings: Settings) -> dict[str, Any]:
    """The settings as the file holds them (JSON's Python form)."""
    data: dict[str, Any] = validation.as_json_data(settings)
    return data


def _thresholds(value: Sequence[float]) -> tuple[float, ...]:
    """1 to 100, sorted, each once; at most five (more would be noise)."""
    for threshold in value:
        if not 1 <= threshold <= 100:
            raise validation.Refused(
                "thresholds", f"a notification threshold must be 1 to 100, not {threshold:g}"
            )
    unique = tuple(sorted({float(t) for t in value}))
    if len(unique) > 5:
        raise validation.Refused("thresholds", "at most five notification thresholds")
    return unique


def _icon_account(value: str | None) -> str | None:
    if value is not None and not ACCOUNT_ID.fullmatch(value):
        raise validation.Refused(
            "icon_account", "an account id is 1 to 32 lowercase letters, digits or -"
        )
    return value or None


def _name_or_none(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not_unicode(value):
        raise validation.Refused(field, f"the {field} name is not valid Unicode text")
    if _SECRET_LIKE.search(value):
        raise validation.Refused(field, "this looks like a secret; secrets belong in the keyring")
    return value.strip()


def _window_keys(field: str, value: tuple[str, ...]) -> tuple[str, ...]:
    for key in value:
        if not re.fullmatch(r"[a-z0-9_]{1,64}", key):
            # Not repeated in the message: a bad file may hold anything, even a secret.
            raise validation.Refused(
                field, "a window key is 1 to 64 lowercase letters, digits or _"
            )
    return tuple(dict.fromkeys(value))


def parse_thresholds(text: str) -> tuple[float, ...]:
    """``"80, 95 %"`` as typed in the settings window; :class:`ValueError` when not numbers."""
    parts = [p for p in re.split(r"[\s,;%]+", text) if p]
    try:
        return tuple(float(p) for p in parts)
    except ValueError:
        raise ValueError("thresholds are whole percents separated by commas, e.g. 80, 95") from None


def format_thresholds(thresholds: Sequence[float]) -> str:
    return ", ".join(f"{t:g}" for t in thresholds)


class Loaded(msgspec.Struct, frozen=True):
    """The settings in force and, once, a message for the person (settings were reset, or
    left alone unread: ``unread``)."""

    settings: Settings
    notice: str | None = None
    backup: Path | None = None
    #: why the file there could not be read (its permissions, a folder in its place): it is
    #: not saved over (``save_settings``); None when it was read, or is not there
    unread: str | None = None


def settings_path() -> Path:
    return paths.config_dir() / FILE_NAME


def load_settings(path: Path | None = None, *, now: datetime | None = None) -> Loaded:
    """The saved settings, or the defaults; never raises.

    A missing file is a first run (defaults, no message). An unreadable or invalid one is
    moved aside as ``settings.json.bad-<time>`` so the next start does not complain again,
    and the returned notice says where it went.
    """
    path = path or settings_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Loaded(Settings())
    except OSError as exc:
        log.warning(
            "cannot read %s: %s; using the defaults",
            path,
            exc.strerror or exc,
            extra=TOLD_BY_CALLER,
        )
        why = exc.strerror or type(exc).__name__
        return Loaded(
            Settings(),
            f"Your settings file {path} cannot be read ({why}): ClaudeMeter uses the defaults "
            "and leaves the file as it is; make it readable again (or remove it) to use or "
            "change your settings.",
            unread=why,
        )
    try:
        return Loaded(_parse(raw))
    except _Unusable as exc:
        why = str(exc)
    backup = _move_aside(path, now or datetime.now(UTC))
    where = f" The old file was kept as {backup}." if backup else ""
    log.warning(  # the caller says the notice (a command: once, in its words)
        "settings file %s is unusable (%s); using the defaults", path, why, extra=TOLD_BY_CALLER
    )
    return Loaded(
        Settings(),
        f"Your settings could not be read ({why}), so ClaudeMeter reset them to the defaults."
        f"{where}",
        backup,
    )


def peek_settings(path: Path | None = None) -> Settings:
    """The saved settings, or the defaults, touching nothing: for ``claude-meter status``,
    which must not move a damaged file aside under the running tray (the tray says so). A
    damaged file is said on the log (standard error for a command): without it, the accounts
    it names went missing from ``status`` with no word why."""
    path = path or settings_path()
    try:
        return _parse(path.read_bytes())
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        log.warning("cannot read %s: %s; using the defaults", path, exc.strerror or exc)
    except _Unusable as exc:
        log.warning(
            "settings file %s is unusable (%s); using the defaults, and the accounts it names "
            "are left out, until it is fixed",
            path,
            exc,
        )
    return Settings()


def reread_settings(path: Path | None = None) -> Settings | None:
    """The saved settings as they are now, for a running tray that saw the file change
    (``claude-meter accounts``, an editor); None when the file is gone or unusable: a bad
    edit is neither applied nor moved aside under the person's editor."""
    try:
        return _parse((path or settings_path()).read_bytes())
    except (OSError, _Unusable):
        return None


class UnreadableSettings(OSError):
    """The settings file is there but cannot be read (its permissions, a folder in its
    place): saving would replace what the person has with defaults they never saw."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(
            f"{path} cannot be read ({why}), so it was left as it is: make it readable again "
            "(or remove it), then try again"
        )


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically (a temporary file, then rename); :class:`OSError` when it cannot, and
    :class:`UnreadableSettings` rather than replace a file that is there but unread."""
    path = path or settings_path()
    try:
        with path.open("rb"):
            pass
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UnreadableSettings(path, exc.strerror or type(exc).__name__) from None
    text = json.dumps(as_data(settings), indent=2, sort_keys=True) + "\n"
    if _SECRET_LIKE.search(text):  # the validators make this unreachable; belt and braces
        raise ValueError("refusing to write something that looks like a secret to settings")
    write_atomically(path, text)
    return path


class _Unusable(Exception):
    """The file's content cannot be used; the message says why, never quoting the file."""


def _parse(raw: bytes) -> Settings:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unusable("not text") from None
    try:
        data = json_input.loads(text)
    except json_input.NotJson as exc:  # malformed, [[[[... too deep, 4,300-digit integers
        raise _Unusable(json_input.not_valid(exc)) from None
    if not isinstance(data, dict):
        raise _Unusable("not a JSON object")
    try:
        return parse(_known(data))
    except validation.Invalid as exc:
        where = validation.where(exc) or "the file"
        raise _Unusable(f"{where}: {validation.what(exc, Settings)}") from None
    except RecursionError:
        raise _Unusable("nested too deeply") from None


def _known(data: dict[str, Any]) -> dict[str, Any]:
    """The file's keys this version knows, its accounts' too: a newer version's keys are
    ignored whatever they are, even a key msgspec cannot compare (JSON's ``"\ud800"``)."""
    known = {k: v for k, v in data.items() if k in Settings.__struct_fields__}
    accounts = known.get("accounts")
    if isinstance(accounts, list):
        known["accounts"] = [
            {k: v for k, v in a.items() if k in AccountRef.__struct_fields__}
            if isinstance(a, dict)
            else a
            for a in accounts
        ]
    for field in _SWITCHES:
        if isinstance(value := known.get(field), str | float):
            known[field] = _SAID.get(str(value).lower(), value)
    return known


#: The on/off fields, and the words for on and off a person may have typed in the file: the
#: settings always read them (msgspec alone takes only true/false, "true"/"false", 1/0).
_SWITCHES: Final = ("bridge_enabled", "challenge_fallback", "default_account")
_SAID: Final = {
    **dict.fromkeys(("yes", "y", "on", "t", "1.0"), True),
    **dict.fromkeys(("no", "n", "off", "f", "0.0"), False),
}


def _move_aside(path: Path, now: datetime) -> Path | None:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    backup = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while backup.exists():
        counter += 1
        backup = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
    try:
        path.rename(backup)
    except OSError as exc:
        log.warning("could not move %s aside: %s", path, exc.strerror or exc)
        return None
    return backup
