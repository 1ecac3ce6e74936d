"""The side-by-side table of ``benchmarks/peers.py``: one column per program, ClaudeMeter first,
and the ratios ClaudeMeter / peer. Pure formatting of what was measured."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from typing import Protocol


class Measured(Protocol):
    """What the table reads of a program (``benchmarks.peer_run.Program``)."""

    name: str
    version: str
    shows: str
    requests: bool
    failure: str | None
    cli: list[str] | None
    cli_failure: str | None
    python: str
    starts: list[float]
    lower_bounds: list[float]
    rss_60: tuple[float, float, float] | None
    rss_600: tuple[float, float, float] | None
    idle_cpu: float | None
    idle_requests: int | None
    cli_times: list[float]
    cli_cpus: list[float]
    cli_requests: set[int]
    first_cli: tuple[float, int] | None
    refused_hosts: set[str]

    @property
    def label(self) -> str: ...


def requests_text(counts: set[int]) -> str:
    if not counts or counts == {0}:
        return "no request"
    shown = "-".join(str(n) for n in sorted({min(counts), max(counts)}))
    return f"{shown} request{'' if counts == {1} else 's'}"


def _start(p: Measured) -> str:
    if not p.starts:
        return "-"
    text = f"{statistics.median(p.starts):.2f} s"
    return text if p.requests else f"{text} (no request)"


def _rss(value: tuple[float, float, float] | None) -> str:
    return "-" if value is None else f"{value[0]:.1f} MB (anon {value[1]:.1f})"


def _cli(p: Measured) -> str:
    if p.cli is None:
        return "no CLI"
    if p.cli_failure:
        return f"failed: {p.cli_failure}"
    if not p.cli_times:
        return "-"
    return f"{statistics.median(p.cli_times):.2f} s, {requests_text(p.cli_requests)}"


def _cli_cpu(p: Measured) -> str:
    if p.cli is None or p.cli_failure or not p.cli_cpus:
        return "-"
    return f"{statistics.median(p.cli_cpus):.2f} s"


def _first_cli(p: Measured) -> str:
    if p.first_cli is None:
        return "-"
    took, asked = p.first_cli
    return f"{took:.2f} s, {requests_text({asked})}"


def _lower_bound(p: Measured) -> str:
    return f"{statistics.median(p.lower_bounds):.2f} s" if p.lower_bounds else "-"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _cpu(p: Measured) -> str:
    return "-" if p.idle_cpu is None else f"{p.idle_cpu:.2f} s"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs <= 0:
        return "-"
    return f"{ours / theirs:.2f}"


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


#: (the row's name, how a program's cell is written); ``{n}`` and friends filled in by render.
ROWS: tuple[tuple[str, Callable[[Measured], str]], ...] = (
    ("tray start, median of {starts}", _start),
    ("start: window shown and first answer sent (a lower bound)", _lower_bound),
    ("resident memory at 60 s", lambda p: _rss(p.rss_60)),
    ("resident memory at 10 min", lambda p: _rss(p.rss_600)),
    ("CPU over {idle} idle", _cpu),
    (
        "requests in those {idle}",
        lambda p: "-" if p.idle_requests is None else str(p.idle_requests),
    ),
    ("status CLI, median of {cli_runs}", _cli),
    ("status CLI, its CPU (user + system), median", _cli_cpu),
    ("status CLI, first call in a new home", _first_cli),
    ("start detected by", lambda p: p.shows),
    ("other hosts it tried (refused)", lambda p: ", ".join(sorted(p.refused_hosts)) or "none"),
    ("Python", lambda p: p.python or "-"),
)


def render(
    programs: Sequence[Measured], starts: int, cli_runs: int, idle: float, long: bool
) -> str:
    """The Markdown table, then the ratios ClaudeMeter / peer (below 1: ClaudeMeter is less)."""
    idle_text = f"{idle / 60:g} min" if idle >= 60 else f"{idle:g} s"
    head = "| | " + " | ".join(_cell(p.label) for p in programs) + " |"
    lines = [head, "|---" * (len(programs) + 1) + "|"]
    for name, cell in ROWS:
        if name.startswith("resident memory at 10") and not long:
            continue
        title = name.format(starts=starts, cli_runs=cli_runs, idle=idle_text)
        cells = []
        for p in programs:
            value = cell(p)
            if p.failure is not None and name.startswith("tray start"):
                value = f"**{p.failure}**"  # why, where the start would be
            elif p.failure is not None and name.startswith(("start:", "resident", "CPU", "req")):
                value = "-"
            cells.append(_cell(value))
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    ours, peers = programs[0], programs[1:]
    if peers:
        lines += ["", "ClaudeMeter / peer (below 1: ClaudeMeter takes less):", ""]
        lines.append("| | " + " | ".join(_cell(p.label) for p in peers) + " |")
        lines.append("|---" * (len(peers) + 1) + "|")
        figures: tuple[tuple[str, Callable[[Measured], float | None]], ...] = (
            ("tray start", lambda p: _median(p.starts)),
            ("resident memory at 60 s", lambda p: p.rss_60[0] if p.rss_60 else None),
            ("anonymous memory at 60 s", lambda p: p.rss_60[1] if p.rss_60 else None),
            ("CPU while idle", lambda p: p.idle_cpu),
            ("status CLI", lambda p: _median(p.cli_times)),
        )
        for name, figure in figures:
            cells = [_ratio(figure(ours), figure(p)) for p in peers]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plain(programs: Sequence[Measured]) -> str:
    """The figures as text lines, for the console and the report's output block."""
    lines = []
    for p in programs:
        starts = " ".join(f"{s:.3f}" for s in p.starts)
        lines.append(f"{p.label}: " + (f"FAILED {p.failure}; " if p.failure else ""))
        lines[-1] += (
            f"starts [{starts}]; rss60 {_rss(p.rss_60)}; rss600 {_rss(p.rss_600)}; "
            f"idle cpu {_cpu(p)}, {p.idle_requests} requests; cli {_cli(p)} "
            f"(CPU {_cli_cpu(p)}); "
            f"first cli {_first_cli(p)}"
        )
    return "\n".join(lines)
