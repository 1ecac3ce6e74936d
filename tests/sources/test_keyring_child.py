"""The tray's keyring helper: each call in a real child process, and what it does when that
child is locked out, dies, hangs, is asked nonsense or is run from a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.keyring_child import (
    ASK_AGAIN_SECONDS,
    CHILD_ARGUMENT,
    INTERNAL_ONLY,
    KeyringChildError,
    KeyringInChild,
    child_command,
    holds_nothing,
    wanted,
)
from claude_meter.sources.keyring_config import configured_backend
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, SessionStore
from claude_meter.sources.session_cache import SessionCache, stamp_path
from tests.conftest import TEST_SESSION_KEY
from tests.support.logs import captured

ROOT = Path(__file__).resolve().parents[2]
COOKIES = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")


def child_env(backend: str, keyring_file: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    if keyring_file is not None:
        env["CLAUDE_METER_TEST_KEYRING"] = str(keyring_file)
    return env


@pytest.fixture
def keyring_file(tmp_path: Path) -> Path:
    return tmp_path / "keyring.json"


@pytest.fixture
def child(keyring_file: Path) -> KeyringInChild:
    return KeyringInChild(env=child_env("tests.sources.memory_keyring.FileKeyring", keyring_file))


def test_save_load_delete_each_run_in_a_child_process(
    child: KeyringInChild, keyring_file: Path
) -> None:
    store = SessionStore(child)
    assert store.usable()
    assert store.backend_name() == "tests.sources.memory_keyring.FileKeyring"
    assert store.save(COOKIES).persisted
    stored = json.loads(keyring_file.read_text())
    assert stored == {f"{SERVICE}/{SESSION_ENTRY}": COOKIES.header().reveal()}
    assert SessionStore(child).load() == COOKIES
    assert SessionStore(child).delete() is True
    assert json.loads(keyring_file.read_text()) == {}
    assert SessionStore(child).load() is None
    assert child.calls >= 5  # describe, set, get, get + delete, get: each its own process


def test_child_is_the_program_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    assert child_command() == [sys.executable, "-P", "-m", "claude_meter", CHILD_ARGUMENT]
    assert wanted("linux")
    assert not wanted("darwin")
    assert not wanted("win32")
    # Frozen, from the Linux single file: sys.executable names the downloaded file (which the
    # person may move or replace); the child is the program actually running.
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/home/someone/Downloads/claude-meter-linux-x86_64")
    assert child_command() == [os.path.realpath("/proc/self/exe"), CHILD_ARGUMENT]


def test_an_unusable_answer_is_asked_again_after_a_while(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tray may start before the Secret Service does: "no keyring" is not for good."""
    child = KeyringInChild(env=child_env("tests.sources.memory_keyring.UnavailableKeyring"))
    assert child.describe()[2] == 0
    assert child.describe()[2] == 0
    assert child.calls == 1
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + ASK_AGAIN_SECONDS + 1)
    child.describe()
    assert child.calls == 2


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        ("tests.sources.memory_keyring.LockedKeyring", "the keyring is locked"),
        ("keyring.backends.fail.Keyring", "no keyring backend is available"),
    ],
    ids=["locked", "none"],
)
def test_an_unusable_keyring_in_the_child_is_said_as_in_process(backend: str, why: str) -> None:
    child = KeyringInChild(env=child_env(backend))
    store = SessionStore(child)
    saved = store.save(COOKIES)
    assert not saved.persisted
    assert saved.message is not None
    assert why in saved.message
    assert TEST_SESSION_KEY not in saved.message
    assert SessionStore(child).load() is None


