"""Property-based: whatever is in settings.json, loading never raises and never loses it.

For any content the loader either accepts the file (then it is left exactly as it was and
the settings are what it says) or uses the defaults, tells the person once and keeps the
file, byte for byte, as ``settings.json.bad-<time>``; it writes nothing else, and no secret
planted in the file reaches the notice or the log.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args
from unittest import mock

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.core import validation
from claude_meter.core.accounts import AccountKind, AccountRef, check_name, make_id
from claude_meter.core.settings import (
    MAX_POLL_SECONDS,
    MIN_POLL_SECONDS,
    IconColour,
    IconStyle,
    PercentShown,
    Settings,
    SourceKind,
    as_data,
    load_settings,
    parse,
    save_settings,
)
from tests.support.fuzzing import budget
from tests.support.logs import captured
from tests.support.strategies import (
    SECRET_MARK,
    SECRETS,
    deep_nesting,
    json_bytes,
    json_values,
    numbers,
    spoiled,
    surrogates,
    texts,
)

pytestmark = pytest.mark.fuzz

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
BACKUP = "settings.json.bad-20261125T090000Z"
SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

# -- strategies ---------------------------------------------------------------------------

window_keys = st.from_regex(r"[a-z0-9_]{1,64}", fullmatch=True) | st.sampled_from(
    ["five_hour", "seven_day", "seven_day_opus"]
)
names = st.none() | st.text(max_size=50) | st.sampled_from(["Default", "Profile 2", "  Work "])
wrong = json_values | numbers | texts


def _choice(options: tuple[str, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options) | st.sampled_from([o.upper() for o in options]) | wrong


#: Each key of settings.json with right and wrong types, out-of-range and huge numbers, NaN,
#: Unicode and secrets.
wild_values: dict[str, st.SearchStrategy[Any]] = {
    "version": st.integers() | wrong,
    "source": _choice(get_args(SourceKind)),
    "browser": names | wrong,
    "profile": names | st.text(min_size=190, max_size=210) | wrong,
    "poll_seconds": st.integers(0, 4000)
    | st.sampled_from([MIN_POLL_SECONDS, MAX_POLL_SECONDS, 60.0, 60.5, "60", True])
    | wrong,
    "thresholds": st.lists(
        st.floats(0, 101) | st.integers(0, 101) | st.sampled_from([1, 100, "80"]) | wrong,
        max_size=7,
    )
    | wrong,
    "icon_hidden": st.lists(window_keys | texts, max_size=6) | wrong,
    "popover_hidden": st.lists(window_keys | texts, max_size=6) | wrong,
    "icon_style": _choice(get_args(IconStyle)),
    "icon_colour": _choice(get_args(IconColour)),
    "percent_shown": _choice(get_args(PercentShown)),
    "bridge_enabled": st.booleans() | wrong,
    "bridge_port": st.integers(0, 70000) | wrong,
    "accounts": st.lists(
        st.fixed_dictionaries(
            {"id": texts | wrong, "name": names | wrong, "kind": _choice(get_args(AccountKind))},
            optional={"email": names | wrong, "config_dir": names | wrong, "\udc80": wrong},
        ),
        max_size=3,
    )
    | wrong,
    "default_account_name": names | surrogates | wrong,
    "retired_account_ids": st.lists(texts | surrogates, max_size=3) | wrong,
    "hologram": json_values,  # a key from a newer version
    "\ud800": json_values,  # one no encoder can write: ignored all the same
}
#: Keys this version knows: the others are ignored, as a newer version's are.
KNOWN = set(Settings.__struct_fields__)

#: Settings a person can actually choose (the round trip, and the base for corruptions).
clean_names = st.text(max_size=40).filter(
    lambda s: not any(m in s.lower() for m in ("sk-ant-", "sessionkey", "bearer", "cookie"))
)


def _fine_name(text: str) -> bool:
    try:
        return check_name(text).casefold() != "default"
    except ValueError:
        return False


def _accounts(names: list[str]) -> tuple[AccountRef, ...]:
    made: list[AccountRef] = []
    for name, kind in zip(names, get_args(AccountKind), strict=False):
        made.append(AccountRef(id=make_id(name, [a.id for a in made]), name=name, kind=kind))
    return tuple(made)


account_names = st.lists(
    clean_names.filter(_fine_name).map(check_name), max_size=4, unique_by=str.casefold
)

valid_settings = st.builds(
    Settings,
    version=st.integers(min_value=-(2**64), max_value=2**64),
    source=st.sampled_from(get_args(SourceKind)),
    browser=st.none() | clean_names,
    profile=st.none() | clean_names,
    poll_seconds=st.integers(MIN_POLL_SECONDS, MAX_POLL_SECONDS),
    thresholds=st.lists(st.floats(1, 100), max_size=5).map(tuple),
    icon_hidden=st.lists(window_keys, max_size=8).map(tuple),
    popover_hidden=st.lists(window_keys, max_size=8).map(tuple),
    icon_style=st.sampled_from(get_args(IconStyle)),
    icon_colour=st.sampled_from(get_args(IconColour)),
    percent_shown=st.sampled_from(get_args(PercentShown)),
    bridge_enabled=st.booleans(),
    bridge_port=st.integers(1024, 65535),
    accounts=account_names.map(_accounts),
)


def _corrupted(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A good file with one to three keys changed, so a bad value is often the only error."""
    keys = st.lists(st.sampled_from(sorted(wild_values)), min_size=1, max_size=3, unique=True)
    return keys.flatmap(
        lambda chosen: st.fixed_dictionaries({k: wild_values[k] for k in chosen}).map(
            lambda bad: {**base, **bad}
        )
    )


