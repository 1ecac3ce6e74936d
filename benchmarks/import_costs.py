"""What each layer the tray loads costs, in memory and in start time: where the difference to
claude-usage-widget (``peers.py``) comes from.

Method. A fresh interpreter (this checkout's virtual environment, bytecode cached, nothing
else running in it) imports the layers below one after the other, in the order the tray
meets them, and after each reads its own resident memory from ``/proc/self/status`` (VmRSS,
and of it the anonymous pages) and the wall time the import took. Each layer's figure is the
difference to the layer before, so a module two layers share is counted once, in the first.
The layers:

1. ``PySide6.QtWidgets``: Qt and its binding, what every PySide6 app loads, the widget too,
   imported as the tray imports it (``claude_meter.cli.forget_pyside_source_reads``):
   PySide6's import hook looks at the source of every module imported after it, and left
   to itself keeps a copy of each in ``linecache`` (some 1-3 MB in each layer below), which
   the tray does not hold;
2. ``ssl``, ``urllib.request``, ``json``: the standard library's HTTPS client, all the
   widget needs to ask the server (``http.client``, ``email``, ``socket``);
3. ``sqlite3``: the history's database;
4. ``httpx``: the HTTP client beyond what the standard library already loaded (``httpcore``,
   ``h11``, ``idna``, ``anyio``, ``http.cookiejar``);
5. ``pydantic``: the package itself;
6. the first model built: the schema machinery pydantic loads once, at the first class
   (measured with a two-field model);
7. ``claude_meter.core.models`` and the other models the tray reads at start (settings,
   state, accounts): ClaudeMeter's own data types;
8. ``claude_meter.qt.compose`` (with ``sources.keyring_early``, which the tray imports
   first): everything else of the tray (its Qt layer, sources, clients, polls, history),
   loaded as its start does.

Every layer is measured in --runs processes (default 7); the median of each difference is
reported, with the total. The claude-usage-widget figure next to it is its own whole process
at 60 s from ``benchmarks/results/peers.json`` (the last full peers run), not measured here.

A second chain answers "what would a lighter validating library save?": the same first three
layers, then msgspec (a validating library with a 0.2 MB wheel, against pydantic's 2.8 MB)
and ClaudeMeter's own model classes written as msgspec Structs: the same classes, field names
and field types, read off the pydantic models by a separate process and translated
mechanically, each with its decoder built (msgspec builds a type's decoder at first use,
pydantic at class creation). msgspec is not a dependency of ClaudeMeter: it is installed for
this measurement only, under the user's cache folder (``claude-meter-benchmarks/msgspec``),
never into the project's environment. The stand-in has the classes, not the validators and
module code around them, so it is a floor for what a rewrite would hold.

Run: ``.venv/bin/python benchmarks/import_costs.py [--runs 7]``. About 20 seconds (the first
run also installs msgspec). No target: it explains the peers' memory and start rows.
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

from benchmarks.peer_setup import cache_folder
from benchmarks.results import Row, load, measure_as_installed, record

#: The lighter library measured in the second chain (pinned: the figure is for this version).
MSGSPEC = "msgspec==0.23.0"

LAYERS: tuple[tuple[str, str], ...] = (
    (
        "Qt (PySide6.QtWidgets)",
        "from claude_meter.cli import forget_pyside_source_reads\n"
        "forget_pyside_source_reads()\nimport PySide6.QtWidgets",
    ),
    ("standard HTTPS client (ssl, urllib.request, json)", "import ssl, urllib.request, json"),
    ("sqlite3", "import sqlite3"),
    ("httpx, beyond the standard library", "import httpx"),
    ("pydantic, the package", "import pydantic"),
    (
        "pydantic's schema machinery (first model)",
        "class _First(pydantic.BaseModel):\n    a: int\n    b: str | None = None\n_First(a=1)",
    ),
    (
        "ClaudeMeter's models",
        "import claude_meter.core.models, claude_meter.core.settings, claude_meter.core.state, "
        "claude_meter.core.accounts",
    ),
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


#: Prints ClaudeMeter's pydantic models the tray reads at start as (qualified name, {field:
#: annotation}) pairs, in definition order (a class comes after the classes its fields name).
SPEC = """
import json, pydantic
import claude_meter.core.models, claude_meter.core.settings, claude_meter.core.state
import claude_meter.core.accounts, claude_meter.core.oauth_hold
found = []
def walk(cls):
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("claude_meter") and sub.model_fields:
            found.append((sub.__module__ + "." + sub.__qualname__,
                          {n: str(f.annotation) for n, f in sub.model_fields.items()}))
        walk(sub)