@pytest.mark.parametrize(
    "backend", ["keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"]
)
@pytest.mark.parametrize("where", ["environment", "keyringrc"])
def test_a_backend_that_holds_nothing_is_answered_without_a_child(
    backend: str, where: str, tmp_path: Path
) -> None:
    """The answer is the one the child itself gives (asked here of a real child), and no
    child is started for it."""
    env = {**child_env(backend), "XDG_CONFIG_HOME": str(tmp_path)}
    if where == "keyringrc":
        del env["PYTHON_KEYRING_BACKEND"]
        (tmp_path / "python_keyring").mkdir()
        rc = f"[backend]\nDefault-Keyring = {backend} \n"
        (tmp_path / "python_keyring" / "keyringrc.cfg").write_text(rc, encoding="utf-8")
    asked = json.dumps({"call": "get_password", "args": [SERVICE, SESSION_ENTRY]}).encode()
    real = json.loads(run_child(asked, env=env).stdout)
    child = KeyringInChild(env=env)
    assert list(child.describe()) == real["identity"]
    if "error" in real:
        with pytest.raises(KeyringChildError) as raised:
            child.get_password(SERVICE, SESSION_ENTRY)
        assert raised.value.why == real["error"]
    else:
        assert child.get_password(SERVICE, SESSION_ENTRY) == real["value"] is None
    store = SessionStore(child)
    assert store.load() is None
    assert not store.usable()
    assert not store.save(COOKIES).persisted
    assert child.calls == 0


def test_the_configuration_is_read_as_keyring_reads_it(tmp_path: Path) -> None:
    rc = tmp_path / "python_keyring" / "keyringrc.cfg"
    env = {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path)}
    assert configured_backend(env) is None  # no file: keyring chooses, the child says
    rc.parent.mkdir()
    rc.write_text("[backend]\ndefault-keyring=keyring.backends.fail.Keyring\n", encoding="utf-8")
    assert holds_nothing(env) is not None
    # the environment comes first, as it is (keyring does not strip it)
    assert configured_backend({**env, "PYTHON_KEYRING_BACKEND": "x.Y"}) == "x.Y"
    assert (
        holds_nothing({**env, "PYTHON_KEYRING_BACKEND": " keyring.backends.fail.Keyring"}) is None
    )
    for text in ("not a config", "[backend]\nkeyring-path = /x\n", "[other]\na = b\n", "\udcff"):
        rc.write_text(text, encoding="utf-8", errors="surrogateescape")
        assert holds_nothing(env) is None, text
    rc.write_text("[backend]\ndefault-keyring = keyring.backends.null.Keyring\n", encoding="utf-8")
    assert holds_nothing({"HOME": str(tmp_path)}) is None  # ~/.config without XDG_CONFIG_HOME
    assert holds_nothing({"HOME": str(tmp_path / "h"), "XDG_CONFIG_HOME": ""}) is None
    (tmp_path / "h").mkdir()
    (tmp_path / "h" / ".config").symlink_to(tmp_path)
    assert holds_nothing({"HOME": str(tmp_path / "h"), "XDG_CONFIG_HOME": ""}) is not None


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("import sys; sys.exit(3)", "the keyring helper process failed (exit status 3)"),
        ("print('not json')", "the keyring helper process failed (exit status 0)"),
        ("print('[1, 2]')", "the keyring helper process failed (exit status 0)"),
        ("print('{\"identity\": [1]}')", "the keyring helper process failed (exit status 0)"),
    ],
    ids=["dies", "garbage", "not-an-object", "bad-identity"],
)
def test_a_broken_child_is_a_message_not_a_crash(script: str, expected: str) -> None:
    child = KeyringInChild([sys.executable, "-c", script])
    with pytest.raises(KeyringChildError) as raised:
        child.get_password(SERVICE, SESSION_ENTRY)
    assert raised.value.why == expected
    store = SessionStore(child)
    assert store.load() is None
    assert store.problem == expected
    assert not store.usable()  # describe() failed too: unusable, and said why
    assert store.problem == expected


def test_a_child_that_never_answers_is_killed_after_the_timeout() -> None:
    child = KeyringInChild([sys.executable, "-c", "import time; time.sleep(60)"], timeout=1)
    with pytest.raises(KeyringChildError, match=r"did not answer within 1 s \(is it locked\?\)"):
        child.get_password(SERVICE, SESSION_ENTRY)


