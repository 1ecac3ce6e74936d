"""What each layer the tray loads costs, in memory and in start time: where the difference to
claude-usage-widget (``peers.py``) comes from.

Method. A fresh interpreter (this checkout's virtual environment, bytecode cached, nothing
else running in it) imports the layers below one after the other, in the order the tray
meets them, and after each reads its own resident memory from ``/proc/self/status`` (VmRSS,
and of it the anonymous pages) and the wall time the import took. Each layer's figure is the
difference to the layer before, so a module two layers share is counted once, in the first.
The layers:

1. ``PySide6.QtWidgets``: Qt and its binding, what every PySide6 app loads, the widget too,
   imported as the tray imports it (``claude_meter.cli.tray_start.forget_pyside_source_reads``):
   PySide6's import hook looks at the source of every module imported after it, and left
   to itself keeps a copy of each in ``linecache`` (some 1-3 MB in each layer below), which
   the tray does not hold;
2. ``ssl``, ``urllib.request``, ``json``: the standard library's HTTPS client, all the
   widget needs to ask the server (``http.client``, ``email``, ``socket``), and all the tray
   uses too (``clients/connection.py``);
3. ``sqlite3``: the history's database;
4. ``msgspec``: the validating library the models are built on;
5. ``claude_meter.core.models`` and the other models the tray reads at start (settings,
   state, accounts, the OAuth hold), with each struct's decoder built (msgspec builds it at
   a type's first use, which the tray's start makes: it reads the settings and its state):
   ClaudeMeter's own data types;
6. ``claude_meter.qt.compose`` (with ``sources.keyring_early``, which the tray imports
   first): everything else of the tray (its Qt layer, sources, clients, polls, history),
   loaded as its start does.

Every layer is measured in --runs processes (default 7); the median of each difference is
reported, with the total. The claude-usage-widget figure next to it is its own whole process
at 60 s from ``benchmarks/results/peers.json`` (the last full peers run), not measured here.

Until issue 19 the models were pydantic models and HTTP was httpx's: layers 4 and 5 were then
pydantic, its schema machinery and the models, 14.5 MB and 77 ms, against 3.4 MB and 11 ms for
the same classes as msgspec Structs, and httpx beyond the standard library was another layer
(1.6 MB and 17 ms, measured the tray's way; ``notes/import_costs.md``). Those comparisons were
what decided the moves.

Run: ``.venv/bin/python benchmarks/import_costs.py [--runs 7]``. About 10 seconds. No target:
it explains the peers' memory and start rows.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.results import Row, load, measure_as_installed, record

#: The modules holding the models the tray reads at start.
MODEL_MODULES = (
    "claude_meter.core.models",
    "claude_meter.core.settings",
    "claude_meter.core.state",
    "claude_meter.core.accounts",
    "claude_meter.core.oauth_hold",
)

#: Imports the models and builds each struct's decoder, as their first use at start does.
MODELS = f"""
import importlib
_decoders = {{}}
for _name in {MODEL_MODULES!r}:
    for _value in vars(importlib.import_module(_name)).values():
        if (isinstance(_value, type) and issubclass(_value, msgspec.Struct)
                and _value.__module__ == _name):
            _decoders[_value.__qualname__] = msgspec.json.Decoder(_value)
"""

LAYERS: tuple[tuple[str, str], ...] = (
    (
        "Qt (PySide6.QtWidgets)",
        "from claude_meter.cli.tray_start import forget_pyside_source_reads\n"
        "forget_pyside_source_reads()\nimport PySide6.QtWidgets",
    ),
    ("standard HTTPS client (ssl, urllib.request, json)", "import ssl, urllib.request, json"),
    ("sqlite3", "import sqlite3"),
    ("msgspec, the package", "import msgspec, msgspec.json"),
    ("ClaudeMeter's models", MODELS),
    (
        "the rest of ClaudeMeter's tray",
        "import claude_meter.sources.keyring_early, claude_meter.qt.compose",
    ),
)

PROBE = """
import json, sys, time
def now():
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["RssAnon"], time.perf_counter()
steps = json.loads(sys.argv[1])
out = [now()]
for code in steps:
    exec(code, globals())
    out.append(now())
print(json.dumps(out))
"""


def one_run(layers: tuple[tuple[str, str], ...] = LAYERS) -> list[tuple[float, float, float]]:
    """(RSS MB, anonymous MB, ms) added by each layer, in one fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([code for _, code in layers])],
        capture_output=True,
        text=True,
        check=True,
    )
    points = json.loads(done.stdout)
    return [(b[0] - a[0], b[1] - a[1], (b[2] - a[2]) * 1000) for a, b in itertools.pairwise(points)]


def widget_figure() -> str:
    data = load("peers")
    if data is None:
        return "not measured (run benchmarks/peers.py)"
    output = str(data.get("output", ""))
    for line in output.splitlines():
        if line.startswith("claude-usage-widget") and "rss60" in line:
            return line.split("rss60", 1)[1].split(";", 1)[0].strip()
    return "not in the last peers run"


def medians_of(runs: list[list[tuple[float, float, float]]]) -> list[tuple[float, ...]]:
    return [
        tuple(statistics.median(run[i][k] for run in runs) for k in range(3))
        for i in range(len(runs[0]))
    ]


def table_of(
    layers: tuple[tuple[str, str], ...], medians: list[tuple[float, ...]], rows: list[Row]
) -> list[str]:
    table = [
        "| layer | resident memory | of it anonymous | import time |",
        "|---|---|---|---|",
    ]
    for (name, _), (rss, anon, ms) in zip(layers, medians, strict=True):
        table.append(f"| {name} | +{rss:.1f} MB | +{anon:.1f} MB | {ms:.0f} ms |")
        rows.append(
            Row(f"loading {name}", "", f"+{rss:.1f} MB (anon +{anon:.1f}), {ms:.0f} ms", None)
        )
    total_rss = sum(m[0] for m in medians)
    total_ms = sum(m[2] for m in medians)
    table.append(f"| all of the above | +{total_rss:.1f} MB | | {total_ms:.0f} ms |")
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    measure_as_installed()
    one_run()  # fills the bytecode caches
    medians = medians_of([one_run() for _ in range(args.runs)])
    rows: list[Row] = []
    table = table_of(LAYERS, medians, rows)
    models = [medians[4][k] + medians[5][k] for k in range(3)]
    rows.append(
        Row(
            "msgspec and ClaudeMeter's models together",
            "",
            f"+{models[0]:.1f} MB (anon +{models[1]:.1f}), {models[2]:.0f} ms",
            None,
        )
    )
    widget = widget_figure()
    output = "\n".join(
        [
            *table,
            "",
            f"median of {args.runs} processes each; claude-usage-widget's whole process at 60 s "
            f"in the last peers run: {widget}",
        ]
    )
    print(output)
    markdown = "\n".join(table)
    record("import_costs", rows, output, extra={"markdown": markdown})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
