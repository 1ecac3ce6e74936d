"""Write ``docs/benchmarks.md`` from the figures the benchmark scripts recorded.

Each script (``tray_bench``, ``soak``, ``status_latency``, ``requests_per_hour``,
``bundle_bench``, ``bridge_abuse``, ``history_bench``, ``transport_bench``,
``cached_latency``, ``peers``, ...) records its figures in
``benchmarks/results/<name>.json`` when it runs. This script renders them, with each
script's method (its docstring) and any notes in ``benchmarks/notes/<name>.md`` (what a
rerun must not erase: a before/after comparison), into one report. It measures nothing
itself.

Run everything, then the report::

    .venv/bin/python benchmarks/report.py --run      # all scripts, about 55 minutes
    .venv/bin/python benchmarks/report.py            # only re-render from the results
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results import load

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"
NOTES = ROOT / "benchmarks" / "notes"

#: (script, section title) in the report's order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("tray_bench", "The tray app: start, memory, CPU"),
    ("accounts_bench", "The tray with 1, 2 and 4 accounts"),
    ("tray_host_bench", "A tray found late: latency and the cost of looking"),
    ("soak", "Soak: 10,000 faulty polls"),
    ("demo_start", "The demo's start"),
    ("display_probe", "Looking for the display before Qt starts"),
    ("status_latency", "`claude-meter status --json` latency"),
    ("status_accounts_bench", "`claude-meter status --json` with several accounts"),
    ("cached_latency", "Zero-request reads: `statusline` and `status --cached`"),
    ("transport_bench", "claude.ai's transports: httpx and the browser-like one"),
    ("requests_per_hour", "Requests per hour per organization"),
    ("bundle_bench", "The Linux bundles: size and start"),
    ("bridge_abuse", "The bridge under abuse"),
    ("history_bench", "Usage history"),
    ("history_window_bench", "The History window with 90 days of readings"),
    ("wayland_popover", "The popover on Wayland"),
    ("popover_cost", "An open popover: ticks, readings, growth"),
    ("peers", "Side by side with the peers from PyPI"),
    ("import_costs", "What each layer costs to load: the difference to the peers"),
)


def method_of(script: str) -> str:
    source = (ROOT / "benchmarks" / f"{script}.py").read_text(encoding="utf-8")
    return ast.get_docstring(ast.parse(source)) or ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    lines = [
        "# Benchmarks",
        "",
        "Produced by `benchmarks/report.py` from the figures each script in `benchmarks/`",
        "recorded when it last ran (`benchmarks/results/*.json`). Rerun a script, then the",
        "report, to update its section; `benchmarks/report.py --run` reruns them all. Each",
        "section gives the method, this machine's figures and the target from the issues.",
        "",
        "## Summary",
        "",
        "| figure | target | measured | |",
        "|---|---|---|---|",
    ]
    sections: list[str] = []
    for script, title in SECTIONS:
        data = load(script)
        sections += ["", f"## {title}", ""]
        if data is None:
            sections.append(f"Not measured yet: run `.venv/bin/python benchmarks/{script}.py`.")
            continue
        rows = data["rows"]
        assert isinstance(rows, list)
        for row in rows:
            mark = {True: "met", False: "**not met**", None: ""}[row["met"]]
            lines.append(
                f"| {_cell(row['figure'])} | {_cell(row['target']) or '-'} | "
                f"{_cell(row['measured'])} | {mark} |"
            )
        machine = data["machine"]
        assert isinstance(machine, dict)
        sections += [
            f"`{data['command']}`, {data['date']}; {machine['cpus']} CPUs, Python "
            f"{machine['python']}, {machine['system']}, load average "
            f"{machine['load_before']} when it started"
            + (f", {machine['load_after']} at its end." if "load_after" in machine else "."),
            "",
            *([str(data["markdown"]), ""] if data.get("markdown") else []),
            "**Method.** " + method_of(script),
            "",
            "**Output.**",
            "",
            "```text",
            str(data["output"]).rstrip(),
            "```",
        ]
        notes = NOTES / f"{script}.md"
        if notes.exists():  # comparisons worth keeping across reruns, written by hand
            sections += ["", notes.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines + sections) + "\n"


def run_all() -> None:
    for script, _ in SECTIONS:
        print(f"== {script}", flush=True)
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{script}.py")], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run every benchmark first")
    args = parser.parse_args()
    if args.run:
        run_all()
    REPORT.write_text(render(), encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