def test_close_kills_a_child_waiting_for_an_unlock_prompt() -> None:
    # The child reads its request, then waits: a prompt unanswered. (Not for a line on stdin:
    # the request's end closes it, so such a child ended at once by itself, exit status 0.)
    waiting = "import sys, time; sys.stdin.read(); time.sleep(60)"
    child = KeyringInChild([sys.executable, "-c", waiting])
    failures: list[KeyringChildError] = []

    def call() -> None:
        try:
            child.get_password(SERVICE, SESSION_ENTRY)
        except KeyringChildError as exc:
            failures.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    while not child._running and thread.is_alive():  # until the child exists
        threading.Event().wait(0.01)
    child.close()
    thread.join(10)
    assert not thread.is_alive()
    assert [f.why for f in failures] == ["the keyring helper process failed (exit status -9)"]
    with pytest.raises(KeyringChildError, match="quitting"):
        child.get_password(SERVICE, SESSION_ENTRY)


def run_child(stdin: bytes, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    kwargs.setdefault("env", child_env("keyring.backends.fail.Keyring"))
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "claude_meter", CHILD_ARGUMENT],
        input=stdin,
        capture_output="stdout" not in kwargs,
        timeout=60,
        check=False,
        **kwargs,
    )


@pytest.mark.parametrize(
    "request_text",
    [
        b"",
        b"not json",
        b"[]",
        b'{"call": "get_credential", "args": ["claude-meter", "x"]}',
        b'{"call": "get_password", "args": "claude-meter"}',
        b'{"call": "get_password", "args": ["claude-meter", 1]}',
        b'{"call": "set_password", "args": ["a", "b", "c", "d"]}',
        b'{"call": "__init__", "args": []}',
    ],
)
def test_the_child_refuses_a_request_it_does_not_understand(request_text: bytes) -> None:
    done = run_child(request_text)
    assert done.returncode == 1
    assert done.stdout == b""
    assert b"the keyring helper got a request it does not understand" in done.stderr
    assert b"Traceback" not in done.stderr


def test_the_child_will_not_write_to_a_terminal(tmp_path: Path) -> None:
    """A person who types the internal command sees a sentence, never their secret."""
    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "claude_meter", CHILD_ARGUMENT],
            input=b'{"call": "get_password", "args": ["claude-meter", "claude.ai session"]}',
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
            env=child_env("keyring.backends.fail.Keyring"),
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 1
    assert done.stderr.decode().strip() == INTERNAL_ONLY


def test_nothing_secret_reaches_a_log_or_a_message(child: KeyringInChild) -> None:
    with captured("claude_meter") as records:
        store = SessionStore(child)
        store.save(COOKIES)
        store.load()
        broken = SessionStore(KeyringInChild([sys.executable, "-c", "import sys; sys.exit(1)"]))
        broken.save(COOKIES)
    text = "".join(r.getMessage() for r in records) + str(store.problem) + str(broken.problem)
    assert "keyring" in text
    assert TEST_SESSION_KEY not in text


def test_an_early_read_is_the_first_reads_answer(child: KeyringInChild, tmp_path: Path) -> None:
    assert SessionStore(child).save(COOKIES).persisted
    early = KeyringInChild(env=child._env)
    early.start_early(SERVICE, SESSION_ENTRY, stamp_path(SESSION_ENTRY))
    assert early.calls == 1
    assert early.describe()[1] == "FileKeyring"  # another call: a child of its own
    assert early.calls == 2
    assert SessionStore(early, cache=SessionCache()).load() == COOKIES  # the early answer
    assert early.calls == 2
    assert early.get_password(SERVICE, SESSION_ENTRY) == COOKIES.header().reveal()
    assert early.calls == 3  # taken once only


def test_an_early_read_is_not_taken_once_the_entry_changed(
    child: KeyringInChild, keyring_file: Path
) -> None:
    """What ClaudeMeter stored while the early child read is what the first read gives."""
    early = KeyringInChild(env=child._env)
    early.start_early(SERVICE, SESSION_ENTRY, stamp_path(SESSION_ENTRY))
    assert SessionStore(child).save(COOKIES).persisted  # stamps the entry as changed
    assert SessionStore(early, cache=SessionCache()).load() == COOKIES
    assert early.calls == 2
    assert not early._running


def test_close_kills_an_early_read_never_taken(child: KeyringInChild) -> None:
    waiting = "import sys, time; sys.stdin.read(); time.sleep(60)"
    early = KeyringInChild([sys.executable, "-c", waiting])
    early.start_early(SERVICE, SESSION_ENTRY, stamp_path(SESSION_ENTRY))
    (process,) = early._running
    early.close()
    assert process.wait(10) == -9
