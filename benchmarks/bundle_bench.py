"""The Linux bundles people download: size, and start to first drawn snapshot.

Method. Measures what ``bash packaging/build-linux`` left in ``packaging/build/dist/`` (build
it first): the single file's size and the folder bundle's size on disk; then, on a private
desktop (Xvfb, a session D-Bus, trayer, dunst: the one the end-to-end tests use), the time
from spawning ``<program> --demo --debug`` to its "snapshot drawn" log line, with a fresh
home each start, through ``packaging/smoke.py``'s own start routine (which also checks the
icon, a clean quit and that nothing is left behind). The single file's first start unpacks it
into an empty cache; the ``--starts`` after it use that copy; the folder bundle is started
``--starts`` times too. Medians, with every figure listed.

Run: ``bash packaging/build-linux && .venv/bin/python benchmarks/bundle_bench.py``. Targets
(issue 8): the single file at most 60 MB; its start to first drawn snapshot within 1.5 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.desktop import private_desktop  # noqa: E402
from tests.support.packaging import packaging_script  # noqa: E402

from benchmarks.results import Row, record  # noqa: E402

DIST = ROOT / "packaging" / "build" / "dist"
SIZE_TARGET_MB = 60.0
START_TARGET = 1.5


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--starts", type=int, default=9)
    args = parser.parse_args()
    singles = sorted(DIST.glob("claude-meter-linux-*"))
    folder = DIST / "claude-meter" / "claude-meter"
    if not singles or not folder.exists():
        print("no bundle in packaging/build/dist: run bash packaging/build-linux first")
        return 1
    single = singles[0]
    smoke = packaging_script("smoke")
    size = single.stat().st_size / 1e6
    du = subprocess.run(["du", "-sm", str(folder.parent)], capture_output=True, text=True)
    folder_mb = int(du.stdout.split()[0]) if du.returncode == 0 else 0
    with private_desktop() as desktop, tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        cache = root / "cache"
        first = smoke.tray_start(desktop, single, root / "s0", first=True, cache=cache)
        later, folder_times = [], []
        for index in range(1, args.starts + 1):  # interleaved, so load falls on both evenly
            later.append(smoke.tray_start(desktop, single, root / f"s{index}", first=False,
                                          cache=cache))  # fmt: skip
            folder_times.append(
                smoke.tray_start(desktop, folder, root / f"f{index}", first=index == 1)
            )
    median, folder_median = statistics.median(later), statistics.median(folder_times)
    output = "\n".join(
        [
            f"single file {single.name}: {size:.1f} MB; folder bundle {folder_mb} MB on disk",
            f"single file, first start (unpacks into the cache): {first:.2f} s",
            f"single file, later starts: median {median:.2f} s ("
            + ", ".join(f"{t:.2f}" for t in later)
            + ")",
            f"folder bundle: median {folder_median:.2f} s ("
            + ", ".join(f"{t:.2f}" for t in folder_times)
            + ")",
        ]
    )
    print(output)
    record(
        "bundle_bench",
        [
            Row(
                "Linux single file size", f"≤ {SIZE_TARGET_MB:.0f} MB", f"{size:.1f} MB", size <= 60
            ),
            Row(
                "Linux single file: start to first drawn snapshot (after its first start)",
                f"≤ {START_TARGET} s",
                f"median {median:.2f} s of {len(later)}",
                median <= START_TARGET,
            ),
            Row(
                "Linux single file: first start of a version (unpacks once)",
                "",
                f"{first:.1f} s",
                None,
            ),
            Row(
                "Linux folder bundle: start to first drawn snapshot",
                f"≤ {START_TARGET} s",
                f"median {folder_median:.2f} s of {len(folder_times)}",
                folder_median <= START_TARGET,
            ),
        ],
        output,
    )
    return 0 if size <= SIZE_TARGET_MB and median <= START_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
