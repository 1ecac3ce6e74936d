"""Whether a display answers: real sockets, listening or not (platform/display.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from claude_meter.platform.display import unanswered, wayland_answers, x11_answers


@contextmanager
def listening(path: str) -> Iterator[None]:
    with closing(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)) as server:
        server.bind(path)
        server.listen(16)
        yield


def test_an_x_server_answers_on_its_socket_file_or_its_abstract_twin(tmp_path: Path) -> None:
    assert not x11_answers(":7", tmp_path)
    with listening(str(tmp_path / "X7")):
        assert x11_answers(":7", tmp_path)
        assert x11_answers(":7.0", tmp_path)
        assert x11_answers("unix:7", tmp_path)
        assert not x11_answers(":8", tmp_path)
    assert not x11_answers(":7", tmp_path)  # the file is left behind, nobody listens: silent
    with listening(f"\0{tmp_path}/X9"):  # Linux: Xorg and Xvfb listen here too
        assert x11_answers(":9", tmp_path)


def test_a_display_on_a_host_answers_on_tcp_port_6000_plus_its_number() -> None:
    with closing(socket.socket()) as server:
        for number in range(50, 100):  # a free port in 6050..6099
            try:
                server.bind(("127.0.0.1", 6000 + number))
                break
            except OSError:
                continue
        server.listen(16)
        assert x11_answers(f"127.0.0.1:{number}.0")
    assert not x11_answers(f"127.0.0.1:{number}")


def test_names_qt_could_not_use_either_do_not_answer(tmp_path: Path) -> None:
    for name in ("", "0", ":", ":x", "host:"):
        assert not x11_answers(name, tmp_path)


def test_a_wayland_compositor_answers_at_its_name_or_path(tmp_path: Path) -> None:
    assert not wayland_answers("wayland-1", str(tmp_path))
    with listening(str(tmp_path / "wayland-1")):
        assert wayland_answers("wayland-1", str(tmp_path))
        assert wayland_answers(str(tmp_path / "wayland-1"), None)
        assert not wayland_answers("wayland-1", None)  # no runtime folder: nowhere to look


def test_unanswered_names_each_display_found_silent(tmp_path: Path) -> None:
    runtime = str(tmp_path)
    assert unanswered({}, tmp_path) is None  # nothing named: not this module's question
    both = {"DISPLAY": ":5", "WAYLAND_DISPLAY": "wayland-5", "XDG_RUNTIME_DIR": runtime}
    assert unanswered(both, tmp_path) == (
        "no X server answers at DISPLAY=:5 and no Wayland compositor answers at "
        "WAYLAND_DISPLAY=wayland-5"
    )
    assert unanswered({"DISPLAY": ":5"}, tmp_path) == "no X server answers at DISPLAY=:5"
    with listening(str(tmp_path / "wayland-5")):
        assert unanswered(both, tmp_path) is None  # one answering is enough: Qt falls back
    with listening(str(tmp_path / "X5")):
        assert unanswered(both, tmp_path) is None


def test_qt_qpa_platform_is_checked_for_the_display_it_asks_for(tmp_path: Path) -> None:
    """``QT_QPA_PLATFORM=xcb`` on a dead display aborted Qt (134) with no check first."""
    runtime = str(tmp_path)
    dead_x = {"DISPLAY": ":5", "XDG_RUNTIME_DIR": runtime}
    assert unanswered(dead_x | {"QT_QPA_PLATFORM": "xcb"}, tmp_path) == (
        "no X server answers at DISPLAY=:5"
    )
    assert unanswered({"QT_QPA_PLATFORM": "xcb"}, tmp_path) == "DISPLAY is not set"
    # Only the platform asked for counts: a live compositor does not save an xcb start.
    with listening(str(tmp_path / "wayland-5")):
        asked_x = dead_x | {"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-5"}
        assert unanswered(asked_x, tmp_path) == "no X server answers at DISPLAY=:5"
    for wayland in ("wayland", "wayland-egl", "Wayland-EGL", "wayland:option=1"):
        env = {"QT_QPA_PLATFORM": wayland, "XDG_RUNTIME_DIR": runtime, "DISPLAY": ":5"}
        assert unanswered(env, tmp_path) == (
            "no Wayland compositor answers at wayland-0 (WAYLAND_DISPLAY is not set)"
        )
        with listening(str(tmp_path / "wayland-0")):  # libwayland's default name
            assert unanswered(env, tmp_path) is None
        (tmp_path / "wayland-0").unlink()
        named = env | {"WAYLAND_DISPLAY": "wayland-5"}
        assert unanswered(named, tmp_path) == (
            "no Wayland compositor answers at WAYLAND_DISPLAY=wayland-5"
        )
        assert unanswered(named | {"WAYLAND_SOCKET": "3"}, tmp_path) is None  # handed down


def test_a_fallback_list_needs_one_platform_that_works(tmp_path: Path) -> None:
    env = {"DISPLAY": ":5", "WAYLAND_DISPLAY": "wayland-5", "XDG_RUNTIME_DIR": str(tmp_path)}
    both = env | {"QT_QPA_PLATFORM": "wayland;xcb;"}
    assert unanswered(both, tmp_path) == (
        "no Wayland compositor answers at WAYLAND_DISPLAY=wayland-5 and "
        "no X server answers at DISPLAY=:5"
    )
    with listening(str(tmp_path / "X5")):
        assert unanswered(both, tmp_path) is None
    with listening(str(tmp_path / "wayland-5")):
        assert unanswered(both, tmp_path) is None
    twice = env | {"QT_QPA_PLATFORM": "wayland;wayland-egl"}
    assert unanswered(twice, tmp_path) == (
        "no Wayland compositor answers at WAYLAND_DISPLAY=wayland-5"
    )


def test_platforms_that_need_no_display_are_left_to_qt(tmp_path: Path) -> None:
    dead = {"DISPLAY": ":5", "WAYLAND_DISPLAY": "wayland-5", "XDG_RUNTIME_DIR": str(tmp_path)}
    for platform in ("offscreen", "minimal", "vnc:size=800x600", "eglfs", "xcb;offscreen"):
        assert unanswered(dead | {"QT_QPA_PLATFORM": platform}, tmp_path) is None
    assert unanswered(dead | {"QT_QPA_PLATFORM": " "}, tmp_path) == (  # blank: Qt's default
        "no X server answers at DISPLAY=:5 and no Wayland compositor answers at "
        "WAYLAND_DISPLAY=wayland-5"
    )
