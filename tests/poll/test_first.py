"""The tray's first poll starts at once on its own thread; the worker's first call takes its
result, later calls fetch again; a saved deadline still ahead keeps it from starting early."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.core.models import FetchError, FetchResult
from claude_meter.core.state import SavedState
from claude_meter.poll.first import FirstPoll

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


class Server:
    """A fetch that answers each call with its number, on whichever thread calls it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.called = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self) -> FetchResult:
        self.calls.append(threading.current_thread().name)
        self.called.set()
        assert self.release.wait(10)
        return FetchResult(
            source="web",
            fetched_at=NOW + timedelta(seconds=len(self.calls)),
            error=FetchError(kind="network", message=f"call {len(self.calls)}"),
        )


def message(result: FetchResult) -> str:
    assert result.error is not None
    return result.error.message


def test_the_first_poll_runs_before_it_is_asked_for_and_is_not_fetched_twice() -> None:
    server = Server()
    first = FirstPoll(server)
    assert server.called.wait(10)  # started at construction, on its own thread
    assert server.calls == ["claude-meter-first-poll"]
    assert message(first()) == "call 1"  # the early poll's result, no second request
    assert server.calls == ["claude-meter-first-poll"]
    assert not first.early
    assert message(first()) == "call 2"  # later polls fetch as before, on the caller's thread
    assert server.calls == ["claude-meter-first-poll", threading.current_thread().name]


def test_the_first_call_waits_for_an_early_poll_still_running() -> None:
    server = Server()
    server.release.clear()
    first = FirstPoll(server)
    assert server.called.wait(10)
    answers: list[FetchResult] = []
    caller = threading.Thread(target=lambda: answers.append(first()))
    caller.start()
    caller.join(0.05)
    assert caller.is_alive()  # still waiting for the network
    assert answers == []
    server.release.set()
    caller.join(10)
    assert [message(a) for a in answers] == ["call 1"]
    assert len(server.calls) == 1


def test_a_failure_of_the_early_poll_is_raised_by_the_first_call() -> None:
    calls = []

    def broken() -> FetchResult:
        calls.append(1)
        raise RuntimeError("a bug in the fetch")

    first = FirstPoll(broken)
    with pytest.raises(RuntimeError, match="a bug in the fetch"):
        first()  # as the fetch itself would have raised it, for the worker to report
    with pytest.raises(RuntimeError):
        first()  # the next poll is a new fetch
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("deadline", "early"),
    [
        (None, True),
        (NOW - timedelta(seconds=1), True),  # past: the worker would poll at once
        (NOW + timedelta(minutes=5), False),  # ahead: the worker waits for it
    ],
)
def test_a_saved_deadline_still_ahead_keeps_the_first_poll_from_starting_early(
    deadline: datetime | None, early: bool
) -> None:
    server = Server()
    saved = SavedState(not_before={} if deadline is None else {"web": deadline})
    first = FirstPoll.unless_held(server, saved, "web", NOW)
    assert first.early is early
    if early:
        assert server.called.wait(10)
    else:
        assert server.calls == []  # nothing was started: no thread, no request
    assert message(first()) == "call 1"
    assert len(server.calls) == 1


def test_a_deadline_of_another_route_does_not_hold_the_first_poll() -> None:
    server = Server()
    saved = SavedState(not_before={"claude-code": NOW + timedelta(minutes=5)})
    assert FirstPoll.unless_held(server, saved, "web", NOW).early
    assert server.called.wait(10)