walk(pydantic.BaseModel)
print(json.dumps(found))
"""


def _short(annotation: str, names: dict[str, str]) -> str:
    """A pydantic annotation's text as source that names the stand-in classes."""
    text = annotation
    for qualified, short in names.items():
        text = text.replace(qualified, short)
    for long, short in (
        ("datetime.datetime", "datetime"),
        ("typing.Optional", "Optional"),
        ("typing.Literal", "Literal"),
    ):
        text = text.replace(long, short)
    if text.startswith("<class '") and text.endswith("'>"):
        text = text[len("<class '") : -2]
    return text


def msgspec_models() -> str:
    """Source defining ClaudeMeter's models as msgspec Structs and building their decoders."""
    done = subprocess.run([sys.executable, "-c", SPEC], capture_output=True, text=True, check=True)
    classes: list[tuple[str, dict[str, str]]] = json.loads(done.stdout)
    names = {qualified: qualified.rsplit(".", 1)[1].lstrip("_") for qualified, _ in classes}
    lines = [
        "from datetime import datetime",
        "from typing import Literal, Optional",
        "import msgspec, msgspec.json",
    ]
    for qualified, fields in classes:
        lines.append(f"class {names[qualified]}(msgspec.Struct, frozen=True, kw_only=True):")
        lines.extend(f"    {field}: {_short(kind, names)}" for field, kind in fields.items())
    decoded = ", ".join(sorted(names.values()))
    lines.append(f"_decoders = [msgspec.json.Decoder(t) for t in ({decoded},)]")
    return "\n".join(lines)


def msgspec_path() -> Path:
    """msgspec installed for this measurement only (once, under the user's cache folder)."""
    folder = cache_folder().parent / "msgspec" / MSGSPEC.split("==")[1]
    if not (folder / "msgspec").is_dir():
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--target", str(folder), MSGSPEC],
            check=True,
        )
    return folder


def lighter_layers(models: str, folder: Path) -> tuple[tuple[str, str], ...]:
    return (
        *LAYERS[:3],
        (
            "msgspec, the package",
            f"import sys; sys.path.insert(0, {str(folder)!r}); import msgspec",
        ),
        ("ClaudeMeter's model classes as msgspec Structs", models),
    )


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
    lighter = lighter_layers(msgspec_models(), msgspec_path())
    one_run()  # fills the bytecode caches
    one_run(lighter)
    runs, lighter_runs = [], []
    for _ in range(args.runs):  # in turn, so a load that comes and goes hits both chains
        runs.append(one_run())
        lighter_runs.append(one_run(lighter))
    medians = medians_of(runs)
    lighter_medians = medians_of(lighter_runs)
    rows: list[Row] = []
    table = table_of(LAYERS, medians, rows)
    lighter_table = table_of(lighter[3:], lighter_medians[3:], rows)[:-1]
    pydantic = [sum(m[k] for m in medians[4:7]) for k in range(3)]
    msgspec = [sum(m[k] for m in lighter_medians[3:]) for k in range(3)]
    rows.append(
        Row(
            "pydantic as a whole (package and schema machinery)",
            "",
            f"+{medians[4][0] + medians[5][0]:.1f} MB, {medians[4][2] + medians[5][2]:.0f} ms",
            None,
        )
    )
    saving = (
        f"ClaudeMeter's models on pydantic: +{pydantic[0]:.1f} MB (anon +{pydantic[1]:.1f}), "
        f"{pydantic[2]:.0f} ms; as msgspec Structs: +{msgspec[0]:.1f} MB "
        f"(anon +{msgspec[1]:.1f}), {msgspec[2]:.0f} ms; difference "
        f"{pydantic[0] - msgspec[0]:.1f} MB, {pydantic[2] - msgspec[2]:.0f} ms"
    )
    rows.append(Row("models on pydantic against msgspec", "", saving, None))
    widget = widget_figure()
    output = "\n".join(
        [
            *table,
            "",
            "A lighter validating library, after the same first three layers:",
            "",
            *lighter_table,
            "",
            saving,
            "",
            f"median of {args.runs} processes each; claude-usage-widget's whole process at 60 s "
            f"in the last peers run: {widget}",
        ]
    )
    print(output)
    markdown = "\n".join(
        [
            *table,
            "",
            "A lighter validating library, after the same first "
            "three layers (not a dependency; measured for the comparison):",
            "",
            *lighter_table,
            "",
            saving + ".",
        ]
    )
    record("import_costs", rows, output, extra={"markdown": markdown})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
