"""The layers of benchmarks/import_costs.py: the models' layer is the tray's real models."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks.import_costs import LAYERS, MODEL_MODULES


def test_the_models_layer_builds_a_decoder_for_every_model_the_tray_reads_at_start() -> None:
    """Run as the benchmark runs it, after msgspec's layer."""
    steps = [code for _, code in LAYERS[3:5]]
    probe = (
        "import json, sys\n"
        f"for code in {steps!r}:\n"
        "    exec(code, globals())\n"
        f"imported = [m for m in {MODEL_MODULES!r} if m in sys.modules]\n"
        "print(json.dumps({'decoded': sorted(_decoders), 'imported': imported}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert {"Snapshot", "UsageWindow", "Settings", "AccountRef", "SavedState", "Hold"} <= set(
        found["decoded"]
    )
    assert found["imported"] == list(MODEL_MODULES)


def test_every_layer_runs_as_the_benchmark_runs_them() -> None:
    """The whole chain in one fresh process, as one of the benchmark's runs: a layer whose
    code no longer imports (a module moved) fails here, not first at the next benchmark run."""
    from benchmarks.import_costs import one_run

    added = one_run(LAYERS)
    assert len(added) == len(LAYERS)
    assert added[0][0] > 10  # Qt: tens of MB