def _planted(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A good file with a secret pasted into one of its values (a list's, or a whole one)."""
    spots = st.sampled_from(sorted(k for k in wild_values if k in KNOWN))

    def plant(key: str, secret: str, at: int) -> dict[str, Any]:
        value = base.get(key)
        if isinstance(value, list):
            return {**base, key: [*value[:at], secret, *value[at:]]}
        return {**base, key: secret}

    planted = st.sampled_from(SECRETS) | surrogates.map(lambda s: f"Work{s}")  # not Unicode
    return st.builds(plant, spots, planted, st.integers(0, 3))


_good_files = valid_settings.map(as_data)

#: settings.json as a person, an older or newer version, or a bug might leave it.
settings_like = (
    st.fixed_dictionaries({}, optional=wild_values)
    | _good_files.flatmap(_corrupted)
    | _good_files.flatmap(_planted)
)


def _encodings(value: Any) -> st.SearchStrategy[bytes]:
    """``value`` as JSON bytes, written well or in the other ways editors write files."""
    plain = json_bytes(value)
    return st.one_of(
        st.just(plain),
        st.just(json.dumps(value, indent=2, sort_keys=True).encode()),
        st.just(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")),
        spoiled(plain),
    )


settings_files = settings_like.flatmap(_encodings)


# -- the check ----------------------------------------------------------------------------


@contextmanager
def _folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="settings-fuzz-") as name:
        yield Path(name)


def _expected(content: bytes) -> Settings | None:
    """What a correct loader makes of ``content``: its settings, or None (unusable)."""
    try:
        data = json.loads(content.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    try:
        return parse({k: v for k, v in data.items() if k in KNOWN})
    except validation.Invalid:
        return None


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def check_load(content: bytes) -> None:
    with _folder() as folder, captured("claude_meter.settings") as records:
        path = folder / "settings.json"
        path.write_bytes(content)
        loaded = load_settings(path, now=NOW)
        assert isinstance(loaded.settings, Settings)
        # What is in force is always a valid Settings, and its rules hold built in code too.
        assert parse(as_data(loaded.settings)) == loaded.settings
        assert Settings(**msgspec.structs.asdict(loaded.settings)) == loaded.settings
        expected = _expected(content)
        if expected is not None:
            assert loaded.notice is None
            assert loaded.backup is None
            assert loaded.settings == expected
            assert _files(folder) == {"settings.json": content}  # untouched, nothing written
            # What was accepted saves (never refused as secret-like) and carries no secret.
            resaved = save_settings(loaded.settings, folder / "again" / "settings.json")
            assert SECRET_MARK not in resaved.read_text()
            assert load_settings(resaved, now=NOW).settings == loaded.settings
        else:
            assert loaded.settings == Settings()
            assert loaded.notice is not None
            assert "reset them to the defaults" in loaded.notice
            assert loaded.backup == folder / BACKUP
            assert str(loaded.backup) in loaded.notice
            assert _files(folder) == {BACKUP: content}  # moved aside whole; nothing else
            again = load_settings(path, now=NOW)  # told once: the next start is quiet
            assert (again.settings, again.notice) == (Settings(), None)
            assert _files(folder) == {BACKUP: content}
        said = [loaded.notice or "", *(r.getMessage() for r in records)]
        for text in said:
            assert SECRET_MARK not in text, "a secret from the file was repeated"
        assert all(r.levelno < logging.ERROR and r.exc_info is None for r in records)


# -- properties ---------------------------------------------------------------------------


@given(st.binary(max_size=300))
@settings(suppress_health_check=SLOW)
def test_any_bytes(content: bytes) -> None:
    check_load(content)


@given(json_values.flatmap(_encodings))
@settings(max_examples=budget(ci=100, share=0.25), suppress_health_check=SLOW)
def test_any_json(content: bytes) -> None:
    check_load(content)


@given(settings_files)
@settings(max_examples=budget(ci=100, share=0.2), suppress_health_check=SLOW)
def test_settings_shaped_json(content: bytes) -> None:
    check_load(content)


@given(deep_nesting)
@settings(max_examples=budget(share=0.5), suppress_health_check=SLOW)
def test_deep_nesting(content: bytes) -> None:
    check_load(content)


@given(valid_settings, st.booleans())
@settings(max_examples=budget(ci=100, share=0.25), suppress_health_check=SLOW)
def test_a_saved_file_round_trips_unchanged(chosen: Settings, extra_key: bool) -> None:
    with _folder() as folder, captured("claude_meter.settings") as records:
        path = folder / "settings.json"
        save_settings(chosen, path)
        if extra_key:  # a newer version's key is ignored, and left alone
            data = json.loads(path.read_bytes())
            path.write_text(json.dumps({**data, "hologram": [1, {"x": None}]}))
        written = path.read_bytes()
        loaded = load_settings(path, now=NOW)
        assert (loaded.settings, loaded.notice, loaded.backup) == (chosen, None, None)
        assert _files(folder) == {"settings.json": written}
        save_settings(loaded.settings, path)
        again = load_settings(path, now=NOW)
        assert again.settings == chosen
        if not extra_key:
            assert path.read_bytes() == written  # saving what was loaded changes no byte
        assert records == []


@given(
    st.lists(
        st.text(st.characters(codec="ascii", exclude_characters="/\0"), min_size=1), max_size=3
    )
)
@settings(max_examples=budget(share=0.5), suppress_health_check=SLOW)
def test_a_folder_in_place_of_the_file(entries: list[str]) -> None:
    with _folder() as folder:
        path = folder / "settings.json"
        path.mkdir()
        for entry in {e for e in entries if e not in (".", "..")}:
            (path / entry).write_bytes(b"{}")
        before = sorted(os.listdir(path))
        loaded = load_settings(path, now=NOW)
        assert (loaded.settings, loaded.backup) == (Settings(), None)
        assert loaded.notice is not None
        assert "cannot be read (Is a directory)" in loaded.notice
        assert "leaves the file as it is" in loaded.notice
        assert sorted(os.listdir(path)) == before  # not ours to move
        assert sorted(p.name for p in folder.iterdir()) == ["settings.json"]


@given(
    st.binary(max_size=100) | settings_like.map(json_bytes),
    st.sampled_from([errno.EACCES, errno.EPERM, errno.EIO, errno.ELOOP, errno.ENAMETOOLONG]),
)
@settings(max_examples=budget(ci=100, share=0.2), suppress_health_check=SLOW)
def test_an_unreadable_file(content: bytes, code: int) -> None:
    """Reading fails (permissions: simulated, as root reads anything): defaults, file kept."""
    with _folder() as folder, captured("claude_meter.settings") as records:
        path = folder / "settings.json"
        path.write_bytes(content)
        failure = OSError(code, os.strerror(code), str(path))
        with mock.patch.object(Path, "read_bytes", side_effect=failure):
            loaded = load_settings(path, now=NOW)
        assert (loaded.settings, loaded.backup) == (Settings(), None)
        assert loaded.notice is not None
        assert _files(folder) == {"settings.json": content}  # left where it is, unchanged
        assert all(SECRET_MARK not in r.getMessage() for r in records)
